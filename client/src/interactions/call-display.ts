/**
 * Pure rules of the Interaction window (seed 000 4.8, 4.18): which UserData a call shows, whether a
 * ringing call pops its window (`popup-udata-key`), and the KV list as the flat record the field
 * formats read.
 */
import { parseUserDataFormat, userDataFields } from '../preview/userdata-format.ts';
import type { InteractionView, KvList } from '../socket/kw-socket-state.ts';

/** The first value of each key (UserData keys may repeat; the first is the one shown). */
export function kvRecord(list: KvList): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of list.slice(0, 500)) if (!(k in out)) out[k] = v;
  return out;
}

/** The value of one key as text ('' when absent or not text). */
export function kvText(list: KvList, key: string): string {
  const v = kvRecord(list)[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/**
 * Whether the call-control window pops for a call (seed 000 L7600-7609): always for a call that
 * came from a preview; otherwise, with `popup-udata-key` set, only when the call carries that key.
 */
export function shouldPopup(call: InteractionView, popupKey: string, fromPreview: boolean): boolean {
  if (fromPreview || popupKey.trim() === '') return true;
  return call.userData.some(([k]) => k === popupKey.trim());
}

/** What the window shows in a state, per the `userdata-*-onringing` options (seed 000 requirement 37). */
export function visibleSections(state: InteractionView['state'], o: { userDataOnRinging: boolean; notesOnRinging: boolean; contactOnRinging: boolean }) {
  const ringing = state === 'ringing';
  return { caseData: !ringing || o.userDataOnRinging, notes: !ringing || o.notesOnRinging, contact: !ringing || o.contactOnRinging };
}

/** The fields of `formats` the call carries, with their UserData key (for `data-key`), in option order. */
export function keyedFields(formats: readonly unknown[], record: Readonly<Record<string, unknown>>): Array<{ key: string; title: string; value: string }> {
  const out: Array<{ key: string; title: string; value: string }> = [];
  for (const f of formats) {
    const parsed = parseUserDataFormat(f);
    if (parsed === undefined) continue;
    const [field] = userDataFields([f], record);
    if (field) out.push({ key: parsed.key, ...field });
  }
  return out;
}
