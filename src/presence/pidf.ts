/**
 * PIDF (RFC 3863) with the RFC 4479 data model (tuple / person / device, note, timestamp) and
 * RPID (RFC 4480) activities and user-input: parse NOTIFY bodies, build PUBLISH bodies, and
 * map to and from the normalized {@link Presence}.
 *
 * Real clients put `rpid:activities` in `dm:person`, in `tuple`, or at top level, and notes at any
 * of the three levels (protocol-notes section 5.2), so the reader is lenient about placement and
 * strict about the root: `presence` in the PIDF namespace with an `entity`.
 * https://www.rfc-editor.org/rfc/rfc3863#section-4  https://www.rfc-editor.org/rfc/rfc4479
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { deriveRpidAvailability, rpidForAvailability } from './availability.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { Availability, Presence, PresenceActivity } from './presence.ts';
import { awayRpidActivities, brbOtherTexts, busyRpidActivities, dndOtherTexts, rpidActivityForToken } from './rpid-activities.ts';
import { escapeXmlAttribute, escapeXmlText, parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, child, childrenNamed, firstDescendant, trimmedText } from './xml-element.ts';
import type { XmlElement } from './xml-element.ts';
import { ns } from './xml-namespaces.ts';
import { formatXsDateTime, parseXsDateTime } from './xs-date-time.ts';

/** The MIME type of a PIDF body. */
export const PIDF_CONTENT_TYPE = 'application/pidf+xml';

/** A `note` (PIDF, data-model or RPID namespace) with its `xml:lang`. */
export interface PidfNote {
  readonly text: string;
  readonly lang: string | null;
}

/** RFC 4480 `activities`: element names, `<other>` texts and the element's own notes. */
export interface RpidActivities {
  readonly activities: readonly string[];
  readonly other: readonly string[];
  readonly notes: readonly PidfNote[];
  readonly from: number | null;
  readonly until: number | null;
}

/** RFC 4480 `user-input` (`active` / `idle`). */
export interface RpidUserInput {
  readonly value: 'active' | 'idle';
  /** Seconds. */
  readonly idleThreshold: number | null;
  readonly lastInput: number | null;
}

/** RFC 3863 `tuple`. */
export interface PidfTuple {
  readonly id: string;
  readonly basic: 'open' | 'closed' | null;
  readonly contact: { readonly uri: string; readonly priority: number | null } | null;
  readonly notes: readonly PidfNote[];
  readonly timestamp: number | null;
  /** RFC 4479 `dm:deviceID` linking the service to a device. */
  readonly deviceId: string | null;
  /** RPID activities found (leniently) inside the tuple. */
  readonly activities: RpidActivities | null;
  readonly userInput: RpidUserInput | null;
}

/** RFC 4479 `dm:person`. */
export interface PidfPerson {
  readonly id: string;
  readonly activities: RpidActivities | null;
  readonly userInput: RpidUserInput | null;
  readonly notes: readonly PidfNote[];
  readonly timestamp: number | null;
}

/** RFC 4479 `dm:device`. */
export interface PidfDevice {
  readonly id: string;
  readonly deviceId: string | null;
  readonly userInput: RpidUserInput | null;
  readonly notes: readonly PidfNote[];
  readonly timestamp: number | null;
}

/** A PIDF document. */
export interface PidfDocument {
  readonly entity: string;
  readonly tuples: readonly PidfTuple[];
  readonly persons: readonly PidfPerson[];
  readonly devices: readonly PidfDevice[];
  /** Presence-level notes. */
  readonly notes: readonly PidfNote[];
  /** RPID activities directly under `presence` (a real-world quirk). */
  readonly activities: RpidActivities | null;
}

// ---------------------------------------------------------------------------------------------
// Parse

/** A note may be in the PIDF, data-model or RPID namespace. */
const isNoteNamespace = (u: string): boolean => u === ns.pidf || u === ns.dataModel || u === ns.rpid;

function notesOf(el: XmlElement): PidfNote[] {
  const out: PidfNote[] = [];
  for (const c of el.children) {
    if (c.local !== 'note' || !isNoteNamespace(c.ns)) continue;
    const text = c.text.trim();
    if (text !== '') out.push({ text, lang: attr(c, 'lang', ns.xml) ?? null });
  }
  return out;
}

