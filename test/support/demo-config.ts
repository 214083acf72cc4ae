// config/demo.yaml as the tests use it: the same file with its store in memory, so no test writes
// the demo's SQLite file (data/openucc.sqlite) in the working directory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const demoConfigFile = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));

/** The text of config/demo.yaml with `store.path` set to ":memory:", and `extra` appended. */
export function inMemoryDemoYaml(extra = ''): string {
  const text = readFileSync(demoConfigFile, 'utf8');
  const replaced = text.replace(/^(store:\n(?:[ \t]+.*\n)*?[ \t]+path:)[ \t]*\S.*$/m, '$1 ":memory:"');
  if (replaced === text) throw new Error('config/demo.yaml has no store.path line to replace');
  return replaced + extra;
}
