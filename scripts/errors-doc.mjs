#!/usr/bin/env node
// Prints the table rows of docs/reference/errors.md from src/lib/errors.ts, so the page can be
// refreshed when codes are added (a unit test checks both directions).
import { readFileSync } from 'node:fs';
const src = readFileSync(new URL('../src/lib/errors.ts', import.meta.url), 'utf8');
for (const m of src.matchAll(/^\s+(UCC_ERR_[A-Z_]+): '([^']+)',/gm)) console.log(`| \`${m[1]}\` | ${m[2]} |`);
