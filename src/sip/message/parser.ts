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
import { TOKEN, parseError } from '../grammar/chars.ts';
import { splitCommaList } from '../grammar/comma-list.ts';
import { parseNameAddr } from '../grammar/name-addr.ts';
import { parseVia } from '../grammar/via.ts';
import { canonicalName, headerKey, LIST_HEADERS } from './compact-forms.ts';
import { HeaderList } from './headers.ts';
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

function parseContentLength(v: string): number | undefined {
  if (v.length === 0 || v.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n;
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
  let e = head.indexOf('\r\n');
  if (e < 0) e = n;
  if (e > maxLine) return fail('line-too-long', `start line longer than ${maxLine} bytes`, start, head);
  const sl = head.slice(0, e);
  if (sl.indexOf('\n') >= 0 || sl.indexOf('\r') >= 0) return fail('bad-start-line', 'bare CR or LF in the start line', start, head);
  let message: SipMessage;
  const headers = new HeaderList();
  if (sl.length >= 4 && sl.slice(0, 4).toUpperCase() === 'SIP/') {
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
    if (sl.slice(sp2 + 1).toUpperCase() !== 'SIP/2.0') return fail('bad-start-line', `unsupported SIP version in ${JSON.stringify(sl.slice(0, 80))}`, start + sp2 + 1, head);
    message = { kind: 'request', method: sl.slice(0, sp1), uri, headers, body: EMPTY_BODY };
  }

  // ---- header lines (section 7.3), with folding (7.3.1) ----
  const list = headers.list;
  let count = 0;
  let contentLength: number | undefined;
  let vias: Via[] | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  let contacts: NameAddr[] | undefined;
  let routes: NameAddr[] | undefined;
  let recordRoutes: NameAddr[] | undefined;

  let pName: string | undefined; // pending header (may still be folded)
  let pValue = '';
  let pAt = 0;
  let pos = e + 2;

  // Adds the pending header; returns an error or undefined.
  const commit = (): HeadResult | undefined => {
    const line = pName as string;
    const colon = line.indexOf(':');
    let ne = colon;
    while (ne > 0 && (line.charCodeAt(ne - 1) === 32 || line.charCodeAt(ne - 1) === 9)) ne--;
    if (colon < 0 || ne === 0) return fail('bad-header', `header line without a name: ${JSON.stringify(line.slice(0, 40))}`, pAt, head);
    for (let i = 0; i < ne; i++) {
      if (TOKEN[line.charCodeAt(i)] !== 1) return fail('bad-header', `invalid header name ${JSON.stringify(line.slice(0, ne).slice(0, 40))}`, pAt + i, head);
    }
    if (++count > lim.maxHeaders) return fail('too-many-headers', `more than ${lim.maxHeaders} header lines`, pAt, head);
    const name = line.slice(0, ne);
    const value = pValue.length === 0 ? line.slice(colon + 1).trim() : (line.slice(colon + 1) + pValue).trim();
    const key = headerKey(name);
    const cname = canonicalName(key, name);
    if (LIST_HEADERS.has(key) && value.indexOf(',') >= 0) {
      const parts = splitCommaList(value);
      if (parts === undefined) return fail('bad-header', `${cname}: unterminated quoted-string or '<'`, pAt, head);
      for (const v of parts) {
        const r = structured(key, cname, v);
        if (r !== undefined) return r;
        list.push({ key, name: cname, value: v });
      }
      return undefined;
    }
    const r = structured(key, cname, value);
    if (r !== undefined) return r;
    list.push({ key, name: cname, value });
    return undefined;
  };

  // Checks the headers we validate eagerly, one value at a time.
  const structured = (key: string, cname: string, v: string): HeadResult | undefined => {
    switch (key) {
      case 'via': {
        const r = parseVia(v);
        if (!r.ok) return fail('bad-header', r.error.message, pAt, head);
        (vias ??= []).push(r.value);
        return undefined;
      }
      case 'from':
      case 'to': {
        if (key === 'from' ? from !== undefined : to !== undefined) return fail('bad-header', `more than one ${cname} header`, pAt, head);
        if (key === 'from') from = v;
        else to = v;
        return undefined;
      }
      case 'call-id':
        if (callId !== undefined) return fail('bad-header', 'more than one Call-ID header', pAt, head);
        callId = v;
        return undefined;
      case 'cseq':
        if (cseq !== undefined) return fail('bad-header', 'more than one CSeq header', pAt, head);
        cseq = v;
        return undefined;
      case 'content-length': {
        const cl = parseContentLength(v);
        if (cl === undefined) return fail('bad-content-length', `Content-Length is not a number: ${JSON.stringify(v.slice(0, 20))}`, pAt, head);
        if (contentLength !== undefined && contentLength !== cl) return fail('bad-content-length', 'conflicting Content-Length headers', pAt, head);
        if (cl > lim.maxMessageBytes) return fail('too-large', `Content-Length ${cl} exceeds ${lim.maxMessageBytes} bytes`, pAt, undefined);
        contentLength = cl;
        return undefined;
      }
      case 'contact':
      case 'route':
      case 'record-route': {
        const r = parseNameAddr(v);
        if (!r.ok) return fail(r.error.kind, `${cname}: ${r.error.message}`, pAt, head);
        if (key === 'contact') (contacts ??= []).push(r.value);
        else if (r.value.wildcard) return fail('bad-header', `${cname}: '*' is only allowed in Contact`, pAt, head);
        else if (key === 'route') (routes ??= []).push(r.value);
        else (recordRoutes ??= []).push(r.value);
        return undefined;
      }
      default:
        return undefined;
    }
  };

  while (pos < n) {
    e = head.indexOf('\r\n', pos);
    if (e < 0) e = n;
    if (e - pos > maxLine) return fail('line-too-long', `header line longer than ${maxLine} bytes`, start + pos, head);
    const line = head.slice(pos, e);
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) return fail('bad-header', 'bare CR or LF in a header line', start + pos, head);
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      // Folding: "a CRLF followed by LWS" continues the value; it is equivalent to one SP.
      if (pName === undefined) return fail('bad-header', 'continuation line without a header', start + pos, head);
      pValue += ' ' + line.trim();
      if (pName.length + pValue.length > maxLine) return fail('line-too-long', `header line longer than ${maxLine} bytes`, start + pos, head);
    } else {
      if (pName !== undefined) {
        const r = commit();
        if (r !== undefined) return r;
      }
      if (line.length === 0) return fail('bad-header', 'empty header line', start + pos, head);
      pName = line;
      pValue = '';
      pAt = start + pos;
    }
    pos = e + 2;
  }
  if (pName !== undefined) {
    const r = commit();
    if (r !== undefined) return r;
  }

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
  const f = parseNameAddr(from);
  if (!f.ok || f.value.wildcard) return fail(f.ok ? 'bad-header' : f.error.kind, `From: ${f.ok ? "'*' not allowed" : f.error.message}`, start, head);
  const t = parseNameAddr(to);
  if (!t.ok || t.value.wildcard) return fail(t.ok ? 'bad-header' : t.error.kind, `To: ${t.ok ? "'*' not allowed" : t.error.message}`, start, head);
  if (contacts !== undefined && contacts.length > 1 && contacts.some((c) => c.wildcard)) {
    return fail('bad-header', "Contact: '*' must be the only value", start, head);
  }

  const cache = new Map<string, unknown>();
  cache.set('via', vias);
  cache.set('from', f.value);
  cache.set('to', t.value);
  cache.set('cseq', cs);
  if (contacts !== undefined) cache.set('contact', contacts);
  if (routes !== undefined) cache.set('route', routes);
  if (recordRoutes !== undefined) cache.set('record-route', recordRoutes);
  headers.cache = cache;
  return { ok: true, message, contentLength };
}

/** Copies `buf[a, b)` so the message never pins (or aliases) the caller's buffer. */
export function copyBody(buf: Buffer, a: number, b: number): Buffer {
  return a >= b ? EMPTY_BODY : Buffer.from(buf.subarray(a, b));
}

/**
 * Parses one whole SIP message: a datagram, or bytes known to hold exactly one message.
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
  if (cl === undefined) {
    h.message.body = copyBody(buf, bodyStart, buf.length);
  } else {
    if (buf.length - bodyStart < cl) {
      return err(parseError('truncated-body', `body has ${buf.length - bodyStart} bytes, Content-Length says ${cl}`, buf.length));
    }
    h.message.body = copyBody(buf, bodyStart, bodyStart + cl);
  }
  return ok(h.message);
}