function timestampOf(el: XmlElement): number | null {
  return parseXsDateTime(trimmedText(child(el, ns.pidf, 'timestamp') ?? child(el, ns.dataModel, 'timestamp')));
}

function readActivities(el: XmlElement): RpidActivities {
  const activities: string[] = [];
  const other: string[] = [];
  for (const c of el.children) {
    if (c.ns !== ns.rpid) continue;
    if (c.local === 'other') {
      const t = c.text.trim();
      if (t !== '') other.push(t);
    } else if (c.local !== 'note' && c.local !== 'unknown') {
      activities.push(c.local);
    }
  }
  return {
    activities, other, notes: notesOf(el),
    from: parseXsDateTime(attr(el, 'from')), until: parseXsDateTime(attr(el, 'until')),
  };
}

function readUserInput(el: XmlElement): RpidUserInput | null {
  const u = child(el, ns.rpid, 'user-input');
  if (u === undefined) return null;
  const value = u.text.trim() === 'idle' ? 'idle' : 'active';
  const threshold = Number.parseInt(attr(u, 'idle-threshold') ?? '', 10);
  return { value, idleThreshold: Number.isNaN(threshold) ? null : threshold, lastInput: parseXsDateTime(attr(u, 'last-input')) };
}

/** The first `rpid:activities` anywhere under `el` (lenient placement). */
function activitiesUnder(el: XmlElement): RpidActivities | null {
  const a = child(el, ns.rpid, 'activities') ?? firstDescendant(el, ns.rpid, 'activities');
  return a === undefined ? null : readActivities(a);
}

/**
 * Parses a PIDF body.
 * @returns the document, or `unexpected-document` when the root is not PIDF `presence`,
 *   `missing-field` without `entity`, or any safe-XML error.
 */
export function parsePidf(input: XmlInput, limits?: Partial<XmlLimits>): Result<PidfDocument, PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.local !== 'presence' || root.ns !== ns.pidf) {
    return err(codecError('unexpected-document', `expected PIDF <presence xmlns="${ns.pidf}">, got <${root.local}> in '${root.ns}'`));
  }
  const entity = attr(root, 'entity')?.trim();
  if (entity === undefined || entity === '') return err(codecError('missing-field', 'PIDF <presence> has no entity attribute'));

  const tuples: PidfTuple[] = childrenNamed(root, ns.pidf, 'tuple').map((t) => {
    const status = child(t, ns.pidf, 'status');
    const basicText = status === undefined ? undefined : trimmedText(child(status, ns.pidf, 'basic'));
    const contactEl = child(t, ns.pidf, 'contact');
    const contactUri = trimmedText(contactEl);
    const priority = contactEl === undefined ? Number.NaN : Number.parseFloat(attr(contactEl, 'priority') ?? '');
    return {
      id: attr(t, 'id') ?? '',
      basic: basicText === 'open' || basicText === 'closed' ? basicText : null,
      contact: contactUri === undefined ? null : { uri: contactUri, priority: Number.isNaN(priority) ? null : priority },
      notes: notesOf(t),
      timestamp: timestampOf(t),
      deviceId: trimmedText(child(t, ns.dataModel, 'deviceID')) ?? null,
      activities: activitiesUnder(t),
      userInput: (status && readUserInput(status)) ?? readUserInput(t),
    };
  });
  const persons: PidfPerson[] = childrenNamed(root, ns.dataModel, 'person').map((p) => ({
    id: attr(p, 'id') ?? '',
    activities: activitiesUnder(p),
    userInput: readUserInput(p),
    notes: notesOf(p),
    timestamp: timestampOf(p),
  }));
  const devices: PidfDevice[] = childrenNamed(root, ns.dataModel, 'device').map((d) => ({
    id: attr(d, 'id') ?? '',
    deviceId: trimmedText(child(d, ns.dataModel, 'deviceID')) ?? null,
    userInput: readUserInput(d),
    notes: notesOf(d),
    timestamp: timestampOf(d),
  }));
  const top = child(root, ns.rpid, 'activities');
  return ok({ entity, tuples, persons, devices, notes: notesOf(root), activities: top === undefined ? null : readActivities(top) });
}

