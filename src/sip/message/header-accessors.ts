/**
 * Typed views of the headers every layer reads: Via, From, To, Contact, Route / Record-Route, CSeq,
 * Call-ID, Expires, Content-Type. They parse on demand and keep the result in the header list's
 * cache (the parser pre-fills it with what it validated), which `set`/`append`/`prepend`/`delete`
 * invalidate. Each call returns a fresh copy, so a caller may edit what it gets without corrupting
 * the cache; to change the message, format the edited value and `set` it.
 *
 * On a parsed message these never throw (the parser validated the headers). On a hand-built message
 * a missing or malformed mandatory header throws `UccError('UCC_ERR_SIP_PARSE')`.
 */
import { UccError } from '../../lib/errors.ts';
import { splitCommaList } from '../grammar/comma-list.ts';
import { parseNameAddr } from '../grammar/name-addr.ts';
import { parseVia } from '../grammar/via.ts';
import { HeaderList } from './headers.ts';
import { isValidCallId, parseCSeqValue } from './parser.ts';
import type { CSeq, NameAddr, SipMessage, SipUri, Via } from './sip-message.ts';

/** The parsed view cached under `key`, or undefined (also for a caller-made SipHeaders). */
function hit<T>(msg: SipMessage, key: string): T | undefined {
  const h = msg.headers;
  return h instanceof HeaderList ? (h.cache?.[key] as T | undefined) : undefined;
}

function store<T>(msg: SipMessage, key: string, v: T): T {
  const h = msg.headers;
  if (h instanceof HeaderList) (h.cache ??= {})[key] = v;
  return v;
}

const fault = (what: string): UccError => new UccError('UCC_ERR_SIP_PARSE', what);

const copyUri = (u: Readonly<SipUri>): SipUri => ({ ...u, params: { ...u.params }, headers: { ...u.headers } });
const copyNameAddr = (na: Readonly<NameAddr>): NameAddr => ({ ...na, uri: copyUri(na.uri), params: { ...na.params } });
const copyVia = (v: Readonly<Via>): Via => ({ ...v, params: { ...v.params } });

/** Values of a list header, split at commas: a hand-built header may hold `a, b` in one value. */
function listValues(msg: SipMessage, name: string): string[] {
  const out: string[] = [];
  for (const v of msg.headers.getAll(name)) {
    if (v.indexOf(',') < 0) {
      out.push(v);
      continue;
    }
    const parts = splitCommaList(v);
    if (parts === undefined) throw fault(`${name}: unterminated quoted-string or '<'`);
    out.push(...parts);
  }
  return out;
}

function nameAddrs(msg: SipMessage, key: string, name: string): readonly NameAddr[] {
  return hit<NameAddr[]>(msg, key) ?? store(msg, key, listValues(msg, name).map((v) => {
    const r = parseNameAddr(v);
    if (!r.ok) throw fault(`${name}: ${r.error.message}`);
    return r.value;
  }));
}

function single(msg: SipMessage, key: string, name: string): NameAddr {
  const c = hit<NameAddr>(msg, key);
  if (c !== undefined) return c;
  const v = msg.headers.get(name);
  if (v === undefined) throw fault(`missing ${name} header`);
  const r = parseNameAddr(v);
  if (!r.ok) throw fault(`${name}: ${r.error.message}`);
  return store(msg, key, r.value);
}

/** The views the parser fills in (and the accessors keep), by cache key. */
interface CachedViews {
  via: readonly Readonly<Via>[];
  from: Readonly<NameAddr>;
  to: Readonly<NameAddr>;
  contact: readonly Readonly<NameAddr>[];
  cseq: Readonly<CSeq>;
}

/**
 * @internal The parsed view of `key` when one is cached (always, for the mandatory headers of a
 * parsed message), else undefined: callers that must keep their own handling of a missing or
 * malformed header fall back to it then. Never modify what it returns.
 */
export function cachedView<K extends keyof CachedViews>(msg: SipMessage, key: K): CachedViews[K] | undefined {
  return hit<CachedViews[K]>(msg, key);
}

