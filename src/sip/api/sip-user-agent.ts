/**
 * The application-facing SIP user agent (style rule 9: drachtio-shaped, Promise-only). One
 * instance per AoR over any `TransactionUser` (normally a `SipStack`):
 *
 * ```ts
 * const ua = new SipUserAgent({ stack, aor: 'sip:alice@example.test', credentials: { username: 'alice', password: 'pw' }, clock });
 * await ua.register();
 * const sub = await ua.subscribe('sip:bob@example.test', { event: 'presence', accept: ['application/pidf+xml'], onNotify: (n) => ... });
 * await ua.publish(pidf, 'application/pidf+xml');
 * await ua.message('sip:bob@example.test', 'hello');
 * ua.onMessage((m) => ({ status: 200 }));
 * ua.onSubscribe(presencePackage).on('subscription', (s) => ...);
 * await ua.close();
 * ```
 *
 * The UA routes the stack's incoming requests through the stack's one RequestDispatcher (shared by
 * every UA on that stack); do not register another raw handler on the same stack. Extensions such
 * as [MS-SIP] BENOTIFY are switched on on the stack (`stack.capabilities.use(...)`), not here.
 */
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { DigestClient } from '../auth/digest-client.ts';
import type { SipCredentials } from '../auth/digest-client.ts';
import { parseUri } from '../message/index.ts';
import type { SipResponse } from '../message/sip-message.ts';
import type { TransactionUser, TransportProtocol } from '../transaction/transaction-user.ts';
import { sendWithAuth } from '../ua/authenticated-request.ts';
import type { EventPackage } from '../ua/event-package.ts';
import { MessageClient } from '../ua/message-client.ts';
import type { OutgoingMessage } from '../ua/message-client.ts';
import { MessageServer } from '../ua/message-server.ts';
import { startInvite } from '../ua/invite-client.ts';
import type { OutgoingInvite, OutgoingInviteHandle } from '../ua/invite-client.ts';
import { InviteServer } from '../ua/invite-server.ts';
import type { InviteHandler } from '../ua/invite-server.ts';
import type { InviteSession } from '../ua/invite-session.ts';
import type { MessageHandler } from '../ua/message-server.ts';
import { Notifier } from '../ua/notifier.ts';
import { createOutOfDialogRequest } from '../ua/out-of-dialog-request.ts';
import { Publisher } from '../ua/publisher.ts';
import { RegistrationClient } from '../ua/registration-client.ts';
import { RequestDispatcher } from '../ua/request-dispatcher.ts';
import { Subscriber } from '../ua/subscriber.ts';
import type { Notification } from '../ua/subscriber.ts';
import { SipError } from './sip-error.ts';

export interface SipUserAgentOptions {
  stack: TransactionUser;
  /** Our address of record, e.g. `sip:alice@example.test`. */
  aor: string;
  displayName?: string;
  /** Digest account; without it 401/407 are returned as failures. */
  credentials?: SipCredentials;
  clock?: Clock;
  logger?: Logger;
  /** Transport for our Contact (default `udp`). */
  transport?: TransportProtocol;
  /** Contact URI override (default: the stack's contact for `transport`, user part of the AoR). */
  contact?: string;
  /** Outbound proxy URI: pre-loaded as a loose Route on out-of-dialog requests. */
  outboundProxy?: string;
  /** Registrar Request-URI (default: the AoR's domain). */
  registrar?: string;
  backoff?: BackoffOptions;
  /** Refresh registrations, subscriptions and publications at this fraction of their expiry. Default 0.9. */
  refreshFraction?: number;
}

export interface SubscribeOptions {
  event: string;
  accept?: readonly string[];
  /** Seconds, default 3600. */
  expires?: number;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
  /** Attached before the SUBSCRIBE leaves, so the first NOTIFY is never missed. */
  onNotify?: (n: Notification) => void;
}

export interface PublishOptions {
  /** Event package, default `presence`. */
  event?: string;
  /** Presentity, default our AoR. */
  target?: string;
  /** Seconds, default 3600. */
  expires?: number;
}

export interface SipUserAgentEvents {
  registered: (expires: number) => void;
  registrationFailed: (status: number, willRetry: boolean) => void;
}

export class SipUserAgent extends TypedEmitter<SipUserAgentEvents> {
  readonly aor: string;
  readonly contact: string;
  readonly clock: Clock;
  private readonly o: SipUserAgentOptions;
  private readonly stack: TransactionUser;
  private readonly logger: Logger;
  private readonly digest: DigestClient | undefined;
  private readonly dispatcher: RequestDispatcher;
  private readonly routes: string[];
  private registration: RegistrationClient | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private readonly publishers = new Map<string, Publisher>();
  private messageServer: MessageServer | undefined;
  private inviteServer: InviteServer | undefined;
  private readonly sessions = new Set<InviteSession>();
  private _notifier: Notifier | undefined;
  private readonly messages: MessageClient;

