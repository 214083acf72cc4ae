/**
 * Key-value lists (T-Library's TKVList): the type of `UserData`, `Reasons` and `Extensions`, shared
 * by T-Lib and the preview protocol (which carries a call's UserData).
 *
 * On the JSON wire a KV list is an ordered array of `[key, value]` pairs, so duplicate keys and
 * order survive a round trip (a plain JSON object would lose both). A value is a string, an integer
 * or a nested KV list:
 *
 * ```json
 * [["Customer","Анна 😀"],["Segment",3],["nested",[["k","v"],["k","v2"]]]]
 * ```
 *
 * Strings are carried as JSON strings in UTF-8, so any Unicode text (Cyrillic, emoji) is preserved
 * byte for byte; lone UTF-16 surrogates are rejected because they have no UTF-8 form.
 */

/** One value of a KV pair: a string, a safe integer, or a nested list. */
export type KvValue = string | number | KvList;
/** One pair: `[key, value]`. */
export type KvPair = readonly [key: string, value: KvValue];
/** An ordered list of pairs; keys may repeat. */
export type KvList = readonly KvPair[];

/** A plain-object view of a KV list (nested lists become nested objects). */
export interface KvObject {
  [key: string]: string | number | KvObject;
}

/** Bounds applied when a KV list arrives from the wire (parsers bound sizes). */
export interface KvLimits {
  /** Maximum nesting depth (a flat list has depth 1). */
  maxDepth: number;
  /** Maximum number of pairs, counted over all nesting levels. */
  maxPairs: number;
  /** Maximum length of a key, in UTF-16 code units. */
  maxKeyLength: number;
  /** Maximum length of a string value, in UTF-16 code units. */
  maxStringLength: number;
}

/** Default bounds: deep and wide enough for any real UserData, small enough to stop abuse. */
export const defaultKvLimits: KvLimits = { maxDepth: 8, maxPairs: 10_000, maxKeyLength: 1024, maxStringLength: 256 * 1024 };

const loneSurrogate = /[\uD800-\uDFFF]/u;
// String.prototype.isWellFormed (ES2024, present in Node 20) is ~5x faster than the regex; the
// TypeScript lib in use (ES2023) does not declare it yet.
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** True when `s` has no lone surrogate, i.e. it has a UTF-8 encoding. */
export function isWellFormedText(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !loneSurrogate.test(s);
}

/**
 * Checks that `input` is a wire-format KV list within `limits`. Returns `undefined` when valid,
 * else a short description of the first problem (with its path, e.g. `[2][1][0]`).
 */
export function checkKvList(input: unknown, limits: KvLimits = defaultKvLimits): string | undefined {
  const counter = { pairs: 0 };
  return walkKvList(input, 1, '', limits, counter);
}

/** One level of {@link checkKvList}; the path of a pair is only spelled out for a problem. */
function walkKvList(v: unknown, depth: number, path: string, limits: KvLimits, counter: { pairs: number }): string | undefined {
  if (!Array.isArray(v)) return `${path || 'value'} is not a list of [key, value] pairs`;
  if (depth > limits.maxDepth) return `${path} nests deeper than ${limits.maxDepth} levels`;
  for (let i = 0; i < v.length; i++) {
    const p: unknown = v[i];
    if (!Array.isArray(p) || p.length !== 2) return `${path}[${i}] is not a [key, value] pair`;
    if (++counter.pairs > limits.maxPairs) return `more than ${limits.maxPairs} pairs`;
    const k: unknown = p[0];
    const val: unknown = p[1];
    if (typeof k !== 'string') return `${path}[${i}] key is not a string`;
    if (k.length > limits.maxKeyLength) return `${path}[${i}] key is longer than ${limits.maxKeyLength}`;
    if (!isWellFormedText(k)) return `${path}[${i}] key has a lone surrogate (not valid UTF-8 text)`;
    if (typeof val === 'string') {
      if (val.length > limits.maxStringLength) return `${path}[${i}] value is longer than ${limits.maxStringLength}`;
      if (!isWellFormedText(val)) return `${path}[${i}] value has a lone surrogate (not valid UTF-8 text)`;
    } else if (typeof val === 'number') {
      if (!Number.isSafeInteger(val)) return `${path}[${i}] value is a number but not a safe integer`;
    } else if (Array.isArray(val)) {
      const e = walkKvList(val, depth + 1, `${path}[${i}][1]`, limits, counter);
      if (e) return e;
    } else {
      return `${path}[${i}] value must be a string, an integer or a nested list`;
    }
  }
  return undefined;
}

/** Type guard over {@link checkKvList}. */
export function isKvList(input: unknown, limits: KvLimits = defaultKvLimits): input is KvList {
  return checkKvList(input, limits) === undefined;
}

/** Builds a KV list from a plain object (insertion order; nested objects become nested lists). */
export function kvFromObject(obj: Readonly<KvObject>): KvList {
  return Object.entries(obj).map(([k, v]): KvPair => [k, typeof v === 'object' ? kvFromObject(v) : v]);
}

/**
 * A plain-object view of a KV list. With duplicate keys the FIRST pair wins, as with T-Library's
 * lookup functions; use {@link kvGetAll} when duplicates matter. Keys named `__proto__` are kept
 * as own properties (the object has no prototype), so hostile keys cannot pollute prototypes.
 */
export function kvToObject(list: KvList): KvObject {
  const out = Object.create(null) as KvObject;
  for (const [k, v] of list) {
    if (Object.prototype.hasOwnProperty.call(out, k)) continue;
    out[k] = typeof v === 'object' ? kvToObject(v) : v;
  }
  return out;
}

/** The first value stored under `key`, or undefined. */
export function kvGet(list: KvList | undefined, key: string): KvValue | undefined {
  if (!list) return undefined;
  for (const [k, v] of list) if (k === key) return v;
  return undefined;
}

/** The first value under `key` if it is a string. */
export function kvGetString(list: KvList | undefined, key: string): string | undefined {
  const v = kvGet(list, key);
  return typeof v === 'string' ? v : undefined;
}

/** Every value stored under `key`, in order. */
export function kvGetAll(list: KvList | undefined, key: string): KvValue[] {
  return list ? list.filter(([k]) => k === key).map(([, v]) => v) : [];
}

/** Appends pairs (TAttachUserData semantics: nothing is replaced). */
export function kvAttach(list: KvList, added: KvList): KvList {
  return [...list, ...added];
}

/**
 * TUpdateUserData semantics: for each key in `changes`, the pairs with that key are replaced by the
 * new pair in the position of the first one; keys not present are appended.
 */
export function kvUpdate(list: KvList, changes: KvList): KvList {
  const out: KvPair[] = [...list];
  for (const [k, v] of changes) {
    const first = out.findIndex(([ok]) => ok === k);
    if (first < 0) {
      out.push([k, v]);
      continue;
    }
    out[first] = [k, v];
    for (let i = out.length - 1; i > first; i--) if (out[i]?.[0] === k) out.splice(i, 1);
  }
  return out;
}

/** Removes every pair whose key is `key` (TDeletePair semantics). */
export function kvDelete(list: KvList, key: string): KvList {
  return list.filter(([k]) => k !== key);
}

/** Deep equality of two KV lists, order and duplicates included. */
export function kvEquals(a: KvList, b: KvList): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [ka, va] = a[i] as KvPair;
    const [kb, vb] = b[i] as KvPair;
    if (ka !== kb) return false;
    if (typeof va === 'object' && typeof vb === 'object') {
      if (!kvEquals(va, vb)) return false;
    } else if (va !== vb) return false;
  }
  return true;
}