// ---------------------------------------------------------------------------------------------
// PIDF → Presence

const isClassMarker = (t: string) => dndOtherTexts.has(t.toLowerCase()) || brbOtherTexts.has(t.toLowerCase());

/** The first note of the persons, else of the presence level, else of the tuples. */
function firstNote(doc: PidfDocument): PidfNote | undefined {
  for (const p of doc.persons) if (p.notes.length > 0) return p.notes[0];
  if (doc.notes.length > 0) return doc.notes[0];
  for (const t of doc.tuples) if (t.notes.length > 0) return t.notes[0];
  return undefined;
}

/**
 * Normalizes a PIDF document. Several publishers give several tuples and persons (Kamailio merges
 * them): any open tuple means reachable, and activities of all persons are combined, busy-type
 * over away-type over none (protocol-notes section 5.2). Notes: person, then presence level,
 * then tuple (first non-empty).
 * @param observedAt epoch ms when the body was received
 */
export function presenceFromPidf(doc: PidfDocument, observedAt: number): Presence {
  // Plain loops: this runs once per NOTIFY, and flatMap and spreads cost more than the parse itself.
  let basic: 'open' | 'closed' | null = null;
  for (const t of doc.tuples) {
    if (t.basic === 'open') {
      basic = 'open';
      break;
    }
    if (t.basic === 'closed') basic = 'closed';
  }

  type Source = { acts: RpidActivities; id: string | null; timestamp: number | null };
  const sources: Source[] = [];
  for (const p of doc.persons) if (p.activities) sources.push({ acts: p.activities, id: p.id, timestamp: p.timestamp });
  for (const t of doc.tuples) if (t.activities) sources.push({ acts: t.activities, id: t.id, timestamp: t.timestamp });
  if (doc.activities) sources.push({ acts: doc.activities, id: null, timestamp: null });

  let allActivities: readonly string[] = [];
  let allOther: readonly string[] = [];
  if (sources.length === 1) {
    allActivities = sources[0]!.acts.activities;
    allOther = sources[0]!.acts.other;
  } else if (sources.length > 1) {
    const activities: string[] = [];
    const other: string[] = [];
    for (const src of sources) {
      for (const a of src.acts.activities) activities.push(a);
      for (const o of src.acts.other) other.push(o);
    }
    allActivities = activities;
    allOther = other;
  }
  // Any idle user input makes the person idle; the last input time is the first given, persons first.
  let idle = false;
  let lastActive: number | null = null;
  for (const group of [doc.persons, doc.devices, doc.tuples]) {
    for (const { userInput: u } of group) {
      if (u === null) continue;
      if (u.value === 'idle') idle = true;
      if (lastActive === null) lastActive = u.lastInput;
    }
  }
  const derived = deriveRpidAvailability({ basic, activities: allActivities, otherActivities: allOther, idle });

  // The token shown is the first activity of the winning class, else the first activity at all.
  const winning = derived.availability.startsWith('busy') || derived.availability === 'do-not-disturb' ? busyRpidActivities
    : derived.availability === 'away' || derived.availability === 'be-right-back' ? awayRpidActivities : undefined;
  const token = (winning && allActivities.find((a) => winning.has(a))) ?? allActivities[0] ?? null;
  const chosen = sources.find((s) => token !== null && s.acts.activities.includes(token)) ?? sources[0];
  const text = allOther.find((t) => !isClassMarker(t)) ?? allOther[0] ?? chosen?.acts.notes[0]?.text ?? null;
  const activity: PresenceActivity | null = basic === 'closed' || (token === null && text === null) ? null : { token, text };

  const noteSource = firstNote(doc);
  // The activities came from a tuple (Eyebeam style) or a person; that element is the instance.
  const fromTuple = chosen === undefined ? undefined : doc.tuples.find((t) => t.activities === chosen.acts);
  const person = fromTuple ? undefined : doc.persons.find((p) => p.activities === chosen?.acts) ?? doc.persons[0];
  let latestTuple: number | null = null;
  for (const t of doc.tuples) if (t.timestamp !== null && (latestTuple === null || t.timestamp > latestTuple)) latestTuple = t.timestamp;
  const publishedAt = fromTuple?.timestamp ?? person?.timestamp ?? latestTuple;

  return {
    uri: doc.entity,
    availability: derived.availability,
    availabilityCode: derived.code,
    activity,
    note: noteSource ? { text: noteSource.text, kind: 'other', lang: noteSource.lang } : null,
    device: null,
    source: 'pidf',
    version: { publishedAt, sequence: null, instance: fromTuple?.id ?? person?.id ?? doc.tuples[0]?.id ?? null },
    observedAt,
    basic,
    lastActive,
  };
}

