/**
 * The presence side of the ms-pres adapter, without I/O: which KWs watch which address (normally
 * one KW per address), the batch plan of the watched addresses, and what is known of each
 * address. A notification's items are merged into the categories known so far
 * (`mergeMsPresCategories`: partial updates and stale instances are handled) and become a
 * Presence for every KW of that address, emitted once per change.
 */
import type { Logger } from '../../lib/logger.ts';
import { mergeMsPresCategories, presenceFromMsPresCategories } from '../../presence/ms-pres-categories.ts';
import type { MsPresPresenceOptions, MsPresPresentity } from '../../presence/ms-pres-categories.ts';
import { presenceStateEquals } from '../../presence/presence.ts';
import type { Presence } from '../../presence/presence.ts';
import type { UcKnowledgeWorker } from '../uc-platform.ts';
import type { MsPresBatchPlan } from './ms-pres-batch-plan.ts';
import type { MsPresNotificationItem } from './ms-pres-notification.ts';

/** See the file comment. */
export class MsPresWatchList {
  private readonly kws = new Map<string, UcKnowledgeWorker>();
  /** Lower-cased contact → user names watching it (normally one). */
  private readonly byContact = new Map<string, Set<string>>();
  /** Lower-cased contact → the categories known so far. */
  private readonly known = new Map<string, MsPresPresentity>();
  private readonly lastByContact = new Map<string, Presence>();
  private readonly lastByUser = new Map<string, Presence>();

  constructor(
    private readonly plan: MsPresBatchPlan,
    private readonly emit: (kw: UcKnowledgeWorker, presence: Presence) => void,
    private readonly presenceOptions: MsPresPresenceOptions,
    private readonly logger: Logger,
  ) {}

  /** The KW watched under `userName`. */
  kw(userName: string): UcKnowledgeWorker | undefined {
    return this.kws.get(userName);
  }

  /**
   * Watches `kw` (idempotent for the same user name and contact). Returns true when a batch
   * changed and must be sent again; an address already watched hands its last Presence over.
   */
  add(kw: UcKnowledgeWorker): boolean {
    const known = this.kws.get(kw.userName);
    if (known && known.contact === kw.contact) return false;
    const removed = known ? this.remove(known) : false;
    this.kws.set(kw.userName, kw);
    const key = kw.contact.toLowerCase();
    let users = this.byContact.get(key);
    if (!users) this.byContact.set(key, (users = new Set()));
    users.add(kw.userName);
    if (this.plan.add(kw.contact) !== undefined) return true;
    // Another KW already watches this address: hand over what is known.
    const last = this.lastByContact.get(key);
    if (last) this.emitFor(kw, last);
    return removed;
  }

  /** Stops watching `kw` (unknown KWs are a no-op). Returns true when a batch changed. */
  remove(kw: UcKnowledgeWorker): boolean {
    const known = this.kws.get(kw.userName);
    if (!known) return false;
    this.kws.delete(kw.userName);
    this.lastByUser.delete(kw.userName);
    const key = known.contact.toLowerCase();
    const users = this.byContact.get(key);
    users?.delete(kw.userName);
    if (users && users.size > 0) return false;
    this.byContact.delete(key);
    this.known.delete(key);
    this.lastByContact.delete(key);
    return this.plan.remove(known.contact) !== undefined;
  }

  /** Merges one notification's items (observed at `now`) and emits what changed. */
  apply(items: readonly MsPresNotificationItem[], now: number): void {
    for (const item of items) {
      const key = item.uri.toLowerCase();
      if (item.error) this.logger.warn('unreadable part for a user', { uri: item.uri, kind: item.error.kind, error: item.error.message });
      if (item.instance?.state === 'resubscribe') {
        this.logger.warn('pool asks to re-subscribe a user elsewhere; not supported', { uri: item.uri, poolFqdn: item.instance.poolFqdn });
      }
      if (!item.categories || !this.byContact.has(key)) continue;
      const merged = mergeMsPresCategories(this.known.get(key), item.categories);
      if (merged.accepted.length === 0) continue;
      this.known.set(key, merged.presentity);
      const presence = presenceFromMsPresCategories(merged.presentity, now, this.presenceOptions);
      this.lastByContact.set(key, presence);
      for (const userName of this.byContact.get(key) ?? []) {
        const kw = this.kws.get(userName);
        if (kw) this.emitFor(kw, presence);
      }
    }
  }

  private emitFor(kw: UcKnowledgeWorker, presence: Presence): void {
    const p = presence.uri === kw.contact ? presence : { ...presence, uri: kw.contact };
    const last = this.lastByUser.get(kw.userName);
    if (last && presenceStateEquals(last, p)) return;
    this.lastByUser.set(kw.userName, p);
    this.emit(kw, p);
  }
}
