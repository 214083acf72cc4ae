/**
 * Notes with `&` or `<`. Seed 000 (options `presence-acw-note`, `presence-lg-note`): "The
 * ampersand (&) and less than (<) symbols should not be used in the string value. Microsoft Lync
 * 2010 does not accept presence updates if the [note] contains an ampersand (&) or less than (<)
 * symbol. It rejects the presence update … and the Lync user will not be set into the state".
 *
 * Our builders always escape (`&amp;`, `&lt;`), which is correct XML and what later Front Ends
 * accept (they send escaped notes themselves, protocol-notes V2). For a Lync 2010 pool the
 * connector can choose `reject` (do not send; the caller reports it, as the seed warns) or `strip`.
 * `ucc check-config` can use {@link hasLync2010UnsafeCharacters} to warn about configured notes.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';

/** `escape` (default): send escaped. `reject`: refuse with `unsafe-note`. `strip`: remove `&` and `<`. */
export type NoteCharacterPolicy = 'escape' | 'reject' | 'strip';

/** True when the text holds `&` or `<`, which Lync 2010 rejects in published notes (seed 000). */
export function hasLync2010UnsafeCharacters(text: string): boolean {
  return /[&<]/.test(text);
}

/** Applies a {@link NoteCharacterPolicy} to note text before it is escaped and sent. */
export function applyNotePolicy(text: string, policy: NoteCharacterPolicy = 'escape'): Result<string, PresenceCodecError> {
  if (policy === 'escape' || !hasLync2010UnsafeCharacters(text)) return ok(text);
  if (policy === 'strip') return ok(text.replace(/[&<]/g, '').replace(/\s{2,}/g, ' ').trim());
  return err(codecError('unsafe-note', `note '${text}' contains '&' or '<', which Lync 2010 rejects (seed 000, presence-acw-note)`));
}
