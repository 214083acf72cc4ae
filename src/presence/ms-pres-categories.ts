/**
 * MS-PRES `application/msrtc-event-categories+xml` bodies (NOTIFY / BENOTIFY / piggybacked 200 OK):
 * the `state` category (aggregateState availability number and activity token) and the `note`
 * category (personal / OOF notes), with instance, publishTime and version so stale updates can be
 * dropped. [MS-PRES] 2.2.2.7.1; protocol-notes sections 1.7 and 3.
 *
 * A notification usually carries only the categories that changed, so the adapter keeps the last
 * category instances per presentity ({@link mergeMsPresCategories}) and normalizes the merged set
 * ({@link presenceFromMsPresCategories}).
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { availabilityFromMsPresCode } from './availability.ts';
import type { MsPresAvailabilityOptions } from './availability.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { Presence, PresenceActivity, PresenceNote } from './presence.ts';
import { parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, descendants, trimmedText } from './xml-element.ts';
import type { XmlElement } from './xml-element.ts';
import { isMsNamespace, ns } from './xml-namespaces.ts';
import { parseXsDateTime } from './xs-date-time.ts';

/** The MIME type of a categories body. */
export const MS_PRES_CATEGORIES_CONTENT_TYPE = 'application/msrtc-event-categories+xml';

/** `state/activity`: a case-sensitive token, its availability band, and free-text `custom` strings. */
export interface MsPresActivity {
  readonly token: string | null;
  readonly minAvailability: number | null;
  readonly maxAvailability: number | null;
  readonly custom: readonly { readonly text: string; readonly lcid: string | null }[];
}

/** The content of a `state` category. */
export interface MsPresState {
  /** `xsi:type` local name: `aggregateState` for remote watchers; `userState`, `phoneState`... in self-subscription. */
  readonly type: string | null;
  readonly availability: number | null;
  readonly activity: MsPresActivity | null;
  /** `computer`, `deskphone`, `mobile`, `web`. */
  readonly device: string | null;
  readonly manual: boolean | null;
  readonly lastActive: number | null;
  readonly startTime: number | null;
}

/** One `note/body`. `type` is `personal` or `OOF` (kept as sent). */
export interface MsPresNoteBody {
  readonly text: string;
  readonly type: string | null;
  readonly lcid: string | null;
  readonly startTime: number | null;
  readonly endTime: number | null;
}

/** One `category` element. */
export interface MsPresCategory {
  readonly name: string;
  /** Unsigned decimal as a string: instance ids exceed 2^31 (phone states are 0x8…). */
  readonly instance: string;
  readonly publishTime: number | null;
  /** Present in self-subscription (roaming) documents; remote watchers never see containers or versions. */
  readonly version: number | null;
  readonly container: number | null;
  readonly expireType: string | null;
  readonly expires: number | null;
  readonly state: MsPresState | null;
  readonly notes: readonly MsPresNoteBody[];
  /** No content: the instance was removed or blanked (an empty note category clears the note). */
  readonly empty: boolean;
}

/** One `categories` element: the categories of one presentity. */
export interface MsPresCategories {
  readonly uri: string;
  readonly categories: readonly MsPresCategory[];
}

const isNs = (el: XmlElement, expected: string) => isMsNamespace(el.ns, expected);

function childMs(el: XmlElement, expected: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local && isNs(c, expected));
}

function unsigned(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  return /^\d{1,15}$/.test(t) ? Number(t) : null;
}

function readState(el: XmlElement): MsPresState {
  const xsiType = attr(el, 'type', ns.xsi);
  const act = childMs(el, ns.msState, 'activity');
  let activity: MsPresActivity | null = null;
  if (act !== undefined) {
    const custom = act.children
      .filter((c) => c.local === 'custom' && isNs(c, ns.msState))
      .map((c) => ({ text: c.text.trim(), lcid: attr(c, 'LCID') ?? null }))
      .filter((c) => c.text !== '');
    const token = attr(act, 'token')?.trim() || null;
    activity = {
      token,
      minAvailability: unsigned(attr(act, 'minAvailability')),
      maxAvailability: unsigned(attr(act, 'maxAvailability')),
      custom,
    };
  }
  const manual = attr(el, 'manual');
  return {
    type: xsiType === undefined ? null : xsiType.slice(xsiType.indexOf(':') + 1),
    availability: unsigned(trimmedText(childMs(el, ns.msState, 'availability'))),
    activity,
    device: trimmedText(childMs(el, ns.msState, 'device')) ?? null,
    manual: manual === 'true' ? true : manual === 'false' ? false : null,
    lastActive: parseXsDateTime(attr(el, 'lastActive')),
    startTime: parseXsDateTime(attr(el, 'startTime')),
  };
}

