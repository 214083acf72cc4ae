/**
 * The SIP message parser (RFC 3261 sections 7, 20 and 25). `parseMessage` parses one whole message
 * (a UDP datagram, or a message the stream framer has cut out); `parseHead` parses a header section
 * and is shared with the stream framer.
 *
 * What it checks, so that the typed accessors on a parsed message never fail (section 8.1.1 and 8.2):
 * the start line; header names (tokens); folding (LWS continuation lines); Content-Length; the
 * presence and syntax of Via, From, To, Call-ID and CSeq (one From/To/Call-ID/CSeq, CSeq method =
 * request method); and the syntax of Contact, Route and Record-Route when present. Everything else
 * is kept verbatim. It never throws: each failure is a typed `SipParseError`.
 *
 * Cost: the limits are checked before the work they bound; decoding is one pass over the header
 * bytes (latin1 when they are ASCII, else validated UTF-8); lines are found with indexOf and header
 * values scanned once by the hand-written grammar scanners (no backtracking regular expressions).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { err, ok, type Result } from '../../lib/result.ts';
import { TOKEN, decimalDigits, parseError } from '../grammar/chars.ts';
import { splitCommaList } from '../grammar/comma-list.ts';
import { nameAddrOrError } from '../grammar/name-addr.ts';
import { viaOrError } from '../grammar/via.ts';
import { headerInfo, HeaderKind, knownHeader, nameHashStep, type HeaderInfo } from './compact-forms.ts';
import { HeaderList, type HeaderEntry } from './headers.ts';
import { resolveLimits } from './limits.ts';
import type { CSeq, NameAddr, SipLimits, SipMessage, SipParseError, SipParseErrorKind, Via } from './sip-message.ts';

/** Shared by every message without a body; a zero-length Buffer cannot be written to. */
export const EMPTY_BODY: Buffer = Buffer.alloc(0);
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** @internal The result of parsing a header section: the message (empty body) and its Content-Length. */
export type HeadResult =
  | { ok: true; message: SipMessage; contentLength: number | undefined }
  | { ok: false; error: SipParseError; contentLength: number | undefined };

/** Content-Length as written, found without parsing the rest (used to skip a bad message on a stream). */
const CL_LINE = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*\r?$/im;

function fail(kind: SipParseErrorKind, message: string, at: number | undefined, head: string | undefined): HeadResult {
  let contentLength: number | undefined;
  if (head !== undefined && kind !== 'bad-content-length') {
    const m = CL_LINE.exec(head);
    if (m?.[1] !== undefined) contentLength = Number(m[1]);
  }
  return { ok: false, error: parseError(kind, message, at), contentLength };
}

/** CSeq = 1*DIGIT LWS Method (section 20.16); the number must fit in 32 bits. */
export function parseCSeqValue(v: string): CSeq | undefined {
  let i = 0;
  let seq = 0;
  const n = v.length;
  while (i < n) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === 0 || i > 10 || seq > 0xffffffff) return undefined;
  const ws = i;
  while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  if (i === ws) return undefined;
  const ms = i;
  while (i < n && TOKEN[v.charCodeAt(i)] === 1) i++;
  if (i === ms || i !== n) return undefined;
  return { seq, method: v.slice(ms) };
}

/** callid = word ["@" word]: non-empty, no whitespace or control characters. */
export function isValidCallId(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
  }
  return true;
}

/** Methods taken as the constant strings (methods are case-sensitive: only these exact spellings). */
const KNOWN_METHODS: readonly string[] = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'INFO',
  'UPDATE', 'REFER', 'PRACK', 'SERVICE', 'BENOTIFY',
];

/**
 * The method `line[0, end)` as one of KNOWN_METHODS, or undefined: a shared constant instead of a
 * fresh string per request (it is kept by every transaction in Completed, and compared often).
 */
