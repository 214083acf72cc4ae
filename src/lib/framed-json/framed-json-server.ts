/**
 * The protocol-neutral core of a framed-JSON server (TlibServer, and the preview protocol's
 * PreviewServer): TCP/TLS listeners and in-memory connections, the table of open sessions, and the
 * shutdown. A subclass builds the link and session in `accept()`, registers them with
 * {@link FramedJsonServer.adopt}, wires its own message and decode-error handling, then calls
 * {@link FramedJsonServer.opened}.
 */
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../clock.ts';
import type { UccError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { TypedEmitter } from '../typed-emitter.ts';
import { StreamListeners } from './stream-listeners.ts';
import type { ClosableSession, StreamListenOptions, StreamListenerLogText } from './stream-listeners.ts';
import { createDuplexPair } from './in-memory-duplex-pair.ts';
import type { LinkCarrier } from './framed-json-link.ts';
import { createMessagePipe } from './message-pipe.ts';
import type { MessagePipeEnd } from './message-pipe.ts';
import { ConnectionLimiter } from './connection-limits.ts';
import type { ConnectionLimits } from './connection-limits.ts';

/** How a client reached the server. */
export type FramedJsonTransportKind = 'tcp' | 'tls' | 'memory';

/** Events of a {@link FramedJsonServer}, with `P` the public session type. */
export interface FramedJsonServerEvents<P> {
  sessionOpen: (session: P) => void;
  sessionClose: (session: P, reason: string) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** A session as the core handles it. */
export interface ServedSession extends ClosableSession {
  readonly id: string;
  readonly link: ClosableSession['link'] & {
    close(reason: string): void;
    on(event: 'close', listener: (reason: string) => void): unknown;
    on(event: 'partial', listener: (inFrame: boolean, completed: boolean) => void): unknown;
  };
  markClosed(reason: string): void;
}

/** What a protocol tells the core. */
export interface FramedJsonServerSettings {
  readonly logger: Logger;
  readonly clock: Clock;
  /** On close(), sessions still flushing after this long are cut. */
  readonly closeGraceMs: number;
  /** Session ids are this prefix and a counter (`s1`, `r1`...). */
  readonly sessionIdPrefix: string;
  /** The log lines, per protocol. */
  readonly text: StreamListenerLogText & { readonly sessionOpened: string; readonly sessionClosed: string; readonly refused: string; readonly frameStalled: string };
  /** The error `listen()` rejects with after close(). */
  readonly closedError: () => UccError;
  /** Connection counts and the frame-stall time of the TCP/TLS listeners. */
  readonly limits: ConnectionLimits;
}

export abstract class FramedJsonServer<P, S extends P & ServedSession> extends TypedEmitter<FramedJsonServerEvents<P>> {
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly sessionMap = new Map<string, S>();
  private readonly settings: FramedJsonServerSettings;
  private readonly listeners: StreamListeners;
  /** Open TCP/TLS connections, counted per remote address. */
  protected readonly limiter: ConnectionLimiter;
  private nextSession = 1;
  private stopping = false;

  constructor(settings: FramedJsonServerSettings) {
    super();
    this.settings = settings;
    this.logger = settings.logger;
    this.clock = settings.clock;
    this.limiter = new ConnectionLimiter(settings.limits, settings.clock, settings.logger, settings.text.refused);
    this.listeners = new StreamListeners(settings.logger, settings.text, this.limiter);
  }

  /** Adopts an already-connected stream or pipe as a session (used by the listeners and in-memory). */
  abstract accept(stream: LinkCarrier, transport: FramedJsonTransportKind, remoteAddress: string): P;

  /** Starts a TCP (or TLS) listener; resolves with the bound address (port 0 → a free port). */
  listen(options: StreamListenOptions = {}): Promise<{ host: string; port: number }> {
    if (this.stopping) return Promise.reject(this.settings.closedError());
    return this.listeners.listen(options, (sock, kind, remote) => this.accept(sock, kind, remote));
  }

  /** Opens an in-memory byte-stream connection (framed as over TCP) and returns the client's end. */
  connectInMemory(): Duplex {
    const [client, server] = createDuplexPair();
    this.accept(server, 'memory', 'memory');
    return client;
  }

  /**
   * Opens an in-process connection that carries message values, copied and validated but never
   * serialized (the one-process deployment), and returns the client's end.
   */
  connectInProcess(): MessagePipeEnd {
    const [client, server] = createMessagePipe();
    this.accept(server, 'memory', 'memory');
    return client;
  }

  /** Every open session. */
  sessions(): P[] {
    return [...this.sessionMap.values()];
  }

  /** Stops the listeners and closes every session (a T-Lib session tells its client with EventLinkDisconnected first). */
  async close(reason = 'server shutting down'): Promise<void> {
    this.stopping = true;
    this.limiter.stop();
    await this.listeners.closeAll([...this.sessionMap.values()], reason, this.clock, this.settings.closeGraceMs);
  }

  /** The next session id. */
  protected nextSessionId(): string {
    return `${this.settings.sessionIdPrefix}${this.nextSession++}`;
  }

  /**
   * Registers a new session and its close handling. False (and the link is closed) when the server
   * is shutting down: the caller returns the session without wiring it.
   */
  protected adopt(session: S, log: Logger): boolean {
    if (this.stopping) {
      session.link.close('server is shutting down');
      return false;
    }
    this.sessionMap.set(session.id, session);
    // A frame must complete within frameStallMs of its first byte: a peer that starts a large frame
    // and then trickles (or stops) would otherwise hold its buffer forever.
    let stall: TimerHandle | undefined;
    const stallMs = this.settings.limits.frameStallMs;
    session.link.on('partial', (inFrame, completed) => {
      if (completed || !inFrame) {
        this.clock.cancel(stall);
        stall = undefined;
      }
      if (inFrame && stall === undefined) {
        stall = this.clock.setTimer(stallMs, () => {
          stall = undefined;
          log.warn(this.settings.text.frameStalled, { stallMs });
          session.close(`no complete frame within ${stallMs} ms`);
        });
      }
    });
    session.link.on('close', (reason) => {
      this.clock.cancel(stall);
      this.sessionMap.delete(session.id);
      log.info(this.settings.text.sessionClosed, { reason });
      session.markClosed(reason);
      this.safeEmit('sessionClose', session, reason);
    });
    return true;
  }

  /** Logs and announces a session once the subclass has wired it. */
  protected opened(session: S, transport: FramedJsonTransportKind, log: Logger): void {
    log.info(this.settings.text.sessionOpened, { transport });
    this.safeEmit('sessionOpen', session);
  }
}
