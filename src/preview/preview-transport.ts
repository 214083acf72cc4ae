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
import { PreviewLink } from './preview-link.ts';
import type {
  PreviewInteractionCancel,
  PreviewInteractionMultiple,
  PreviewInteractionRequest,
  PreviewInteractionResult,
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

export interface PreviewServerOptions {
  readonly handler: PreviewRequestHandler;
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
  }

  /** Adopts a connected stream as a session. */
  accept(stream: LinkCarrier, transport: PreviewTransportKind, remoteAddress: string): PreviewSession {
    const link = new PreviewLink(stream, { accept: 'request', maxFrameBytes: this.maxFrameBytes, maxQueuedBytes: this.maxQueuedBytes });
    const id = this.nextSessionId();
    const log = this.logger.child({ session: id, remote: remoteAddress });
    const session = new ServerSession(id, transport, remoteAddress, link, log);
    if (!this.adopt(session, log)) return session;
    link.on('message', (msg) => {
      if (msg.message === 'PreviewInteractionResult') return; // the decoder only lets requests through
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
    });
    this.opened(session, transport, log);
    return session;
  }
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
  }

  /** True while the link is up. */
  get connected(): boolean {
    return this.link !== undefined && !this.link.closed;
  }

  /** Offers awaiting their result. */
  get pendingCount(): number {
    return this.channel?.pendingCount ?? 0;
  }

  /** Connects; rejects with UCC_ERR_PREVIEW_CLOSED if it cannot. */
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
