/**
 * The `sip-simple` UC platform: an RFC presence server (Kamailio, OpenSIPS...) speaking SIMPLE.
 *
 * - Optional REGISTER of the connector's own AoR (digest when credentials are given), re-tried
 *   with backoff when the registrar refuses it for good (SipAdapterLifecycle, shared with ms-pres).
 * - One SUBSCRIBE per knowledge worker (RFC 3856 `Event: presence`, Accept PIDF), kept alive by
 *   the lifecycle: re-created after a backoff when it ends for good (403, 404, `noresource`).
 * - Each NOTIFY body (PIDF, or an RFC 4662 list with the KW as a resource) → Presence →
 *   `presence`, with identical states deduplicated (Kamailio re-notifies on every PUBLISH refresh).
 *   An empty body on an active subscription means the server knows nothing: `unknown`.
 * - `publish` sends PIDF (RFC 3903) for the KW's presentity with ETag refresh; `null` removes
 *   the publication (Expires: 0), so the KW's own publications show again.
 * - Instant messages (`instantMessaging`): page-mode MESSAGE (RFC 3428) to a KW's address through
 *   the proxy; MESSAGEs to the AoR come back to the inbox (shared/im-inbox.ts), routed by sender.
 *
 * Connection state (the lifecycle's): `connecting` until registered (when registering),
 * `disconnected` while the registration fails, `degraded` while some subscription is failing,
 * else `connected`.
 */
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { buildPidfPublication, parsePidfPresence, PIDF_CONTENT_TYPE } from '../../presence/pidf.ts';
import { presenceStateEquals, unknownPresence } from '../../presence/presence.ts';
import type { Presence } from '../../presence/presence.ts';
import { parseResourceListNotification } from '../../presence/resource-list-notification.ts';
import { SipError } from '../../sip/api/sip-error.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import type { SipCredentials } from '../../sip/auth/digest-client.ts';
import type { TransactionUser, TransportProtocol } from '../../sip/transaction/transaction-user.ts';
import type { Notification } from '../../sip/ua/subscriber.ts';
import { MessageClient } from '../../sip/ua/message-client.ts';
import { ImInbox } from '../shared/im-inbox.ts';
import { SipAdapterLifecycle } from '../shared/sip-adapter-lifecycle.ts';
import type { KeptSubscription } from '../shared/sip-adapter-lifecycle.ts';
import { UcPlatformBase } from '../uc-platform-base.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc-platform.ts';
import { IM_MAX_TEXT_BYTES, imTextBytes, plainImText, type UcInstantMessaging } from '../instant-messages.ts';
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
  /** stop() waits at most this long in total for the server's answers (un-SUBSCRIBE...). Default 2000 ms. */
  stopTimeoutMs?: number;
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
  /** Its SUBSCRIBE, kept alive by the lifecycle. */
  keep: KeptSubscription;
  last: Presence | undefined;
}

/** See the file comment. */
export class SipSimplePlatform extends UcPlatformBase implements UcPlatform {
  readonly kind = 'sip-simple';
  private readonly o: SipSimplePlatformOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly life: SipAdapterLifecycle;
  private ua: SipUserAgent | undefined;
  private stack: TransactionUser | undefined;
  private readonly watches = new Map<string, Watch>();
  private readonly published = new Set<string>();
  private readonly notifyType = new MediaTypeReader();
  private readonly inbox: ImInbox;
  /** See UcPlatform.instantMessaging. */
  readonly instantMessaging: UcInstantMessaging;