function readNotes(el: XmlElement): MsPresNoteBody[] {
  return el.children
    .filter((b) => b.local === 'body' && isNs(b, ns.msNote))
    .map((b) => ({
      text: b.text.trim(),
      type: attr(b, 'type') ?? null,
      lcid: attr(b, 'LCID') ?? null,
      startTime: parseXsDateTime(attr(b, 'startTime')),
      endTime: parseXsDateTime(attr(b, 'endTime')),
    }))
    .filter((b) => b.text !== '');
}

function readCategory(c: XmlElement): Result<MsPresCategory, PresenceCodecError> {
  const name = attr(c, 'name')?.trim();
  if (!name) return err(codecError('missing-field', 'MS-PRES <category> has no name'));
  const instanceText = attr(c, 'instance')?.trim() ?? '0';
  if (!/^\d{1,20}$/.test(instanceText)) return err(codecError('invalid-value', `MS-PRES category instance '${instanceText}' is not an unsigned integer`));
  const stateEl = childMs(c, ns.msState, 'state');
  const noteEl = childMs(c, ns.msNote, 'note');
  const state = name === 'state' && stateEl !== undefined ? readState(stateEl) : null;
  const notes = name === 'note' && noteEl !== undefined ? readNotes(noteEl) : [];
  const expires = unsigned(attr(c, 'expires'));
  return ok({
    name,
    // BigInt drops leading zeros without losing precision.
    instance: BigInt(instanceText).toString(),
    publishTime: parseXsDateTime(attr(c, 'publishTime')),
    version: unsigned(attr(c, 'version')),
    container: unsigned(attr(c, 'container')),
    expireType: attr(c, 'expireType') ?? null,
    expires,
    state,
    notes,
    empty: c.children.length === 0 && c.text.trim() === '',
  });
}

function readCategories(el: XmlElement): Result<MsPresCategories, PresenceCodecError> {
  const uri = attr(el, 'uri')?.trim();
  if (!uri) return err(codecError('missing-field', 'MS-PRES <categories> has no uri'));
  const categories: MsPresCategory[] = [];
  for (const c of el.children) {
    if (c.local !== 'category' || !isNs(c, ns.msCategories)) continue;
    const r = readCategory(c);
    if (!r.ok) return r;
    categories.push(r.value);
  }
  return ok({ uri, categories });
}

/**
 * Parses a categories body. The root is usually one `<categories uri>`; a document that wraps
 * several `categories` elements (batch or roaming documents) gives one entry per presentity.
 */
