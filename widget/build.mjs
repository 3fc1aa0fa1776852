/* Bundles each page's script from the ES modules under widget/src/ into the one file the
   server serves (widget/public/widget.js, console.js, supervisor.js): an IIFE with no globals of its
   own, as a host page expects of an embed, minified (the widget loads on every host page)
   with a source map beside it (widget.js.map, …) for reading it in the browser's tools.
   widget/public/ is all the server serves (under /static): the built scripts beside the pages'
   HTML, CSS and demo.js, never the sources, tests or this file.
   Run `npm run build` after editing widget/src/; the built files are committed, and
   widget/test/build.test.mjs fails when they are stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The pages, each one entry module and one served file of the same name. */
export const PAGES = ['widget', 'console', 'supervisor'];

/** The built files of one page, by path: the script (its source's opening comment, which
    says what the file is and how to embed it, a line saying where it comes from, then the
    bundle) and its source map. */
export const bundle = async (page) => {
  const entry = `${HERE}src/${page}.js`;
  const intro = readFileSync(entry, 'utf8').match(/^\/\*[\s\S]*?\*\//)[0];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: `${intro}\n/* Built from widget/src/${page}.js by \`npm run build\`: edit the sources, not this file. */` },
    minify: true,
    sourcemap: 'linked',
    outfile: `${HERE}public/${page}.js`,
    write: false,
    logLevel: 'warning',
  });
  return new Map(result.outputFiles.map((f) => [f.path, f.text]));
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const page of PAGES) for (const [path, text] of await bundle(page)) writeFileSync(path, text);
}