  constructor(options: SipSimplePlatformOptions) {
    super();
    if (!options.stack && !options.listen?.length) throw new UccError('UCC_ERR_CONFIG_INVALID', 'sip-simple: give a SIP stack or listeners');
    this.o = options;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ uc: 'sip-simple' });
    this.life = new SipAdapterLifecycle({
      stack: options.stack, listen: options.listen, registers: options.register === true, backoff: options.backoff, stopTimeoutMs: options.stopTimeoutMs,
      register: () => this.tryRegister(), subscriptionNoun: 'subscriptions',
      clock: this.clock, logger: this.logger, setState: (state, detail) => this.setConnectionState(state, detail),
    });
    this.inbox = new ImInbox(options.aor, this.logger);
    const imUsable = (): boolean => this.life.started && this.ua !== undefined && (this.o.register !== true || this.life.registered);
    this.instantMessaging = {
      address: options.aor,
      get usable() {
        return imUsable();
      },
      send: (to, text) => this.sendIm(to, text),
      onMessageFrom: (sender, handler) => this.inbox.onMessageFrom(sender, handler),
      otherRecipients: {
        onMessage: (handler) => this.inbox.onOtherRecipient(handler),
        send: (from, to, text) => this.sendImAs(from, to, text),
      },
    };
  }

  /** Registration, subscription and publication counts. */
  get status(): SipSimpleStatus {
    let subscribed = 0;
    let failing = 0;
    for (const w of this.watches.values()) {
      if (w.keep.failing) failing++;
      else if (w.keep.working) subscribed++;
    }
    return { registered: this.o.register ? this.life.registered : null, subscribed, failing, published: this.published.size };
  }

  async start(): Promise<void> {
    if (!(await this.life.start((stack) => this.createUserAgent(stack)))) return;
    for (const w of this.watches.values()) this.open(w);
    if (this.o.register) await this.tryRegister();
    this.life.updateState();
  }

  private createUserAgent(stack: TransactionUser): void {
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
    this.stack = stack;
    ua.onMessage((m) => this.inbox.receive(m));
    ua.on('registered', () => {
      this.life.registrationSucceeded();
      this.life.updateState();
    });
    ua.on('registrationFailed', (status, willRetry) => {
      this.logger.warn('REGISTER failed', { status, willRetry });
      this.life.registrationFailed(`REGISTER ${status}`, willRetry);
    });
  }

  private async tryRegister(): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.life.started) return;
    try {
      await ua.register(this.o.registerExpires !== undefined ? { expires: this.o.registerExpires } : {});
    } catch (e) {
      // Reported through `registrationFailed` (which schedules the retry); nothing to throw.
      if (!(e instanceof SipError)) this.logger.error('REGISTER threw', { error: String(e) });
    }
  }

  async stop(): Promise<void> {
    if (this.life.started) {
      this.life.beginStop();
      for (const w of this.watches.values()) w.keep.take();
      this.published.clear();
      // The UA unsubscribes (sharing any un-SUBSCRIBE already in flight), removes publications and
      // unregisters; failures are logged there. Past the stop deadline what is left is dropped.
      const ua = this.ua;
      this.ua = undefined;
      if (ua && !(await this.life.settleWithinDeadline([ua.close()], 'un-SUBSCRIBE, un-PUBLISH, un-REGISTER'))) ua.dispose();
    }
    await this.life.finishStop();
  }

  subscribe(kw: UcKnowledgeWorker): void {
    const known = this.watches.get(kw.userName);
    if (known && known.kw.contact === kw.contact) return;
    if (known) this.close(known);
    const w: Watch = { kw, keep: this.life.keep(), last: undefined };
    this.watches.set(kw.userName, w);
    if (this.life.started) this.open(w);
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    const w = this.watches.get(kw.userName);
    if (!w) return;
    this.watches.delete(kw.userName);
    this.close(w);
    this.life.updateState();
  }

  private close(w: Watch): void {
    this.life.forget(w.keep);
    const sub = w.keep.take();
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
    this.life.attach(w.keep, sub, {
      isCurrent: () => this.watches.get(w.kw.userName) === w,
      onNotify: (n) => this.onNotify(w, n),
      reopen: () => this.open(w),
      endedMessage: 'subscription ended; re-subscribing',
      logFields: { contact: w.kw.contact },
    });
    sub.subscribe().catch((e: unknown) => this.logger.error('SUBSCRIBE threw', { contact: w.kw.contact, error: String(e) }));
  }

  private onNotify(w: Watch, n: Notification): void {
    this.life.recovered(w.keep);
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
    if (!ua || !this.life.started) throw new UccError('UCC_ERR_UC_NOT_STARTED', 'sip-simple: publish before start() or after stop()');
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

  /** A page-mode MESSAGE through the proxy (see UcInstantMessaging.send). */
  /** An IM from another address of ours (a routing point answering a customer), through the proxy. */
  private async sendImAs(from: string, to: string, text: string): Promise<void> {
    const stack = this.stack;
    if (!stack || !this.ua || !this.life.started) throw new UccError('UCC_ERR_UC_IM', 'sip-simple: IM before start() or after stop()');
    const body = plainImText(text);
    if (imTextBytes(body) > IM_MAX_TEXT_BYTES) throw new UccError('UCC_ERR_UC_IM', `IM exceeds ${IM_MAX_TEXT_BYTES} bytes`);
    const proxy = this.o.outboundProxy;
    const routes = proxy ? [`<${/;lr\b/.test(proxy) ? proxy : `${proxy};lr`}>`] : undefined;
    const res = await new MessageClient({ tu: stack, aor: from, ...(routes ? { routes } : {}) }).send({ to, body, contentType: 'text/plain;charset=UTF-8' });
    if (res.status < 200 || res.status >= 300) throw new UccError('UCC_ERR_UC_IM', `MESSAGE to ${to}: ${res.status}`);
  }

  private async sendIm(to: string, text: string): Promise<void> {
    const ua = this.ua;
    if (!ua || !this.life.started) throw new UccError('UCC_ERR_UC_IM', 'sip-simple: IM before start() or after stop()');
    const body = plainImText(text);
    const size = imTextBytes(body);
    if (size > IM_MAX_TEXT_BYTES) throw new UccError('UCC_ERR_UC_IM', `IM of ${size} bytes exceeds ${IM_MAX_TEXT_BYTES}`);
    try {
      await ua.message(to, body, { contentType: 'text/plain;charset=UTF-8' });
    } catch (e) {
      if (e instanceof SipError) throw new UccError('UCC_ERR_UC_IM', `MESSAGE to ${to}: ${e.status} ${e.reason}`, { cause: e });
      throw new UccError('UCC_ERR_UC_IM', `MESSAGE to ${to}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}
