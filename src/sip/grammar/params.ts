/**
 * Header parameters: `;name[=value]` lists after Via, From/To, Contact, Content-Type, Event...
 * (RFC 3261 section 25.1: generic-param = token [ EQUAL gen-value ]; gen-value = token / host /
 * quoted-string). Names are lower-cased; a flag parameter (`;lr`, `;rport`) has the value `null`.
 * Values are kept as written, quoted-strings included with their quotes (`+sip.instance="<urn:...>"`),
 * so formatting writes back exactly what was read; `unquote()` gives the text inside.
 */
import type { Params, SipParseError } from '../message/sip-message.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { TOKEN, lowerName, parseError, quote, scanQuoted, skipWs } from './chars.ts';

/**
 * A gen-value is a token, a host (which may be an IPv6 reference `[..]` or, for `received=`, a bare
 * IPv6 address with colons) or a quoted-string. We accept any run of characters other than LWS and
 * the separators that end a value, which keeps `received=2001:db8::1` and base64 `epid=ab==` intact.
 */
const VALUE = (() => {
  const t = new Uint8Array(256);
  for (let c = 33; c < 256; c++) t[c] = 1;
  for (const c of [59 /* ; */, 44 /* , */, 34 /* " */, 60 /* < */, 62 /* > */, 127]) t[c] = 0;
  return t;
})();

function isValueChar(c: number): boolean {
  return c > 255 || VALUE[c] === 1;
}

/**
 * Scans `;name[=value]` pairs of `s` from `i` into `out`. With `first` the leading `;` of the first
 * pair is optional. Stops at the end of `s` or at the first character that cannot continue the list
 * (the caller decides whether that is an error) and returns that index; returns -1 on a malformed
 * pair (empty name, unterminated quoted-string).
 * @internal
 */
export function scanParams(s: string, i: number, out: Params, first = false): number {
  const n = s.length;
  let needSemi = !first;
  while (true) {
    i = skipWs(s, i);
    if (i >= n) return i;
    if (s.charCodeAt(i) === 59) {
      i = skipWs(s, i + 1);
    } else if (needSemi) {
      return i;
    }
    needSemi = true;
    const nameStart = i;
    while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === nameStart) return -1;
    const name = lowerName(s, nameStart, i);
    let value: string | null = null;
    let j = skipWs(s, i);
    if (j < n && s.charCodeAt(j) === 61 /* = */) {
      j = skipWs(s, j + 1);
      if (j < n && s.charCodeAt(j) === 34) {
        const end = scanQuoted(s, j);
        if (end < 0) return -1;
        value = s.slice(j, end);
        i = end;
      } else {
        const vs = j;
        while (j < n) {
          const c = s.charCodeAt(j);
          if (VALUE[c] !== 1 && c < 256) break;
          j++;
        }
        value = s.slice(vs, j);
        i = j;
      }
    }
    // `__proto__` would rewrite the object's prototype instead of adding a key.
    if (name !== '__proto__') out[name] = value;
  }
}

/**
 * Parses a parameter list such as `;tag=1928301774;lr` (the leading `;` is optional).
 */
export function parseParams(s: string): Result<Params, SipParseError> {
  const out: Params = {};
  const end = scanParams(s, 0, out, true);
  if (end !== s.length) return err(parseError('bad-header', `malformed parameter list: ${JSON.stringify(s.slice(0, 80))}`, end < 0 ? undefined : end));
  return ok(out);
}

function needsQuoting(v: string): boolean {
  if (v.length === 0) return false;
  if (v.charCodeAt(0) === 34 && scanQuoted(v, 0) === v.length) return false; // already a quoted-string
  for (let i = 0; i < v.length; i++) if (!isValueChar(v.charCodeAt(i))) return true;
  return false;
}

/** Formats parameters as `;name=value;flag`. A value that is not a valid gen-value is quoted. */
export function formatParams(p: Params): string {
  let out = '';
  for (const name in p) {
    const v = p[name];
    if (v === undefined) continue;
    out += v === null ? ';' + name : ';' + name + '=' + (needsQuoting(v) ? quote(v) : v);
  }
  return out;
}
