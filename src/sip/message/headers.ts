/**
 * The ordered header list behind `SipHeaders`. Entries keep wire order; lookups compare lower-case
 * keys with compact forms expanded, so `get('v')`, `get('VIA')` and `get('Via')` agree.
 *
 * The typed accessors (`header-accessors.ts`) keep parsed views (Via[], NameAddr, CSeq) in `cache`,
 * keyed like the entries. Every mutation drops the cached view of the header it touches, so a view
 * is never older than the values it was parsed from.
 */
import { UccError } from '../../lib/errors.ts';
import { isTokenString } from '../grammar/chars.ts';
import { splitCommaList } from '../grammar/comma-list.ts';
import { canonicalName, headerKey } from './compact-forms.ts';
import type { SipHeaders } from './sip-message.ts';

/** @internal One header value. `key` is the lookup key, `name` the name it is written with. */
export interface HeaderEntry {
  key: string;
  name: string;
  value: string;
  /** Set by the parser on a list header value that still holds several comma-separated elements. */
  packed: boolean;
}

function checkName(name: string): void {
  if (!isTokenString(name)) throw new UccError('UCC_ERR_SIP_PARSE', `invalid SIP header name ${JSON.stringify(name)}`);
}

function checkValue(name: string, value: string): void {
  // A CR or LF in a value would let it start a new header line (header injection).
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
    throw new UccError('UCC_ERR_SIP_PARSE', `SIP header ${name} value contains CR or LF`);
  }
}

/** @internal The `SipHeaders` implementation; build one with `createHeaders`. */
export class HeaderList implements SipHeaders {
  /** @internal Wire-order entries. The parser fills it directly (names and values already checked). */
  readonly list: HeaderEntry[] = [];
  /** @internal Parsed views keyed by header key (see header-accessors.ts). */
  cache: Record<string, unknown> | undefined;
  /**
   * @internal True while some entry is `packed`. The parser splits the lists it validates (Via,
   * Contact, Route, Record-Route) at once and leaves the others (Allow, Supported, Accept...) to be
   * split on first access: nothing observable changes, and messages nobody reads them on skip the work.
   */
  packed = false;

  /** Splits packed entries into one entry per element (an unbalanced quote keeps the value whole). */
  private unpack(): void {
    if (!this.packed) return;
    this.packed = false;
    const old = this.list.splice(0, this.list.length);
    for (const e of old) {
      const parts = e.packed ? splitCommaList(e.value) : undefined;
      if (parts === undefined) this.list.push({ key: e.key, name: e.name, value: e.value, packed: false });
      else for (const v of parts) this.list.push({ key: e.key, name: e.name, value: v, packed: false });
    }
  }

  get(name: string): string | undefined {
    this.unpack();
    const key = headerKey(name);
    for (const e of this.list) if (e.key === key) return e.value;
    return undefined;
  }

  getAll(name: string): string[] {
    this.unpack();
    const key = headerKey(name);
    const out: string[] = [];
    for (const e of this.list) if (e.key === key) out.push(e.value);
    return out;
  }

  has(name: string): boolean {
    this.unpack();
    const key = headerKey(name);
    for (const e of this.list) if (e.key === key) return true;
    return false;
  }

  set(name: string, value: string | readonly string[]): void {
    checkName(name);
    this.unpack();
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) checkValue(name, v);
    const key = headerKey(name);
    const cname = canonicalName(key, name);
    // Replace in place: the new values take the position of the first old one.
    let at = -1;
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i]?.key === key) {
        this.list.splice(i, 1);
        at = i;
      }
    }
    const fresh = values.map((v) => ({ key, name: cname, value: v, packed: false }));
    if (at < 0) this.list.push(...fresh);
    else this.list.splice(at, 0, ...fresh);
    if (this.cache !== undefined) this.cache[key] = undefined;
  }

  /**
   * @internal Replaces the value of the first `key` entry in place (the others stay), leaving the
   * cached view to the caller. False when there is no such entry. No unpacking: `key` must be a
   * header the parser never leaves packed (Via, Contact, Route, Record-Route, or a non-list one).
   */
  replaceFirst(key: string, value: string): boolean {
    checkValue(key, value);
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as HeaderEntry;
      if (e.key !== key) continue;
      list[i] = { key, name: e.name, value, packed: false };
      return true;
    }
    return false;
  }

  append(name: string, value: string): void {
    checkName(name);
    checkValue(name, value);
    const key = headerKey(name);
    this.list.push({ key, name: canonicalName(key, name), value, packed: false });
    if (this.cache !== undefined) this.cache[key] = undefined;
  }

  prepend(name: string, value: string): void {
    checkName(name);
    checkValue(name, value);
    this.unpack();
    const key = headerKey(name);
    const entry = { key, name: canonicalName(key, name), value, packed: false };
    const first = this.list.findIndex((e) => e.key === key);
    // Before the existing values of the same header (Via, Record-Route); else at the top.
    this.list.splice(first < 0 ? 0 : first, 0, entry);
    if (this.cache !== undefined) this.cache[key] = undefined;
  }

  delete(name: string): void {
    this.unpack();
    const key = headerKey(name);
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]?.key === key) this.list.splice(i, 1);
    if (this.cache !== undefined) this.cache[key] = undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    this.unpack();
    for (const e of this.list) yield [e.name, e.value];
  }

  clone(): SipHeaders {
    this.unpack();
    const h = new HeaderList();
    h.packed = this.packed;
    for (const e of this.list) h.list.push({ key: e.key, name: e.name, value: e.value, packed: e.packed });
    return h;
  }
}

/**
 * Builds a header list from `[name, value]` pairs (kept in order) or from a record whose values may
 * be lists. Throws `UCC_ERR_SIP_PARSE` for a name that is not a token or a value with CR/LF.
 */
export function createHeaders(init?: Iterable<readonly [string, string]> | Record<string, string | readonly string[]>): SipHeaders {
  const h = new HeaderList();
  if (init === undefined) return h;
  if (Symbol.iterator in init) {
    for (const [name, value] of init as Iterable<readonly [string, string]>) h.append(name, value);
  } else {
    for (const name of Object.keys(init)) {
      const v = (init as Record<string, string | readonly string[]>)[name];
      if (v === undefined) continue;
      if (typeof v === 'string') h.append(name, v);
      else for (const x of v) h.append(name, x);
    }
  }
  return h;
}
