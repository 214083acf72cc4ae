/**
 * SIP and SIPS URIs (RFC 3261 section 19.1, grammar in 25.1):
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *
 * The user part and password are unescaped (`%41` -> `A`, bytes decoded as UTF-8) and escaped again
 * by `formatUri` where the grammar requires it, which RFC 3261 section 19.1.4 makes an equivalent
 * URI. Parameter names are lower-cased; parameter and header values stay as written (escaped).
 * Other schemes (`tel:`, `urn:`, `mailto:`...) are kept opaque: `raw` holds what follows the colon.
 */
import type { Params, SipParseError, SipUri } from '../message/sip-message.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { HOST, IPV6, PASSWORD, SCHEME, URI_HEADER, URI_PARAM, USER, lowerName, parseError } from './chars.ts';

const bad = (s: string, why: string, at?: number): SipParseError =>
  (parseError('bad-uri', `${why}: ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s)}`, at));

const HEX = /^[0-9a-fA-F]{2}$/;

/** Resolves %xx escapes; returns undefined on a malformed escape. */
function unescapePart(s: string): string | undefined {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes every byte of `s` that `allowed` does not admit literally (and `%` itself). */
function escapePart(s: string, allowed: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || allowed[c] !== 1) { plain = false; break; }
  }
  if (plain) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b !== 37 && allowed[b] === 1 ? String.fromCharCode(b) : '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  }
  return out;
}

function allIn(s: string, from: number, to: number, t: Uint8Array): boolean {
  for (let i = from; i < to; i++) if (t[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Parses `;name[=value]` URI parameters of `s` in [i, end) into `out`; returns false if malformed. */
function scanUriParams(s: string, i: number, end: number, out: Params): boolean {
  while (i < end) {
    // s[i] is ';'
    let j = i + 1;
    let eq = -1;
    while (j < end && s.charCodeAt(j) !== 59) {
      const c = s.charCodeAt(j);
      if (c === 61 && eq < 0) eq = j;
      else if (URI_PARAM[c] !== 1) return false;
      j++;
    }
    const nameEnd = eq < 0 ? j : eq;
    if (nameEnd === i + 1) return false;
    const name = lowerName(s, i + 1, nameEnd);
    if (name !== '__proto__') out[name] = eq < 0 ? null : s.slice(eq + 1, j);
    i = j;
  }
  return true;
}

/**
 * Parses a URI, returning the error itself rather than a Result (no wrapper allocation on the
 * parser's hot path). @internal
 */
export function uriOrError(s: string): SipUri | SipParseError {
  const colon = s.indexOf(':');
  if (colon <= 0) return bad(s, 'URI without a scheme');
  if (!allIn(s, 0, colon, SCHEME)) return bad(s, 'invalid URI scheme', 0);
  const scheme = colon === 3 && (s.charCodeAt(0) | 0x20) === 115 && (s.charCodeAt(1) | 0x20) === 105 && (s.charCodeAt(2) | 0x20) === 112
    ? 'sip' // the common case, without allocating
    : s.slice(0, colon).toLowerCase();
  const n = s.length;
  if (scheme !== 'sip' && scheme !== 'sips') {
    // absoluteURI: opaque here, but never whitespace, controls or name-addr delimiters.
    if (colon + 1 >= n) return bad(s, 'empty URI');
    for (let i = colon + 1; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return bad(s, 'invalid character in URI', i);
    }
    return { scheme, host: '', params: {}, headers: {}, raw: s.slice(colon + 1) };
  }

  let i = colon + 1;
  let user: string | undefined;
  let password: string | undefined;
  let port: number | undefined;
  const params: Params = {};
  const headers: Record<string, string> = {};
  // userinfo: '@' cannot appear unescaped in the user, password, parameters or headers.
  const at = s.indexOf('@', i);
  if (at >= 0) {
    const pc = s.indexOf(':', i);
    const userEnd = pc >= 0 && pc < at ? pc : at;
    if (userEnd === i) return bad(s, 'empty user part', i);
    if (!allIn(s, i, userEnd, USER)) return bad(s, 'invalid character in user part', i);
    user = unescapePart(s.slice(i, userEnd));
    if (user === undefined) return bad(s, 'malformed escape in user part', i);
    if (userEnd < at) {
      if (!allIn(s, userEnd + 1, at, PASSWORD)) return bad(s, 'invalid character in password', userEnd + 1);
      password = unescapePart(s.slice(userEnd + 1, at));
      if (password === undefined) return bad(s, 'malformed escape in password', userEnd + 1);
    }
    i = at + 1;
  }

  // host
  const hostStart = i;
  if (s.charCodeAt(i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1 || !allIn(s, i + 1, close, IPV6)) return bad(s, 'malformed IPv6 reference', i);
    i = close + 1;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hostStart) return bad(s, 'missing host', i);
  const host = s.slice(hostStart, i);

  // port
  if (i < n && s.charCodeAt(i) === 58) {
    const ps = ++i;
    let p = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
      i++;
    }
    if (i === ps || i - ps > 5 || p > 65535) return bad(s, 'invalid port', ps);
    port = p;
  }

  const q = s.indexOf('?', i);
  const paramsEnd = q < 0 ? n : q;
  if (i < paramsEnd) {
    if (s.charCodeAt(i) !== 59) return bad(s, 'unexpected character after host', i);
    if (!scanUriParams(s, i, paramsEnd, params)) return bad(s, 'malformed URI parameter', i);
  }
  if (q >= 0) {
    for (const pair of s.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || !allIn(pair, 0, eq, URI_HEADER) || !allIn(pair, eq + 1, pair.length, URI_HEADER)) {
        return bad(s, 'malformed URI header', q);
      }
      const name = pair.slice(0, eq);
      if (name !== '__proto__') headers[name] = pair.slice(eq + 1);
    }
  }
  // One object literal per shape: no property added later (cheaper, and monomorphic for readers).
  let uri: SipUri;
  if (user === undefined) uri = port === undefined ? { scheme, host, params, headers } : { scheme, host, port, params, headers };
  else uri = port === undefined ? { scheme, user, host, params, headers } : { scheme, user, host, port, params, headers };
  if (password !== undefined) uri.password = password;
  return uri;
}

/** Parses a URI (rules above). Never throws: a malformed URI is a `bad-uri` error. */
export function parseUri(s: string): Result<SipUri, SipParseError> {
  const r = uriOrError(s);
  return 'kind' in r ? err(r) : ok(r);
}

/** Formats a URI, escaping the user part and password where the grammar requires. */
export function formatUri(u: SipUri): string {
  if (u.raw !== undefined && u.scheme !== 'sip' && u.scheme !== 'sips') return u.scheme + ':' + u.raw;
  let out = u.scheme + ':';
  if (u.user !== undefined) {
    out += escapePart(u.user, USER);
    if (u.password !== undefined) out += ':' + escapePart(u.password, PASSWORD);
    out += '@';
  }
  out += u.host;
  if (u.port !== undefined) out += ':' + u.port;
  for (const name in u.params) {
    const v = u.params[name];
    if (v === undefined) continue;
    out += v === null ? ';' + name : ';' + name + '=' + v;
  }
  let sep = '?';
  for (const name in u.headers) {
    out += sep + name + '=' + u.headers[name];
    sep = '&';
  }
  return out;
}
