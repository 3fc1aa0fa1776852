/* The served scripts are committed build output: they must be exactly what the build makes
   from widget/src/ today, or a source edit never reached the browser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGES, bundle } from '../build.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

for (const page of PAGES) {
  test(`widget/public/${page}.js and its source map are the current build of widget/src/${page}.js`, async () => {
    const built = await bundle(page);
    assert.deepEqual([...built.keys()].map((p) => relative(REPO, p)).sort(), [`widget/public/${page}.js`, `widget/public/${page}.js.map`]);
    for (const [path, text] of built) {
      assert.ok(readFileSync(path, 'utf8') === text, `${relative(REPO, path)} is stale: run \`npm run build\` and commit it`);
    }
  });
}
