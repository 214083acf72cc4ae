/**
 * What one MS-PRES notification says, per presentity: the body of a NOTIFY, a BENOTIFY, or the
 * 200 OK that carries the piggybacked first notification ([MS-SIP] 4.3; protocol-notes sections
 * 1.5–1.7). Either a bare `application/msrtc-event-categories+xml` document (one or several
 * `categories` elements) or a multipart/related list notification with an RLMI root, whose parts
 * are read by their own Content-Type.
 *
 * Pure: the adapter merges the categories into what it knows (`mergeMsPresCategories`).
 */
import { err, ok } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';
import type { MsPresCategories } from '../../presence/ms-pres-categories.ts';
import { MS_PRES_CATEGORIES_CONTENT_TYPE, parseMsPresCategories } from '../../presence/ms-pres-categories.ts';
import { parseContentType } from '../../presence/multipart.ts';
import type { PresenceCodecError } from '../../presence/presence-codec-error.ts';
import { codecError } from '../../presence/presence-codec-error.ts';
import { parseResourceListNotification } from '../../presence/resource-list-notification.ts';
import type { RlmiInstance } from '../../presence/rlmi.ts';

/** One presentity in a notification. */
export interface MsPresNotificationItem {
  readonly uri: string;
  /** The categories carried for it (null when the list names it without a part). */
  readonly categories: MsPresCategories | null;
  /** Its RLMI instance in a list notification (state `active`, `pending`, `terminated`, `resubscribe`). */
  readonly instance: RlmiInstance | null;
  /** A part that could not be read (the other presentities are still returned). */
  readonly error: PresenceCodecError | null;
}

/**
 * Reads a notification body. An empty body gives no items. An unknown Content-Type, or a body
 * whose envelope is malformed, is an error.
 */
export function readMsPresNotification(body: Buffer, contentType: string | undefined, observedAt: number): Result<MsPresNotificationItem[], PresenceCodecError> {
  if (body.length === 0) return ok([]);
  const ct = parseContentType(contentType ?? '');
  if (!ct.ok) return ct;
  const type = ct.value.mediaType;
  if (type === MS_PRES_CATEGORIES_CONTENT_TYPE) {
    const docs = parseMsPresCategories(body);
    if (!docs.ok) return docs;
    return ok(docs.value.map((c) => ({ uri: c.uri, categories: c, instance: null, error: null })));
  }
  if (type === 'multipart/related') {
    const list = parseResourceListNotification(body, contentType ?? '', { observedAt });
    if (!list.ok) return list;
    return ok(list.value.resources.map((r) => ({ uri: r.uri, categories: r.msPresCategories, instance: r.instance, error: r.error })));
  }
  return err(codecError('unsupported-content-type', `notification body of type ${type}`));
}
