/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To...
 * (RFC 3261 sections 20.10 and 25.1):
 *
 *   "Display \"Name\"" <sip:alice@example.com;transport=tcp>;tag=1234     (name-addr)
 *   Alice <sip:alice@example.com>                                           (token display name)
 *   sip:alice@example.com;tag=1234                                          (addr-spec)
 *
 * Section 20.10: in the addr-spec form the URI has no parameters of its own, "any semicolon-
 * separated parameters are header-parameters, not URI parameters", so `;tag=` belongs to the header.
 */
import type { NameAddr, SipParseError, SipUri } from '../message/sip-message.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { parseError, quote, scanQuoted, skipWs, unquote } from './chars.ts';
import { formatParams, scanParams } from './params.ts';
import { formatUri, uriOrError } from './uri.ts';

const WILDCARD_URI: Readonly<SipUri> = Object.freeze({ scheme: '*', host: '', params: {}, headers: {} });

const bad = (s: string, why: string, at?: number): SipParseError =>
  (parseError('bad-header', `${why}: ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s)}`, at));

/**
 * Parses one name-addr or addr-spec with its header parameters. `*` (the Contact wildcard of a
 * REGISTER removal, RFC 3261 section 10.2.2) gives `{ wildcard: true }` with a placeholder URI.
 * Returns the error itself rather than a Result (hot path). @internal
 */
export function nameAddrOrError(s: string): NameAddr | SipParseError {
  const n = s.length;
  const i = skipWs(s, 0);
  if (i >= n) return bad(s, 'empty address');
  const c0 = s.charCodeAt(i);
  if (c0 === 42 /* * */ && skipWs(s, i + 1) === n) {
    return { uri: { ...WILDCARD_URI, params: {}, headers: {} }, params: {}, wildcard: true };
  }

  let displayName: string | undefined;
  let lt = -1;
  if (c0 === 34 /* " */) {
    const end = scanQuoted(s, i);
    if (end < 0) return bad(s, 'unterminated quoted display name', i);
    displayName = unquote(s.slice(i, end));
    lt = skipWs(s, end);
    if (s.charCodeAt(lt) !== 60) return bad(s, "expected '<' after the display name", lt);
  } else if (c0 === 60 /* < */) {
    lt = i;
  } else {
    // A '<' before any quote starts a name-addr; a quote before any '<' can only sit in a header
    // parameter of an addr-spec (`sip:a@b;+sip.instance="<urn:...>"`).
    const l = s.indexOf('<', i);
    const q = s.indexOf('"', i);
    if (l >= 0 && (q < 0 || l < q)) {
      lt = l;
      if (l > i) {
        const dn = s.slice(i, l).trim();
        if (dn.length > 0) displayName = dn;
      }
    }
  }

  let uriText: string;
  let rest: number;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return bad(s, "missing '>'", lt);
    let us = lt + 1;
    let ue = gt;
    while (us < ue && (s.charCodeAt(us) === 32 || s.charCodeAt(us) === 9)) us++;
    while (ue > us && (s.charCodeAt(ue - 1) === 32 || s.charCodeAt(ue - 1) === 9)) ue--;
    uriText = s.slice(us, ue);
    rest = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ';' or whitespace.
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 59 || c === 32 || c === 9) break;
      j++;
    }
    uriText = s.slice(i, j);
    rest = j;
  }
  const uri = uriOrError(uriText);
  if ('kind' in uri) return uri;
  // One object literal per shape: no property added later (cheaper, and monomorphic for readers).
  const na: NameAddr = displayName === undefined ? { uri, params: {} } : { displayName, uri, params: {} };
  const end = scanParams(s, rest, na.params);
  if (end !== n) return bad(s, 'malformed header parameters', end < 0 ? undefined : end);
  return na;
}

/** Parses one name-addr or addr-spec (rules above). Never throws. */
export function parseNameAddr(s: string): Result<NameAddr, SipParseError> {
  const r = nameAddrOrError(s);
  return 'kind' in r ? err(r) : ok(r);
}

/** Formats a name-addr: always the `<...>` form, the display name always quoted. */
export function formatNameAddr(na: NameAddr): string {
  if (na.wildcard) return '*';
  const dn = na.displayName !== undefined && na.displayName !== '' ? quote(na.displayName) + ' ' : '';
  return dn + '<' + formatUri(na.uri) + '>' + formatParams(na.params);
}
