// Builds the owner's web page (src/web/) into dist/web/: hashed bundles in assets/ and an index.html naming them
// (no inline script: the page's CSP admits scripts and styles from its assets path only). The server reads that
// folder at start (src/server/web-page.ts). Fails when the first load, compressed, is over its budget.
// Run by `npm run build`, `npm install` (prepare) and `npm run build:web`; the tests build it when it is stale.
import { build } from 'esbuild';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');
const assets = join(out, 'assets');
/** The budget: the first load under 200 KB of compressed script (and style). */
const budget = 200 * 1024;

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/web/main.tsx'],
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: true,
  target: 'es2022',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
  // n3's stream classes are unused by the page; see src/web/data-no-streams.ts.
  alias: { 'readable-stream': './src/web/data-no-streams.ts' },
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  outdir: assets,
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  write: false,
  logLevel: 'warning',
});

const outputs = result.metafile.outputs;
const key = (file) => relative(root, file).split('\\').join('/');
const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint === 'src/web/main.tsx');
if (!entry) throw new Error('esbuild wrote no bundle for src/web/main.tsx');

// The first load: the entry, every chunk it imports statically (not `import()`), and its stylesheet.
const firstLoad = new Set();
const visit = (file) => {
  if (firstLoad.has(file)) return;
  firstLoad.add(file);
  for (const imported of outputs[file].imports) if (imported.kind === 'import-statement') visit(imported.path);
};
visit(entry);
const stylesheet = outputs[entry].cssBundle;
if (stylesheet) firstLoad.add(stylesheet);

const files = new Map(result.outputFiles.map((file) => [key(file.path), file.contents]));
let gzipped = 0;
let minified = 0;
for (const file of firstLoad) {
  const contents = files.get(file);
  minified += contents.length;
  gzipped += gzipSync(contents, { level: 9 }).length;
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const summary =
  `web page: first load ${kb(gzipped)} gzip (${kb(minified)} minified) in ${firstLoad.size} file(s), ` +
  `budget ${kb(budget)}`;
if (gzipped > budget) {
  process.stderr.write(`${summary}: over budget, not written.\n`);
  process.exit(1);
}

// The hashed files first (new names beside the old ones), then index.html in one rename, then the old files: a server
// starting meanwhile reads a complete page, old or new.
await mkdir(assets, { recursive: true });
const written = new Set();
for (const file of result.outputFiles) {
  await writeFile(file.path, file.contents);
  written.add(basename(file.path));
}
const name = (file) => `assets/${basename(file)}`;
const scripts = [...firstLoad].filter((file) => file.endsWith('.js'));
const html = [
  '<!DOCTYPE html>',
  '<html lang="en">',
  '<head>',
  '<meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  '<title>Hearth</title>',
  ...(stylesheet ? [`<link rel="stylesheet" href="${name(stylesheet)}">`] : []),
  ...scripts.filter((file) => file !== entry).map((file) => `<link rel="modulepreload" href="${name(file)}">`),
  `<script type="module" src="${name(entry)}"></script>`,
  '</head>',
  '<body>',
  '<div id="app"></div>',
  "<noscript><p>Hearth's page needs JavaScript.</p></noscript>",
  '</body>',
  '</html>',
  '',
].join('\n');
const temporary = join(out, `.index-${process.pid}.html`);
await writeFile(temporary, html);
await rename(temporary, join(out, 'index.html'));
for (const old of await readdir(assets)) if (!written.has(old)) await rm(join(assets, old), { force: true });
process.stdout.write(`${summary}\n`);
