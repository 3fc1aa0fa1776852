/* The served scripts are committed build output: they must be exactly what the build makes
   from widget/src/ today, or a source edit never reached the browser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PAGES, bundle, servedPath } from '../build.mjs';

for (const page of PAGES) {
  test(`widget/${page}.js is the current build of widget/src/${page}.js`, async () => {
    const committed = readFileSync(servedPath(page), 'utf8');
    assert.ok(committed === (await bundle(page)), `widget/${page}.js is stale: run \`npm run build\` and commit it`);
  });
}
