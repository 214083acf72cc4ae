/**
 * Character classes and small scanners shared by the SIP grammar (RFC 3261 section 25.1).
 * Tables are indexed by char code (ASCII only; anything >= 128 is outside every class), so the
 * hot loops test one array element per character instead of running a regular expression.
 * @internal
 */
import type { SipParseError, SipParseErrorKind } from '../message/sip-message.ts';

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", true);
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
const UNRESERVED = "-_.!~*'()";
/** user = 1*(unreserved / escaped / user-unreserved); user-unreserved = & = + $ , ; ? / */
export const USER = table(UNRESERVED + '&=+$,;?/%', true);
/** password = *(unreserved / escaped / & = + $ ,) */
export const PASSWORD = table(UNRESERVED + '&=+$,%', true);
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $ */
export const URI_PARAM = table(UNRESERVED + '[]/:&+$%', true);
/** hname / hvalue characters: hnv-unreserved = [ ] / ? : + $ */
export const URI_HEADER = table(UNRESERVED + '[]/?:+$%', true);
/** hostname, IPv4address (IPv6 references are handled apart). "_" is tolerated: it appears in the wild. */
export const HOST = table('-._', true);
/** Characters inside an IPv6 reference (between the brackets). */
export const IPV6 = table(':.', true);
/** scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") */
export const SCHEME = table('+-.', true);

export const isToken = (c: number): boolean => TOKEN[c] === 1;

/** True when every character of `s` (non-empty) is a token character. */
export function isTokenString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** SP or HTAB. */
export const isWs = (c: number): boolean => c === 32 || c === 9;

export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/**
 * Scans a quoted-string starting at the opening quote `s[i] === '"'` and returns the index just
 * after the closing quote, or -1 when it is unterminated. quoted-pair (`\x`) escapes one character.
 */
export function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92 /* \ */) j++;
    else if (c === 34 /* " */) return j + 1;
  }
  return -1;
}

/** Removes the quotes and resolves quoted-pairs of a complete quoted-string (`"a\"b"` -> `a"b`). */
export function unquote(q: string): string {
  const inner = q.length >= 2 && q.charCodeAt(0) === 34 && q.charCodeAt(q.length - 1) === 34 ? q.slice(1, -1) : q;
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) out += inner[++i];
    else out += ch;
  }
  return out;
}

/** Wraps `s` in a quoted-string, escaping `"` and `\` as quoted-pairs. */
export function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (m) => '\\' + m) + '"';
}

/** Builds a SipParseError. */
export function parseError(kind: SipParseErrorKind, message: string, at?: number): SipParseError {
  return at === undefined ? { kind, message } : { kind, message, at };
}

/**
 * Common parameter names as constant strings. Using a constant (internalized) string as a property
 * key is about twice as fast as a freshly sliced one, and these names appear on every message.
 */
const COMMON_NAMES: readonly string[] = ['tag', 'branch', 'rport', 'received', 'lr', 'transport', 'expires', 'maddr', 'q', 'user', 'ttl', 'epid', 'ob', 'gr', 'reg-id', '+sip.instance', 'method'];
const COMMON_BY_LENGTH: readonly (readonly string[])[] = (() => {
  const t: string[][] = [];
  for (const n of COMMON_NAMES) (t[n.length] ??= []).push(n);
  return t;
})();

/** `s[a, b)` lower-cased, as a constant string when it is a common parameter name. */
export function lowerName(s: string, a: number, b: number): string {
  const list = COMMON_BY_LENGTH[b - a];
  if (list !== undefined) {
    for (let k = 0; k < list.length; k++) {
      const n = list[k] as string;
      let i = 0;
      for (; i < n.length; i++) {
        const c = s.charCodeAt(a + i);
        if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== n.charCodeAt(i)) break;
      }
      if (i === n.length) return n;
    }
  }
  return s.slice(a, b).toLowerCase();
}

/** 1 to `maxDigits` ASCII decimal digits as a number (what /^\d{1,N}$/ accepts), else undefined. */
export function decimalDigits(s: string, maxDigits: number): number | undefined {
  if (s.length === 0 || s.length > maxDigits) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n;
}