export function parseMsPresCategories(input: XmlInput, limits?: Partial<XmlLimits>): Result<MsPresCategories[], PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  const all = root.local === 'categories' && isNs(root, ns.msCategories)
    ? [root]
    : [...descendants(root, ns.msCategories, 'categories'), ...descendants(root, `https://${ns.msCategories.slice(7)}`, 'categories')];
  if (all.length === 0) return err(codecError('unexpected-document', `expected MS-PRES <categories xmlns="${ns.msCategories}">, got <${root.local}> in '${root.ns}'`));
  const out: MsPresCategories[] = [];
  for (const el of all) {
    const r = readCategories(el);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------------
// Stale detection and merging

/** Identity of a category instance: name + instance (+ container in self-subscription). */
export function msPresCategoryKey(c: Pick<MsPresCategory, 'name' | 'instance' | 'container'>): string {
  return `${c.name}/${c.instance}/${c.container ?? ''}`;
}

/**
 * True when `incoming` is older than the `known` instance with the same key: an earlier
 * `publishTime`, or the same publish time (or none) and a lower `version`. Equal is not stale.
 */
export function isStaleMsPresCategory(known: MsPresCategory | undefined, incoming: MsPresCategory): boolean {
  if (known === undefined) return false;
  if (known.publishTime !== null && incoming.publishTime !== null && known.publishTime !== incoming.publishTime) {
    return incoming.publishTime < known.publishTime;
  }
  if (known.version !== null && incoming.version !== null) return incoming.version < known.version;
  return false;
}

/** The category instances known for one presentity (the latest of each key, empty ones included). */
export interface MsPresPresentity {
  readonly uri: string;
  readonly categories: readonly MsPresCategory[];
}

/** Result of {@link mergeMsPresCategories}. */
export interface MsPresMergeResult {
  readonly presentity: MsPresPresentity;
  /** Categories that replaced (or added to) the known set. */
  readonly accepted: readonly MsPresCategory[];
  /** Categories dropped because an instance with a later publishTime / version is already known. */
  readonly stale: readonly MsPresCategory[];
}

/**
 * Applies one notification's categories to the known set of a presentity. Each category replaces
 * the known instance with the same key unless it is stale; an empty category replaces it too, so
 * a cleared note disappears. Pure: returns a new presentity.
 */
export function mergeMsPresCategories(known: MsPresPresentity | undefined, update: MsPresCategories): MsPresMergeResult {
  const byKey = new Map<string, MsPresCategory>();
  for (const c of known?.categories ?? []) byKey.set(msPresCategoryKey(c), c);
  const accepted: MsPresCategory[] = [];
  const stale: MsPresCategory[] = [];
  for (const c of update.categories) {
    const key = msPresCategoryKey(c);
    if (isStaleMsPresCategory(byKey.get(key), c)) {
      stale.push(c);
      continue;
    }
    byKey.set(key, c);
    accepted.push(c);
  }
  return { presentity: { uri: update.uri, categories: [...byKey.values()] }, accepted, stale };
}

// ---------------------------------------------------------------------------------------------
// Normalization

/** Options of {@link presenceFromMsPresCategories}. */
export interface MsPresPresenceOptions extends MsPresAvailabilityOptions {
  /** Preferred LCID for `activity/custom` text (e.g. '1033'); else the first. */
  readonly lcid?: string;
  /** Which note wins when personal and OOF notes are both present: the latest (default) or OOF first. */
  readonly notePreference?: 'latest' | 'oof-first';
}

const later = (a: MsPresCategory, b: MsPresCategory) => (b.publishTime ?? -Infinity) >= (a.publishTime ?? -Infinity) ? b : a;

/**
 * The normalized Presence of a presentity's categories. The state is the `aggregateState` with
 * the latest publishTime (protocol-notes section 1.7), else any state carrying an availability.
 * Activity text is the `custom` string in the preferred LCID. The note is the latest non-empty note
 * body (or OOF first, by option); `personal` → kind personal, `OOF` → oof.
 */
export function presenceFromMsPresCategories(presentity: MsPresPresentity, observedAt: number, options: MsPresPresenceOptions = {}): Presence {
  const states = presentity.categories.filter((c) => c.state !== null && c.state.availability !== null);
  const aggregate = states.filter((c) => c.state!.type === 'aggregateState');
  const pool = aggregate.length > 0 ? aggregate : states;
  const chosen = pool.length === 0 ? undefined : pool.reduce(later);
  const state = chosen?.state ?? null;

  let activity: PresenceActivity | null = null;
  if (state?.activity) {
    const custom = state.activity.custom.find((c) => options.lcid !== undefined && c.lcid === options.lcid) ?? state.activity.custom[0];
    if (state.activity.token !== null || custom !== undefined) activity = { token: state.activity.token, text: custom?.text ?? null };
  }

  const noteCats = presentity.categories.filter((c) => c.name === 'note' && c.notes.length > 0);
  let note: PresenceNote | null = null;
  if (noteCats.length > 0) {
    const isOof = (b: MsPresNoteBody) => b.type?.toLowerCase() === 'oof';
    const oofCats = noteCats.filter((c) => c.notes.some(isOof));
    const cat = options.notePreference === 'oof-first' && oofCats.length > 0 ? oofCats.reduce(later) : noteCats.reduce(later);
    const body = (options.notePreference === 'oof-first' ? cat.notes.find(isOof) : undefined) ?? cat.notes[0]!;
    const type = body.type?.toLowerCase();
    note = { text: body.text, kind: type === 'personal' ? 'personal' : type === 'oof' ? 'oof' : 'other', lang: null };
  }

  const code = state?.availability ?? null;
  return {
    uri: presentity.uri,
    availability: code === null ? 'unknown' : availabilityFromMsPresCode(code, options),
    availabilityCode: code,
    activity,
    note,
    device: state?.device ?? null,
    source: 'ms-pres',
    version: { publishedAt: chosen?.publishTime ?? null, sequence: chosen?.version ?? null, instance: chosen?.instance ?? null },
    observedAt,
    basic: null,
    lastActive: state?.lastActive ?? null,
  };
}

/**
 * Parses a categories body straight to one Presence per presentity, treating each document as the
 * whole known state (no merge with earlier notifications).
 */
export function parseMsPresPresence(input: XmlInput, observedAt: number, options: MsPresPresenceOptions & { limits?: Partial<XmlLimits> } = {}): Result<Presence[], PresenceCodecError> {
  const docs = parseMsPresCategories(input, options.limits);
  if (!docs.ok) return docs;
  return ok(docs.value.map((d) => presenceFromMsPresCategories(d, observedAt, options)));
}
