/**
 * The `ms-pres` UC platform: a Lync / Skype for Business Front End pool, spoken to as a trusted
 * application over mutual TLS (protocol-notes section 1.1 mode B: no SIP challenges; the pool
 * trusts the certificate). docs/ms-pres.md describes the flows and how they are tested.
 *
 * - REGISTER `contact` (the `[Microsoft-OCS]` option) at `registrar-uri`, advertising
 *   `adhoclist, msrtc-event-categories` (section 1.2); refreshed by the RegistrationClient.
 * - One batch SUBSCRIBE (`Require: adhoclist, categoryList`, body `batchSub` with `adhocList` and
 *   `categoryList`) per batch of monitored KWs, to our own URI (section 1.4). A change of the KW
 *   set re-sends only the batch it touched (coalesced over `batchDelayMs`).
 * - The 200 OK's piggybacked first notification, NOTIFY (answered 200) and BENOTIFY (never
 *   answered: the Subscriber does not respond to it) → per-user merged categories
 *   (`mergeMsPresCategories`, so partial updates and stale instances are handled) → Presence.
 * - `publish`: SERVICE with the connector's own state (and note) instances in containers 2 and 3
 *   (connector-publication.ts); a 409 `WrongDelta` fault corrects the versions and the SERVICE is
 *   re-sent once; `null` clears the publication.
 * - Loss of the pool: an OPTIONS keep-alive (or a REGISTER refresh) that times out or cannot be
 *   sent marks the link `disconnected`, drops the subscriptions (the pool ties them to the
 *   connection) and re-REGISTERs with backoff on the Clock; once registered again every batch is
 *   subscribed from scratch.
 *
 * Not implemented: MS-SIPAE (NTLM / Kerberos / TLS-DSK) for mode A, the GRUU of the REGISTER 200
 * (our Contact is the stack's address), `resubscribe` / `poolFqdn` redirection to another pool
 * (logged), and a roaming-self subscription to learn versions up front (the 409 teaches them).
 */
import { backoffDelay } from '../../lib/backoff.ts';
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { buildMsPresBatchSubscribe, connectorCategories, MS_PRES_BATCH_SUBSCRIBE_CONTENT_TYPE } from '../../presence/ms-pres-batch-subscribe.ts';
import { mergeMsPresCategories, MS_PRES_CATEGORIES_CONTENT_TYPE, presenceFromMsPresCategories } from '../../presence/ms-pres-categories.ts';
import type { MsPresPresenceOptions, MsPresPresentity } from '../../presence/ms-pres-categories.ts';
import { buildMsPresCategoryPublish, MS_PRES_CATEGORY_PUBLISH_CONTENT_TYPE } from '../../presence/ms-pres-category-publish.ts';
import type { MsPresPublication } from '../../presence/ms-pres-category-publish.ts';
import { correctVersionsFromFault, parseMsrtcFault } from '../../presence/ms-pres-fault.ts';
import type { NoteCharacterPolicy } from '../../presence/note-policy.ts';
import { presenceStateEquals } from '../../presence/presence.ts';
import type { Presence } from '../../presence/presence.ts';
import { SipStack } from '../../sip/api/sip-stack.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import type { SipResponse } from '../../sip/message/sip-message.ts';
import type { TransactionUser, TransportProtocol } from '../../sip/transaction/transaction-user.ts';
import { MS_SIP_EXTENSION } from '../../sip/ua/ms-sip-extension.ts';
import { createOutOfDialogRequest } from '../../sip/ua/out-of-dialog-request.ts';
import { RegistrationClient } from '../../sip/ua/registration-client.ts';
import type { Notification, Subscriber, SubscriberTermination } from '../../sip/ua/subscriber.ts';
import { UcPlatformBase } from '../uc-platform-base.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc-platform.ts';
import { acceptConnectorPublications, connectorPublications, emptyConnectorPublication } from './connector-publication.ts';
import type { ConnectorPublicationRecord } from './connector-publication.ts';
import { MsPresBatchPlan } from './ms-pres-batch-plan.ts';
import { readMsPresNotification } from './ms-pres-notification.ts';

