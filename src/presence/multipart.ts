/**
 * multipart/related bodies (RFC 2387 over RFC 2046 section 5.1) as RFC 4662 list notifications
 * and MS-PRES piggybacked 200 OKs carry them: the boundary and `start` come from the Content-Type,
 * each part has its own headers (`Content-ID`, `Content-Type`), and the root part is the one whose
 * Content-ID equals `start` (else the first part).
 *
 * Splitting works on bytes, so a binary part cannot corrupt its neighbours; parts are decoded
 * only when a codec reads them. RFC 2046 delimiters are CRLF-based; bare LF is accepted too
 * (logged traces and some stacks use it).
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { XmlInput } from './safe-xml.ts';

/** A parsed Content-Type: lower-cased `type/subtype`, parameters with lower-cased names and unquoted values. */
export interface ContentType {
  readonly mediaType: string;
  readonly params: Readonly<Record<string, string>>;
}

/** One body part. `contentId` has its angle brackets removed. */
export interface MimePart {
  /** Header values by lower-cased name (the last one wins). */
  readonly headers: ReadonlyMap<string, string>;
  readonly contentId: string | null;
  /** The part's Content-Type; RFC 2046 defaults a part without one to text/plain. */
  readonly contentType: ContentType;
  readonly body: Buffer;
}

/** A multipart/related body. */
export interface MultipartRelated {
  readonly boundary: string;
  /** The `type` parameter (the root's media type, e.g. `application/rlmi+xml`), lower-cased. */
  readonly type: string | null;
  /** The `start` parameter without angle brackets. */
  readonly start: string | null;
  readonly parts: readonly MimePart[];
  /** The start part (or the first part when there is no `start`). */
  readonly root: MimePart;
}

/** Bounds for a multipart body. */
export interface MultipartLimits {
  /** Whole body. Default 1 MiB (a list notification carries one document per resource). */
  readonly maxBytes: number;
  /** Default 1000. */
  readonly maxParts: number;
  /** Header block of one part. Default 8 KiB. */
  readonly maxPartHeaderBytes: number;
}

