/**
 * The MS-PRES batch (ad-hoc list) SUBSCRIBE body, `application/msrtc-adrl-categorylist+xml`:
 * the watched users (`adhocList/resource`) and the categories wanted (`categoryList/category`).
 * [MS-PRES] 2.2.2.4.1 and schema 6.8; protocol-notes section 1.4 and vector V1.
 * The SUBSCRIBE carries `Require: adhoclist, categoryList` and `Event: presence`.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import { escapeXmlAttribute, parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, descendants } from './xml-element.ts';
import { isMsNamespace, ns } from './xml-namespaces.ts';

/** The MIME type of a batch SUBSCRIBE body. */
export const MS_PRES_BATCH_SUBSCRIBE_CONTENT_TYPE = 'application/msrtc-adrl-categorylist+xml';

/** The categories a connector needs (protocol-notes section 1.4): state for availability, note for notes. */
export const connectorCategories: readonly string[] = Object.freeze(['note', 'state']);

/** A batch subscription. */
export interface MsPresBatchSubscribe {
  /** The watcher's own URI (`batchSub@uri`; the SUBSCRIBE goes to it, To == From). */
  readonly watcherUri: string;
  /** The users to watch. */
  readonly resources: readonly string[];
  /** Category names; default {@link connectorCategories}. */
  readonly categories?: readonly string[];
  /** `action@id`, opaque; the spec example (and real clients) use 63792024. */
  readonly actionId?: string;
}

/** Builds the batch SUBSCRIBE body. At least one resource and one category; duplicates are dropped. */
export function buildMsPresBatchSubscribe(sub: MsPresBatchSubscribe): Result<string, PresenceCodecError> {
  if (sub.watcherUri.trim() === '') return err(codecError('missing-field', 'batch subscribe has no watcher uri'));
  const resources = [...new Set(sub.resources.map((r) => r.trim()).filter((r) => r !== ''))];
  if (resources.length === 0) return err(codecError('missing-field', 'batch subscribe has no resources'));
  const categories = [...new Set((sub.categories ?? connectorCategories).map((c) => c.trim()).filter((c) => c !== ''))];
  if (categories.length === 0) return err(codecError('missing-field', 'batch subscribe has no categories'));
  const id = sub.actionId ?? '63792024';
  return ok(
    `<batchSub xmlns="${ns.msBatchSubscribe}" uri="${escapeXmlAttribute(sub.watcherUri)}" name="">` +
      `<action name="subscribe" id="${escapeXmlAttribute(id)}"><adhocList>` +
      resources.map((r) => `<resource uri="${escapeXmlAttribute(r)}"/>`).join('') +
      `</adhocList><categoryList xmlns="${ns.msCategoryList}">` +
      categories.map((c) => `<category name="${escapeXmlAttribute(c)}"/>`).join('') +
      '</categoryList></action></batchSub>',
  );
}

/** Parses a batch SUBSCRIBE body (the Front End side; used by our MS-PRES fake server and tests). */
export function parseMsPresBatchSubscribe(input: XmlInput, limits?: Partial<XmlLimits>): Result<Required<MsPresBatchSubscribe>, PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.local !== 'batchSub' || !isMsNamespace(root.ns, ns.msBatchSubscribe)) {
    return err(codecError('unexpected-document', `expected <batchSub xmlns="${ns.msBatchSubscribe}">, got <${root.local}> in '${root.ns}'`));
  }
  const watcherUri = attr(root, 'uri')?.trim();
  if (!watcherUri) return err(codecError('missing-field', '<batchSub> has no uri'));
  const action = root.children.find((c) => c.local === 'action' && c.ns === root.ns);
  if (action === undefined) return err(codecError('missing-field', '<batchSub> has no <action>'));
  const resources = descendants(action, root.ns, 'resource').map((r) => attr(r, 'uri')?.trim() ?? '').filter((u) => u !== '');
  const catNs = action.children.find((c) => c.local === 'categoryList')?.ns ?? ns.msCategoryList;
  const categories = descendants(action, catNs, 'category').map((c) => attr(c, 'name')?.trim() ?? '').filter((n) => n !== '');
  return ok({ watcherUri, resources, categories, actionId: attr(action, 'id') ?? '' });
}
