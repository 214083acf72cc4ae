/**
 * A list notification body (RFC 4662 NOTIFY, or an MS-PRES piggybacked 200 OK / BENOTIFY):
 * multipart/related whose root is RLMI, with one part per resource instance. Each part is read by
 * its own Content-Type (protocol-notes section 1.5: "switch on each part's own Content-Type"):
 * `application/pidf+xml` or `application/msrtc-event-categories+xml`.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { parseMsPresCategories, presenceFromMsPresCategories } from './ms-pres-categories.ts';
import type { MsPresCategories, MsPresPresenceOptions } from './ms-pres-categories.ts';
import { MS_PRES_CATEGORIES_CONTENT_TYPE } from './ms-pres-categories.ts';
import { parseMultipartRelated } from './multipart.ts';
import type { MimePart, MultipartLimits } from './multipart.ts';
import { parsePidf, PIDF_CONTENT_TYPE, presenceFromPidf } from './pidf.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { Presence } from './presence.ts';
import { parseRlmi, RLMI_CONTENT_TYPE } from './rlmi.ts';
import type { RlmiInstance, RlmiList } from './rlmi.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';

/** One resource of a list notification. */
export interface ResourceListEntry {
  readonly uri: string;
  /** The instance whose part was read (the first with a `cid` whose part exists), else the first instance. */
  readonly instance: RlmiInstance | null;
  /**
   * The normalized presence, with `uri` set to the resource URI; null when the resource has no
   * instance yet, its instance has no part (pending / terminated / resubscribe), or its part failed.
   */
  readonly presence: Presence | null;
  /** For MS-PRES parts: the raw categories, for adapters that merge partial updates. */
  readonly msPresCategories: MsPresCategories | null;
  /** Why the part could not be read, if it could not (other resources are still returned). */
  readonly error: PresenceCodecError | null;
}

/** A list notification: the RLMI list and one entry per listed resource. */
export interface ResourceListNotification {
  readonly list: RlmiList;
  readonly resources: readonly ResourceListEntry[];
}

/** Options of {@link parseResourceListNotification}. */
export interface ResourceListOptions extends MsPresPresenceOptions {
  /** When the body was received (epoch ms); becomes every Presence's `observedAt`. */
  readonly observedAt: number;
  /** Per-part XML bounds (default 64 KiB each). */
  readonly xmlLimits?: Partial<XmlLimits>;
  readonly multipartLimits?: Partial<MultipartLimits>;
}

function readPart(uri: string, part: MimePart, o: ResourceListOptions): Pick<ResourceListEntry, 'presence' | 'msPresCategories' | 'error'> {
  const type = part.contentType.mediaType;
  if (type === PIDF_CONTENT_TYPE) {
    const doc = parsePidf(part.body, o.xmlLimits);
    if (!doc.ok) return { presence: null, msPresCategories: null, error: doc.error };
    return { presence: { ...presenceFromPidf(doc.value, o.observedAt), uri }, msPresCategories: null, error: null };
  }
  if (type === MS_PRES_CATEGORIES_CONTENT_TYPE) {
    const docs = parseMsPresCategories(part.body, o.xmlLimits);
    if (!docs.ok) return { presence: null, msPresCategories: null, error: docs.error };
    const cats = docs.value.find((d) => d.uri === uri) ?? docs.value[0]!;
    return { presence: { ...presenceFromMsPresCategories(cats, o.observedAt, o), uri }, msPresCategories: cats, error: null };
  }
  return { presence: null, msPresCategories: null, error: codecError('unsupported-content-type', `part for ${uri} has type ${type}`) };
}

/**
 * Parses a multipart/related list notification and hands back one entry per RLMI resource.
 * A malformed envelope (multipart or RLMI) is an error; a malformed resource part only marks that
 * resource's `error`.
 * @param body the message body
 * @param contentType the message's Content-Type header value
 */
export function parseResourceListNotification(body: XmlInput, contentType: string, options: ResourceListOptions): Result<ResourceListNotification, PresenceCodecError> {
  const mp = parseMultipartRelated(body, contentType, options.multipartLimits);
  if (!mp.ok) return mp;
  const root = mp.value.root;
  if (root.contentType.mediaType !== RLMI_CONTENT_TYPE) {
    return err(codecError('unsupported-content-type', `the root part of a list notification must be ${RLMI_CONTENT_TYPE}, got ${root.contentType.mediaType}`));
  }
  const list = parseRlmi(root.body, options.xmlLimits);
  if (!list.ok) return list;
  const byCid = new Map<string, MimePart>();
  for (const p of mp.value.parts) if (p.contentId !== null && p !== root) byCid.set(p.contentId, p);

  const resources: ResourceListEntry[] = list.value.resources.map((r) => {
    const withPart = r.instances.find((i) => i.cid !== null && byCid.has(i.cid));
    const instance = withPart ?? r.instances[0] ?? null;
    if (withPart === undefined) return { uri: r.uri, instance, presence: null, msPresCategories: null, error: null };
    return { uri: r.uri, instance, ...readPart(r.uri, byCid.get(withPart.cid!)!, options) };
  });
  return ok({ list: list.value, resources });
}
