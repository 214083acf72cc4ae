/**
 * The preview protocol's two ends (docs/protocols/preview.md):
 *
 * - {@link PreviewServer}, on the connector side: accepts TCP and in-memory connections from
 *   routers, decodes requests and hands each one with its session to one handler (the preview
 *   manager). Each PreviewInteractionRequest / PreviewInteractionMultiple opens its ReferenceID on
 *   the session; `session.respond(result)` sends the one PreviewInteractionResult for it and closes
 *   it, so a second result for the same ReferenceID is refused (returns false) — exactly once.
 *   PreviewInteractionCancel gets no result of its own: the requests it ends get theirs
 *   (`cancelled`).
 * - {@link PreviewClient}, on the router side: one connection whose {@link RequestChannel} allocates
 *   the ReferenceIDs (wraparound, skipping those in flight) and matches results, and `offer()` /
 *   `offerMultiple()` resolving with the one result of that ReferenceID. It never rejects for
 *   protocol reasons: when no result can come (the link closed, the backstop timer expired) it
 *   resolves with a local `error` result whose reason starts with `connection-lost` or
 *   `no-result-in-time`, so every offer has exactly one result for the router too.
 *
 * Authentication (docs/protocols/preview.md section 1.1): a TCP/TLS session must first send
 * PreviewRegisterClient as a configured Application with its password (checked by the server's
 * `authenticator`); until then frames are at most 64 KiB, anything else is answered with an
 * `error` result and the session is closed, and a session not authenticated within 10 s is
 * closed. A server without an authenticator admits no network session. In-memory and in-process
 * links are opened by the process's own code and start authenticated.
 *
 * Bad input never takes either end down: a rejected frame with a readable ReferenceID is answered
 * (by the server) with an `error` result; an oversized frame closes only that connection.
 */
import type { LinkCarrier } from '../lib/framed-json/framed-json-link.ts';
import { SystemClock, type Clock } from '../lib/clock.ts';
import { UccError } from '../lib/errors.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { ok } from '../lib/result.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { openConnection, describeTarget, type ConnectTarget } from '../lib/framed-json/connect-target.ts';
import { FramedJsonServer, type FramedJsonServerEvents } from '../lib/framed-json/framed-json-server.ts';
import { RequestChannel, type RequestFailure } from '../lib/framed-json/request-channel.ts';
import { SessionCloseListeners } from '../lib/framed-json/session-close-listeners.ts';
import { defaultConnectionLimits, type ConnectionLimits } from '../lib/framed-json/connection-limits.ts';
import { createDuplexPair } from '../lib/framed-json/in-memory-duplex-pair.ts';
import { createMessagePipe, type MessagePipeEnd } from '../lib/framed-json/message-pipe.ts';
import type { TimerHandle } from '../lib/clock.ts';
import type { Duplex } from 'node:stream';
import { PreviewLink } from './preview-link.ts';
import { defaultMaxPreviewFrameBytes, previewPreAuthMaxFrameBytes } from './preview-codec.ts';
import type {
  PreviewClientRegistered,
  PreviewInteractionCancel,
  PreviewInteractionMultiple,
  PreviewInteractionRequest,
  PreviewInteractionResult,
  PreviewMessage,
  PreviewRegisterClient,
  PreviewRequest,
} from './preview-messages.ts';

/** How a router reached the connector. */
export type PreviewTransportKind = 'tcp' | 'tls' | 'memory';

/** Where a PreviewClient connects: TCP, TLS, or an in-memory stream factory (`() => server.connectInMemory()`). */
export type PreviewConnectTarget = ConnectTarget;

/** A result as the responder writes it: the session fills in `message` and `ReferenceID`. */
export type PreviewResultBody = Omit<PreviewInteractionResult, 'message' | 'ReferenceID'>;

/** One router connection as the connector sees it. */
export interface PreviewSession {
  /** Unique for the server's lifetime (`r1`, `r2`...). */
  readonly id: string;
  readonly transport: PreviewTransportKind;
  readonly remoteAddress: string;
  /** The Application the session authenticated as (undefined until it has). */
  readonly application: string | undefined;
  readonly closed: boolean;
  /** ReferenceIDs of requests still waiting for their result. */
  readonly openRequests: number;
  /**
   * Sends the result of request `referenceId` and closes that ReferenceID. Returns false (and sends
   * nothing) if it is not open — already answered, never received — or the session is closed.
   */
  respond(referenceId: number, result: PreviewResultBody): boolean;
  /** Calls `listener` once when the session closes (at once if it has). Returns an unsubscribe. */
  onClose(listener: (reason: string) => void): () => void;
  close(reason: string): void;
}

