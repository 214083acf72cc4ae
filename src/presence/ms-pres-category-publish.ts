/**
 * MS-PRES category publication (`application/msrtc-category-publish+xml`, the body of a SERVICE
 * request): publish a `state` (availability number + activity token) or a `note` into a container
 * with the instance's current version, or clear a publication with `expires="0"`.
 * protocol-notes sections 2.1–2.5 and vectors V3 and V5; [Lync schema]
 * creating-enhanced-presence-category-instances.md, deleting-an-existing-publication.md.
 */
import { createHash } from 'node:crypto';
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { applyNotePolicy } from './note-policy.ts';
import type { NoteCharacterPolicy } from './note-policy.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import { escapeXmlAttribute, escapeXmlText } from './safe-xml.ts';
import { ns } from './xml-namespaces.ts';

/** The MIME type of a SERVICE publish body. */
export const MS_PRES_CATEGORY_PUBLISH_CONTENT_TYPE = 'application/msrtc-category-publish+xml';

/** `static` never expires; `user` lives while one endpoint is registered; `endpoint` (server default) dies with the publisher; `time` uses `expires`. */
export type MsPresExpireType = 'static' | 'user' | 'endpoint' | 'time' | 'custom';

/** What identifies a publication and its concurrency version (protocol-notes section 2.4). */
export interface MsPresPublicationTarget {
  /** Unsigned, up to 2^32 (phone-state instances are 0x8…). */
  readonly instance: string | number | bigint;
  /** 2 and 3 are the aggregation containers (section 2.2). */
  readonly container: number;
  /** The server's current version of this instance; 0 for a new one. */
  readonly version: number;
  /** Omitted from the body when undefined (the server then uses `endpoint`). */
  readonly expireType?: MsPresExpireType;
  /** Seconds, with `expireType: 'time'`. */
  readonly expires?: number | null;
}

/** The `activity` of a published state. */
export interface MsPresPublishActivity {
  /** Case-sensitive token (`on-the-phone`, `in-a-meeting`...). */
  readonly token?: string | null;
  readonly minAvailability?: number | null;
  readonly maxAvailability?: number | null;
  /** Free text (`<custom>`), e.g. when there is no token. */
  readonly custom?: string | null;
  readonly lcid?: string | null;
}

/** Publish a `state` category instance. */
export interface MsPresStatePublication extends MsPresPublicationTarget {
  readonly kind: 'state';
  /** `xsi:type`: `userState`, `phoneState`, `machineState`, `calendarState` (never `aggregateState` for a human user, section 2.2). */
  readonly stateType: string;
  readonly manual?: boolean;
  /** The MS-PRES availability number (3500, 6500, 9500...). */
  readonly availability: number;
  readonly activity?: MsPresPublishActivity | null;
}

/** Publish a `note` category instance. */
export interface MsPresNotePublication extends MsPresPublicationTarget {
  readonly kind: 'note';
  readonly text: string;
  /** Default `personal`. */
  readonly noteType?: 'personal' | 'OOF';
}

/** Clear (delete) a publication: same name + instance + container, current version, `expires="0"` (section 2.5). */
export interface MsPresClearPublication extends MsPresPublicationTarget {
  readonly kind: 'clear';
  readonly categoryName: string;
}

export type MsPresPublication = MsPresStatePublication | MsPresNotePublication | MsPresClearPublication;

/** A SERVICE publish request for one user. */
export interface MsPresPublishRequest {
  /** The publisher's (or impersonated user's) URI: `publications@uri`. */
  readonly uri: string;
  readonly publications: readonly MsPresPublication[];
}

/** Options of {@link buildMsPresCategoryPublish}. */
export interface MsPresPublishOptions {
  /** What to do with `&` / `<` in notes (default `escape`; see note-policy.ts and seed 000). */
  readonly notePolicy?: NoteCharacterPolicy;
}

const isUnsigned = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const categoryNameOf = (p: MsPresPublication) => (p.kind === 'clear' ? p.categoryName : p.kind);

function instanceText(i: string | number | bigint): string | undefined {
  const s = typeof i === 'string' ? i.trim() : String(i);
  if (!/^\d{1,20}$/.test(s)) return undefined;
  const v = BigInt(s);
  return v <= 0xffffffffffffffffn ? v.toString() : undefined;
}

function publicationAttrs(p: MsPresPublication, instance: string, expires: number | null | undefined): string {
  let s = `categoryName="${escapeXmlAttribute(categoryNameOf(p))}" instance="${instance}" container="${p.container}" version="${p.version}"`;
  if (p.expireType !== undefined) s += ` expireType="${p.expireType}"`;
  if (expires !== undefined && expires !== null) s += ` expires="${expires}"`;
  return s;
}

