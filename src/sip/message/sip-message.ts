/**
 * The SIP message model (RFC 3261 section 7). This file is the contract the other layers build on:
 * transport, transaction, dialog and UA code use only these types and the helpers exported by
 * `message/index.ts` (parse, serialize, typed header accessors).
 *
 * Headers are kept as an ordered list of raw values under canonical names (compact forms expanded:
 * `v` -> `Via`), so unknown headers and methods (`SERVICE`, `BENOTIFY`, `ms-*` headers) pass through
 * untouched. Structured views (Via, name-addr, CSeq) are parsed on demand by the typed accessors.
 */

/** Methods are open strings: the parser keeps unknown methods. These are the ones we act on. */
export type SipMethod =
  | 'INVITE' | 'ACK' | 'BYE' | 'CANCEL' | 'REGISTER' | 'OPTIONS' | 'SUBSCRIBE' | 'NOTIFY'
  | 'PUBLISH' | 'MESSAGE' | 'INFO' | 'UPDATE' | 'REFER' | 'PRACK' | 'SERVICE' | 'BENOTIFY'
  | (string & {});

/** URI parameters and header parameters: a flag parameter (`;lr`) has the value `null`. */
export type Params = Record<string, string | null>;

/** A parsed SIP or SIPS URI (RFC 3261 section 19.1); other schemes keep their text in `raw`. */
export interface SipUri {
  scheme: string;          // 'sip' | 'sips' | 'tel' | ...
  user?: string;           // unescaped
  password?: string;
  host: string;            // IPv6 references keep their brackets: '[::1]'
  port?: number;
  params: Params;          // transport, lr, maddr, ...; names lower-cased
  headers: Record<string, string>; // ?subject=... (rare)
  /** Schemes other than sip/sips: everything after `scheme:`, verbatim (`tel:+1-201-555-0123`). */
  raw?: string;
}

/** From, To, Contact, Route, Record-Route, Refer-To... (RFC 3261 section 20, name-addr / addr-spec). */
export interface NameAddr {
  displayName?: string;    // unquoted, unescaped
  uri: SipUri;
  params: Params;          // tag, expires, q, +sip.instance ...; names lower-cased
  /** Contact: `*` (only in REGISTER removal). */
  wildcard?: boolean;
}

/** One Via value (RFC 3261 section 20.42). */
export interface Via {
  protocol: string;        // 'SIP/2.0'
  transport: string;       // 'UDP' | 'TCP' | 'TLS' | ... upper-cased
  host: string;
  port?: number;
  params: Params;          // branch, received, rport (null when empty), maddr, ttl
}

export interface CSeq {
  seq: number;
  method: SipMethod;
}

export interface SipRequest {
  kind: 'request';
  method: SipMethod;
  /** The Request-URI exactly as it is on the wire; parse with `parseUri` when needed. */
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/**
 * Ordered header list. Names are matched case-insensitively and compact forms are expanded on
 * input, so `get('via')`, `get('Via')` and `get('v')` are the same header. Multi-valued headers that
 * arrived comma-separated on one line are split into separate values by the parser (except the
 * headers RFC 3261 forbids splitting: WWW-Authenticate, Authorization, Proxy-Authenticate,
 * Proxy-Authorization, and any whose value is not a list, like Date).
 */
export interface SipHeaders {
  /** First value of the header, or undefined. */
  get(name: string): string | undefined;
  /** Every value, in order (across repeated lines and comma-splits). */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Replaces every value of `name` with `value` (or the list). */
  set(name: string, value: string | readonly string[]): void;
  /** Adds a value after the existing ones. */
  append(name: string, value: string): void;
  /** Adds a value before the existing ones (Via, Record-Route). */
  prepend(name: string, value: string): void;
  delete(name: string): void;
  /** Every [canonicalName, value] pair in wire order. */
  entries(): IterableIterator<[string, string]>;
  clone(): SipHeaders;
}

/** Why a message was rejected. The transport turns these into a 400 (requests) or a drop. */
export type SipParseErrorKind =
  | 'too-large'          // over the configured message size limit
  | 'line-too-long'
  | 'too-many-headers'
  | 'bad-start-line'
  | 'bad-header'
  | 'missing-header'     // Via, From, To, Call-ID, CSeq (RFC 3261 section 8.1.1)
  | 'bad-content-length'
  | 'truncated-body'
  | 'bad-uri'
  | 'bad-encoding';

export interface SipParseError {
  kind: SipParseErrorKind;
  message: string;
  /** Byte offset or line number where it went wrong, when known. */
  at?: number;
}

/** Size limits; every parser and framer takes them (defaults in `message/limits.ts`). */
export interface SipLimits {
  maxMessageBytes: number;   // default 65536
  maxHeaderLineBytes: number; // default 8192
  maxHeaders: number;        // default 256
}