/** Option tags of our REGISTER ([MS-SIPREGE] 2.2.1.5; protocol-notes section 1.2). */
export const MS_PRES_REGISTER_SUPPORTED = 'adhoclist, msrtc-event-categories, com.microsoft.msrtc.presence';
/** Option tags of the batch SUBSCRIBE (section 1.4). */
export const MS_PRES_SUBSCRIBE_SUPPORTED = 'ms-benotify, ms-piggyback-first-notify, eventlist, com.microsoft.autoextend';
/** What we accept in notifications (section 1.4). */
export const MS_PRES_ACCEPT = [MS_PRES_CATEGORIES_CONTENT_TYPE, 'application/rlmi+xml', 'multipart/related'] as const;

/** Options of {@link MsPresPlatform}; the first two are the `[Microsoft-OCS]` options of seed 000. */
export interface MsPresPlatformOptions {
  /** `registrar-uri`: the pool, e.g. `sip:pool01.contoso.com:5061;transport=tls`. Every request is routed there. */
  registrarUri: string;
  /** `contact`: the connector's own principal, e.g. `sip:ucc@contoso.com`. */
  contact: string;
  /** A ready SIP stack (the caller closes it); give this or `listen`. Mutual TLS: its TLS listener's `tls` options. */
  stack?: TransactionUser;
  /** Listeners for a stack the adapter creates in start() and closes in stop(). */
  listen?: ListenOptions[];
  /** Transport for our Contact. Default: the first listener's, else `tls`. */
  transport?: TransportProtocol;
  /** Seconds. Default 3600. */
  registerExpires?: number;
  /** Seconds asked for the batch subscriptions (the pool decides). Default 3600. */
  subscribeExpires?: number;
  /** Categories subscribed. Default `note`, `state`. */
  categories?: readonly string[];
  /** Users per batch SUBSCRIBE. Default 100. */
  maxBatchSize?: number;
  /** Coalesces subscribe/unsubscribe calls into one SUBSCRIBE per batch. Default 50 ms. */
  batchDelayMs?: number;
  /** How categories become a Presence (`lcid`, `notePreference`, `below3000`). */
  presence?: MsPresPresenceOptions;
  /** Lifetime of the connector's publications, seconds. Default 14 400 (4 h). */
  publishExpires?: number;
  /** `xsi:type` of the published state. Default `phoneState`. */
  stateType?: string;
  /** `&` / `<` in published notes (seed 000: Lync 2010 refuses them). Default `escape`. */
  notePolicy?: NoteCharacterPolicy;
  /** OPTIONS keep-alive to the pool, ms; a timeout means the link is lost. Default 60 000; 0 disables it. */
  keepAliveIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Refresh at this fraction of the granted expiry. Default 0.9. */
  refreshFraction?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Counts for health and logs. */
export interface MsPresStatus {
  readonly registered: boolean;
  /** Batch subscriptions, and how many of them are active. */
  readonly batches: number;
  readonly activeBatches: number;
  readonly failingBatches: number;
  /** Distinct monitored users. */
  readonly users: number;
  /** KWs with a connector publication in place. */
  readonly published: number;
}

interface BatchSubscription {
  subscriber: Subscriber | undefined;
  attempt: number;
  timer: TimerHandle | undefined;
  failing: boolean;
}

const isLoss = (status: number): boolean => status === 408 || status === 503;

/** See the file comment. */
export class MsPresPlatform extends UcPlatformBase implements UcPlatform {
  readonly kind = 'ms-pres';
  private readonly o: MsPresPlatformOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly routes: string[];
  private stack: TransactionUser | undefined;
  private ownStack: SipStack | undefined;
  private ua: SipUserAgent | undefined;
  private registration: RegistrationClient | undefined;
  private readonly plan: MsPresBatchPlan;
  private readonly batches = new Map<number, BatchSubscription>();
  private readonly kws = new Map<string, UcKnowledgeWorker>();
  /** Lower-cased contact → user names watching it (normally one). */
  private readonly byContact = new Map<string, Set<string>>();
  /** Lower-cased contact → the categories known so far. */
  private readonly known = new Map<string, MsPresPresentity>();
  private readonly lastByContact = new Map<string, Presence>();
  private readonly lastByUser = new Map<string, Presence>();
  private readonly records = new Map<string, ConnectorPublicationRecord>();
  private readonly publishQueues = new Map<string, Promise<unknown>>();
  private started = false;
  private registered = false;
  private registerFailure: string | undefined;
  /** Every batch must be subscribed from scratch at the next registration. */
  private resubscribeAll = true;
  private registerAttempt = 0;
  private registerTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private keepAliveTimer: TimerHandle | undefined;
  private msSipOff: (() => void) | undefined;