function stateXml(p: MsPresStatePublication): string {
  const manual = p.manual === undefined ? '' : ` manual="${p.manual}"`;
  let s = `<state xmlns="${ns.msState}"${manual} xmlns:xsi="${ns.xsi}" xsi:type="${escapeXmlAttribute(p.stateType)}"><availability>${p.availability}</availability>`;
  const a = p.activity;
  if (a && (a.token || a.custom)) {
    let attrs = '';
    if (a.token) attrs += ` token="${escapeXmlAttribute(a.token)}"`;
    if (isUnsigned(a.minAvailability)) attrs += ` minAvailability="${a.minAvailability}"`;
    if (isUnsigned(a.maxAvailability)) attrs += ` maxAvailability="${a.maxAvailability}"`;
    s += a.custom
      ? `<activity${attrs}><custom${a.lcid ? ` LCID="${escapeXmlAttribute(a.lcid)}"` : ''}>${escapeXmlText(a.custom)}</custom></activity>`
      : `<activity${attrs}/>`;
  }
  return `${s}</state>`;
}

/**
 * Builds the SERVICE body. Checks what the server would reject: non-integer or negative numbers,
 * an instance that is not an unsigned 64-bit decimal, a time expiry without `expires`, and two
 * publications with the same name + container + instance (section 2.1: "must be unique within one
 * SERVICE request"). Notes are escaped (or rejected / stripped by `notePolicy`).
 */
export function buildMsPresCategoryPublish(req: MsPresPublishRequest, options: MsPresPublishOptions = {}): Result<string, PresenceCodecError> {
  if (req.uri.trim() === '') return err(codecError('missing-field', 'publish request has no uri'));
  if (req.publications.length === 0) return err(codecError('missing-field', 'publish request has no publications'));
  const seen = new Set<string>();
  const parts: string[] = [`<publish xmlns="${ns.msRichPresence}"><publications uri="${escapeXmlAttribute(req.uri)}">`];
  for (const [k, p] of req.publications.entries()) {
    const where = `publication ${k + 1} (${categoryNameOf(p)})`;
    const instance = instanceText(p.instance);
    if (instance === undefined) return err(codecError('invalid-value', `${where}: instance '${String(p.instance)}' is not an unsigned 64-bit integer`));
    if (!isUnsigned(p.container)) return err(codecError('invalid-value', `${where}: container ${p.container} is not an unsigned integer`));
    if (!isUnsigned(p.version)) return err(codecError('invalid-value', `${where}: version ${p.version} is not an unsigned integer`));
    const key = `${categoryNameOf(p)}/${p.container}/${instance}`;
    if (seen.has(key)) return err(codecError('invalid-value', `${where}: duplicate name + container + instance ${key}`));
    seen.add(key);
    if (p.kind === 'clear') {
      parts.push(`<publication ${publicationAttrs(p, instance, 0)}/>`);
      continue;
    }
    if (p.expires !== undefined && p.expires !== null && !isUnsigned(p.expires)) return err(codecError('invalid-value', `${where}: expires ${p.expires} is not an unsigned integer`));
    if (p.expireType === 'time' && !isUnsigned(p.expires)) return err(codecError('missing-field', `${where}: expireType time needs expires`));
    if (p.kind === 'state') {
      if (!isUnsigned(p.availability)) return err(codecError('invalid-value', `${where}: availability ${p.availability} is not an unsigned integer`));
      if (p.stateType.trim() === '') return err(codecError('missing-field', `${where}: no state type (xsi:type)`));
      parts.push(`<publication ${publicationAttrs(p, instance, p.expires)}>${stateXml(p)}</publication>`);
    } else {
      const text = applyNotePolicy(p.text, options.notePolicy);
      if (!text.ok) return err(codecError(text.error.kind, `${where}: ${text.error.message}`));
      parts.push(
        `<publication ${publicationAttrs(p, instance, p.expires)}><note xmlns="${ns.msNote}"><body type="${p.noteType ?? 'personal'}" uri="">${escapeXmlText(text.value)}</body></note></publication>`,
      );
    }
  }
  parts.push('</publications></publish>');
  return ok(parts.join(''));
}

/** A publication before its container and version are chosen (distributes over the union). */
export type PublicationWithoutTarget<P extends MsPresPublication> = P extends unknown ? Omit<P, 'container' | 'version'> : never;

/**
 * The same publication in both aggregation containers, 2 and 3, each with its own current version
 * (clients publish states there and let the Front End aggregate; protocol-notes section 2.2).
 */
export function inAggregationContainers<P extends MsPresPublication = MsPresPublication>(publication: PublicationWithoutTarget<P>, versions: { readonly 2: number; readonly 3: number } = { 2: 0, 3: 0 }): P[] {
  return [
    { ...publication, container: 2, version: versions[2] } as unknown as P,
    { ...publication, container: 3, version: versions[3] } as unknown as P,
  ];
}

/**
 * A stable phoneState-like instance id the connector owns for one user: `0x8` in the top nibble and
 * 28 bits of a SHA-256 of `"<userUri>,<owner>"` (protocol-notes section 2.3 recommendation), so
 * the user's own manual state (0x20000000) is never overwritten. Returned as a decimal string.
 */
export function connectorStateInstance(userUri: string, owner = 'connector'): string {
  const h = createHash('sha256').update(`${userUri.toLowerCase()},${owner}`).digest();
  return ((0x8 * 2 ** 28) + (h.readUInt32BE(0) & 0x0fffffff)).toString();
}
