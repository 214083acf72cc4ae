/**
 * Availability mapping, both ways:
 *  - MS-PRES availability numbers ↔ the normalized {@link Availability} (seed 000 Table 14;
 *    protocol-notes section 3.1);
 *  - PIDF `basic` + RPID activities ↔ the normalized availability and a representative MS-PRES
 *    number (protocol-notes section 6), so the connector's `agent-status-ready` / `-notready` /
 *    `-logout` range lists (`3000-4499` style) apply to standards servers too.
 */
import type { Availability } from './presence.ts';
import { awayRpidActivities, brbOtherTexts, busyRpidActivities, dndOtherTexts } from './rpid-activities.ts';

/** One MS-PRES availability range: `from`..`to` inclusive (`to` null = open-ended). */
export interface MsPresAvailabilityRange {
  readonly from: number;
  readonly to: number | null;
  readonly availability: Availability;
  /** Lync's default display text. */
  readonly label: string;
  /** The value clients typically publish in this range; what we publish for the class. */
  readonly typical: number;
}

/** The ranges, ascending. 0–2999 is "unknown" here (see {@link MsPresAvailabilityOptions}). */
export const msPresAvailabilityRanges: readonly MsPresAvailabilityRange[] = Object.freeze([
  { from: 0, to: 2999, availability: 'unknown', label: 'Presence unknown', typical: 0 },
  { from: 3000, to: 4499, availability: 'online', label: 'Available', typical: 3500 },
  { from: 4500, to: 5999, availability: 'online-idle', label: 'Inactive', typical: 4500 },
  { from: 6000, to: 7499, availability: 'busy', label: 'Busy', typical: 6500 },
  { from: 7500, to: 8999, availability: 'busy-idle', label: 'Busy', typical: 7500 },
  { from: 9000, to: 11999, availability: 'do-not-disturb', label: 'Do not disturb', typical: 9500 },
  { from: 12000, to: 14999, availability: 'be-right-back', label: 'Be right back', typical: 12500 },
  { from: 15000, to: 17999, availability: 'away', label: 'Away', typical: 15500 },
  { from: 18000, to: null, availability: 'offline', label: 'Offline', typical: 18500 },
] as const);

/** Options of {@link availabilityFromMsPresCode}. */
export interface MsPresAvailabilityOptions {
  /**
   * How 0–2999 classify. `'unknown'` (default): the Lync "parsing published category instances"
   * and OCS 2007 pages call it undefined, and 0 means unset. `'online'`: seed 000 Table 14
   * ("0–4499 Available"), for UCC-compatible behaviour.
   */
  readonly below3000?: 'unknown' | 'online';
}

/** The normalized availability of an MS-PRES availability number. Negative or non-integer numbers are `unknown`. */
export function availabilityFromMsPresCode(code: number, options: MsPresAvailabilityOptions = {}): Availability {
  if (!Number.isInteger(code) || code < 0) return 'unknown';
  if (code < 3000) return options.below3000 ?? 'unknown';
  for (let i = msPresAvailabilityRanges.length - 1; i >= 0; i--) {
    const r = msPresAvailabilityRanges[i]!;
    if (code >= r.from) return r.availability;
  }
  return 'unknown';
}

/** The typical number of each class, looked up once per presence update. */
const typicalCodes: ReadonlyMap<Availability, number> = new Map(msPresAvailabilityRanges.map((r) => [r.availability, r.typical]));

/** The MS-PRES number we publish for a normalized availability (the range's typical value); null for `unknown`. */
export function msPresCodeForAvailability(availability: Availability): number | null {
  if (availability === 'unknown') return null;
  return typicalCodes.get(availability)!;
}

/** What a PIDF document says, reduced to the inputs of {@link deriveRpidAvailability}. */
export interface RpidAvailabilityInput {
  /** `open` if any tuple is open, `closed` if all are closed, null if there is no basic status. */
  readonly basic: 'open' | 'closed' | null;
  /** RPID activity element names (`on-the-phone`, `away`...). */
  readonly activities: readonly string[];
  /** `<rpid:other>` texts. */
  readonly otherActivities: readonly string[];
  /** `rpid:user-input` is `idle`. */
  readonly idle: boolean;
}

/**
 * Derives the normalized availability and a representative MS-PRES number from PIDF/RPID
 * (protocol-notes section 6, a design choice): closed → offline (18500); else DND text → 9500;
 * busy-type activity → busy (6500, or busy-idle 7500 when idle); BRB text → 12500; away-type →
 * away (15500); idle → online-idle (4500); open → online (3500). Busy wins over away, away over
 * available. No basic and no activity → unknown.
 */
export function deriveRpidAvailability(input: RpidAvailabilityInput): { availability: Availability; code: number | null } {
  const pick = (availability: Availability) => ({ availability, code: msPresCodeForAvailability(availability) });
  if (input.basic === 'closed') return pick('offline');
  const others = input.otherActivities.length === 0 ? input.otherActivities : input.otherActivities.map((t) => t.trim().toLowerCase());
  if (others.some((t) => dndOtherTexts.has(t))) return pick('do-not-disturb');
  if (input.activities.some((a) => busyRpidActivities.has(a))) return pick(input.idle ? 'busy-idle' : 'busy');
  if (others.some((t) => brbOtherTexts.has(t))) return pick('be-right-back');
  if (input.activities.some((a) => awayRpidActivities.has(a))) return pick('away');
  if (input.basic === null && input.activities.length === 0 && !input.idle) return pick('unknown');
  return pick(input.idle ? 'online-idle' : 'online');
}

/** How to express a normalized availability in PIDF/RPID (the inverse of {@link deriveRpidAvailability}). */
export interface RpidExpression {
  /** null = a `<status/>` without `<basic>` (nothing known). */
  readonly basic: 'open' | 'closed' | null;
  readonly activities: readonly string[];
  /** An `<rpid:other>` text, for the classes RPID has no element for. */
  readonly other: string | null;
  readonly idle: boolean;
}

/** The PIDF/RPID that {@link deriveRpidAvailability} reads back as `availability`. */
export function rpidForAvailability(availability: Availability): RpidExpression {
  switch (availability) {
    case 'online': return { basic: 'open', activities: [], other: null, idle: false };
    case 'online-idle': return { basic: 'open', activities: [], other: null, idle: true };
    case 'busy': return { basic: 'open', activities: ['busy'], other: null, idle: false };
    case 'busy-idle': return { basic: 'open', activities: ['busy'], other: null, idle: true };
    case 'do-not-disturb': return { basic: 'open', activities: ['busy'], other: 'do-not-disturb', idle: false };
    case 'be-right-back': return { basic: 'open', activities: ['away'], other: 'be-right-back', idle: false };
    case 'away': return { basic: 'open', activities: ['away'], other: null, idle: false };
    case 'offline': return { basic: 'closed', activities: [], other: null, idle: false };
    case 'unknown': return { basic: null, activities: [], other: null, idle: false };
  }
}
