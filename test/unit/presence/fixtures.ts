/** Reads protocol vectors from test/fixtures/presence/. */
import { readFileSync } from 'node:fs';

const root = new URL('../../fixtures/presence/', import.meta.url);

/** The fixture's bytes, as a SIP body would arrive. */
export function fixture(path: string): Buffer {
  return readFileSync(new URL(path, root));
}

/** The fixture as text (trailing newline of `.content-type` files removed). */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, root), 'utf8').replace(/\n$/, '');
}
