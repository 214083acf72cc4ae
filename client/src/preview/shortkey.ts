/**
 * The Preview window hotkeys `preview-shortkey-accept` / `-reject` (seed 000 4.16, L5897-5934):
 * - blank: no hotkey;
 * - `#<ASCII decimal>` (e.g. `#32`): the key with that character code;
 * - otherwise up to 255 characters, any of which triggers the action (`QqWw` is Q or W in either
 *   case); a leading literal `#` is written `##`.
 * Pure: the Preview window passes KeyboardEvent.key to {@link matchesShortkey}.
 */

/** The keys that trigger an action; empty: disabled. */
export type Shortkey = ReadonlySet<string>;

/** KeyboardEvent.key of the ASCII control codes a hotkey may name. */
const controlKeys: Record<number, string> = { 8: 'Backspace', 9: 'Tab', 13: 'Enter', 27: 'Escape', 127: 'Delete' };

const MAX_LENGTH = 255;

/** Parses an option value; an invalid one (a lone `#`, `#x`, a code over 127, over 255 characters) disables the hotkey. */
export function parseShortkey(option: unknown): Shortkey {
  if (typeof option !== 'string' || option === '') return new Set();
  if (option.startsWith('##')) return charsOf(option.slice(1));
  if (option.startsWith('#')) {
    const m = /^#(\d{1,3})$/.exec(option);
    if (m === null) return new Set();
    const code = Number(m[1]);
    if (code > 127) return new Set();
    const key = controlKeys[code] ?? (code >= 32 ? String.fromCharCode(code) : undefined);
    return new Set(key === undefined ? [] : [key]);
  }
  return charsOf(option);
}

function charsOf(s: string): Shortkey {
  if (s.length > MAX_LENGTH) return new Set();
  return new Set([...s]);
}

/** Whether a key press (KeyboardEvent.key) triggers the hotkey. */
export function matchesShortkey(shortkey: Shortkey, key: string): boolean {
  return shortkey.has(key);
}