  constructor(options: MsPresPlatformOptions) {
    super();
    if (!options.stack && !options.listen?.length) throw new UccError('UCC_ERR_CONFIG_INVALID', 'ms-pres: give a SIP stack or listeners');
    if (!/^sips?:/i.test(options.registrarUri)) throw new UccError('UCC_ERR_CONFIG_INVALID', `ms-pres: registrar-uri '${options.registrarUri}' is not a SIP URI`);
    if (!/^sips?:/i.test(options.contact)) throw new UccError('UCC_ERR_CONFIG_INVALID', `ms-pres: contact '${options.contact}' is not a SIP URI`);
    this.o = options;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ uc: 'ms-pres' });
    this.plan = new MsPresBatchPlan(options.maxBatchSize ?? 100);
    const r = options.registrarUri;
    this.routes = [`<${/;lr\b/.test(r) ? r : r + ';lr'}>`];
  }

  /** Registration, subscription and publication counts. */
  get status(): MsPresStatus {
    let active = 0;
    let failing = 0;
    for (const b of this.batches.values()) {
      if (b.failing) failing++;
      else if (b.subscriber?.state === 'active' || b.subscriber?.state === 'pending') active++;
    }
    let published = 0;
    for (const r of this.records.values()) if (r.statePublished || r.notePublished) published++;
    return { registered: this.registered, batches: this.plan.all().length, activeBatches: active, failingBatches: failing, users: this.plan.size, published };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.setConnectionState('connecting');
    let stack = this.o.stack;
    if (!stack) {
      this.ownStack = await SipStack.listen({ listen: this.o.listen ?? [], clock: this.clock, logger: this.logger });
      stack = this.ownStack;
    }
    this.stack = stack;
    this.msSipOff = stack.capabilities.use(MS_SIP_EXTENSION);
    const transport = this.o.transport ?? this.o.listen?.[0]?.protocol ?? 'tls';
    const ua = new SipUserAgent({
      stack, aor: this.o.contact, clock: this.clock, logger: this.logger, transport, outboundProxy: this.o.registrarUri,
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
      ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
    });
    this.ua = ua;
    const reg = new RegistrationClient({
      tu: stack, clock: this.clock, aor: this.o.contact, contact: ua.contact, registrar: this.o.registrarUri,
      headers: { Supported: MS_PRES_REGISTER_SUPPORTED },
      ...(this.o.registerExpires !== undefined ? { expires: this.o.registerExpires } : {}),
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
      ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
    });
    reg.on('registered', () => this.onRegistered());
    reg.on('failed', (res, willRetry) => this.onRegisterFailed(`REGISTER ${res.status}`, willRetry));
    this.registration = reg;
    this.started = true;
    this.resubscribeAll = true;
    await this.register();
    this.scheduleKeepAlive();
  }

  private async register(): Promise<void> {
    const reg = this.registration;
    if (!reg || !this.started || reg.state === 'disposed') return;
    try {
      await reg.register();
    } catch (e) {
      this.logger.error('REGISTER threw', { error: String(e) });
    }
  }

  private onRegistered(): void {
    this.registered = true;
    this.registerFailure = undefined;
    this.registerAttempt = 0;
    if (this.resubscribeAll) {
      // First registration, or back after a loss: every batch from scratch (section 1.8).
      this.resubscribeAll = false;
      this.dropBatchSubscriptions();
      this.plan.markAllDirty();
    }
    this.flush();
    this.updateState();
  }

  private onRegisterFailed(detail: string, willRetry: boolean): void {
    this.logger.warn('registration failed', { detail, willRetry });
    this.lost(detail);
    if (!willRetry) {
      this.clock.cancel(this.registerTimer);
      const delay = backoffDelay(++this.registerAttempt, this.o.backoff);
      this.registerTimer = this.clock.setTimer(delay, () => {
        this.registerTimer = undefined;
        void this.register();
      });
    }
  }

  /** The link to the pool is gone: forget the subscriptions, report it; re-registration follows. */
  private lost(detail: string): void {
    this.registered = false;
    this.registerFailure = detail;
    this.resubscribeAll = true;
    this.dropBatchSubscriptions();
    this.updateState();
  }

  private scheduleKeepAlive(): void {
    const every = this.o.keepAliveIntervalMs ?? 60_000;
    if (every <= 0 || !this.started) return;
    this.clock.cancel(this.keepAliveTimer);
    this.keepAliveTimer = this.clock.setTimer(every, () => {
      this.keepAliveTimer = undefined;
      void this.keepAlive();
    });
  }

  private async keepAlive(): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.started) return;
    if (this.registered) {
      const res = await ua.options(this.o.registrarUri);
      if (!this.started) return;
      if (isLoss(res.status) && this.registered) {
        this.logger.warn('pool unreachable; reconnecting', { status: res.status });
        this.lost(`OPTIONS ${res.status}`);
        void this.register(); // retried with backoff by the RegistrationClient on 408/5xx
      }
    }
    this.scheduleKeepAlive();
  }

  private updateState(): void {
    if (!this.started) return;
    if (!this.registered) {
      if (this.registerFailure !== undefined) this.setConnectionState('disconnected', this.registerFailure);
      else this.setConnectionState('connecting');
      return;
    }
    const failing = [...this.batches.values()].filter((b) => b.failing).length;
    if (failing > 0) this.setConnectionState('degraded', `${failing} of ${this.batches.size} batch subscriptions failing`);
    else this.setConnectionState('connected');
  }

  async stop(): Promise<void> {
    if (!this.started) {
      this.setConnectionState('stopped');
      return;
    }
    // Restore every KW's own presence first (the publications are ours to clear); when the pool
    // is unreachable they expire on their own (expireType time).
    const clears: Array<Promise<void>> = [];
    for (const [userName, rec] of this.registered ? this.records : []) {
      const kw = this.kws.get(userName);
      if (kw && (rec.statePublished || rec.notePublished)) clears.push(this.publish(kw, null));
    }
    for (const r of await Promise.allSettled(clears)) if (r.status === 'rejected') this.logger.warn('clearing a publication failed', { error: String(r.reason) });
    this.started = false;
    for (const t of [this.registerTimer, this.flushTimer, this.keepAliveTimer]) this.clock.cancel(t);
    this.registerTimer = this.flushTimer = this.keepAliveTimer = undefined;
    const work: Array<Promise<unknown>> = [];
    for (const b of this.batches.values()) {
      this.clock.cancel(b.timer);
      if (b.subscriber) work.push(b.subscriber.unsubscribe());
      b.subscriber = undefined;
    }
    this.batches.clear();
    if (this.registration?.state === 'registered') work.push(this.registration.unregister());
    for (const r of await Promise.allSettled(work)) if (r.status === 'rejected') this.logger.warn('stop step failed', { error: String(r.reason) });
    this.registration?.dispose();
    this.registration = undefined;
    this.ua?.dispose();
    this.ua = undefined;
    this.msSipOff?.();
    this.msSipOff = undefined;
    await this.ownStack?.close();
    this.ownStack = undefined;
    this.stack = undefined;
    this.registered = false;
    this.registerFailure = undefined;
    this.records.clear();
    this.plan.markAllDirty();
    this.setConnectionState('stopped');
  }

  subscribe(kw: UcKnowledgeWorker): void {
    const known = this.kws.get(kw.userName);
    if (known && known.contact === kw.contact) return;
    if (known) this.unsubscribe(known);
    this.kws.set(kw.userName, kw);
    const key = kw.contact.toLowerCase();
    let users = this.byContact.get(key);
    if (!users) this.byContact.set(key, (users = new Set()));
    users.add(kw.userName);
    if (this.plan.add(kw.contact) !== undefined) this.scheduleFlush();
    else {
      // Another KW already watches this address: hand over what is known.
      const last = this.lastByContact.get(key);
      if (last) this.emitFor(kw, last);
    }
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    const known = this.kws.get(kw.userName);
    if (!known) return;
    this.kws.delete(kw.userName);
    this.lastByUser.delete(kw.userName);
    const key = known.contact.toLowerCase();
    const users = this.byContact.get(key);
    users?.delete(kw.userName);
    if (users && users.size > 0) return;
    this.byContact.delete(key);
    this.known.delete(key);
    this.lastByContact.delete(key);
    if (this.plan.remove(known.contact) !== undefined) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.started || this.flushTimer) return;
    this.flushTimer = this.clock.setTimer(this.o.batchDelayMs ?? 50, () => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  /** Re-sends the batches whose membership changed (only while registered). */
  private flush(): void {
    if (!this.started || !this.registered) return;
    this.clock.cancel(this.flushTimer);
    this.flushTimer = undefined;
    for (const batch of this.plan.takeDirty()) {
      const entry = this.batches.get(batch.id);
      if (entry) {
        this.clock.cancel(entry.timer);
        const old = entry.subscriber;
        entry.subscriber = undefined;
        // The old dialog ends (Expires: 0, section 1.9); the batch is re-sent with its new list.
        if (old) void old.unsubscribe().catch((e: unknown) => this.logger.warn('batch unsubscribe failed', { error: String(e) }));
      }
      if (batch.members.length === 0) {
        this.batches.delete(batch.id);
        continue;
      }
      const b: BatchSubscription = entry ?? { subscriber: undefined, attempt: 0, timer: undefined, failing: false };
      b.failing = false;
      this.batches.set(batch.id, b);
      this.openBatch(batch.id, b);
    }
    this.updateState();
  }

  private dropBatchSubscriptions(): void {
    for (const b of this.batches.values()) {
      this.clock.cancel(b.timer);
      b.timer = undefined;
      const sub = b.subscriber;
      b.subscriber = undefined;
      b.failing = false;
      sub?.dispose();
    }
  }

  private openBatch(id: number, b: BatchSubscription): void {
    const ua = this.ua;
    const members = this.plan.members(id);
    if (!ua || !this.started || members.length === 0 || this.batches.get(id) !== b) return;
    const body = buildMsPresBatchSubscribe({ watcherUri: this.o.contact, resources: members, categories: this.o.categories ?? connectorCategories });
    if (!body.ok) {
      this.logger.error('cannot build the batch SUBSCRIBE', { kind: body.error.kind, error: body.error.message });
      return;
    }
    const sub = ua.createSubscriber(this.o.contact, {
      event: 'presence',
      accept: MS_PRES_ACCEPT,
      body: body.value,
      contentType: MS_PRES_BATCH_SUBSCRIBE_CONTENT_TYPE,
      headers: { 'Supported': MS_PRES_SUBSCRIBE_SUPPORTED, 'Proxy-Require': 'ms-benotify', 'Require': 'adhoclist, categoryList' },
      ...(this.o.subscribeExpires !== undefined ? { expires: this.o.subscribeExpires } : {}),
    });
    b.subscriber = sub;
    const mine = () => b.subscriber === sub && this.batches.get(id) === b;
    sub.on('notify', (n) => {
      if (mine()) this.onNotify(b, n);
    });
    sub.on('stateChange', (state) => {
      if (!mine()) return;
      if (state === 'active' || state === 'pending') b.attempt = 0;
      const failing = state === 'retry-wait';
      if (state !== 'terminated' && state !== 'notify-wait' && failing !== b.failing) {
        b.failing = failing;
        this.updateState();
      }
    });
    sub.on('terminated', (t) => {
      if (mine()) this.onBatchTerminated(id, b, t);
    });
    sub.subscribe().catch((e: unknown) => this.logger.error('batch SUBSCRIBE threw', { error: String(e) }));
  }

  private onBatchTerminated(id: number, b: BatchSubscription, t: SubscriberTermination): void {
    b.subscriber = undefined;
    if (t.cause === 'unsubscribed' || t.cause === 'disposed' || !this.started) return;
    b.failing = true;
    const delay = backoffDelay(++b.attempt, this.o.backoff);
    this.logger.warn('batch subscription ended; re-subscribing', { batch: id, cause: t.cause, status: t.status, reason: t.reason, delayMs: delay });
    this.clock.cancel(b.timer);
    b.timer = this.clock.setTimer(delay, () => {
      b.timer = undefined;
      this.openBatch(id, b);
    });
    this.updateState();
  }

  private onNotify(b: BatchSubscription, n: Notification): void {
    if (b.failing && n.subscriptionState.state !== 'terminated') {
      b.failing = false;
      this.updateState();
    }
    const now = this.clock.now();
    const items = readMsPresNotification(n.body, n.contentType, now);
    if (!items.ok) {
      this.logger.warn('unreadable notification', { method: n.request.method, kind: items.error.kind, error: items.error.message });
      return;
    }
    for (const item of items.value) {
      const key = item.uri.toLowerCase();
      if (item.error) this.logger.warn('unreadable part for a user', { uri: item.uri, kind: item.error.kind, error: item.error.message });
      if (item.instance?.state === 'resubscribe') {
        this.logger.warn('pool asks to re-subscribe a user elsewhere; not supported', { uri: item.uri, poolFqdn: item.instance.poolFqdn });
      }
      if (!item.categories || !this.byContact.has(key)) continue;
      const merged = mergeMsPresCategories(this.known.get(key), item.categories);
      if (merged.accepted.length === 0) continue;
      this.known.set(key, merged.presentity);
      const presence = presenceFromMsPresCategories(merged.presentity, now, this.o.presence ?? {});
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
    this.safeEmit('presence', kw, p);
  }

  /**
   * Publishes `presence` as the KW's presence (SERVICE, impersonating the KW as a trusted
   * application may), or with null clears the connector's publication. Calls for one KW are
   * serialized (versions). Rejects with UccError: UCC_ERR_UC_PUBLISH when the pool refuses or is
   * not connected,
   * UCC_ERR_UC_PRESENCE_INVALID for an unpublishable presence or note, UCC_ERR_UC_NOT_STARTED.
   */
  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    if (!this.started || !this.stack || !this.ua) return Promise.reject(new UccError('UCC_ERR_UC_NOT_STARTED', 'ms-pres: publish before start() or after stop()'));
    // Fail fast while the pool is unreachable (a SERVICE would only time out); a publication in
    // place expires on its own (expireType time).
    if (!this.registered) return Promise.reject(new UccError('UCC_ERR_UC_PUBLISH', `ms-pres: not connected to the pool (${this.registerFailure ?? 'registering'})`));
    const previous = this.publishQueues.get(kw.userName) ?? Promise.resolve();
    const next = previous.then(() => this.publishNow(kw, presence), () => this.publishNow(kw, presence));
    const tail = next.catch(() => undefined);
    this.publishQueues.set(kw.userName, tail);
    void tail.then(() => {
      if (this.publishQueues.get(kw.userName) === tail) this.publishQueues.delete(kw.userName);
    });
    return next;
  }

  private async publishNow(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    const current = this.records.get(kw.userName) ?? emptyConnectorPublication;
    const pubs = connectorPublications(kw.contact, presence, current, { expires: this.o.publishExpires ?? 14_400, ...(this.o.stateType !== undefined ? { stateType: this.o.stateType } : {}) });
    if (!pubs.ok) throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `ms-pres: ${pubs.error.message}`);
    if (pubs.value.length === 0) return;
    const accepted = await this.service(kw.contact, pubs.value);
    this.records.set(kw.userName, acceptConnectorPublications(current, accepted));
  }

  /**
   * Sends one SERVICE (section 2.1); on a 409 WrongDelta fault re-sends it once with the versions
   * the fault reports (section 2.4). Resolves with the publications the pool accepted.
   */
  private async service(uri: string, publications: readonly MsPresPublication[]): Promise<readonly MsPresPublication[]> {
    const stack = this.stack;
    const ua = this.ua;
    if (!stack || !ua) throw new UccError('UCC_ERR_UC_NOT_STARTED', 'ms-pres: stopped during publish');
    const callId = stack.newCallId();
    const fromTag = stack.newTag();
    let pubs = publications;
    for (let cseq = 1; ; cseq++) {
      const body = buildMsPresCategoryPublish({ uri, publications: pubs }, this.o.notePolicy !== undefined ? { notePolicy: this.o.notePolicy } : {});
      if (!body.ok) throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `ms-pres: ${body.error.message}`);
      const req = createOutOfDialogRequest({
        method: 'SERVICE', uri, to: uri, from: uri, fromTag, callId, cseq, contact: ua.contact, routes: this.routes,
        body: body.value, contentType: MS_PRES_CATEGORY_PUBLISH_CONTENT_TYPE,
      });
      const res: SipResponse = await stack.sendRequest(req);
      if (res.status >= 200 && res.status < 300) return pubs;
      if (res.status === 409 && cseq === 1) {
        const fault = parseMsrtcFault(res.body);
        const corrected = fault.ok ? correctVersionsFromFault(pubs, fault.value) : undefined;
        if (corrected) {
          this.logger.info('publication versions corrected from a 409 fault', { uri });
          pubs = corrected;
          continue;
        }
        this.logger.warn('409 without a usable WrongDelta fault', { uri, error: fault.ok ? fault.value.faultCode : fault.error.message });
      }
      throw new UccError('UCC_ERR_UC_PUBLISH', `SERVICE for ${uri}: ${res.status} ${res.reason}`);
    }
  }
}
