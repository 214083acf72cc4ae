/**
 * The `sip-simple` UC platform: an RFC presence server (Kamailio, OpenSIPS...) speaking SIMPLE.
 *
 * - Optional REGISTER of the connector's own AoR (digest when credentials are given), re-tried
 *   with backoff on the Clock when the registrar refuses it for good (the UA already retries
 *   408/5xx itself).
 * - One SUBSCRIBE per knowledge worker (RFC 3856 `Event: presence`, Accept PIDF): the UA's
 *   Subscriber refreshes it and re-subscribes after 408/481/5xx or a retryable termination; when
 *   it ends for good (403, 404, `noresource`, give-up) this adapter creates a new one after a
 *   backoff, because a KW the connector monitors must come back when the server does.
 * - Each NOTIFY body (PIDF, or an RFC 4662 list with the KW as a resource) → Presence →
 *   `presence`, with identical states deduplicated (Kamailio re-notifies on every PUBLISH refresh).
 *   An empty body on an active subscription means the server knows nothing: `unknown`.
 * - `publish` sends PIDF (RFC 3903) for the KW's presentity with ETag refresh; `null` removes
 *   the publication (Expires: 0), so the KW's own publications show again.
 *
 * Connection state: `connecting` until registered (when registering), `disconnected` while the
 * registration fails, `degraded` while some subscription is failing, else `connected`.
 */
import { backoffDelay } from '../../lib/backoff.ts';
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { buildPidfPublication, parsePidfPresence, PIDF_CONTENT_TYPE } from '../../presence/pidf.ts';
import { presenceStateEquals, unknownPresence } from '../../presence/presence.ts';
import type { Presence } from '../../presence/presence.ts';
import { parseResourceListNotification } from '../../presence/resource-list-notification.ts';
import { SipError } from '../../sip/api/sip-error.ts';
import { SipStack } from '../../sip/api/sip-stack.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import type { SipCredentials } from '../../sip/auth/digest-client.ts';
import type { TransactionUser, TransportProtocol } from '../../sip/transaction/transaction-user.ts';
import type { Notification, Subscriber, SubscriberTermination } from '../../sip/ua/subscriber.ts';
import { UcPlatformBase } from '../uc-platform-base.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc-platform.ts';
import { MediaTypeReader } from './notify-media-type.ts';

/** Options of {@link SipSimplePlatform}. */
export interface SipSimplePlatformOptions {
  /** The connector's own principal: From of every SUBSCRIBE / PUBLISH, the registered AoR. */
  aor: string;
  /** A ready SIP stack (the caller closes it). Give this or `listen`. */
  stack?: TransactionUser;
  /** Listeners for a stack the adapter creates in start() and closes in stop(). */
  listen?: ListenOptions[];
  /** Transport for our Contact. Default: the first listener's, else `udp`. */
  transport?: TransportProtocol;
  /** The presence server / proxy every request is routed through (loose route), e.g. `sip:10.0.0.2:5060;transport=tcp`. */
  outboundProxy?: string;
  /** REGISTER the AoR first (and keep it registered). Default false. */
  register?: boolean;
  /** Registrar Request-URI (default: the AoR's domain). */
  registrar?: string;
  /** Digest account for REGISTER (and for any request the server challenges). */
  credentials?: SipCredentials;
  /** Seconds. Defaults: REGISTER 3600, SUBSCRIBE 3600, PUBLISH 3600. */
  registerExpires?: number;
  subscribeExpires?: number;
  publishExpires?: number;
  /** Retry delays for registration, subscriptions and publications. */
  backoff?: BackoffOptions;
  /** Refresh at this fraction of the granted expiry. Default 0.9. */
  refreshFraction?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Counts for health and logs. */
export interface SipSimpleStatus {
  /** null when the adapter does not register. */
  readonly registered: boolean | null;
  /** KWs whose subscription is active or pending. */
  readonly subscribed: number;
  /** KWs whose subscription is failing and being re-established. */
  readonly failing: number;
  /** KWs with a connector publication in place. */
  readonly published: number;
}

interface Watch {
  kw: UcKnowledgeWorker;
  subscriber: Subscriber | undefined;
  /** Re-creations after a subscription ended for good (reset by the first notification). */
  attempt: number;
  timer: TimerHandle | undefined;
  failing: boolean;
  last: Presence | undefined;
}

/** See the file comment. */
export class SipSimplePlatform extends UcPlatformBase implements UcPlatform {
  readonly kind = 'sip-simple';
  private readonly o: SipSimplePlatformOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private stack: TransactionUser | undefined;
  private ownStack: SipStack | undefined;
  private ua: SipUserAgent | undefined;
  private readonly watches = new Map<string, Watch>();
  private readonly published = new Set<string>();
  private started = false;
  private registered = false;
  /** Why the last REGISTER failed (cleared by a success). */
  private registerFailure: string | undefined;
  private registerAttempt = 0;
  private registerTimer: TimerHandle | undefined;
  private readonly notifyType = new MediaTypeReader();