/** Parses a PIDF body straight to a normalized Presence. */
export function parsePidfPresence(input: XmlInput, observedAt: number, limits?: Partial<XmlLimits>): Result<Presence, PresenceCodecError> {
  const doc = parsePidf(input, limits);
  return doc.ok ? ok(presenceFromPidf(doc.value, observedAt)) : doc;
}

// ---------------------------------------------------------------------------------------------
// Build

function noteXml(tag: string, n: PidfNote): string {
  const lang = n.lang === null ? '' : ` xml:lang="${escapeXmlAttribute(n.lang)}"`;
  return `<${tag}${lang}>${escapeXmlText(n.text)}</${tag}>`;
}

function activitiesXml(a: RpidActivities): string {
  const attrs = (a.from === null ? '' : ` from="${formatXsDateTime(a.from)}"`) + (a.until === null ? '' : ` until="${formatXsDateTime(a.until)}"`);
  const inner = a.notes.map((n) => noteXml('rpid:note', n)).join('')
    + (a.activities.length === 0 && a.other.length === 0 ? '<rpid:unknown/>' : '')
    + a.activities.map((t) => `<rpid:${t}/>`).join('')
    + a.other.map((t) => `<rpid:other>${escapeXmlText(t)}</rpid:other>`).join('');
  return `<rpid:activities${attrs}>${inner}</rpid:activities>`;
}

function userInputXml(u: RpidUserInput): string {
  const attrs = (u.idleThreshold === null ? '' : ` idle-threshold="${u.idleThreshold}"`) + (u.lastInput === null ? '' : ` last-input="${formatXsDateTime(u.lastInput)}"`);
  return `<rpid:user-input${attrs}>${u.value}</rpid:user-input>`;
}

const NAME_TOKEN = /^[A-Za-z][A-Za-z0-9._-]*$/;

/**
 * Serializes a PIDF document (for PUBLISH). Text and attribute values are escaped, so notes with
 * `&` or `<` round-trip. Activity names that are not XML names are written as `<rpid:other>`.
 */
export function buildPidf(doc: PidfDocument): string {
  const parts: string[] = [];
  parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  parts.push(`<presence xmlns="${ns.pidf}" xmlns:dm="${ns.dataModel}" xmlns:rpid="${ns.rpid}" entity="${escapeXmlAttribute(doc.entity)}">`);
  const safe = (a: RpidActivities): RpidActivities => ({
    ...a,
    activities: a.activities.filter((t) => NAME_TOKEN.test(t)),
    other: [...a.other, ...a.activities.filter((t) => !NAME_TOKEN.test(t))],
  });
  for (const t of doc.tuples) {
    parts.push(`<tuple id="${escapeXmlAttribute(t.id)}"><status>`);
    if (t.basic !== null) parts.push(`<basic>${t.basic}</basic>`);
    if (t.userInput) parts.push(userInputXml(t.userInput));
    parts.push('</status>');
    if (t.activities) parts.push(activitiesXml(safe(t.activities)));
    if (t.deviceId !== null) parts.push(`<dm:deviceID>${escapeXmlText(t.deviceId)}</dm:deviceID>`);
    if (t.contact) {
      const pr = t.contact.priority === null ? '' : ` priority="${t.contact.priority}"`;
      parts.push(`<contact${pr}>${escapeXmlText(t.contact.uri)}</contact>`);
    }
    for (const n of t.notes) parts.push(noteXml('note', n));
    if (t.timestamp !== null) parts.push(`<timestamp>${formatXsDateTime(t.timestamp)}</timestamp>`);
    parts.push('</tuple>');
  }
  for (const p of doc.persons) {
    parts.push(`<dm:person id="${escapeXmlAttribute(p.id)}">`);
    if (p.activities) parts.push(activitiesXml(safe(p.activities)));
    if (p.userInput) parts.push(userInputXml(p.userInput));
    for (const n of p.notes) parts.push(noteXml('dm:note', n));
    if (p.timestamp !== null) parts.push(`<dm:timestamp>${formatXsDateTime(p.timestamp)}</dm:timestamp>`);
    parts.push('</dm:person>');
  }
  for (const d of doc.devices) {
    parts.push(`<dm:device id="${escapeXmlAttribute(d.id)}">`);
    if (d.userInput) parts.push(userInputXml(d.userInput));
    if (d.deviceId !== null) parts.push(`<dm:deviceID>${escapeXmlText(d.deviceId)}</dm:deviceID>`);
    for (const n of d.notes) parts.push(noteXml('dm:note', n));
    if (d.timestamp !== null) parts.push(`<dm:timestamp>${formatXsDateTime(d.timestamp)}</dm:timestamp>`);
    parts.push('</dm:device>');
  }
  if (doc.activities) parts.push(activitiesXml(safe(doc.activities)));
  for (const n of doc.notes) parts.push(noteXml('note', n));
  parts.push('</presence>');
  return parts.join('');
}