/**
 * The one party that acts on requests (style rule 11: a delegate). It is called for
 * PreviewInteractionRequest / PreviewInteractionMultiple (whose ReferenceID is then open on the
 * session) and PreviewInteractionCancel (no result expected).
 */
export type PreviewRequestHandler = (request: PreviewRequest, session: PreviewSession) => void;

/** Checks a router's credentials (TlibAccess fits: the configured Applications and their password hashes). */
export interface PreviewAuthenticator {
  /** True when `password` is the Application's and the Application may use the preview protocol. */
  verifyPassword(application: string, password: string): Promise<boolean>;
}

/** Bounds of the handshake (as T-Lib's). */
export interface PreviewAuthLimits {
  /** A session not authenticated this long after it opened is closed (10 s). */
  readonly authTimeoutMs: number;
  /** Largest frame accepted before authentication (64 KiB). */
  readonly preAuthMaxFrameBytes: number;
}

export const defaultPreviewAuthLimits: PreviewAuthLimits = { authTimeoutMs: 10_000, preAuthMaxFrameBytes: previewPreAuthMaxFrameBytes };

/** The name of in-process links opened without one: the process's own code. */
export const previewInProcessApplication = '(in-process)';

export interface PreviewServerOptions {
  readonly handler: PreviewRequestHandler;
  /** Checks PreviewRegisterClient on TCP/TLS sessions; without it no network session can authenticate. */
  readonly authenticator?: PreviewAuthenticator;
  readonly authLimits?: Partial<PreviewAuthLimits>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly maxFrameBytes?: number;
  readonly maxQueuedBytes?: number;
  /** On close(), sessions still flushing after this long are cut (default 2000 ms). */
  readonly closeGraceMs?: number;
  /**
   * Connection bounds of the TCP/TLS listeners (default: a tenth of the descriptor limit, at most
   * 1000; 64 per address; a frame completes within 30 s).
   */
  readonly limits?: Partial<ConnectionLimits>;
}

/** The preview listener's default bounds (see PreviewServerOptions.limits). */
export function defaultPreviewLimits(): ConnectionLimits {
  return defaultConnectionLimits(0.1, 1000, 64);
}

export type PreviewServerEvents = FramedJsonServerEvents<PreviewSession>;

class ServerSession implements PreviewSession {
  application: string | undefined;
  /** A PreviewRegisterClient is being checked. */
  authenticating = false;
  private readonly open = new Set<number>();
  private readonly closeListeners: SessionCloseListeners;

  constructor(
    readonly id: string,
    readonly transport: PreviewTransportKind,
    readonly remoteAddress: string,
    readonly link: PreviewLink,
    private readonly logger: Logger,
  ) {
    this.closeListeners = new SessionCloseListeners(logger, 'preview session close listener threw');
  }

  get closed(): boolean {
    return this.closeListeners.reason !== undefined || this.link.closed;
  }

  get openRequests(): number {
    return this.open.size;
  }

  /** Opens a ReferenceID; false if it is already open (a duplicate in flight). */
  openRequest(referenceId: number): boolean {
    if (this.open.has(referenceId)) return false;
    this.open.add(referenceId);
    return true;
  }

  isOpen(referenceId: number): boolean {
    return this.open.has(referenceId);
  }

  respond(referenceId: number, result: PreviewResultBody): boolean {
    if (!this.open.delete(referenceId)) {
      this.logger.warn('preview result not sent: ReferenceID not open', { referenceId, result: result.result, connId: result.connId });
      return false;
    }
    return this.sendResult(referenceId, result);
  }

