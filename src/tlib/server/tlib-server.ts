/**
 * The T-Lib server framework: accepts TCP, TLS and in-memory connections, decodes frames, and hands
 * every valid request with its session to one handler (the T-Server's logic). Replies and events go
 * out through `TlibSession.send` / `server.send(sessionId, ...)`; fan-out by registered DN is the
 * T-Server's job.
 *
 * Bad input never takes the server down: a rejected frame is answered with EventError (carrying the
 * ReferenceID when it could be read) and the session keeps going; an oversized frame closes only
 * that session, with a logged reason; a handler that throws or rejects is answered with
 * EventError 52 TERR_INTERNAL.
 *
 * With an `authenticator`, a TCP/TLS session must authenticate first (tlib-auth.ts): until then
 * only RequestRegisterClient is accepted, frames are at most 64 KiB, and the session is closed
 * after 10 s. In-memory and in-process links are opened by the process's own code and start
 * authenticated as the Application their opener names.
 */
import type { LinkCarrier } from '../../lib/framed-json/framed-json-link.ts';
import { SystemClock } from '../../lib/clock.ts';
import type { Clock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { Logger } from '../../lib/logger.ts';
import { UccError } from '../../lib/errors.ts';
import { TErr, tlibErrorMessage } from '../error-codes.ts';
import type { TlibEvent, TlibRequest } from '../messages/message-catalogue.ts';
import { TlibLink } from '../transport/tlib-link.ts';
import { parseMessage } from '../codec/message-codec.ts';
import type { StreamListenOptions } from '../../lib/framed-json/stream-listeners.ts';
import type { TlibSession, TlibTransportKind } from './tlib-session.ts';
import { FramedJsonServer } from '../../lib/framed-json/framed-json-server.ts';
import { SessionCloseListeners } from '../../lib/framed-json/session-close-listeners.ts';
import type { FramedJsonServerEvents } from '../../lib/framed-json/framed-json-server.ts';
import { defaultConnectionLimits } from '../../lib/framed-json/connection-limits.ts';
import type { ConnectionLimits } from '../../lib/framed-json/connection-limits.ts';
import { createDuplexPair } from '../../lib/framed-json/in-memory-duplex-pair.ts';
import { createMessagePipe } from '../../lib/framed-json/message-pipe.ts';
import type { MessagePipeEnd } from '../../lib/framed-json/message-pipe.ts';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { TimerHandle } from '../../lib/clock.ts';
import { defaultTlibAuthLimits, inProcessApplication } from './tlib-auth.ts';
import type { TlibAuthenticator, TlibAuthLimits, TlibPrincipal } from './tlib-auth.ts';
import { defaultMaxFrameBytes } from '../codec/frame-codec.ts';

/** The one party that decides what a request does (style rule 11: a delegate). */
export type TlibRequestHandler = (request: TlibRequest, session: TlibSession) => void | Promise<void>;

/** Options of {@link TlibServer}. */
export interface TlibServerOptions {
  readonly handler: TlibRequestHandler;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Largest frame payload accepted and sent (default 1 MiB). */
  readonly maxFrameBytes?: number;
  /** Write-buffer bound per session before it is dropped as not reading (default 16 MiB). */
  readonly maxQueuedBytes?: number;
  /** Sent in EventLinkConnected. */
  readonly applicationName?: string;
  readonly serverVersion?: string;
  /** On close(), sessions still flushing after this long are cut (default 2000 ms). */
  readonly closeGraceMs?: number;
  /**
   * Check every outgoing event against the catalogue and refuse (log) invalid ones (default true;
   * it costs about as much as decoding the event).
   */
  readonly validateOutgoing?: boolean;
  /** Require TCP/TLS sessions to authenticate (tlib-auth.ts); without it every session is trusted. */
  readonly authenticator?: TlibAuthenticator;
  readonly authLimits?: Partial<TlibAuthLimits>;
  /**
   * Connection bounds of the TCP/TLS listeners (default: 40 % of the descriptor limit, at most
   * 10 000; 256 per address; a frame completes within 30 s).
   */
  readonly limits?: Partial<ConnectionLimits>;
}

/** The T-Lib listener's default bounds (see TlibServerOptions.limits). */
export function defaultTlibLimits(): ConnectionLimits {
  return defaultConnectionLimits(0.4, 10_000, 256);
}

/** Where to listen. With `tls` the listener is TLS (key/cert as for `tls.createServer`). */
export type TlibListenOptions = StreamListenOptions;

/** Events of {@link TlibServer}: sessionOpen, sessionClose. */
export type TlibServerEvents = FramedJsonServerEvents<TlibSession>;

class ServerSession implements TlibSession {
  readonly id: string;
  readonly transport: TlibTransportKind;
  readonly remoteAddress: string;
  readonly openedAt: number;
  readonly link: TlibLink;
  principal: TlibPrincipal | undefined;
  /** A RequestRegisterClient is being checked. */
  authenticating = false;
  private readonly logger: Logger;
  private readonly closeListeners: SessionCloseListeners;

  constructor(id: string, transport: TlibTransportKind, remoteAddress: string, openedAt: number, link: TlibLink, logger: Logger, private readonly validateOutgoing: boolean) {
    this.id = id;
    this.logger = logger;
    this.transport = transport;
    this.remoteAddress = remoteAddress;
    this.openedAt = openedAt;
    this.link = link;
    this.closeListeners = new SessionCloseListeners(logger, 'T-Lib session close listener threw');
  }

  get closed(): boolean {
    return this.closeListeners.reason !== undefined;
  }

  send(event: TlibEvent): boolean {
    if (this.validateOutgoing) {
      // An event the catalogue does not allow would be dropped by every client's decoder; refuse it
      // here, loudly, so the mismatch shows up in the server's log and tests.
      const check = parseMessage(event, { accept: 'event' });
      if (!check.ok) {
        this.logger.error('T-Lib event not sent: not valid for the catalogue', { event: event.message, detail: check.error.detail });
        return false;
      }
    }
    try {
      return this.link.send(event);
    } catch (e) {
      // Only an event over the frame limit throws (e.g. UserData grown by many attaches): it is
      // dropped for this client, logged, and never propagates into the T-Server's logic.
      this.logger.error('T-Lib event not sent', { event: event.message, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  close(reason: string): void {
    if (this.link.closed) return;
    this.link.send({ message: 'EventLinkDisconnected', ErrorMessage: reason });
    this.link.close(reason);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.closeListeners.add(listener);
  }

  /** Runs the close listeners once; a throwing listener is isolated. */
  markClosed(reason: string): void {
    this.closeListeners.fire(reason);
  }
}

export class TlibServer extends FramedJsonServer<TlibSession, ServerSession> {
  private readonly handler: TlibRequestHandler;
  private readonly maxFrameBytes: number | undefined;
  private readonly maxQueuedBytes: number | undefined;
  private readonly applicationName: string;
  private readonly serverVersion: string | undefined;
  private readonly validateOutgoing: boolean;
  private readonly authenticator: TlibAuthenticator | undefined;
  private readonly authLimits: TlibAuthLimits;

  constructor(options: TlibServerOptions) {
    super({
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? new SystemClock(),
      closeGraceMs: options.closeGraceMs ?? 2000,
      sessionIdPrefix: 's',
      text: {
        handshakeFailed: 'T-Lib TLS handshake failed', listenerError: 'T-Lib listener error', listening: 'T-Lib listening', sessionOpened: 'T-Lib session opened',
        sessionClosed: 'T-Lib session closed', refused: 'T-Lib connection refused: too many connections', frameStalled: 'T-Lib session closed: frame stalled',
      },
      closedError: () => new UccError('UCC_ERR_TLIB_CLOSED', 'T-Lib server is closed'),
      limits: { ...defaultTlibLimits(), ...options.limits },
    });
    this.authenticator = options.authenticator;
    this.authLimits = { ...defaultTlibAuthLimits, ...options.authLimits };
    this.handler = options.handler;
    this.maxFrameBytes = options.maxFrameBytes;
    this.maxQueuedBytes = options.maxQueuedBytes;
    this.applicationName = options.applicationName ?? 'OpenUCC';
    this.serverVersion = options.serverVersion;
    this.validateOutgoing = options.validateOutgoing ?? true;
  }

  /** A framed in-memory connection, authenticated as `application` (default: the process itself). */
  override connectInMemory(application = inProcessApplication): Duplex {
    const [client, server] = createDuplexPair();
    this.accept(server, 'memory', 'memory', { application, method: 'in-process' });
    return client;
  }

  /** An in-process connection (message values), authenticated as `application` (default: the process itself). */
  override connectInProcess(application = inProcessApplication): MessagePipeEnd {
    const [client, server] = createMessagePipe();
    this.accept(server, 'memory', 'memory', { application, method: 'in-process' });
    return client;
  }

  /**
   * Adopts an already-connected stream as a session (used by the listeners and in-memory). A
   * network session starts unauthenticated when the server has an authenticator.
   */
  accept(stream: LinkCarrier, transport: TlibTransportKind, remoteAddress: string, principal?: TlibPrincipal): TlibSession {
    const link = new TlibLink(stream, { accept: 'request', maxFrameBytes: this.maxFrameBytes, maxQueuedBytes: this.maxQueuedBytes });
    const id = this.nextSessionId();
    const log = this.logger.child({ session: id, remote: remoteAddress });
    const session = new ServerSession(id, transport, remoteAddress, this.clock.now(), link, log, this.validateOutgoing);
    session.principal = principal ?? (this.authenticator ? this.certificatePrincipal(stream, transport, log) : { application: inProcessApplication, method: 'in-process' });
    if (!this.adopt(session, log)) return session;
    let authTimer: TimerHandle | undefined;
    if (session.principal === undefined) {
      link.setReceiveLimit(this.authLimits.preAuthMaxFrameBytes);
      authTimer = this.clock.setTimer(this.authLimits.authTimeoutMs, () => {
        if (session.principal !== undefined) return;
        log.warn('T-Lib session closed: not authenticated in time', { authTimeoutMs: this.authLimits.authTimeoutMs });
        session.close(`not authenticated within ${this.authLimits.authTimeoutMs} ms`);
      });
      link.on('close', () => this.clock.cancel(authTimer));
    }
    link.on('message', (msg) => {
      const request = msg as TlibRequest;
      if (session.principal !== undefined && request.message !== 'RequestRegisterClient') this.dispatch(session, request, log);
      else void this.authenticate(session, request, log, () => this.clock.cancel(authTimer));
    });
    link.on('decodeError', (e) => {
      if (e.fatal) {
        log.warn('T-Lib link closed: fatal frame error', { problem: e.problem, detail: e.detail });
        link.send({ message: 'EventLinkDisconnected', ErrorMessage: e.detail });
        return;
      }
      log.warn('T-Lib frame rejected', { problem: e.problem, detail: e.detail, referenceId: e.referenceId });
      const reply: TlibEvent = { message: 'EventError', ErrorCode: e.errorCode, ErrorMessage: e.detail };
      if (e.referenceId !== undefined) reply.ReferenceID = e.referenceId;
      link.send(reply);
    });
    const hello: TlibEvent = { message: 'EventLinkConnected', ApplicationName: this.applicationName };
    if (this.serverVersion !== undefined) hello.ServerVersion = this.serverVersion;
    link.send(hello);
    this.opened(session, transport, log);
    return session;
  }

  /** The open session with this id. */
  session(id: string): TlibSession | undefined {
    return this.sessionMap.get(id);
  }

  /** Sends an event to one session; false if it is gone. */
  send(sessionId: string, event: TlibEvent): boolean {
    return this.sessionMap.get(sessionId)?.send(event) ?? false;
  }

  /** Sends an event to every session (or those `filter` keeps); returns how many got it. */
  broadcast(event: TlibEvent, filter?: (session: TlibSession) => boolean): number {
    let n = 0;
    for (const s of this.sessionMap.values()) if ((!filter || filter(s)) && s.send(event)) n++;
    return n;
  }

  /** Sends `event` as the reply to `request` (copies its ReferenceID). */
  reply(session: TlibSession, request: TlibRequest, event: TlibEvent): boolean {
    const out = request.ReferenceID === undefined ? event : ({ ...event, ReferenceID: request.ReferenceID } as TlibEvent);
    return session.send(out);
  }

  /** Answers `request` with EventError `code` (default text from the error table). */
  replyError(session: TlibSession, request: TlibRequest, code: number, message?: string): boolean {
    const ev: TlibEvent = { message: 'EventError', ErrorCode: code, ErrorMessage: message ?? tlibErrorMessage(code) };
    if ('ThisDN' in request && typeof request.ThisDN === 'string') ev.ThisDN = request.ThisDN;
    if ('ConnID' in request && typeof request.ConnID === 'string') ev.ConnID = request.ConnID;
    return this.reply(session, request, ev);
  }

  /** The Application a verified TLS client certificate maps to (mutual TLS), if any. */
  private certificatePrincipal(stream: LinkCarrier, transport: TlibTransportKind, log: Logger): TlibPrincipal | undefined {
    if (transport !== 'tls' || !this.authenticator) return undefined;
    const sock = stream as TLSSocket;
    if (!sock.authorized) return undefined;
    const cn = sock.getPeerCertificate().subject?.CN;
    const application = typeof cn === 'string' ? this.authenticator.applicationForCertificate(cn) : undefined;
    if (application === undefined) return undefined;
    log.info('T-Lib client authenticated', { application, method: 'certificate' });
    return { application, method: 'certificate' };
  }

  /** The handshake: RequestRegisterClient first; anything else before it ends the session. */
  private async authenticate(session: ServerSession, request: TlibRequest, log: Logger, done: () => void): Promise<void> {
    const refuse = (code: number, message: string, close: boolean): void => {
      this.replyError(session, request, code, message);
      if (close) session.close(message);
    };
    if (request.message !== 'RequestRegisterClient') {
      log.warn('T-Lib request before authentication', { request: request.message });
      refuse(TErr.TERR_CLIENT_NOT_AUTHENTICATED, 'Authenticate first: RequestRegisterClient with ApplicationName and ApplicationPassword.', true);
      return;
    }
    const current = session.principal;
    if (current !== undefined) {
      // Already authenticated (certificate, in-process or a second request): the same name is confirmed.
      if (current.application === request.ApplicationName && request.ApplicationPassword === undefined) this.reply(session, request, this.connected(current.application));
      else refuse(TErr.TERR_IN_SAME_STATE, `This link is already authenticated as ${current.application}.`, false);
      return;
    }
    if (session.authenticating || !this.authenticator) {
      refuse(TErr.TERR_CLIENT_NOT_AUTHENTICATED, 'Authentication already in progress.', true);
      return;
    }
    session.authenticating = true;
    const password = request.ApplicationPassword;
    const ok = password !== undefined && await this.authenticator.verifyPassword(request.ApplicationName, password).catch(() => false);
    session.authenticating = false;
    if (session.closed) return;
    if (!ok) {
      log.warn('T-Lib authentication failed', { application: request.ApplicationName });
      refuse(TErr.TERR_CLIENT_NOT_AUTHENTICATED, 'Unknown Application or wrong password.', true);
      return;
    }
    session.principal = { application: request.ApplicationName, method: 'password' };
    done();
    session.link.setReceiveLimit(this.maxFrameBytes ?? defaultMaxFrameBytes);
    log.info('T-Lib client authenticated', { application: request.ApplicationName, method: 'password' });
    this.reply(session, request, this.connected(request.ApplicationName));
  }

  private connected(application: string): TlibEvent {
    const ev: TlibEvent = { message: 'EventServerConnected', ApplicationName: application };
    if (this.serverVersion !== undefined) ev.ServerVersion = this.serverVersion;
    return ev;
  }

  private dispatch(session: ServerSession, request: TlibRequest, log: Logger): void {
    const fail = (e: unknown): void => {
      log.error('T-Lib request handler failed', { request: request.message, referenceId: request.ReferenceID, error: e instanceof Error ? e.message : String(e) });
      this.replyError(session, request, TErr.TERR_INTERNAL);
    };
    try {
      const r = this.handler(request, session);
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, fail);
    } catch (e) {
      fail(e);
    }
  }
}
