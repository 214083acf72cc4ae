/**
 * Option value kinds and their pure parsers. A value read from YAML or set at run time is checked
 * against its declared kind; the loader reports a failure as an error, the OptionResolver falls back
 * to the default (the seeds: an invalid value means the default applies).
 */
import type { OptionValue } from './config-objects.ts';
import { type Result, ok, err } from '../lib/result.ts';
import { parseLogExpire, parseLogOutputs, parseLogSegment } from '../lib/log-options.ts';

/** The kinds of option value the option table declares. */
export type OptionKind =
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'string' }
  | { type: 'sip-uri' }
  | { type: 'enum'; values: readonly string[]; aliases?: Readonly<Record<string, string>> }
  | { type: 'range-list' }
  | { type: 'seconds-or-untimed' }
  /** The standard `[log]` options (src/lib/log-options.ts); the value is kept as written. */
  | { type: 'log-outputs' }
  | { type: 'log-segment' }
  | { type: 'log-expire' };

/** One range of a range list (`4500-17999`, `18000-` is open: `to` is Infinity). */
export interface NumberRange {
  from: number;
  to: number;
}

/** A parsed option value. */
export type ParsedOptionValue = number | boolean | string | NumberRange[] | 'untimed';

const SIP_URI = /^sips?:[^\s@<>"]+(@[^\s<>"]+)?$/i;
const INTEGER = /^-?\d+$/;
const RANGE_ITEM = /^(-?\d+)(?:-(-?\d+)?)?$/;
const MAX_RANGE_ITEMS = 256;

/** Parses a value of the given kind; the error is a short phrase for `path: <phrase>` messages. */
export function parseOptionValue(kind: OptionKind, raw: OptionValue): Result<ParsedOptionValue, string> {
  switch (kind.type) {
    case 'integer': {
      const n = toInteger(raw);
      if (n === undefined) return err('must be an integer');
      if (kind.min !== undefined && n < kind.min) return err(`must be an integer >= ${kind.min}`);
      if (kind.max !== undefined && n > kind.max) return err(`must be an integer <= ${kind.max}`);
      return ok(n);
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return ok(raw);
      const s = String(raw).trim().toLowerCase();
      // Genesys options are strings; accept the spellings its tools write.
      if (s === 'true' || s === 'yes' || s === '1' || s === 'on') return ok(true);
      if (s === 'false' || s === 'no' || s === '0' || s === 'off') return ok(false);
      return err('must be true or false');
    }
    case 'string':
      return ok(String(raw));
    case 'sip-uri':
      return typeof raw === 'string' && SIP_URI.test(raw) ? ok(raw) : err('must be a SIP URI');
    case 'enum': {
      const s = kind.aliases?.[String(raw)] ?? String(raw);
      return kind.values.includes(s) ? ok(s) : err(`must be one of ${kind.values.join(', ')}`);
    }
    case 'range-list':
      return parseRangeList(String(raw));
    case 'seconds-or-untimed': {
      if (raw === 'untimed') return ok('untimed');
      const n = toInteger(raw);
      return n !== undefined && n >= 0 ? ok(n) : err('must be a number of seconds >= 0 or untimed');
    }
    case 'log-outputs': {
      const r = parseLogOutputs(String(raw));
      return r.ok ? ok(String(raw)) : r;
    }
    case 'log-segment': {
      const r = parseLogSegment(String(raw));
      return r.ok ? ok(String(raw)) : r;
    }
    case 'log-expire': {
      const r = parseLogExpire(String(raw));
      return r.ok ? ok(String(raw)) : r;
    }
  }
}

function toInteger(raw: OptionValue): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  if (typeof raw === 'string' && INTEGER.test(raw.trim())) {
    const n = Number(raw.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Parses a code list such as `0-4499`, `18000-` or `-32768,0` (seed 000 5.2/5.3: availability codes,
 * single values and ranges, an open upper end allowed).
 */
export function parseRangeList(text: string): Result<NumberRange[], string> {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return err('must be a list of numbers or ranges like 0-4499,18000-');
  if (items.length > MAX_RANGE_ITEMS) return err(`must have at most ${MAX_RANGE_ITEMS} ranges`);
  const out: NumberRange[] = [];
  for (const item of items) {
    const m = RANGE_ITEM.exec(item);
    if (!m) return err('must be a list of numbers or ranges like 0-4499,18000-');
    const from = Number(m[1]);
    const hasDash = item.length > (m[1] ?? '').length;
    const to = m[2] !== undefined ? Number(m[2]) : hasDash ? Infinity : from;
    if (to < from) return err(`range ${item} ends before it starts`);
    out.push({ from, to });
  }
  return ok(out);
}

/** True when `n` is inside one of the ranges. */
export function inRanges(ranges: readonly NumberRange[], n: number): boolean {
  return ranges.some((r) => n >= r.from && n <= r.to);
}
