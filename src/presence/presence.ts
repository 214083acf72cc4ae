/**
 * The normalized Presence model: what every UC adapter hands the connector, whatever the platform
 * (MS-PRES categories, PIDF/RPID, XMPP, the standalone web client). ARCHITECTURE.md data flow 1;
 * field sources are in docs/presence.md and protocol-notes.md section 6.
 *
 * Times are epoch milliseconds (the unit of `Clock.now()`), so a Presence is plain, immutable data
 * that serializes to JSON as is.
 */

/**
 * The normalized availability. The classes are the MS-PRES availability ranges (seed 000 Table 14;
 * protocol-notes section 3.1), which every other platform is mapped onto.
 */
export type Availability =
  | 'online'
  | 'online-idle'
  | 'busy'
  | 'busy-idle'
  | 'do-not-disturb'
  | 'be-right-back'
  | 'away'
  | 'offline'
  | 'unknown';

/** Every {@link Availability}, most available first. */
export const availabilities: readonly Availability[] = Object.freeze([
  'online', 'online-idle', 'busy', 'busy-idle', 'do-not-disturb', 'be-right-back', 'away', 'offline', 'unknown',
]);

/** Which codec produced a Presence. */
export type PresenceSource = 'ms-pres' | 'pidf' | 'xmpp' | 'standalone';

/** What the user is doing. `token` is machine-readable (MS-PRES `activity@token`, RPID element name); `text` is free text. */
export interface PresenceActivity {
  readonly token: string | null;
  readonly text: string | null;
}

/** `personal` and `oof` come from MS-PRES `note/body@type`; PIDF and XMPP notes are `other`. */
export type PresenceNoteKind = 'personal' | 'oof' | 'other';

/** A presence note (status message). `text` is plain text: entity references are already decoded. */
export interface PresenceNote {
  readonly text: string;
  readonly kind: PresenceNoteKind;
  readonly lang: string | null;
}

/**
 * Where a Presence sits in its source's ordering, so the connector can drop stale updates
 * ({@link isStalePresence}).
 */
export interface PresenceVersion {
  /** MS-PRES `category@publishTime` of the state used; PIDF `timestamp`. Epoch ms. */
  readonly publishedAt: number | null;
  /** MS-PRES category `version` when present (self-subscription); otherwise null. */
  readonly sequence: number | null;
  /** MS-PRES category instance (a decimal string: ids exceed 2^31); PIDF person or tuple id. */
  readonly instance: string | null;
}

/** The normalized presence of one presentity at one moment. */
export interface Presence {
  /** The presentity, e.g. `sip:alice@example.test` (MS-PRES `categories@uri`, PIDF `presence@entity`). */
  readonly uri: string;
  readonly availability: Availability;
  /**
   * The MS-PRES availability number: as received for MS-PRES; for PIDF / XMPP a representative
   * number derived from the normalized class (3500, 6500, 15500, 18500...), so the connector's
   * `agent-status-*` range lists apply to every platform. Null when nothing is known.
   */
  readonly availabilityCode: number | null;
  readonly activity: PresenceActivity | null;
  readonly note: PresenceNote | null;
  /** MS-PRES `state/device` (`computer`, `deskphone`, `mobile`, `web`); null elsewhere. */
  readonly device: string | null;
  readonly source: PresenceSource;
  readonly version: PresenceVersion;
  /** When the adapter received it (passed in by the caller: codecs have no clock). Epoch ms. */
  readonly observedAt: number;
  /** PIDF `tuple/status/basic` (any open tuple wins); null when the source has no such notion. */
  readonly basic: 'open' | 'closed' | null;
  /** MS-PRES `state@lastActive` or RPID `user-input@last-input`. Epoch ms. */
  readonly lastActive: number | null;
}

/** A Presence that says nothing is known yet (e.g. an RLMI resource with no instance, an empty NOTIFY). */
export function unknownPresence(uri: string, source: PresenceSource, observedAt: number): Presence {
  return {
    uri, source, observedAt,
    availability: 'unknown', availabilityCode: null, activity: null, note: null, device: null,
    version: { publishedAt: null, sequence: null, instance: null },
    basic: null, lastActive: null,
  };
}

/**
 * True when `incoming` is older than `current` and must be dropped: an earlier `publishedAt`, or,
 * at the same publish time and instance, a lower `sequence`. Updates from different sources are
 * never stale relative to each other, and a missing version is never stale.
 */
export function isStalePresence(current: Presence, incoming: Presence): boolean {
  if (current.source !== incoming.source || current.uri !== incoming.uri) return false;
  const a = current.version;
  const b = incoming.version;
  if (a.publishedAt !== null && b.publishedAt !== null && a.publishedAt !== b.publishedAt) return b.publishedAt < a.publishedAt;
  if (a.sequence !== null && b.sequence !== null && a.instance === b.instance) return b.sequence < a.sequence;
  return false;
}

/**
 * True when two Presences say the same thing (availability, code, activity, note, device, basic),
 * ignoring versions and times. Kamailio re-sends an unchanged NOTIFY after every PUBLISH refresh
 * (protocol-notes section 5.1); adapters use this to deduplicate.
 */
export function presenceStateEquals(a: Presence, b: Presence): boolean {
  return (
    a.uri === b.uri &&
    a.availability === b.availability &&
    a.availabilityCode === b.availabilityCode &&
    a.device === b.device &&
    a.basic === b.basic &&
    a.activity?.token === b.activity?.token &&
    a.activity?.text === b.activity?.text &&
    a.note?.text === b.note?.text &&
    a.note?.kind === b.note?.kind &&
    a.note?.lang === b.note?.lang
  );
}
