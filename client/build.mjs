#!/usr/bin/env node
// Bundles the browser client: client/src/main.tsx → <outdir>/main.js (ES module, minified), plus
// index.html and styles.css. `node client/build.mjs [outdir] [--sourcemap]`; the default outdir is
// client/dist, which the web server serves (src/web/routes/client-static-routes.ts). The production
// build has no source map (it would hand out the client's source); `--sourcemap` inlines one for
// debugging a local build.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ringToneWav } from './ring-tone.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the client into `outdir`; resolves with the files written. `sourcemap`: inline a source map (development only). */
export async function buildClient(outdir = join(here, 'dist'), { sourcemap = false } = {}) {
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
    sourcemap: sourcemap ? 'inline' : false,
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
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  const files = await buildClient(out ? resolve(out) : undefined, { sourcemap: args.includes('--sourcemap') });
  for (const f of files) console.log(f);
}
