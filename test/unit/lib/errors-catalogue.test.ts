// The error catalogue and its reference page list the same codes, both ways (style rule 10),
// and every catalogued code is used somewhere in src/ (no dead codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalogue } from '../../../src/lib/errors.ts';

const root = new URL('../../../', import.meta.url).pathname;
const documented = new Set([...readFileSync(join(root, 'docs/reference/errors.md'), 'utf8').matchAll(/^\|\s*`(UCC_ERR_[A-Z_]+)`/gm)].map((m) => m[1]!));
const catalogued = new Set(Object.keys(errorCatalogue));

test('every catalogued error code is documented in docs/reference/errors.md', () => {
  assert.deepEqual([...catalogued].filter((c) => !documented.has(c)), []);
});

test('every documented error code exists in the catalogue', () => {
  assert.deepEqual([...documented].filter((c) => !catalogued.has(c)), []);
});

test('every catalogued error code is raised somewhere in src/', () => {
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      // In errors.ts only the code after the catalogue counts (the catalogue names every code).
      else if (p.endsWith('.ts')) sources.push(readFileSync(p, 'utf8').replace(/errorCatalogue = \{[\s\S]*?\} as const/, ''));
    }
  };
  walk(join(root, 'src'));
  const all = sources.join('\n');
  assert.deepEqual([...catalogued].filter((c) => !all.includes(`'${c}'`)), []);
});