function knownMethod(line: string, end: number): string | undefined {
  for (const m of KNOWN_METHODS) if (m.length === end && line.startsWith(m)) return m;
  return undefined;
}

/** List headers split (and validated) while parsing; the other list headers are split on access. */
const EAGER_LISTS: ReadonlySet<string> = new Set(['via', 'contact', 'route', 'record-route']);

/** Parser state while reading header lines. */
interface HeadState {
  head: string;
  lim: SipLimits;
  list: HeaderEntry[];
  /** Some list value was left packed (see HeaderList.packed). */
  packed: boolean;
  count: number;
  /** Offset of the header line being committed (for errors). */
  at: number;
  contentLength: number | undefined;
  vias: Via[] | undefined;
  from: string | undefined;
  to: string | undefined;
  callId: string | undefined;
  cseq: string | undefined;
  contacts: NameAddr[] | undefined;
  routes: NameAddr[] | undefined;
  recordRoutes: NameAddr[] | undefined;
}

/** Adds one header line: `head[a, b)` is its first physical line, `fold` its continuation lines. */
function commitHeader(st: HeadState, a: number, b: number, fold: string): HeadResult | undefined {
  const s = st.head;
  // One pass over the name: check it is a token and hash it for the known-name lookup.
  let i = a;
  let hash = 0;
  while (i < b) {
    const c = s.charCodeAt(i);
    if (TOKEN[c] !== 1) break;
    hash = nameHashStep(hash, c);
    i++;
  }
  const ne = i;
  while (i < b && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  if (ne === a || i >= b || s.charCodeAt(i) !== 58) {
    return fail('bad-header', `malformed header line ${JSON.stringify(s.slice(a, Math.min(b, a + 40)))}`, st.at + i - a, s);
  }
  const colon = i;
  const info = knownHeader(s, a, ne, hash) ?? headerInfo(s.slice(a, ne));
  if (++st.count > st.lim.maxHeaders) return fail('too-many-headers', `more than ${st.lim.maxHeaders} header lines`, st.at, st.head);
  let value: string;
  if (fold.length === 0) {
    let vs = colon + 1;
    let ve = b;
    while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    value = s.slice(vs, ve);
  } else {
    value = (s.slice(colon + 1, b) + fold).trim();
  }
  if (info.list && value.indexOf(',') >= 0) {
    if (!EAGER_LISTS.has(info.key)) {
      st.list.push({ key: info.key, name: info.name, value, packed: true });
      st.packed = true;
      return undefined;
    }
    const parts = splitCommaList(value);
    if (parts === undefined) return fail('bad-header', `${info.name}: unterminated quoted-string or '<'`, st.at, st.head);
    for (const v of parts) {
      const r = checkStructured(st, info, v);
      if (r !== undefined) return r;
      st.list.push({ key: info.key, name: info.name, value: v, packed: false });
    }
    return undefined;
  }
  const r = info.kind === 0 ? undefined : checkStructured(st, info, value);
  if (r !== undefined) return r;
  st.list.push({ key: info.key, name: info.name, value, packed: false });
  return undefined;
}

/** Checks (and records) the headers we validate eagerly, one value at a time. */
function checkStructured(st: HeadState, info: HeaderInfo, v: string): HeadResult | undefined {
  const kind = info.kind;
  switch (kind) {
    case HeaderKind.via: {
      const r = viaOrError(v);
      if ('kind' in r) return fail('bad-header', r.message, st.at, st.head);
      (st.vias ??= []).push(r);
      return undefined;
    }
    case HeaderKind.from:
      if (st.from !== undefined) return fail('bad-header', 'more than one From header', st.at, st.head);
      st.from = v;
      return undefined;
    case HeaderKind.to:
      if (st.to !== undefined) return fail('bad-header', 'more than one To header', st.at, st.head);
      st.to = v;
      return undefined;
    case HeaderKind.callId:
      if (st.callId !== undefined) return fail('bad-header', 'more than one Call-ID header', st.at, st.head);
      st.callId = v;
      return undefined;
    case HeaderKind.cseq:
      if (st.cseq !== undefined) return fail('bad-header', 'more than one CSeq header', st.at, st.head);
      st.cseq = v;
      return undefined;
    case HeaderKind.contentLength: {
      const cl = decimalDigits(v, 10);
      if (cl === undefined) return fail('bad-content-length', `Content-Length is not a number: ${JSON.stringify(v.slice(0, 20))}`, st.at, st.head);
      if (st.contentLength !== undefined && st.contentLength !== cl) return fail('bad-content-length', 'conflicting Content-Length headers', st.at, st.head);
      if (cl > st.lim.maxMessageBytes) return fail('too-large', `Content-Length ${cl} exceeds ${st.lim.maxMessageBytes} bytes`, st.at, undefined);
      st.contentLength = cl;
      return undefined;
    }
    case HeaderKind.contact:
    case HeaderKind.route:
    case HeaderKind.recordRoute: {
      const r = nameAddrOrError(v);
      if ('kind' in r) return fail(r.kind, `${info.name}: ${r.message}`, st.at, st.head);
      if (kind === HeaderKind.contact) (st.contacts ??= []).push(r);
      else if (r.wildcard) return fail('bad-header', `${info.name}: '*' is only allowed in Contact`, st.at, st.head);
      else if (kind === HeaderKind.route) (st.routes ??= []).push(r);
      else (st.recordRoutes ??= []).push(r);
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The end of the line starting at `pos` (the index of its CR, or `n` for the last line), or -1 when
 * the line holds a bare CR or LF: lines end with CRLF only, and a lone CR or LF kept in a value
 * could end a line for the next parser that reads what we forward.
 */
function lineEnd(head: string, pos: number, n: number): number {
  const lf = head.indexOf('\n', pos);
  const cr = head.indexOf('\r', pos);
  if (lf < 0) return cr < 0 ? n : -1;
  return cr === lf - 1 ? cr : -1;
}

/**
 * Parses the header section `buf[start, end)` (start line and header lines, without the empty line).
 * @internal
 */
export function parseHead(buf: Buffer, start: number, end: number, lim: SipLimits): HeadResult {
  const bytes = buf.subarray(start, end);
  let head: string;
  if (isAscii(bytes)) head = buf.toString('latin1', start, end);
  else if (isUtf8(bytes)) head = buf.toString('utf8', start, end);
  else return fail('bad-encoding', 'header section is not valid UTF-8', start, buf.toString('latin1', start, end));
  const n = head.length;
  const maxLine = lim.maxHeaderLineBytes;
  // ---- start line (section 7.1 / 7.2) ----
  let e = lineEnd(head, 0, n);
  if (e < 0) return fail('bad-start-line', 'bare CR or LF in the start line', start, head);
  if (e > maxLine) return fail('line-too-long', `start line longer than ${maxLine} bytes`, start, head);
  const sl = head.slice(0, e);
  let message: SipMessage;
  const headers = new HeaderList();
  if (sl.length >= 4 && (sl.charCodeAt(0) | 0x20) === 115 && (sl.charCodeAt(1) | 0x20) === 105 && (sl.charCodeAt(2) | 0x20) === 112 && sl.charCodeAt(3) === 47) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const sp = sl.indexOf(' ');
    if (sp < 0 || sl.slice(0, sp).toUpperCase() !== 'SIP/2.0') return fail('bad-start-line', `unsupported SIP version in ${JSON.stringify(sl.slice(0, 40))}`, start, head);
    let status = 0;
    for (let i = sp + 1; i < sp + 4; i++) {
      const c = sl.charCodeAt(i);
      if (!(c >= 48 && c <= 57)) return fail('bad-start-line', 'status code is not 3 digits', start + i, head);
      status = status * 10 + (c - 48);
    }
    if (status < 100 || status > 699) return fail('bad-start-line', `status code ${status} out of range`, start + sp + 1, head);
    if (sl.length > sp + 4 && sl.charCodeAt(sp + 4) !== 32) return fail('bad-start-line', 'status code is not 3 digits', start + sp + 4, head);
    message = { kind: 'response', status, reason: sl.slice(sp + 5), headers, body: EMPTY_BODY };
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version
    const sp1 = sl.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : sl.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0) return fail('bad-start-line', `malformed request line ${JSON.stringify(sl.slice(0, 80))}`, start, head);
    for (let i = 0; i < sp1; i++) {
      if (TOKEN[sl.charCodeAt(i)] !== 1) return fail('bad-start-line', 'method is not a token', start + i, head);
    }
    const uri = sl.slice(sp1 + 1, sp2);
    const colon = uri.indexOf(':');
    if (colon <= 0) return fail('bad-uri', `Request-URI without a scheme: ${JSON.stringify(uri.slice(0, 80))}`, start + sp1 + 1, head);
    for (let i = 0; i < uri.length; i++) {
      const c = uri.charCodeAt(i);
      if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return fail('bad-uri', 'invalid character in the Request-URI', start + sp1 + 1 + i, head);
    }
    if (!(sl.length - sp2 === 8 && sl.endsWith('SIP/2.0')) && sl.slice(sp2 + 1).toUpperCase() !== 'SIP/2.0') return fail('bad-start-line', `unsupported SIP version in ${JSON.stringify(sl.slice(0, 80))}`, start + sp2 + 1, head);
    message = { kind: 'request', method: knownMethod(sl, sp1) ?? sl.slice(0, sp1), uri, headers, body: EMPTY_BODY };
  }

  // ---- header lines (section 7.3), with folding (7.3.1) ----
  const st: HeadState = {
    head, lim, list: headers.list, packed: false, count: 0, at: 0, contentLength: undefined, vias: undefined, from: undefined,
    to: undefined, callId: undefined, cseq: undefined, contacts: undefined, routes: undefined, recordRoutes: undefined,
  };
  let hStart = -1; // pending header line [hStart, hEnd) (may still be folded)
  let hEnd = -1;
  let fold = '';
  let pos = e + 2;
  while (pos < n) {
    e = lineEnd(head, pos, n);
    if (e < 0) return fail('bad-header', 'bare CR or LF in a header line', start + pos, head);
    if (e - pos > maxLine) return fail('line-too-long', `header line longer than ${maxLine} bytes`, start + pos, head);
    const c0 = head.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) {
      // Folding: "a CRLF followed by LWS" continues the value; it is equivalent to one SP.
      if (hStart < 0) return fail('bad-header', 'continuation line without a header', start + pos, head);
      fold += ' ' + head.slice(pos, e).trim();
      if (hEnd - hStart + fold.length > maxLine) return fail('line-too-long', `header line longer than ${maxLine} bytes`, start + pos, head);
    } else {
      if (hStart >= 0) {
        const r = commitHeader(st, hStart, hEnd, fold);
        if (r !== undefined) return r;
      }
      hStart = pos;
      hEnd = e;
      fold = '';
      st.at = start + pos;
    }
    pos = e + 2;
  }
  if (hStart >= 0) {
    const r = commitHeader(st, hStart, hEnd, fold);
    if (r !== undefined) return r;
  }
  const { vias, from, to, callId, cseq, contacts, routes, recordRoutes, contentLength } = st;

  // ---- mandatory headers (section 8.1.1) ----
  if (vias === undefined) return fail('missing-header', 'missing Via header', start, head);
  if (from === undefined) return fail('missing-header', 'missing From header', start, head);
  if (to === undefined) return fail('missing-header', 'missing To header', start, head);
  if (callId === undefined) return fail('missing-header', 'missing Call-ID header', start, head);
  if (cseq === undefined) return fail('missing-header', 'missing CSeq header', start, head);
  if (!isValidCallId(callId)) return fail('bad-header', `malformed Call-ID ${JSON.stringify(callId.slice(0, 40))}`, start, head);
  const cs = parseCSeqValue(cseq);
  if (cs === undefined) return fail('bad-header', `malformed CSeq ${JSON.stringify(cseq.slice(0, 40))}`, start, head);
  if (message.kind === 'request' && cs.method !== message.method) {
    return fail('bad-header', `CSeq method ${cs.method} does not match the request method ${message.method}`, start, head);
  }
  const f = nameAddrOrError(from);
  if ('kind' in f || f.wildcard) return fail('kind' in f ? f.kind : 'bad-header', `From: ${'kind' in f ? f.message : "'*' not allowed"}`, start, head);
  const t = nameAddrOrError(to);
  if ('kind' in t || t.wildcard) return fail('kind' in t ? t.kind : 'bad-header', `To: ${'kind' in t ? t.message : "'*' not allowed"}`, start, head);
  if (contacts !== undefined && contacts.length > 1 && contacts.some((c) => c.wildcard)) {
    return fail('bad-header', "Contact: '*' must be the only value", start, head);
  }

  const cache: Record<string, unknown> = { via: vias, from: f, to: t, cseq: cs };
  if (contacts !== undefined) cache.contact = contacts;
  if (routes !== undefined) cache.route = routes;
  if (recordRoutes !== undefined) cache['record-route'] = recordRoutes;
  headers.cache = cache;
  headers.packed = st.packed;
  return { ok: true, message, contentLength };
}

/** Copies `buf[a, b)` so the message never pins (or aliases) the caller's buffer. */
export function copyBody(buf: Buffer, a: number, b: number): Buffer {
  if (a >= b) return EMPTY_BODY;
  const out = Buffer.allocUnsafe(b - a);
  buf.copy(out, 0, a, b);
  return out;
}

/**
 * Parses one whole SIP message: a datagram, or bytes known to hold exactly one message.
 * The body is a view of `data` (not a copy): do not reuse the buffer while the message lives.
 *
 * Body length (RFC 3261 section 18.3): with Content-Length, a shorter body is `truncated-body` and
 * extra bytes are ignored ("additional bytes in the transport packet beyond the end of the body MUST
 * be discarded"); without it, the body is the rest of the datagram. CRLFs before the start line are
 * skipped (section 7.5).
 */
export function parseMessage(data: Buffer | string, limits?: Partial<SipLimits>): Result<SipMessage, SipParseError> {
  const lim = resolveLimits(limits);
  // A string has at most as many UTF-16 units as UTF-8 bytes: refuse before encoding it.
  if (data.length > lim.maxMessageBytes) return err(parseError('too-large', `message larger than ${lim.maxMessageBytes} bytes`));
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (buf.length > lim.maxMessageBytes) return err(parseError('too-large', `message larger than ${lim.maxMessageBytes} bytes`));
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  if (start >= buf.length) return err(parseError('bad-start-line', 'empty message', start));
  const headEnd = buf.indexOf(CRLFCRLF, start);
  if (headEnd < 0) return err(parseError('bad-header', 'no empty line after the header section', buf.length));
  const h = parseHead(buf, start, headEnd, lim);
  if (!h.ok) return err(h.error);
  const bodyStart = headEnd + 4;
  const cl = h.contentLength;
  // The body is a view of the input (no copy): a datagram buffer is not reused by the socket.
  if (cl === undefined) {
    h.message.body = bodyStart < buf.length ? buf.subarray(bodyStart) : EMPTY_BODY;
  } else {
    if (buf.length - bodyStart < cl) {
      return err(parseError('truncated-body', `body has ${buf.length - bodyStart} bytes, Content-Length says ${cl}`, buf.length));
    }
    h.message.body = cl > 0 ? buf.subarray(bodyStart, bodyStart + cl) : EMPTY_BODY;
  }
  return ok(h.message);
}
