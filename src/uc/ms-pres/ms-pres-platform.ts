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
 *   answered: the adapter switches [MS-SIP] on for its stack, MS_SIP_EXTENSION) → per-user merged
 *   categories → Presence (ms-pres-watch-list.ts).
 * - `publish`: SERVICE with the connector's own state (and note) instances in containers 2 and 3,
 *   corrected once after a 409 `WrongDelta` fault; `null` clears the publication
 *   (ms-pres-publications.ts).
 * - Loss of the pool: an OPTIONS keep-alive (or a REGISTER refresh) that times out or cannot be
 *   sent marks the link `disconnected`, drops the subscriptions (the pool ties them to the
 *   connection) and re-REGISTERs with backoff on the Clock; once registered again every batch is
 *   subscribed from scratch.
 *
 * The stack, the registration retry, the connection state and the re-creation of a batch
 * subscription that ended for good are the SipAdapterLifecycle's, shared with sip-simple.
 *
 * Not implemented: MS-SIPAE (NTLM / Kerberos / TLS-DSK) for mode A, the GRUU of the REGISTER 200
 * (our Contact is the stack's address), `resubscribe` / `poolFqdn` redirection to another pool
 * (logged), and a roaming-self subscription to learn versions up front (the 409 teaches them).
 */
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { buildMsPresBatchSubscribe, connectorCategories, MS_PRES_BATCH_SUBSCRIBE_CONTENT_TYPE } from '../../presence/ms-pres-batch-subscribe.ts';
import { MS_PRES_CATEGORIES_CONTENT_TYPE } from '../../presence/ms-pres-categories.ts';
import type { MsPresPresenceOptions } from '../../presence/ms-pres-categories.ts';
import type { NoteCharacterPolicy } from '../../presence/note-policy.ts';
import type { Presence } from '../../presence/presence.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import type { TransactionUser, TransportProtocol } from '../../sip/transaction/transaction-user.ts';
import { MS_BENOTIFY_OPTION_TAG, MS_SIP_EXTENSION } from '../../sip/ua/ms-sip-extension.ts';
import { RegistrationClient } from '../../sip/ua/registration-client.ts';
import type { Notification } from '../../sip/ua/subscriber.ts';
import { SipAdapterLifecycle } from '../shared/sip-adapter-lifecycle.ts';
import type { KeptSubscription } from '../shared/sip-adapter-lifecycle.ts';
import { UcPlatformBase } from '../uc-platform-base.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc-platform.ts';
import { MsPresBatchPlan } from './ms-pres-batch-plan.ts';
import { readMsPresNotification } from './ms-pres-notification.ts';
import { MsPresPublications } from './ms-pres-publications.ts';
import { MsPresWatchList } from './ms-pres-watch-list.ts';

/** Option tags of our REGISTER ([MS-SIPREGE] 2.2.1.5; protocol-notes section 1.2). */
export const MS_PRES_REGISTER_SUPPORTED = 'adhoclist, msrtc-event-categories, com.microsoft.msrtc.presence';
/** Option tags of the batch SUBSCRIBE (section 1.4). */
export const MS_PRES_SUBSCRIBE_SUPPORTED = `${MS_BENOTIFY_OPTION_TAG}, ms-piggyback-first-notify, eventlist, com.microsoft.autoextend`;
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
  /** stop() waits at most this long in total for the server's answers (un-SUBSCRIBE...). Default 2000 ms. */
  stopTimeoutMs?: number;
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

const isLoss = (status: number): boolean => status === 408 || status === 503;

/** See the file comment. */
export class MsPresPlatform extends UcPlatformBase implements UcPlatform {
  readonly kind = 'ms-pres';
  /**
   * None: Lync / Skype for Business front ends take IM only inside an INVITE session (SDP
   * `m=message`, then MESSAGEs in the dialog), not as page-mode MESSAGE; docs/uc-adapters.md.
   */
  readonly instantMessaging = undefined;
  private readonly o: MsPresPlatformOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly routes: string[];
  private readonly life: SipAdapterLifecycle;
  private ua: SipUserAgent | undefined;
  private registration: RegistrationClient | undefined;
  private readonly plan: MsPresBatchPlan;
  /** Batch id → its subscription, kept alive by the lifecycle. */
  private readonly batches = new Map<number, KeptSubscription>();
  private readonly watchList: MsPresWatchList;
  private readonly publications: MsPresPublications;
  /** Every batch must be subscribed from scratch at the next registration. */
  private resubscribeAll = true;
  private flushTimer: TimerHandle | undefined;
  private keepAliveTimer: TimerHandle | undefined;

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
    this.life = new SipAdapterLifecycle({
      stack: options.stack, listen: options.listen, extensions: [MS_SIP_EXTENSION], registers: true, backoff: options.backoff, stopTimeoutMs: options.stopTimeoutMs,
      register: () => this.register(), subscriptionNoun: 'batch subscriptions',
      clock: this.clock, logger: this.logger, setState: (state, detail) => this.setConnectionState(state, detail),
    });
    this.watchList = new MsPresWatchList(this.plan, (kw, p) => this.safeEmit('presence', kw, p), options.presence ?? {}, this.logger);
    this.publications = new MsPresPublications({
      expires: options.publishExpires ?? 14_400, stateType: options.stateType, notePolicy: options.notePolicy, logger: this.logger,
      link: () => {
        const stack = this.life.stack;
        return stack && this.ua ? { stack, contact: this.ua.contact, routes: this.routes } : undefined;
      },
    });
  }

  /** Registration, subscription and publication counts. */
  get status(): MsPresStatus {
    let active = 0;
    let failing = 0;
    for (const b of this.batches.values()) {
      if (b.failing) failing++;
      else if (b.working) active++;
    }
    return { registered: this.life.registered, batches: this.plan.all().length, activeBatches: active, failingBatches: failing, users: this.plan.size, published: this.publications.published };
  }

  async start(): Promise<void> {
    if (!(await this.life.start((stack) => this.createUserAgent(stack)))) return;
    this.resubscribeAll = true;
    await this.register();
    this.scheduleKeepAlive();
  }

  private createUserAgent(stack: TransactionUser): void {
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
  }

  private async register(): Promise<void> {
    const reg = this.registration;
    if (!reg || !this.life.started || reg.state === 'disposed') return;
    try {
      await reg.register();
    } catch (e) {
      this.logger.error('REGISTER threw', { error: String(e) });
    }
  }

  private onRegistered(): void {
    this.life.registrationSucceeded();
    if (this.resubscribeAll) {
      // First registration, or back after a loss: every batch from scratch (section 1.8).
      this.resubscribeAll = false;
      this.dropBatchSubscriptions();
      this.plan.markAllDirty();
    }
    this.flush();
    this.life.updateState();
  }

  private onRegisterFailed(detail: string, willRetry: boolean): void {
    this.logger.warn('registration failed', { detail, willRetry });
    this.forgetSubscriptions();
    this.life.registrationFailed(detail, willRetry);
  }

  /** The link to the pool is gone: the pool drops the subscriptions with it; all are re-sent once registered. */
  private forgetSubscriptions(): void {
    this.resubscribeAll = true;
    this.dropBatchSubscriptions();
  }

  private scheduleKeepAlive(): void {
    const every = this.o.keepAliveIntervalMs ?? 60_000;
    if (every <= 0 || !this.life.started) return;
    this.clock.cancel(this.keepAliveTimer);
    this.keepAliveTimer = this.clock.setTimer(every, () => {
      this.keepAliveTimer = undefined;
      void this.keepAlive();
    });
  }

  private async keepAlive(): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.life.started) return;
    if (this.life.registered) {
      const res = await ua.options(this.o.registrarUri);
      if (!this.life.started) return;
      if (isLoss(res.status) && this.life.registered) {
        this.logger.warn('pool unreachable; reconnecting', { status: res.status });
        this.forgetSubscriptions();
        this.life.connectionLost(`OPTIONS ${res.status}`);
        void this.register(); // retried with backoff by the RegistrationClient on 408/5xx
      }
    }
    this.scheduleKeepAlive();
  }

  async stop(): Promise<void> {
    if (this.life.started) {
      // Restore every KW's own presence first (the publications are ours to clear); when the pool
      // is unreachable they expire on their own (expireType time).
      this.life.startStopDeadline();
      const clears: Array<Promise<void>> = [];
      for (const userName of this.life.registered ? this.publications.publishedUsers() : []) {
        const kw = this.watchList.kw(userName);
        if (kw) clears.push(this.publish(kw, null));
      }
      await this.life.settleWithinDeadline(clears, 'clearing the publications');
      this.life.beginStop();
      for (const t of [this.flushTimer, this.keepAliveTimer]) this.clock.cancel(t);
      this.flushTimer = this.keepAliveTimer = undefined;
      const work: Array<Promise<unknown>> = [];
      for (const b of this.batches.values()) {
        const sub = b.take();
        if (sub) work.push(sub.unsubscribe());
        this.life.forget(b);
      }
      this.batches.clear();
      if (this.registration?.state === 'registered') work.push(this.registration.unregister());
      // Past the deadline, dispose() below drops the subscriptions still waiting for an answer.
      await this.life.settleWithinDeadline(work, 'un-SUBSCRIBE, un-REGISTER');
      this.registration?.dispose();
      this.registration = undefined;
      this.ua?.dispose();
      this.ua = undefined;
      this.publications.clear();
      this.plan.markAllDirty();
    }
    await this.life.finishStop();
  }

  subscribe(kw: UcKnowledgeWorker): void {
    if (this.watchList.add(kw)) this.scheduleFlush();
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    if (this.watchList.remove(kw)) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.life.started || this.flushTimer) return;
    this.flushTimer = this.clock.setTimer(this.o.batchDelayMs ?? 50, () => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  /** Re-sends the batches whose membership changed (only while registered). */
  private flush(): void {
    if (!this.life.started || !this.life.registered) return;
    this.clock.cancel(this.flushTimer);
    this.flushTimer = undefined;
    for (const batch of this.plan.takeDirty()) {
      const entry = this.batches.get(batch.id);
      // The old dialog ends (Expires: 0, section 1.9); the batch is re-sent with its new list.
      const old = entry?.take();
      if (old) void old.unsubscribe().catch((e: unknown) => this.logger.warn('batch unsubscribe failed', { error: String(e) }));
      if (batch.members.length === 0) {
        if (entry) this.life.forget(entry);
        this.batches.delete(batch.id);
        continue;
      }
      const b = entry ?? this.life.keep();
      b.failing = false;
      this.batches.set(batch.id, b);
      this.openBatch(batch.id, b);
    }
    this.life.updateState();
  }

  private dropBatchSubscriptions(): void {
    for (const b of this.batches.values()) {
      const sub = b.take();
      b.failing = false;
      sub?.dispose();
    }
  }

  private openBatch(id: number, b: KeptSubscription): void {
    const ua = this.ua;
    const members = this.plan.members(id);
    if (!ua || !this.life.started || members.length === 0 || this.batches.get(id) !== b) return;
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
      // The batch SUBSCRIBE's own option tags (section 1.4); the pool's proxies must pass BENOTIFY.
      headers: { 'Supported': MS_PRES_SUBSCRIBE_SUPPORTED, 'Proxy-Require': MS_BENOTIFY_OPTION_TAG, 'Require': 'adhoclist, categoryList' },
      ...(this.o.subscribeExpires !== undefined ? { expires: this.o.subscribeExpires } : {}),
    });
    this.life.attach(b, sub, {
      isCurrent: () => this.batches.get(id) === b,
      onNotify: (n) => this.onNotify(b, n),
      reopen: () => this.openBatch(id, b),
      endedMessage: 'batch subscription ended; re-subscribing',
      logFields: { batch: id },
    });
    sub.subscribe().catch((e: unknown) => this.logger.error('batch SUBSCRIBE threw', { error: String(e) }));
  }

  private onNotify(b: KeptSubscription, n: Notification): void {
    if (n.subscriptionState.state !== 'terminated') this.life.recovered(b);
    const now = this.clock.now();
    const items = readMsPresNotification(n.body, n.contentType, now);
    if (!items.ok) {
      this.logger.warn('unreadable notification', { method: n.request.method, kind: items.error.kind, error: items.error.message });
      return;
    }
    this.watchList.apply(items.value, now);
  }

  /**
   * Publishes `presence` as the KW's presence (SERVICE, ms-pres-publications.ts), or with null
   * clears the connector's publication. Calls for one KW are serialized (versions). Rejects with
   * UccError: UCC_ERR_UC_PUBLISH when the pool refuses or is not connected,
   * UCC_ERR_UC_PRESENCE_INVALID for an unpublishable presence or note, UCC_ERR_UC_NOT_STARTED.
   */
  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    if (!this.life.started || !this.life.stack || !this.ua) return Promise.reject(new UccError('UCC_ERR_UC_NOT_STARTED', 'ms-pres: publish before start() or after stop()'));
    // Fail fast while the pool is unreachable (a SERVICE would only time out); a publication in
    // place expires on its own (expireType time).
    if (!this.life.registered) return Promise.reject(new UccError('UCC_ERR_UC_PUBLISH', `ms-pres: not connected to the pool (${this.life.registerFailure ?? 'registering'})`));
    return this.publications.publish(kw, presence);
  }
}
