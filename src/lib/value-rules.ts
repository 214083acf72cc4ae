/**
 * The value checks a framed-JSON decoder applies to one field: bounded well-formed strings,
 * bounded integers, enumerations and KV lists. T-Lib's attributes and the preview protocol's fields
 * use the same ones (each protocol adds its own: ConnID, ReferenceID in ./reference-id.ts).
 */
import { checkKvList, isWellFormedText } from './kv-list.ts';
import type { KvLimits } from './kv-list.ts';

/** A rule for one value. */
export type ValueRule =
  | { readonly kind: 'string'; readonly maxLength: number; readonly allowEmpty?: boolean }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'kvList' };

/** Checks `v` (the value of field `name`) against `rule`; returns a problem sentence or undefined. */
export function checkValue(name: string, rule: ValueRule, v: unknown, limits: KvLimits): string | undefined {
  switch (rule.kind) {
    case 'string':
      if (typeof v !== 'string') return `${name} must be a string`;
      if (rule.allowEmpty !== true && v.length === 0) return `${name} must not be empty`;
      if (v.length > rule.maxLength) return `${name} is longer than ${rule.maxLength} characters`;
      if (!isWellFormedText(v)) return `${name} has a lone surrogate (not valid UTF-8 text)`;
      return undefined;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return `${name} must be an integer`;
      if (v < rule.min || v > rule.max) return `${name} must be between ${rule.min} and ${rule.max}`;
      return undefined;
    case 'enum':
      if (typeof v !== 'string' || !rule.values.includes(v)) return `${name} must be one of ${rule.values.join(', ')}`;
      return undefined;
    case 'kvList': {
      const p = checkKvList(v, limits);
      return p ? `${name}: ${p}` : undefined;
    }
  }
}
