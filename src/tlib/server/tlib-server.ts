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

  constructor(options: TlibServerOptions) {
    super({
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? new SystemClock(),
      closeGraceMs: options.closeGraceMs ?? 2000,
      sessionIdPrefix: 's',
      text: { handshakeFailed: 'T-Lib TLS handshake failed', listenerError: 'T-Lib listener error', listening: 'T-Lib listening', sessionOpened: 'T-Lib session opened', sessionClosed: 'T-Lib session closed' },
      closedError: () => new UccError('UCC_ERR_TLIB_CLOSED', 'T-Lib server is closed'),
    });
    this.handler = options.handler;
    this.maxFrameBytes = options.maxFrameBytes;
    this.maxQueuedBytes = options.maxQueuedBytes;
    this.applicationName = options.applicationName ?? 'OpenUCC';
    this.serverVersion = options.serverVersion;
    this.validateOutgoing = options.validateOutgoing ?? true;
  }

  /** Adopts an already-connected stream as a session (used by the listeners and in-memory). */
  accept(stream: LinkCarrier, transport: TlibTransportKind, remoteAddress: string): TlibSession {
    const link = new TlibLink(stream, { accept: 'request', maxFrameBytes: this.maxFrameBytes, maxQueuedBytes: this.maxQueuedBytes });
    const id = this.nextSessionId();
    const log = this.logger.child({ session: id, remote: remoteAddress });
    const session = new ServerSession(id, transport, remoteAddress, this.clock.now(), link, log, this.validateOutgoing);
    if (!this.adopt(session, log)) return session;
    link.on('message', (msg) => this.dispatch(session, msg as TlibRequest, log));
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