  constructor(options: SipSimplePlatformOptions) {
    super();
    if (!options.stack && !options.listen?.length) throw new UccError('UCC_ERR_CONFIG_INVALID', 'sip-simple: give a SIP stack or listeners');
    this.o = options;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ uc: 'sip-simple' });
  }

  /** Registration, subscription and publication counts. */
  get status(): SipSimpleStatus {
    let subscribed = 0;
    let failing = 0;
    for (const w of this.watches.values()) {
      if (w.failing) failing++;
      else if (w.subscriber && (w.subscriber.state === 'active' || w.subscriber.state === 'pending')) subscribed++;
    }
    return { registered: this.o.register ? this.registered : null, subscribed, failing, published: this.published.size };
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
    const transport = this.o.transport ?? this.o.listen?.[0]?.protocol ?? 'udp';
    const ua = new SipUserAgent({
      stack, aor: this.o.aor, clock: this.clock, logger: this.logger, transport,
      ...(this.o.credentials ? { credentials: this.o.credentials } : {}),
      ...(this.o.outboundProxy !== undefined ? { outboundProxy: this.o.outboundProxy } : {}),
      ...(this.o.registrar !== undefined ? { registrar: this.o.registrar } : {}),
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
      ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
    });
    this.ua = ua;
    this.started = true;
    ua.on('registered', () => {
      this.registered = true;
      this.registerFailure = undefined;
      this.registerAttempt = 0;
      this.updateState();
    });
    ua.on('registrationFailed', (status, willRetry) => {
      this.registered = false;
      this.logger.warn('REGISTER failed', { status, willRetry });
      this.registerFailure = `REGISTER ${status}`;
      this.updateState();
      if (!willRetry) this.scheduleRegister();
    });
    for (const w of this.watches.values()) this.open(w);
    if (this.o.register) await this.tryRegister();
    this.updateState();
  }

  private async tryRegister(): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.started) return;
    try {
      await ua.register(this.o.registerExpires !== undefined ? { expires: this.o.registerExpires } : {});
    } catch (e) {
      // Reported through `registrationFailed` (which schedules the retry); nothing to throw.
      if (!(e instanceof SipError)) this.logger.error('REGISTER threw', { error: String(e) });
    }
  }

  private scheduleRegister(): void {
    this.clock.cancel(this.registerTimer);
    const delay = backoffDelay(++this.registerAttempt, this.o.backoff);
    this.registerTimer = this.clock.setTimer(delay, () => {
      this.registerTimer = undefined;
      void this.tryRegister();
    });
  }

  private updateState(): void {
    if (!this.started) return;
    if (this.o.register && !this.registered) {
      if (this.registerFailure !== undefined) this.setConnectionState('disconnected', this.registerFailure);
      else this.setConnectionState('connecting');
      return;
    }
    const s = this.status;
    if (s.failing > 0) this.setConnectionState('degraded', `${s.failing} of ${this.watches.size} subscriptions failing`);
    else this.setConnectionState('connected');
  }

  async stop(): Promise<void> {
    if (!this.started) {
      this.setConnectionState('stopped');
      return;
    }
    this.started = false;
    this.clock.cancel(this.registerTimer);
    for (const w of this.watches.values()) {
      this.clock.cancel(w.timer);
      w.timer = undefined;
      w.subscriber = undefined;
    }
    this.published.clear();
    // The UA unsubscribes, removes publications and unregisters; failures are logged there.
    await this.ua?.close();
    this.ua = undefined;
    await this.ownStack?.close();
    this.ownStack = undefined;
    this.stack = undefined;
    this.registered = false;
    this.registerFailure = undefined;
    this.setConnectionState('stopped');
  }

  subscribe(kw: UcKnowledgeWorker): void {
    const known = this.watches.get(kw.userName);
    if (known && known.kw.contact === kw.contact) return;
    if (known) this.close(known);
    const w: Watch = { kw, subscriber: undefined, attempt: 0, timer: undefined, failing: false, last: undefined };
    this.watches.set(kw.userName, w);
    if (this.started) this.open(w);
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    const w = this.watches.get(kw.userName);
    if (!w) return;
    this.watches.delete(kw.userName);
    this.close(w);
    this.updateState();
  }

  private close(w: Watch): void {
    this.clock.cancel(w.timer);
    w.timer = undefined;
    const sub = w.subscriber;
    w.subscriber = undefined;
    if (sub) void sub.unsubscribe().catch((e: unknown) => this.logger.warn('unsubscribe failed', { contact: w.kw.contact, error: String(e) }));
  }

  private open(w: Watch): void {
    const ua = this.ua;
    if (!ua || this.watches.get(w.kw.userName) !== w) return;
    const sub = ua.createSubscriber(w.kw.contact, {
      event: 'presence',
      accept: [PIDF_CONTENT_TYPE, 'multipart/related', 'application/rlmi+xml'],
      ...(this.o.subscribeExpires !== undefined ? { expires: this.o.subscribeExpires } : {}),
    });
    w.subscriber = sub;
    const mine = () => w.subscriber === sub && this.watches.get(w.kw.userName) === w;
    sub.on('notify', (n) => {
      if (mine()) this.onNotify(w, n);
    });
    sub.on('stateChange', (state) => {
      if (!mine()) return;
      const failing = state === 'retry-wait';
      if (state === 'active' || state === 'pending') w.attempt = 0;
      if (failing !== w.failing && state !== 'terminated' && state !== 'notify-wait') {
        w.failing = failing;
        this.updateState();
      }
    });
    sub.on('terminated', (t) => {
      if (mine()) this.onTerminated(w, t);
    });
    sub.subscribe().catch((e: unknown) => this.logger.error('SUBSCRIBE threw', { contact: w.kw.contact, error: String(e) }));
  }

  private onTerminated(w: Watch, t: SubscriberTermination): void {
    w.subscriber = undefined;
    if (t.cause === 'unsubscribed' || t.cause === 'disposed' || !this.started) return;
    // Ended for good by the server: keep trying, a monitored KW must come back.
    w.failing = true;
    const delay = backoffDelay(++w.attempt, this.o.backoff);
    this.logger.warn('subscription ended; re-subscribing', { contact: w.kw.contact, cause: t.cause, status: t.status, reason: t.reason, delayMs: delay });
    this.clock.cancel(w.timer);
    w.timer = this.clock.setTimer(delay, () => {
      w.timer = undefined;
      this.open(w);
    });
    this.updateState();
  }

  private onNotify(w: Watch, n: Notification): void {
    if (w.failing) {
      w.failing = false;
      this.updateState();
    }
    if (n.subscriptionState.state === 'terminated') return; // the Subscriber re-subscribes (or ends)
    const presence = this.presenceOf(w, n);
    if (!presence) return;
    if (w.last && presenceStateEquals(w.last, presence)) return;
    w.last = presence;
    this.safeEmit('presence', w.kw, presence);
  }

  /** The KW's Presence in a notification body; undefined (logged) when the body is unusable. */
  private presenceOf(w: Watch, n: Notification): Presence | undefined {
    const now = this.clock.now();
    const uri = w.kw.contact;
    if (n.body.length === 0) return unknownPresence(uri, 'pidf', now);
    const type = this.notifyType.read(n.contentType);
    if (type === PIDF_CONTENT_TYPE) {
      const p = parsePidfPresence(n.body, now);
      // The presentity is the KW's contact; the copy is only needed when the entity is spelled otherwise.
      if (p.ok) return p.value.uri === uri ? p.value : { ...p.value, uri };
      this.logger.warn('bad PIDF in NOTIFY', { contact: uri, kind: p.error.kind, error: p.error.message });
      return undefined;
    }
    if (type === 'multipart/related') {
      const list = parseResourceListNotification(n.body, n.contentType ?? '', { observedAt: now });
      if (!list.ok) {
        this.logger.warn('bad list NOTIFY', { contact: uri, kind: list.error.kind, error: list.error.message });
        return undefined;
      }
      const entry = list.value.resources.find((r) => r.uri.toLowerCase() === uri.toLowerCase()) ?? list.value.resources[0];
      return entry?.presence ? { ...entry.presence, uri } : undefined;
    }
    this.logger.warn('NOTIFY body type not supported', { contact: uri, contentType: n.contentType });
    return undefined;
  }

  /**
   * PUBLISHes `presence` as the KW's presentity (PIDF + RPID, protocol-notes section 5.3), or with
   * null removes the connector's publication. Rejects with UccError UCC_ERR_UC_PUBLISH when the
   * server refuses (a 5xx is also retried in the background by the publisher).
   */
  async publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.started) throw new UccError('UCC_ERR_UC_NOT_STARTED', 'sip-simple: publish before start() or after stop()');
    try {
      if (presence === null) {
        this.published.delete(kw.contact);
        await ua.unpublish({ target: kw.contact });
        return;
      }
      const body = buildPidfPublication({
        entity: kw.contact,
        availability: presence.availability,
        activity: presence.activity,
        note: presence.note?.text ?? null,
        noteLang: presence.note?.lang ?? null,
        timestamp: this.clock.now(),
      });
      await ua.publish(body, PIDF_CONTENT_TYPE, { target: kw.contact, ...(this.o.publishExpires !== undefined ? { expires: this.o.publishExpires } : {}) });
      this.published.add(kw.contact);
    } catch (e) {
      if (e instanceof SipError) throw new UccError('UCC_ERR_UC_PUBLISH', `PUBLISH for ${kw.contact}: ${e.status} ${e.reason}`, { cause: e });
      throw e;
    }
  }
}
