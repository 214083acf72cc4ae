#!/usr/bin/env node
// Bundles the browser client: client/src/main.tsx → <outdir>/main.js (ES module, minified, with a
// source map), plus index.html and styles.css. `node client/build.mjs [outdir]`; the default outdir
// is client/dist, which the web server serves (src/web/routes/client-static-routes.ts).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ringToneWav } from './ring-tone.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the client into `outdir`; resolves with the files written. */
export async function buildClient(outdir = join(here, 'dist')) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src', 'main.tsx')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
  await copyFile(join(here, 'styles.css'), join(outdir, 'styles.css'));
  await mkdir(join(outdir, 'audio'), { recursive: true });
  await writeFile(join(outdir, 'audio', 'ring.wav'), ringToneWav());
  return [...Object.keys(result.metafile.outputs).map((f) => resolve(f)), join(outdir, 'index.html'), join(outdir, 'styles.css'), join(outdir, 'audio', 'ring.wav')];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await buildClient(process.argv[2] ? resolve(process.argv[2]) : undefined);
  for (const f of files) console.log(f);
}