/**
 * @internal The cached parsed Via list itself, not a copy: for the layers that only read it on
 * every message (matching keys, response routing). Never modify what it returns.
 */
export function viasView(msg: SipMessage): readonly Readonly<Via>[] {
  return hit<Via[]>(msg, 'via') ?? store(msg, 'via', listValues(msg, 'Via').map((v) => {
    const r = parseVia(v);
    if (!r.ok) throw fault(r.error.message);
    return r.value;
  }));
}

/** @internal The cached parsed From (not a copy; never modify it). */
export function fromView(msg: SipMessage): Readonly<NameAddr> {
  return single(msg, 'from', 'From');
}

/** @internal The cached parsed To (not a copy; never modify it). */
export function toView(msg: SipMessage): Readonly<NameAddr> {
  return single(msg, 'to', 'To');
}

/** @internal The cached parsed Contact list (not a copy; never modify it). */
export function contactsView(msg: SipMessage): readonly Readonly<NameAddr>[] {
  return nameAddrs(msg, 'contact', 'Contact');
}

/** @internal The cached parsed CSeq (not a copy; never modify it). */
export function cseqView(msg: SipMessage): Readonly<CSeq> {
  const c = hit<CSeq>(msg, 'cseq');
  if (c !== undefined) return c;
  const v = msg.headers.get('CSeq');
  if (v === undefined) throw fault('missing CSeq header');
  const r = parseCSeqValue(v);
  if (r === undefined) throw fault(`malformed CSeq ${JSON.stringify(v)}`);
  return store(msg, 'cseq', r);
}

/** Every Via value, topmost first (RFC 3261 section 20.42). */
export function getVias(msg: SipMessage): Via[] {
  return viasView(msg).map(copyVia);
}

/** The From header (section 20.20). */
export function getFrom(msg: SipMessage): NameAddr {
  return copyNameAddr(fromView(msg));
}

/** The To header (section 20.39). */
export function getTo(msg: SipMessage): NameAddr {
  return copyNameAddr(toView(msg));
}

/** Every Contact value (section 20.10); `[{ wildcard: true, ... }]` for `Contact: *`. Empty when absent. */
export function getContacts(msg: SipMessage): NameAddr[] {
  return contactsView(msg).map(copyNameAddr);
}

/** Every Route or Record-Route value, in order (sections 20.34, 20.30). Empty when absent. */
export function getRoutes(msg: SipMessage, name: 'Route' | 'Record-Route'): NameAddr[] {
  return nameAddrs(msg, name === 'Route' ? 'route' : 'record-route', name).map(copyNameAddr);
}

/** The CSeq header (section 20.16). */
export function getCSeq(msg: SipMessage): CSeq {
  const c = cseqView(msg);
  return { seq: c.seq, method: c.method };
}

/** The Call-ID (section 20.8). */
export function getCallId(msg: SipMessage): string {
  const v = msg.headers.get('Call-ID');
  if (v === undefined) throw fault('missing Call-ID header');
  if (!isValidCallId(v)) throw fault(`malformed Call-ID ${JSON.stringify(v)}`);
  return v;
}

/**
 * The Expires header in seconds (section 20.19), or undefined when absent or not a delta-seconds
 * value (the old HTTP-date form is treated as absent rather than failing the caller). Values above
 * 2**32-1 are capped there.
 */
export function getExpires(msg: SipMessage): number | undefined {
  const v = msg.headers.get('Expires');
  if (v === undefined || !/^\d{1,20}$/.test(v)) return undefined;
  return Math.min(Number(v), 0xffffffff);
}

/**
 * The media type of the body, lower-cased and without parameters (`application/pidf+xml`), or
 * undefined when there is no Content-Type. Read `headers.get('Content-Type')` for the parameters.
 */
export function getContentType(msg: SipMessage): string | undefined {
  const v = msg.headers.get('Content-Type');
  if (v === undefined) return undefined;
  const semi = v.indexOf(';');
  const t = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  return t.length > 0 ? t : undefined;
}
