import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { knownOptions } from '../../../src/config/option-table.ts';

const doc = readFileSync('docs/configuration.md', 'utf8');

/** Option rows of the doc: section → option names. */
function documented(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let section = '';
  for (const line of doc.split('\n')) {
    const h = /^### `\[(.+)\]`$/.exec(line);
    if (h) section = h[1] ?? '';
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row && section) out.set(section, (out.get(section) ?? new Set()).add(row[1] ?? ''));
  }
  return out;
}

test('docs/configuration.md lists every declared option in its section, and nothing undeclared', () => {
  const docs = documented();
  for (const o of knownOptions) assert.ok(docs.get(o.section)?.has(o.name), `${o.section}/${o.name} missing from docs/configuration.md`);
  for (const [section, names] of docs) for (const n of names) assert.ok(knownOptions.some((o) => o.section === section && o.name === n), `${section}/${n} is documented but not declared`);
});
