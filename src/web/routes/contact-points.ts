/**
 * Contact points of the Interaction window (seed 000 5.6): Routing Points (and ACD Queues) whose
 * `[UC-Connector]` annex has a `display-name` and is not `enabled=false`. Hovering one shows its
 * `attribute<n>` options, each `format: <text with %s>, statistic: <object>, <type>, <tenant>,
 * <StatType>, <TimeProfile>[, <StatServer>]`, with `%s` replaced by the statistic's value from
 * src/stats. An attribute whose statistic fields are incomplete, or whose StatType src/stats does
 * not compute, shows its text without a value (no subscription, seed 000 requirement 100).
 */
import type { ConfigView } from '../../config/config-index.ts';
import { findSection, type OptionValue } from '../../config/config-objects.ts';
import { declaredBoolean } from '../../config/option-table.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import type { DnStatName, StatRef, StatValue } from '../../stats/stat-types.ts';

/** One parsed `attribute<n>` option. */
export interface ContactPointAttribute {
  /** The display text, `%s` where the value goes. */
  readonly format: string;
  /** The DN statistic to read, when the statistic fields are complete and known. */
  readonly ref: (StatRef & { object: 'dn' }) | null;
}

const dnStats: readonly DnStatName[] = ['CurrNumberWaitingCalls', 'CurrMaxCallWaitingTime', 'TotalNumberCallsEntered', 'TotalNumberCallsDistributed', 'TotalNumberCallsAbandoned', 'CurrNumberWaitingChats', 'TotalNumberChatsEntered', 'TotalNumberChatsDistributed', 'TotalNumberChatsAbandoned'];
const maxAttributeLength = 1024;

/**
 * Parses an `attribute<n>` value. The format text may itself hold commas, so the value splits at
 * the last `statistic:`. Fails only when there is no `format:`.
 */
export function parseContactPointAttribute(value: string): Result<ContactPointAttribute, string> {
  if (value.length > maxAttributeLength) return err('attribute value too long');
  const m = /^\s*format\s*:\s*([\s\S]*)$/i.exec(value);
  if (!m) return err('attribute value must start with "format:"');
  const rest = m[1] ?? '';
  const at = rest.toLowerCase().lastIndexOf('statistic:');
  if (at < 0) return ok({ format: rest.trim().replace(/,\s*$/, ''), ref: null });
  const format = rest.slice(0, at).trim().replace(/,\s*$/, '');
  const fields = rest.slice(at + 'statistic:'.length).split(',').map((f) => f.trim());
  const [object, , tenant, statType, timeProfile] = fields;
  // Object, ObjectType, TenantName, StatType and TimeProfile are all required (seed 000 5.6).
  if (!object || !fields[1] || !tenant || !statType || !timeProfile) return ok({ format, ref: null });
  const dn = object.split('@')[0] ?? '';
  const stat = dnStats.find((s) => s.toLowerCase() === statType.toLowerCase());
  return ok({ format, ref: dn !== '' && stat ? { object: 'dn', id: dn, stat } : null });
}

/** A contact point as the client lists it. */
export interface ContactPoint {
  readonly dn: string;
  readonly displayName: string;
  /** The hover lines, `%s` replaced by the current value (`?` when unknown). */
  readonly tooltip: readonly string[];
}

/** Renders one attribute with a value (`?` when the statistic is unknown or not available). */
export function renderAttribute(a: ContactPointAttribute, value: StatValue | undefined): string {
  const shown = value === undefined ? '?' : String(value);
  return a.format.includes('%s') ? a.format.split('%s').join(shown) : a.format;
}

const asString = (v: OptionValue | undefined): string | undefined => (v === undefined ? undefined : String(v));

/** The contact points of the configuration, in configuration order, with their tooltips now. */
export function contactPointsFromConfig(view: ConfigView, stats: { value(ref: StatRef): StatValue | undefined } | undefined): ContactPoint[] {
  const out: ContactPoint[] = [];
  for (const dn of view.list('dns')) {
    if (dn.type !== 'Routing Point' && dn.type !== 'ACD Queue') continue;
    const section = findSection(dn.annex, 'UC-Connector');
    const displayName = asString(section?.['display-name'])?.trim();
    if (!section || !displayName) continue;
    if (String(section['enabled'] ?? declaredBoolean('uc-connector', 'enabled')).toLowerCase() === 'false') continue;
    const numbered = Object.keys(section)
      .map((k) => ({ k, n: /^attribute(\d{1,3})$/i.exec(k) }))
      .filter((x): x is { k: string; n: RegExpExecArray } => x.n !== null)
      .sort((a, b) => Number(a.n[1]) - Number(b.n[1]));
    const tooltip: string[] = [];
    for (const { k } of numbered) {
      const parsed = parseContactPointAttribute(asString(section[k]) ?? '');
      if (!parsed.ok) continue;
      tooltip.push(renderAttribute(parsed.value, parsed.value.ref ? stats?.value(parsed.value.ref) : undefined));
    }
    out.push({ dn: dn.number, displayName, tooltip });
  }
  return out;
}
