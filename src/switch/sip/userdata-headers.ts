/**
 * UserData from and to SIP headers (docs/voice.md, "UserData"):
 * - in: every `X-Genesys-<key>: <value>` header becomes the UserData pair `<key>` = `<value>`, and
 *   each configured header (`userdata-headers`) becomes a pair named by its `key`;
 * - out: the offer to a KW's phone carries each flat string or integer pair as `X-Genesys-<key>`.
 * Bounded both ways: at most 32 pairs, keys of 1-64 token characters, values of 1024 characters
 * without control characters; anything else is left out (and logged by the caller).
 */
import type { SipRequest } from '../../sip/message/index.ts';
import type { KvList, KvPair } from '../../tlib/index.ts';
import type { UserDataHeader } from '../../config/voice-settings.ts';

export const USERDATA_HEADER_PREFIX = 'X-Genesys-';
export const MAX_USERDATA_HEADERS = 32;
const MAX_VALUE = 1024;
const KEY = /^[A-Za-z0-9!%'*+.^_`|~-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const usable = (value: string): boolean => value.length > 0 && value.length <= MAX_VALUE && !CONTROL.test(value);

/** The UserData a request's headers carry, in header order; `skipped` counts what was left out. */
export function userDataFromHeaders(request: SipRequest, configured: readonly UserDataHeader[]): { userData: KvPair[]; skipped: number } {
  const byHeader = new Map(configured.map((c) => [c.header.toLowerCase(), c.key]));
  const prefix = USERDATA_HEADER_PREFIX.toLowerCase();
  const userData: KvPair[] = [];
  let skipped = 0;
  for (const [name, raw] of request.headers.entries()) {
    const lower = name.toLowerCase();
    const key = lower.startsWith(prefix) ? name.slice(prefix.length) : byHeader.get(lower);
    if (key === undefined) continue;
    const value = raw.trim();
    if (userData.length >= MAX_USERDATA_HEADERS || !KEY.test(key) || !usable(value)) {
      skipped++;
      continue;
    }
    userData.push([key, value]);
  }
  return { userData, skipped };
}

/** `X-Genesys-<key>` headers for the flat string and integer pairs of `userData`. */
export function headersFromUserData(userData: KvList): { headers: Record<string, string>; skipped: number } {
  const headers: Record<string, string> = {};
  let count = 0;
  let skipped = 0;
  for (const [key, value] of userData) {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
    const name = `${USERDATA_HEADER_PREFIX}${key}`;
    if (text === undefined || count >= MAX_USERDATA_HEADERS || !KEY.test(key) || !usable(text) || name in headers) {
      skipped++;
      continue;
    }
    headers[name] = text;
    count++;
  }
  return { headers, skipped };
}