  constructor(options: SipUserAgentOptions) {
    super();
    this.o = options;
    this.stack = options.stack;
    this.aor = options.aor;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ aor: options.aor });
    const user = (() => { const u = parseUri(options.aor); return u.ok ? u.value.user : undefined; })();
    this.contact = options.contact ?? this.stack.contactUri(options.transport ?? 'udp', user);
    this.digest = options.credentials ? new DigestClient(options.credentials) : undefined;
    this.routes = options.outboundProxy ? [`<${/;lr\b/.test(options.outboundProxy) ? options.outboundProxy : options.outboundProxy + ';lr'}>`] : [];
    this.dispatcher = RequestDispatcher.of(this.stack, { logger: this.logger });
    this.messages = new MessageClient({
      tu: this.stack, aor: this.aor,
      ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
      ...(this.digest ? { digest: this.digest } : {}),
      ...(this.routes.length ? { routes: this.routes } : {}),
    });
  }

  /** Registers our Contact (and keeps it refreshed). Rejects with SipError on a final failure. */
  async register(options: { expires?: number } = {}): Promise<RegistrationClient> {
    if (!this.registration) {
      const reg = new RegistrationClient({
        tu: this.stack, clock: this.clock, aor: this.aor, contact: this.contact,
        ...(options.expires !== undefined ? { expires: options.expires } : {}),
        ...(this.o.displayName !== undefined ? { displayName: this.o.displayName } : {}),
        ...(this.o.registrar !== undefined ? { registrar: this.o.registrar } : {}),
        ...(this.digest ? { digest: this.digest } : {}),
        ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
        ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
        ...(this.routes.length ? { routes: this.routes } : {}),
      });
      reg.on('registered', (e) => this.safeEmit('registered', e));
      reg.on('failed', (r, retry) => this.safeEmit('registrationFailed', r.status, retry));
      this.registration = reg;
    }
    const res = await this.registration.register();
    if (res.status < 200 || res.status >= 300) throw SipError.from(res);
    return this.registration;
  }

  /** Removes our registration (Expires: 0). */
  async unregister(): Promise<void> {
    const reg = this.registration;
    if (!reg) return;
    const res = await reg.unregister();
    if (res && (res.status < 200 || res.status >= 300)) throw SipError.from(res);
  }

  /** Creates a subscriber without sending anything (attach listeners, then `subscribe()`). */
  createSubscriber(target: string, options: SubscribeOptions): Subscriber {
    const sub = new Subscriber({
      tu: this.stack, dispatcher: this.dispatcher, clock: this.clock, aor: this.aor, target,
      event: options.event, contact: this.contact, logger: this.logger,
      ...(options.accept ? { accept: options.accept } : {}),
      ...(options.expires !== undefined ? { expires: options.expires } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(this.o.displayName !== undefined ? { displayName: this.o.displayName } : {}),
      ...(this.digest ? { digest: this.digest } : {}),
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
      ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
      ...(this.routes.length ? { routes: this.routes } : {}),
    });
    if (options.onNotify) sub.on('notify', options.onNotify);
    this.subscribers.add(sub);
    sub.on('terminated', () => this.subscribers.delete(sub));
    return sub;
  }

  /**
   * Subscribes to `target` (RFC 6665). Resolves with the Subscriber once the SUBSCRIBE got a 2xx
   * (or failed in a way it will retry: 408/481/5xx); rejects with SipError when refused for good.
   */
  async subscribe(target: string, options: SubscribeOptions): Promise<Subscriber> {
    const sub = this.createSubscriber(target, options);
    const res = await sub.subscribe();
    if (sub.state === 'terminated') throw SipError.from(res);
    return sub;
  }

  /**
   * Publishes event state (RFC 3903). The first call for an (event, target) sends an initial
   * PUBLISH; later calls modify it; refreshes are automatic. Rejects with SipError on failure.
   */
  async publish(body: Buffer | string, contentType: string, options: PublishOptions = {}): Promise<Publisher> {
    const event = options.event ?? 'presence';
    const target = options.target ?? this.aor;
    const key = `${event}\u0000${target}`;
    let pub = this.publishers.get(key);
    if (!pub) {
      pub = new Publisher({
        tu: this.stack, clock: this.clock, aor: this.aor, target, event,
        ...(options.expires !== undefined ? { expires: options.expires } : {}),
        ...(this.digest ? { digest: this.digest } : {}),
        ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
        ...(this.o.refreshFraction !== undefined ? { refreshFraction: this.o.refreshFraction } : {}),
        ...(this.routes.length ? { routes: this.routes } : {}),
      });
      this.publishers.set(key, pub);
    }
    const res = await pub.publish(body, contentType);
    if (res.status < 200 || res.status >= 300) throw SipError.from(res);
    return pub;
  }

  /** Removes a publication (Expires: 0 with SIP-If-Match). */
  async unpublish(options: { event?: string; target?: string } = {}): Promise<void> {
    const key = `${options.event ?? 'presence'}\u0000${options.target ?? this.aor}`;
    const pub = this.publishers.get(key);
    if (!pub) return;
    this.publishers.delete(key);
    const res = await pub.unpublish();
    pub.dispose();
    if (res && (res.status < 200 || res.status >= 300)) throw SipError.from(res);
  }

  /** Sends a pager-mode MESSAGE (RFC 3428). Resolves with the 2xx; rejects with SipError otherwise. */
  async message(to: string, body: string | Buffer, options: Omit<OutgoingMessage, 'to' | 'body'> = {}): Promise<SipResponse> {
    const res = await this.messages.send({ to, body, ...options });
    if (res.status < 200 || res.status >= 300) throw SipError.from(res);
    return res;
  }

  /** Handles incoming MESSAGE (one handler; a new call replaces the previous). */
  onMessage(handler: MessageHandler): void {
    this.messageServer?.dispose();
    this.messageServer = new MessageServer(this.dispatcher, handler, this.logger);
  }

  /**
   * Places a call (RFC 3261 section 13.2): resolves with the session once a 2xx arrived and was
   * ACKed; rejects with SipError on a final non-2xx.
   */
  async invite(target: string, options: Omit<OutgoingInvite, 'target'> = {}): Promise<InviteSession> {
    const outcome = await this.startInvite(target, options).outcome;
    if (!outcome.ok) throw SipError.from(outcome.response);
    return outcome.session;
  }

  /**
   * Places a call and returns at once: the handle's `outcome` resolves with the session (2xx, ACKed)
   * or the final response, and `cancel()` CANCELs it before then (RFC 3261 section 9.1).
   */
  startInvite(target: string, options: Omit<OutgoingInvite, 'target'> = {}): OutgoingInviteHandle {
    const handle = startInvite({
      tu: this.stack, dispatcher: this.dispatcher, aor: this.aor, contact: this.contact, logger: this.logger,
      ...(this.o.displayName !== undefined ? { displayName: this.o.displayName } : {}),
      ...(this.routes.length ? { routes: this.routes } : {}),
      ...(this.digest ? { digest: this.digest } : {}),
    }, { target, ...options });
    handle.outcome.then((o) => {
      if (o.ok) this.track(o.session);
    }, () => {});
    return handle;
  }

  /** Takes incoming INVITEs (one handler; a new call replaces the previous). */
  onInvite(handler: InviteHandler): void {
    this.inviteServer?.dispose();
    this.inviteServer = new InviteServer(this.stack, this.dispatcher, this.contact, handler, {
      logger: this.logger, onSession: (s) => this.track(s),
    });
  }

  private track(session: InviteSession): void {
    this.sessions.add(session);
    session.on('terminated', () => this.sessions.delete(session));
  }

  /** The notifier engine (created on first use). */
  get notifier(): Notifier {
    if (!this._notifier) {
      this._notifier = new Notifier({
        tu: this.stack, dispatcher: this.dispatcher, clock: this.clock, contact: this.contact, logger: this.logger,
      });
    }
    return this._notifier;
  }

  /** Accepts SUBSCRIBE for `eventPackage`; listen to the returned notifier's `subscription` event. */
  onSubscribe(eventPackage: EventPackage): Notifier {
    const n = this.notifier;
    n.registerPackage(eventPackage);
    return n;
  }

  /** Sends OPTIONS to `target` (a keep-alive or capability probe); resolves with the response. */
  async options(target: string): Promise<SipResponse> {
    const req = createOutOfDialogRequest({
      method: 'OPTIONS', uri: target, from: this.aor, fromTag: this.stack.newTag(), callId: this.stack.newCallId(), cseq: 1,
      headers: { Accept: 'application/sdp' }, ...(this.routes.length ? { routes: this.routes } : {}),
    });
    return (await sendWithAuth(this.stack, req, this.digest)).response;
  }

  /**
   * Graceful stop: unsubscribes, removes publications, ends notifier subscriptions, unregisters;
   * then cancels every timer. Failures are logged, not thrown.
   */
  async close(): Promise<void> {
    const work: Array<Promise<unknown>> = [];
    for (const s of [...this.sessions]) work.push(s.bye());
    for (const s of this.subscribers) work.push(s.unsubscribe());
    for (const [key, p] of this.publishers) {
      this.publishers.delete(key);
      work.push(p.unpublish().finally(() => p.dispose()));
    }
    if (this._notifier) work.push(this._notifier.terminateAll());
    if (this.registration && this.registration.state === 'registered') work.push(this.registration.unregister());
    const results = await Promise.allSettled(work);
    for (const r of results) if (r.status === 'rejected') this.logger.warn('close step failed', { error: String(r.reason) });
    this.dispose();
  }

  /** Cancels every timer and forgets all state without sending anything. */
  dispose(): void {
    for (const s of [...this.subscribers]) s.dispose();
    this.subscribers.clear();
    for (const p of this.publishers.values()) p.dispose();
    this.publishers.clear();
    this.registration?.dispose();
    this._notifier?.dispose();
    this.messageServer?.dispose();
    this.inviteServer?.dispose();
    for (const s of [...this.sessions]) s.dispose();
  }
}
