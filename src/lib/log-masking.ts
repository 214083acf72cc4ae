/**
 * Masking of sensitive data in logs (seed 004 3.13, "Hiding Sensitive Data"). A masked value is
 * printed as `**** (length:nn)`, nn being the UTF-8 byte length of the original value.
 *
 * With `hide-sensitive-data` (the T-Server's `[TServer]` option, default true) these fields are masked
 * wherever they appear in a log line's fields, at any depth:
 * - `UserData`: every value, at any nesting depth; the keys are kept (they name the data, and are
 *   what a troubleshooter needs to follow a call);
 * - the digit and treatment attributes the seed lists: `CollectedDigits`, `LastDigit`, `DTMFDigits`,
 *   `TreatmentParms` (also spelled with the `Attribute` prefix);
 * - chat text: fields named `text` or `chatText` (IM treatment prompts and instant messages).
 * `ANI`/`DNIS` are not masked: the seed does not list them, and they identify the call in a trace.
 * Passwords (`Password`, `password`) are always masked, whatever the option says.
 *
 * `[log] hide-header` (seed 004: a comma-separated list of header names) masks the values of those
 * headers wherever SIP message text (`Name: value` lines) appears in a logged string, independently
 * of `hide-sensitive-data`.
 */
import type { Logger } from './logger.ts';

/** What to mask; read again on every log call, so a configuration change applies at once. */
export interface MaskPolicy {
  hideSensitiveData: boolean;
  /** Header names whose values are masked in SIP message text (matched case-insensitively). */
  hideHeaders: readonly string[];
}

export const defaultMaskPolicy: MaskPolicy = { hideSensitiveData: true, hideHeaders: [] };

const sensitiveKeys = new Set(['collecteddigits', 'lastdigit', 'dtmfdigits', 'treatmentparms', 'attributecollecteddigits', 'attributelastdigit', 'attributedtmfdigits', 'attributetreatmentparms', 'text', 'chattext']);
const MAX_DEPTH = 16;
const encoder = new TextEncoder();

/** `**** (length:nn)` for one value (a number is measured as its decimal text). */
export function maskedValue(value: string | number | boolean): string {
  return `**** (length:${encoder.encode(String(value)).length})`;
}

/** Parses the `hide-header` option: comma-separated names, blanks dropped, bounded in count. */
export function parseHideHeaders(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(s)).slice(0, 64);
}

const headerPatterns = new Map<string, RegExp>();

/** The pattern of `Name: value` lines for these header names (cached; the list rarely changes). */
function headerPattern(names: readonly string[]): RegExp {
  const key = names.join(',').toLowerCase();
  let re = headerPatterns.get(key);
  if (!re) {
    const alt = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    re = new RegExp(`^([ \\t]*(?:${alt})[ \\t]*:[ \\t]*)([^\\r\\n]*)`, 'gimu');
    if (headerPatterns.size > 16) headerPatterns.clear();
    headerPatterns.set(key, re);
  }
  return re;
}

/** Masks the values of the named headers in SIP message text (`From: <sip:a@b>` -> `From: **** (length:11)`). */
export function maskSipHeaders(text: string, names: readonly string[]): string {
  if (names.length === 0 || !text.includes(':')) return text;
  return text.replace(headerPattern(names), (_m, head: string, value: string) => head + maskedValue(value));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Every leaf of a value masked; keys of KV lists (`[key, value]` pairs) and objects kept. */
function maskAll(v: unknown, depth: number): unknown {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return maskedValue(v);
  if (depth > MAX_DEPTH) return '****';
  if (Array.isArray(v)) {
    return v.map((p) => (Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' ? [p[0], maskAll(p[1], depth + 1)] : maskAll(p, depth + 1)));
  }
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x, depth + 1)]));
  return v === null || v === undefined ? v : '****';
}

function maskValue(v: unknown, policy: MaskPolicy, depth: number): unknown {
  if (typeof v === 'string') return maskSipHeaders(v, policy.hideHeaders);
  if (depth > MAX_DEPTH || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => maskValue(x, policy, depth + 1));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = maskField(k, x, policy, depth + 1);
  return out;
}

function maskField(key: string, value: unknown, policy: MaskPolicy, depth: number): unknown {
  const k = key.toLowerCase();
  if (k === 'password') return value === undefined ? value : '****';
  if (policy.hideSensitiveData && (k === 'userdata' || sensitiveKeys.has(k))) return maskAll(value, depth);
  return maskValue(value, policy, depth);
}

/** A log line's fields with the sensitive values masked (the input is not changed). */
export function maskLogFields(fields: Record<string, unknown>, policy: MaskPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = maskField(k, v, policy, 0);
  return out;
}

/**
 * A logger that masks every line's message and fields before `inner` writes them. `policy` is read
 * on each call. Lines `inner` would drop (below its level) are not walked.
 */
export function maskingLogger(inner: Logger, policy: () => MaskPolicy): Logger {
  const wrap = (lvl: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>): void => {
    if (inner.enabled?.(lvl) === false) return;
    const p = policy();
    inner[lvl](maskSipHeaders(msg, p.hideHeaders), fields === undefined ? undefined : maskLogFields(fields, p));
  };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    enabled: (lvl) => inner.enabled?.(lvl) ?? true,
    child: (fields) => maskingLogger(inner.child(maskLogFields(fields, policy())), policy),
  };
}
