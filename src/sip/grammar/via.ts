/**
 * One Via value (RFC 3261 section 20.42):
 *
 *   SIP / 2.0 / UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport;received=192.0.2.7
 *
 * LWS is allowed around the slashes and before the parameters (`SLASH = SWS "/" SWS`).
 */
import type { Params, SipParseError, Via } from '../message/sip-message.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { HOST, IPV6, TOKEN, parseError, skipWs } from './chars.ts';
import { formatParams, scanParams } from './params.ts';

const bad = (s: string, why: string, at?: number): SipParseError =>
  (parseError('bad-header', `Via ${why}: ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s)}`, at));

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'];

/** The transport upper-cased; the usual ones as constant strings. */
function upperTransport(s: string, a: number, b: number): string {
  for (const t of TRANSPORTS) {
    if (t.length !== b - a) continue;
    let k = 0;
    while (k < t.length && (s.charCodeAt(a + k) & 0xdf) === t.charCodeAt(k)) k++;
    if (k === t.length) return t;
  }
  return s.slice(a, b).toUpperCase();
}

function token(s: string, i: number): number {
  while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

/** Parses one Via value (already split from its neighbours), returning the error itself. @internal */
export function viaOrError(s: string): Via | SipParseError {
  const n = s.length;
  let i = skipWs(s, 0);
  let j = token(s, i);
  if (j === i) return bad(s, 'without a protocol name', i);
  const name = s.slice(i, j);
  i = skipWs(s, j);
  if (s.charCodeAt(i) !== 47) return bad(s, "expected '/'", i);
  i = skipWs(s, i + 1);
  j = token(s, i);
  if (j === i) return bad(s, 'without a protocol version', i);
  const version = s.slice(i, j);
  i = skipWs(s, j);
  if (s.charCodeAt(i) !== 47) return bad(s, "expected '/'", i);
  i = skipWs(s, i + 1);
  j = token(s, i);
  if (j === i) return bad(s, 'without a transport', i);
  const transport = upperTransport(s, i, j);
  i = skipWs(s, j);
  if (i === j) return bad(s, 'without LWS before sent-by', i);

  const hostStart = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1) return bad(s, 'with a malformed IPv6 reference', i);
    for (let k = i + 1; k < close; k++) if (IPV6[s.charCodeAt(k)] !== 1) return bad(s, 'with a malformed IPv6 reference', k);
    i = close + 1;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hostStart) return bad(s, 'without a host', i);
  const protocol = version === '2.0' && (name === 'SIP' || name.toUpperCase() === 'SIP') ? 'SIP/2.0' : name.toUpperCase() + '/' + version;
  const host = s.slice(hostStart, i);
  let port: number | undefined;
  let k = skipWs(s, i);
  if (k < n && s.charCodeAt(k) === 58) {
    k = skipWs(s, k + 1);
    const ps = k;
    let p = 0;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      p = p * 10 + (c - 48);
      k++;
    }
    if (k === ps || k - ps > 5 || p > 65535) return bad(s, 'with an invalid port', ps);
    port = p;
    i = k;
  }
  const params: Params = {};
  const end = scanParams(s, i, params);
  if (end !== n) return bad(s, 'with malformed parameters', end < 0 ? undefined : end);
  return port === undefined ? { protocol, transport, host, params } : { protocol, transport, host, port, params };
}

/** Parses one Via value (rules above). Never throws: a malformed Via is a `bad-header` error. */
export function parseVia(s: string): Result<Via, SipParseError> {
  const r = viaOrError(s);
  return 'kind' in r ? err(r) : ok(r);
}

/** Formats a Via value: `SIP/2.0/UDP host:port;params`. */
export function formatVia(v: Via): string {
  return v.protocol + '/' + v.transport + ' ' + v.host + (v.port !== undefined ? ':' + v.port : '') + formatParams(v.params);
}
