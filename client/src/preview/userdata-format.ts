/**
 * The UserData fields of the Preview and Interaction windows (seed 000 4.7, L7472-7530): each
 * `userdata-preview-format<n>` / `userdata-call-format<n>` / `userdata-contact-format` value is
 * `title: <Display name>, value: [<UserData key>]`. Pure: the windows render the result as text
 * nodes, never as HTML (UserData comes from callers and IVRs).
 */

/** One parsed format: the title shown and the UserData key whose value is shown. */
export interface UserDataFormat {
  title: string;
  key: string;
}

/** One field to show. */
export interface UserDataField {
  title: string;
  value: string;
}

const FORMAT = /^\s*title\s*:\s*(.*?)\s*,\s*value\s*:\s*\[([^\]]{1,256})\]\s*$/i;
const MAX_TITLE = 256;
const MAX_VALUE = 4096;

/** Parses one format option; undefined when it does not follow `title: X, value: [KEY]`. */
export function parseUserDataFormat(option: unknown): UserDataFormat | undefined {
  if (typeof option !== 'string' || option.length > 1024) return undefined;
  const m = FORMAT.exec(option);
  if (m === null) return undefined;
  const title = m[1]!.slice(0, MAX_TITLE);
  const key = m[2]!.trim();
  return key === '' ? undefined : { title, key };
}

/** A UserData value as text: strings as they are, numbers in decimal, lists and others skipped. */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.slice(0, MAX_VALUE);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The fields to show for a call's UserData, in option order. Invalid formats and keys the call
 * does not carry are left out.
 */
export function userDataFields(formats: readonly unknown[], userData: Readonly<Record<string, unknown>>): UserDataField[] {
  const out: UserDataField[] = [];
  for (const f of formats) {
    const parsed = parseUserDataFormat(f);
    if (parsed === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(userData, parsed.key)) continue;
    const value = asText(userData[parsed.key]);
    if (value !== undefined) out.push({ title: parsed.title, value });
  }
  return out;
}
