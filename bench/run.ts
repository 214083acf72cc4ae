/**
 * Benchmark runner: `npm run bench -- <name>` runs `bench/<name>.ts`, whose default export is an
 * async function that prints a table and ends with one `BENCH {json}` line.
 */
const name = process.argv[2];
if (name === undefined || !/^[a-z0-9-]+$/.test(name)) {
  console.error('usage: npm run bench -- <name>   (runs bench/<name>.ts)');
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { default?: () => unknown };
if (typeof mod.default !== 'function') {
  console.error(`bench/${name}.ts has no default export function`);
  process.exit(2);
}
await mod.default();
