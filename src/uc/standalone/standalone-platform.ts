/**
 * The `standalone` UC platform: no UC server at all. A knowledge worker sets their presence in the
 * web client (the REST API calls {@link StandalonePlatform.setPresence}); the adapter turns it into
 * a normalized Presence with source `standalone` and emits it for subscribed KWs. What the
 * connector publishes (on-call, ACW) is stored beside it, so the web client can show the pushed
 * state; publishing `null` withdraws it and the KW's own presence shows again.
 *
 * The connector's own publication is never emitted as `presence`: on a real platform the push
 * comes back through the subscription, but here it would only feed the connector its own state.
 */
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { msPresCodeForAvailability } from '../../presence/availability.ts';
import { availabilities } from '../../presence/presence.ts';
import type { Availability, Presence } from '../../presence/presence.ts';
import { UcPlatformBase } from '../uc-platform-base.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc-platform.ts';

/** Options of {@link StandalonePlatform}. */
export interface StandalonePlatformOptions {
  clock?: Clock;
  logger?: Logger;
  /** Presence notes longer than this are refused (they come from a web form). Default 1024. */
  maxNoteLength?: number;
}

/** What the web client shows for one KW. */
export interface StandalonePresenceView {
  /** What the KW set (null before the first `setPresence`). */
  readonly own: Presence | null;
  /** What the connector published (on-call, ACW), null when none. */
  readonly pushed: Presence | null;
  /** `pushed` when present, else `own`. */
  readonly effective: Presence | null;
}

/** Presence set through an API call; see the file comment. */
export class StandalonePlatform extends UcPlatformBase implements UcPlatform {
  readonly kind = 'standalone';
  /** No UC platform, so no instant messages: a KW without a web session cannot be reached (docs/uc-adapters.md). */
  readonly instantMessaging = undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxNoteLength: number;
  /** Subscribed KWs by user name. */
  private readonly watched = new Map<string, UcKnowledgeWorker>();
  private readonly own = new Map<string, Presence>();
  private readonly pushed = new Map<string, Presence>();
  /** Orders updates from the same user: the connector drops a lower sequence as stale. */
  private sequence = 0;

  constructor(options: StandalonePlatformOptions = {}) {
    super();
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ uc: 'standalone' });
    this.maxNoteLength = options.maxNoteLength ?? 1024;
  }

  start(): Promise<void> {
    this.setConnectionState('connected');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.setConnectionState('stopped');
    return Promise.resolve();
  }

  /** Starts monitoring; a presence the KW already set is emitted at once (like a first NOTIFY). */
  subscribe(kw: UcKnowledgeWorker): void {
    const known = this.watched.get(kw.userName);
    this.watched.set(kw.userName, kw);
    if (known !== undefined) return;
    const current = this.own.get(kw.userName);
    if (current !== undefined) this.safeEmit('presence', kw, { ...current, uri: kw.contact });
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    this.watched.delete(kw.userName);
  }

  /** Stores (or, with null, withdraws) the connector's publication for the KW. */
  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    if (presence === null) this.pushed.delete(kw.userName);
    else this.pushed.set(kw.userName, presence);
    return Promise.resolve();
  }

  /**
   * The KW set their presence (REST API / web client). Emits `presence` when the KW is subscribed.
   * Throws UccError UCC_ERR_UC_PRESENCE_INVALID for an availability that does not exist or an
   * oversized note (the REST layer turns that into a 400).
   */
  setPresence(userName: string, availability: Availability, note?: string | null): Presence {
    if (!availabilities.includes(availability)) {
      throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `unknown availability '${String(availability)}'`);
    }
    if (note !== undefined && note !== null && note.length > this.maxNoteLength) {
      throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `note is ${note.length} characters, at most ${this.maxNoteLength} allowed`);
    }
    const now = this.clock.now();
    const kw = this.watched.get(userName);
    const presence: Presence = {
      uri: kw?.contact ?? userName,
      availability,
      availabilityCode: msPresCodeForAvailability(availability),
      activity: null,
      note: note ? { text: note, kind: 'personal', lang: null } : null,
      device: null,
      source: 'standalone',
      version: { publishedAt: now, sequence: ++this.sequence, instance: null },
      observedAt: now,
      basic: availability === 'offline' ? 'closed' : availability === 'unknown' ? null : 'open',
      lastActive: null,
    };
    this.own.set(userName, presence);
    this.logger.debug('presence set', { userName, availability });
    if (kw !== undefined) this.safeEmit('presence', kw, presence);
    return presence;
  }

  /** The KW's own, pushed and effective presence (for the web client). */
  presenceOf(userName: string): StandalonePresenceView {
    const own = this.own.get(userName) ?? null;
    const pushed = this.pushed.get(userName) ?? null;
    return { own, pushed, effective: pushed ?? own };
  }
}