/** What to publish for one presentity (the connector's on-call / ACW push to a standards server). */
export interface PidfPublication {
  /** The presentity URI (`presence@entity`). */
  readonly entity: string;
  readonly availability: Availability;
  /** An MS-PRES or RPID activity token and/or free text. */
  readonly activity?: PresenceActivity | null;
  readonly note?: string | null;
  readonly noteLang?: string | null;
  /** Epoch ms written as tuple and person timestamps. */
  readonly timestamp?: number | null;
  readonly tupleId?: string;
  readonly personId?: string;
  /** The tuple contact URI. */
  readonly contact?: string | null;
}

/**
 * The PIDF document for a publication, such that {@link presenceFromPidf} reads back the same
 * availability, activity token (RPID-mapped, protocol-notes section 3.2) and note.
 * E.g. on-call: `{availability: 'busy', activity: {token: 'on-the-phone', text: null}, note: 'On a call'}`
 * gives `basic=open` + `<rpid:on-the-phone/>` + `<dm:note>On a call</dm:note>` (vector V6).
 */
export function pidfDocumentForPublication(pub: PidfPublication): PidfDocument {
  const expr = rpidForAvailability(pub.availability);
  const mapped = pub.activity?.token ? rpidActivityForToken(pub.activity.token) : undefined;
  const sameClass = (a: string, b: string) =>
    (busyRpidActivities.has(a) && busyRpidActivities.has(b)) || (awayRpidActivities.has(a) && awayRpidActivities.has(b));
  const activities = mapped === undefined ? [...expr.activities] : [mapped, ...expr.activities.filter((a) => a !== mapped && !sameClass(a, mapped))];
  const other: string[] = [];
  if (pub.activity?.text) other.push(pub.activity.text);
  if (pub.activity?.token && mapped === undefined) other.push(pub.activity.token);
  if (expr.other !== null) other.push(expr.other);
  const timestamp = pub.timestamp ?? null;
  const hasActivities = activities.length > 0 || other.length > 0;
  const note = pub.note ? [{ text: pub.note, lang: pub.noteLang ?? null }] : [];
  return {
    entity: pub.entity,
    tuples: [{
      id: pub.tupleId ?? 't1', basic: expr.basic, notes: [], timestamp, deviceId: null, activities: null, userInput: null,
      contact: pub.contact ? { uri: pub.contact, priority: null } : null,
    }],
    persons: [{
      id: pub.personId ?? 'p1',
      activities: hasActivities ? { activities, other, notes: [], from: null, until: null } : null,
      userInput: expr.idle ? { value: 'idle', idleThreshold: null, lastInput: null } : null,
      notes: note,
      timestamp,
    }],
    devices: [],
    notes: [],
    activities: null,
  };
}

/** Builds the PIDF body of a publication ({@link pidfDocumentForPublication} then {@link buildPidf}). */
export function buildPidfPublication(pub: PidfPublication): string {
  return buildPidf(pidfDocumentForPublication(pub));
}
