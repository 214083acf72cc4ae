#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size: a young generation of 64 MiB semi-spaces; see docs/performance.md.
// The `ucc` command. Sources are TypeScript loaded through scripts/register-ts.mjs, so a clean
// clone works after `npm ci` with no build step.
import '../scripts/register-ts.mjs';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