/** The defaults: 1 MiB, 1000 parts, 8 KiB of headers per part. */
export const defaultMultipartLimits: MultipartLimits = Object.freeze({ maxBytes: 1024 * 1024, maxParts: 1000, maxPartHeaderBytes: 8 * 1024 });

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Strips one pair of angle brackets (`<cid>` → `cid`), as RLMI `cid` attributes carry none (RFC 4662 section 5.2). */
export function stripAngleBrackets(s: string): string {
  const t = s.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/** Parses a Content-Type header value (RFC 2045 section 5.1), quoted-string parameters included. */
export function parseContentType(value: string): Result<ContentType, PresenceCodecError> {
  const semi = value.indexOf(';');
  const mediaType = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = mediaType.indexOf('/');
  if (slash <= 0 || slash === mediaType.length - 1 || !TOKEN.test(mediaType.slice(0, slash)) || !TOKEN.test(mediaType.slice(slash + 1))) {
    return err(codecError('malformed-multipart', `invalid Content-Type '${value}'`));
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = semi < 0 ? value.length : semi + 1;
  while (i < value.length) {
    while (i < value.length && /[\s;]/.test(value[i]!)) i++;
    if (i >= value.length) break;
    const eq = value.indexOf('=', i);
    if (eq < 0) return err(codecError('malformed-multipart', `Content-Type parameter without '=' in '${value}'`));
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return err(codecError('malformed-multipart', `invalid Content-Type parameter name '${name}'`));
    i = eq + 1;
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    let v = '';
    if (value[i] === '"') {
      i++;
      let closed = false;
      while (i < value.length) {
        const c = value[i]!;
        if (c === '\\' && i + 1 < value.length) { v += value[i + 1]; i += 2; continue; }
        if (c === '"') { closed = true; i++; break; }
        v += c;
        i++;
      }
      if (!closed) return err(codecError('malformed-multipart', `unterminated quoted parameter '${name}' in Content-Type`));
    } else {
      const end = value.indexOf(';', i);
      v = (end < 0 ? value.slice(i) : value.slice(i, end)).trim();
      i = end < 0 ? value.length : end;
    }
    params[name] = v;
  }
  return ok({ mediaType, params });
}

function parsePartHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // Unfold continuation lines (RFC 5322 section 2.2.3).
  const lines = block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function toBuffer(input: XmlInput): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Parses a multipart/related body.
 * @param body the raw body
 * @param contentTypeHeader the message's Content-Type value (`multipart/related;type=…;start=…;boundary=…`)
 */
export function parseMultipartRelated(body: XmlInput, contentTypeHeader: string, limits?: Partial<MultipartLimits>): Result<MultipartRelated, PresenceCodecError> {
  const l = { ...defaultMultipartLimits, ...limits };
  const ct = parseContentType(contentTypeHeader);
  if (!ct.ok) return ct;
  if (ct.value.mediaType !== 'multipart/related') return err(codecError('unsupported-content-type', `expected multipart/related, got ${ct.value.mediaType}`));
  const boundary = ct.value.params['boundary'];
  if (boundary === undefined || boundary === '' || boundary.length > 200) return err(codecError('malformed-multipart', 'multipart/related without a valid boundary parameter'));
  const buf = toBuffer(body);
  if (buf.byteLength > l.maxBytes) return err(codecError('too-large', `multipart body is ${buf.byteLength} bytes, over the limit of ${l.maxBytes}`));

  // Find every delimiter line: "--boundary" at the start of the body or of a line.
  const dash = Buffer.from(`--${boundary}`, 'utf8');
  type Delim = { lineStart: number; contentStart: number; close: boolean };
  const delims: Delim[] = [];
  let from = 0;
  while (from <= buf.byteLength) {
    const at = buf.indexOf(dash, from);
    if (at < 0) break;
    from = at + 1;
    if (at !== 0 && buf[at - 1] !== 0x0a) continue;
    let p = at + dash.byteLength;
    const close = buf[p] === 0x2d && buf[p + 1] === 0x2d;
    if (close) p += 2;
    // Transport padding (RFC 2046: LWSP) then the line end; anything else means the boundary text is a prefix of something.
    while (buf[p] === 0x20 || buf[p] === 0x09) p++;
    if (p < buf.byteLength && buf[p] !== 0x0d && buf[p] !== 0x0a) continue;
    if (buf[p] === 0x0d) p++;
    if (buf[p] === 0x0a) p++;
    delims.push({ lineStart: at, contentStart: p, close });
    if (close) break;
    if (delims.length > l.maxParts + 1) return err(codecError('malformed-multipart', `more than ${l.maxParts} parts`));
  }
  if (delims.length === 0) return err(codecError('malformed-multipart', `boundary '${boundary}' not found in the body`));
  if (!delims[delims.length - 1]!.close) return err(codecError('malformed-multipart', 'multipart body has no closing delimiter'));

  const parts: MimePart[] = [];
  for (let k = 0; k + 1 < delims.length; k++) {
    const start = delims[k]!.contentStart;
    // The line break before the next delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
    let end = delims[k + 1]!.lineStart;
    if (end > start && buf[end - 1] === 0x0a) end--;
    if (end > start && buf[end - 1] === 0x0d) end--;
    const raw = buf.subarray(start, Math.max(start, end));
    let headerEnd = -1;
    let bodyStart = 0;
    if (raw[0] === 0x0d && raw[1] === 0x0a) bodyStart = 2;
    else if (raw[0] === 0x0a) bodyStart = 1;
    else {
      const crlf = raw.indexOf('\r\n\r\n');
      const lf = raw.indexOf('\n\n');
      if (crlf >= 0 && (lf < 0 || crlf < lf)) { headerEnd = crlf; bodyStart = crlf + 4; }
      else if (lf >= 0) { headerEnd = lf; bodyStart = lf + 2; }
      else { headerEnd = raw.byteLength; bodyStart = raw.byteLength; }
    }
    if (headerEnd > l.maxPartHeaderBytes) return err(codecError('too-large', `headers of part ${k + 1} exceed ${l.maxPartHeaderBytes} bytes`));
    const headers = headerEnd < 0 ? new Map<string, string>() : parsePartHeaders(raw.subarray(0, headerEnd).toString('utf8'));
    const ctValue = headers.get('content-type');
    let partType: ContentType = { mediaType: 'text/plain', params: {} };
    if (ctValue !== undefined) {
      const parsed = parseContentType(ctValue);
      if (!parsed.ok) return err(codecError('malformed-multipart', `part ${k + 1}: ${parsed.error.message}`));
      partType = parsed.value;
    }
    const cid = headers.get('content-id');
    parts.push({ headers, contentId: cid === undefined ? null : stripAngleBrackets(cid), contentType: partType, body: raw.subarray(bodyStart) });
  }
  if (parts.length === 0) return err(codecError('malformed-multipart', 'multipart body has no parts'));
  const startParam = ct.value.params['start'];
  const start = startParam === undefined ? null : stripAngleBrackets(startParam);
  const root = start === null ? parts[0]! : parts.find((p) => p.contentId === start);
  if (root === undefined) return err(codecError('malformed-multipart', `no part has the start Content-ID <${start}>`));
  return ok({ boundary, type: ct.value.params['type']?.toLowerCase() ?? null, start, parts, root });
}