  /** Sends a result without touching the open set (answers to undecodable frames). */
  sendResult(referenceId: number, result: PreviewResultBody): boolean {
    try {
      return this.link.send({ message: 'PreviewInteractionResult', ReferenceID: referenceId, ...result });
    } catch (e) {
      this.logger.error('preview result not sent', { referenceId, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.closeListeners.add(listener);
  }

  close(reason: string): void {
    this.link.close(reason);
  }

  markClosed(reason: string): void {
    if (this.closeListeners.reason !== undefined) return;
    // Cleared before the listeners run: a closed session has no request open.
    this.open.clear();
    this.closeListeners.fire(reason);
  }
}

/** The connector side of the preview protocol. */
export class PreviewServer extends FramedJsonServer<PreviewSession, ServerSession> {
  private readonly handler: PreviewRequestHandler;
  private readonly maxFrameBytes: number | undefined;
  private readonly maxQueuedBytes: number | undefined;
  private readonly authenticator: PreviewAuthenticator | undefined;
  private readonly authLimits: PreviewAuthLimits;

  constructor(options: PreviewServerOptions) {
    super({
      logger: (options.logger ?? silentLogger).child({ role: 'preview-server' }),
      clock: options.clock ?? new SystemClock(),
      closeGraceMs: options.closeGraceMs ?? 2000,
      sessionIdPrefix: 'r',
      text: {
        handshakeFailed: 'preview TLS handshake failed', listenerError: 'preview listener error', listening: 'preview protocol listening', sessionOpened: 'preview session opened',
        sessionClosed: 'preview session closed', refused: 'preview connection refused: too many connections', frameStalled: 'preview session closed: frame stalled',
      },
      closedError: () => new UccError('UCC_ERR_PREVIEW_CLOSED', 'preview server is closed'),
      limits: { ...defaultPreviewLimits(), ...options.limits },
    });
    this.handler = options.handler;
    this.maxFrameBytes = options.maxFrameBytes;
    this.maxQueuedBytes = options.maxQueuedBytes;
    this.authenticator = options.authenticator;
    this.authLimits = { ...defaultPreviewAuthLimits, ...options.authLimits };
  }

  /** A framed in-memory connection, authenticated as `application` (default: the process itself). */
  override connectInMemory(application = previewInProcessApplication): Duplex {
    const [client, server] = createDuplexPair();
    this.accept(server, 'memory', 'memory', application);
    return client;
  }

  /** An in-process connection (message values), authenticated as `application` (default: the process itself). */
  override connectInProcess(application = previewInProcessApplication): MessagePipeEnd {
    const [client, server] = createMessagePipe();
    this.accept(server, 'memory', 'memory', application);
    return client;
  }

  /**
   * Adopts a connected stream as a session. Without `application` (the TCP/TLS listeners) it must
   * authenticate first.
   */
  accept(stream: LinkCarrier, transport: PreviewTransportKind, remoteAddress: string, application?: string): PreviewSession {
    const link = new PreviewLink(stream, { accept: 'request', maxFrameBytes: this.maxFrameBytes, maxQueuedBytes: this.maxQueuedBytes });
    const id = this.nextSessionId();
    const log = this.logger.child({ session: id, remote: remoteAddress });
    const session = new ServerSession(id, transport, remoteAddress, link, log);
    session.application = application;
    if (!this.adopt(session, log)) return session;
    let authTimer: TimerHandle | undefined;
    if (application === undefined) {
      link.setReceiveLimit(this.authLimits.preAuthMaxFrameBytes);
      authTimer = this.clock.setTimer(this.authLimits.authTimeoutMs, () => {
        authTimer = undefined;
        if (session.application !== undefined) return;
        log.warn('preview session closed: not authenticated in time', { authTimeoutMs: this.authLimits.authTimeoutMs });
        session.close(`not authenticated within ${this.authLimits.authTimeoutMs} ms`);
      });
      link.on('close', () => this.clock.cancel(authTimer));
    }
    link.on('message', (msg) => {
      if (msg.message === 'PreviewInteractionResult' || msg.message === 'PreviewClientRegistered') return; // the decoder only lets requests through
      if (msg.message === 'PreviewRegisterClient' || session.application === undefined) {
        void this.authenticate(session, msg, log, () => this.clock.cancel(authTimer));
        return;
      }
      if (msg.message !== 'PreviewInteractionCancel' && !session.openRequest(msg.ReferenceID)) {
        log.warn('preview request ignored: its ReferenceID is still in flight', { referenceId: msg.ReferenceID, connId: msg.connId });
        return;
      }
      try {
        this.handler(msg, session);
      } catch (e) {
        log.error('preview request handler failed', { request: msg.message, referenceId: msg.ReferenceID, error: e instanceof Error ? e.message : String(e) });
        if (session.isOpen(msg.ReferenceID)) session.respond(msg.ReferenceID, { connId: msg.connId, result: 'error', reason: 'internal error' });
      }
    });
    link.on('decodeError', (e) => {
      log.warn('preview frame rejected', { problem: e.problem, detail: e.detail, referenceId: e.referenceId });
      // Answer when the router can match the answer, and never over a request that is in flight.
      if (e.referenceId !== undefined && !session.isOpen(e.referenceId)) {
        session.sendResult(e.referenceId, { connId: e.connId ?? '', result: 'error', reason: e.detail });
      }
      // Before authentication a bad frame ends the session, as any other first request would.
      if (session.application === undefined && !e.fatal) session.close(`not authenticated: ${e.detail}`);
    });
    this.opened(session, transport, log);
    return session;
  }

  /** The handshake: PreviewRegisterClient first; anything else before it ends the session. */
  private async authenticate(session: ServerSession, msg: PreviewRequest | PreviewRegisterClient, log: Logger, done: () => void): Promise<void> {
    const connId = 'connId' in msg ? msg.connId : '';
    const refuse = (reason: string, close: boolean): void => {
      session.sendResult(msg.ReferenceID, { connId, result: 'error', reason });
      if (close) session.close(reason);
    };
    if (msg.message !== 'PreviewRegisterClient') {
      log.warn('preview request before authentication', { request: msg.message });
      refuse('not-authenticated: send PreviewRegisterClient with ApplicationName and ApplicationPassword first', true);
      return;
    }
    const current = session.application;
    if (current !== undefined) {
      // Already authenticated (in-process, or a second request): the same name is confirmed.
      if (current === msg.ApplicationName && msg.ApplicationPassword === undefined) session.link.send(registered(msg.ReferenceID, current));
      else refuse(`already-authenticated: this link is authenticated as ${current}`, false);
      return;
    }
    if (session.authenticating || !this.authenticator) {
      refuse(session.authenticating ? 'not-authenticated: authentication already in progress' : 'not-authenticated: this server admits no network client', true);
      return;
    }
    session.authenticating = true;
    const password = msg.ApplicationPassword;
    const ok = password !== undefined && (await this.authenticator.verifyPassword(msg.ApplicationName, password).catch(() => false));
    session.authenticating = false;
    if (session.closed) return;
    if (!ok) {
      log.warn('preview authentication failed', { application: msg.ApplicationName });
      refuse('not-authenticated: unknown Application or wrong password', true);
      return;
    }
    session.application = msg.ApplicationName;
    done();
    session.link.setReceiveLimit(this.maxFrameBytes ?? defaultMaxPreviewFrameBytes);
    log.info('preview client authenticated', { application: msg.ApplicationName });
    session.link.send(registered(msg.ReferenceID, msg.ApplicationName));
  }
}

function registered(referenceId: number, application: string): PreviewClientRegistered {
  return { message: 'PreviewClientRegistered', ReferenceID: referenceId, ApplicationName: application };
}

type WithoutRef<T> = T extends unknown ? Omit<T, 'ReferenceID' | 'message'> : never;

/** What `offer()` takes: a PreviewInteractionRequest without `message` and `ReferenceID`. */
export type PreviewOfferInput = WithoutRef<PreviewInteractionRequest>;
/** What `offerMultiple()` takes; `targets` may be an array (joined with `^`). */
export type PreviewOfferMultipleInput = Omit<WithoutRef<PreviewInteractionMultiple>, 'targets' | 'fences'> & {
  targets: string | readonly string[];
  /** One fencing token per target, in order (an array, or the `^`-separated wire form). */
  fences?: string | readonly number[];
};

export interface PreviewClientOptions {
  readonly target: PreviewConnectTarget;
  /**
   * The Application this client authenticates as (PreviewRegisterClient, docs/protocols/preview.md
   * 1.1): needed over TCP/TLS; an in-process link is already authenticated.
   */
  readonly credentials?: { readonly application: string; readonly password: string };
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Backstop: an offer whose result has not come after this long resolves with a local `error`
   * result (`no-result-in-time`). Default 120 000 ms; it must exceed the longest
   * `preview-expiration-timeout` in use, since the connector decides timeouts.
   */
  readonly resultTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  /** A connection attempt still pending after this long is aborted (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Largest ReferenceID before wrapping to 1 (tests use a small one). */
  readonly referenceIdLimit?: number;
}

export interface PreviewClientEvents {
  /** The link closed (pending offers have resolved with `error`). */
  disconnected: (reason: string) => void;
  /** A result that matched no pending offer (late, or for an offer already settled locally). */
  strayResult: (result: PreviewInteractionResult) => void;
  listenerError: (error: unknown, event: string) => void;
}

type Offer = PreviewInteractionRequest | PreviewInteractionMultiple;

/** The router side of the preview protocol: one connection to one connector. No reconnection: make a new client. */
export class PreviewClient extends TypedEmitter<PreviewClientEvents> {
  private readonly target: PreviewConnectTarget;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly resultTimeoutMs: number;
  private readonly maxFrameBytes: number | undefined;
  private readonly connectTimeoutMs: number;
  private readonly referenceIdLimit: number | undefined;
  private readonly credentials: PreviewClientOptions['credentials'];
  private link: PreviewLink | undefined;
  /** The correlation of the current link (one per link, closed with it). */
  private channel: RequestChannel<Offer, PreviewInteractionResult> | undefined;
  private closedReason: string | undefined;

  constructor(options: PreviewClientOptions) {
    super();
    this.target = options.target;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ role: 'preview-client', target: describeTarget(options.target) });
    this.resultTimeoutMs = options.resultTimeoutMs ?? 120_000;
    this.maxFrameBytes = options.maxFrameBytes;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.referenceIdLimit = options.referenceIdLimit;
    this.credentials = options.credentials;
  }

  /** True while the link is up. */
  get connected(): boolean {
    return this.link !== undefined && !this.link.closed;
  }

  /** Offers awaiting their result. */
  get pendingCount(): number {
    return this.channel?.pendingCount ?? 0;
  }

  /**
   * Connects (and authenticates when the client has credentials); rejects with
   * UCC_ERR_PREVIEW_CLOSED if it cannot connect, UCC_ERR_PREVIEW_AUTH if the connector refuses it.
   */
  async connect(): Promise<void> {
    if (this.closedReason !== undefined) throw new UccError('UCC_ERR_PREVIEW_CLOSED', `preview client is closed (${this.closedReason})`);
    if (this.connected) return;
    let stream: LinkCarrier;
    const attempt = openConnection(this.target);
    const timer = this.clock.setTimer(this.connectTimeoutMs, () => attempt.abort(`no connection within ${this.connectTimeoutMs} ms`));
    try {
      stream = await attempt.ready;
    } catch (e) {
      throw new UccError('UCC_ERR_PREVIEW_CLOSED', `cannot connect to ${describeTarget(this.target)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      this.clock.cancel(timer);
    }
    const link = new PreviewLink(stream, { accept: 'result', maxFrameBytes: this.maxFrameBytes });
    if (this.credentials) await this.authenticate(link, this.credentials);
    const channel = new RequestChannel<Offer, PreviewInteractionResult>({
      clock: this.clock,
      send: (m) => {
        if (!link.send(m)) throw new Error('link closed');
      },
      timeoutMs: this.resultTimeoutMs,
      referenceIdLimit: this.referenceIdLimit,
      failure: (f) => ok(localResult(f)),
    });
    this.link = link;
    this.channel = channel;
    link.on('message', (m) => {
      if (m.message === 'PreviewInteractionResult') this.onResult(m, channel);
    });
    link.on('decodeError', (e) => this.logger.warn('preview frame from the connector rejected', { problem: e.problem, detail: e.detail }));
    link.on('close', (reason) => {
      if (this.link === link) {
        this.link = undefined;
        this.channel = undefined;
      }
      channel.close(`connection-lost: ${reason}`);
      this.safeEmit('disconnected', reason);
    });
  }

  /** PreviewRegisterClient, and the wait for its answer (within the connect timeout). */
  private authenticate(link: PreviewLink, credentials: NonNullable<PreviewClientOptions['credentials']>): Promise<void> {
    const referenceId = 1;
    return new Promise<void>((resolve, reject) => {
      const fail = (reason: string): void => {
        finish();
        link.close(reason);
        reject(new UccError('UCC_ERR_PREVIEW_AUTH', `preview connector refused ${credentials.application}: ${reason}`));
      };
      const onMessage = (m: PreviewMessage): void => {
        if (m.ReferenceID !== referenceId) return;
        if (m.message === 'PreviewClientRegistered') {
          finish();
          resolve();
        } else if (m.message === 'PreviewInteractionResult') {
          fail(m.reason ?? m.result);
        }
      };
      const onClose = (reason: string): void => fail(`connection closed (${reason})`);
      link.on('message', onMessage);
      link.on('close', onClose);
      const timer = this.clock.setTimer(this.connectTimeoutMs, () => fail(`no answer within ${this.connectTimeoutMs} ms`));
      const finish = (): void => {
        this.clock.cancel(timer);
        link.off('message', onMessage);
        link.off('close', onClose);
      };
      try {
        link.send({ message: 'PreviewRegisterClient', ReferenceID: referenceId, ApplicationName: credentials.application, ApplicationPassword: credentials.password });
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    });
  }

  /** Offers one interaction to one KW; resolves with its one result. */
  offer(input: PreviewOfferInput): Promise<PreviewInteractionResult> {
    return this.send({ message: 'PreviewInteractionRequest', ReferenceID: 0, ...input });
  }

  /** Offers one interaction to several KWs (first accept wins); resolves with its one result. */
  offerMultiple(input: PreviewOfferMultipleInput): Promise<PreviewInteractionResult> {
    const { fences, targets, ...rest } = input;
    const msg: PreviewInteractionMultiple = { message: 'PreviewInteractionMultiple', ReferenceID: 0, ...rest, targets: typeof targets === 'string' ? targets : targets.join('^') };
    if (fences !== undefined) msg.fences = typeof fences === 'string' ? fences : fences.join('^');
    return this.send(msg);
  }

  /** Asks the connector to close every open preview of `connId` (they resolve `cancelled`). False if not connected. */
  cancel(connId: string, reason?: string): boolean {
    const link = this.link;
    const referenceId = this.channel?.nextReferenceId();
    if (!link || link.closed || referenceId === undefined) return false;
    const msg: PreviewInteractionCancel = { message: 'PreviewInteractionCancel', ReferenceID: referenceId, connId };
    if (reason !== undefined) msg.reason = reason;
    return link.send(msg);
  }

  /** Closes the link; pending offers resolve with `error` (`connection-lost: closed by the router`). */
  close(reason = 'closed by the router'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const link = this.link;
    const channel = this.channel;
    this.link = undefined;
    this.channel = undefined;
    channel?.close(`connection-lost: ${reason}`);
    link?.close(reason);
  }

  private send(msg: Offer): Promise<PreviewInteractionResult> {
    const channel = this.channel;
    if (!channel || !this.link || this.link.closed) return Promise.resolve(localResult({ kind: 'closed', request: msg, reason: 'not connected' }));
    return channel.request(msg);
  }

  private onResult(r: PreviewInteractionResult, channel: RequestChannel<Offer, PreviewInteractionResult>): void {
    if (channel.handleReply(r)) return;
    this.logger.debug('preview result matched no pending offer', { referenceId: r.ReferenceID, connId: r.connId, result: r.result });
    this.safeEmit('strayResult', r);
  }
}

/**
 * The local `error` result of an offer no result can come for: the router, too, gets exactly one
 * result per offer (`connection-lost`, `no-result-in-time`, `not sent`).
 */
function localResult(f: RequestFailure<Offer>): PreviewInteractionResult {
  const referenceId = 'referenceId' in f ? f.referenceId : f.request.ReferenceID;
  const result = (reason: string): PreviewInteractionResult => ({ message: 'PreviewInteractionResult', ReferenceID: referenceId, connId: f.request.connId, result: 'error', reason });
  switch (f.kind) {
    case 'closed':
      return result('connection-lost: not connected');
    case 'exhausted':
      return result('connection-lost: every ReferenceID is in flight');
    case 'not-sent':
      // Over the frame limit, or the link went away under the send: nothing was sent.
      return result(`not sent: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    case 'timeout':
      return result(`no-result-in-time: no result within ${f.timeoutMs} ms`);
    case 'abandoned':
      return result(f.reason);
  }
}
