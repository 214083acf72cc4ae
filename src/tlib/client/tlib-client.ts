/**
 * The T-Lib client library. One `TlibClient` keeps one connection to a T-Server (TCP, TLS or in
 * memory), reconnects with exponential backoff on the injected Clock, and re-registers the DNs it
 * had registered (RequestRegisterAddress) after each reconnection.
 *
 * Requests: `request(msg)` resolves with the event that carries the request's ReferenceID and
 * rejects with {@link CtiError} when that event is EventError (see {@link TlibChannel} for timeouts
 * and closing). While disconnected, `request()` rejects at once with UCC_ERR_TLIB_CLOSED: callers
 * own their retry policy; only registrations are replayed.
 *
 * Events: every event (replies included) goes to the catch-all listeners (`onEvent`) and to the
 * listeners of its ThisDN (`onDn`). Listener exceptions are isolated.
 *
 *   idle ──connect()──▶ connecting ──ok──▶ connected ──link lost──▶ backoff ──timer──▶ connecting
 *    ▲                     │ fail                                    ▲
 *    │                     └─────────────────────────────────────────┘
 *    └── fail / link lost, when reconnection is off
 *   any ──close()──▶ closed (final)
 */
import { backoffDelay as libBackoffDelay } from '../../lib/backoff.ts';
import type { LinkCarrier } from '../../lib/framed-json/framed-json-link.ts';
import { SystemClock } from '../../lib/clock.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError, UccError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { Logger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { TlibChannel } from '../channel/tlib-channel.ts';
import type { TlibEvent, TlibRequest, RequestRegisterAddress } from '../messages/message-catalogue.ts';
import { TlibLink } from '../transport/tlib-link.ts';
import { closeCarrier, describeTarget, openConnection } from '../../lib/framed-json/connect-target.ts';
import type { ConnectTarget, PendingConnection } from '../../lib/framed-json/connect-target.ts';

/** Where a TlibClient connects (TCP, TLS, or in memory / in process). */
export type TlibConnectTarget = ConnectTarget;

/** Exponential backoff: delay n = min(maxDelayMs, initialDelayMs × factor^(n-1)). */
export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 };

/** The delay before reconnection attempt `attempt` (1-based) under `policy`. */
export function backoffDelay(policy: ReconnectPolicy, attempt: number): number {
  return libBackoffDelay(attempt, { baseMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, factor: policy.factor });
}

/** Options of {@link TlibClient}. */
export interface TlibClientOptions {
  readonly target: TlibConnectTarget;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Per-request reply timeout (default 10 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Connection-attempt timeout (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Backoff policy, or false to never reconnect (default {@link defaultReconnectPolicy}). */
  readonly reconnect?: Partial<ReconnectPolicy> | false;
  readonly maxFrameBytes?: number;
  /**
   * The Application this client authenticates as (RequestRegisterClient, docs/protocols/tlib.md
   * 1.1) on every connection before it counts as connected. Leave the password out on a link that
   * is authenticated already (in process, or a mapped TLS client certificate).
   */
  readonly credentials?: TlibCredentials;
}

/** A T-Lib client's identity: a configured Application and its password. */
export interface TlibCredentials {
  readonly application: string;
  readonly password?: string;
}

export type TlibClientState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

/** The client's legal state moves (style rule 3); `transition()` refuses any other. */
export const tlibClientTransitions: Readonly<Record<TlibClientState, readonly TlibClientState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'backoff', 'idle', 'closed'],
  connected: ['backoff', 'idle', 'closed'],
  backoff: ['connecting', 'closed'],
  closed: [],
};

/** Events of {@link TlibClient}. */
export interface TlibClientEvents {
  /** Every state move, with its cause. */
  stateChange: (change: { from: TlibClientState; to: TlibClientState; cause: string }) => void;
  /** A connection is up (`reconnect` true after the first). */
  connected: (info: { reconnect: boolean }) => void;
  /** The connection was lost (not emitted for close()). */
  disconnected: (reason: string) => void;
  /** A reconnection attempt is scheduled. */
  reconnecting: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** The DNs were registered again after a reconnection; `failed` lists those refused. */
  reregistered: (info: { dns: string[]; failed: string[] }) => void;
  /** Every event received. */
  event: (event: TlibEvent) => void;
  listenerError: (error: unknown, event: string) => void;
}

type EventListener = (event: TlibEvent) => void;

export class TlibClient extends TypedEmitter<TlibClientEvents> {
  private readonly target: TlibConnectTarget;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly policy: ReconnectPolicy | false;
  private readonly maxFrameBytes: number | undefined;
  private readonly credentials: TlibCredentials | undefined;
  private currentState: TlibClientState = 'idle';
  private link: TlibLink | undefined;
  private channel: TlibChannel | undefined;
  private attempt = 0;
  private everConnected = false;
  /** Bumped on every attempt and on close; stale callbacks compare it (rule 5). */
  private generation = 0;
  private retryTimer: TimerHandle | undefined;
  private pendingConnection: PendingConnection | undefined;
  private readonly registered = new Map<string, RequestRegisterAddress>();
  private readonly dnListeners = new Map<string, Set<EventListener>>();
  private readonly anyListeners = new Set<EventListener>();
  private firstConnect: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | undefined;

  constructor(options: TlibClientOptions) {
    super();
    this.target = options.target;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ tlib: describeTarget(options.target) });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.policy = options.reconnect === false ? false : { ...defaultReconnectPolicy, ...options.reconnect };
    this.maxFrameBytes = options.maxFrameBytes;
    this.credentials = options.credentials;
  }

  get state(): TlibClientState {
    return this.currentState;
  }

  /** DNs this client registered (and will re-register after a reconnection). */
  registeredDns(): string[] {
    return [...this.registered.keys()];
  }

  /**
   * Connects. Resolves when the first connection is up. With reconnection enabled a failed attempt
   * is retried on the backoff schedule and the promise waits; without it, it rejects with
   * UCC_ERR_TLIB_CONNECT. If close() comes first it rejects with UCC_ERR_TLIB_CLOSED.
   */
  connect(): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new UccError('UCC_ERR_TLIB_CLOSED', 'T-Lib client is closed'));
    if (this.currentState === 'connected') return Promise.resolve();
    if (!this.firstConnect) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.firstConnect = { resolve, reject, promise };
    }
    if (this.currentState === 'idle') this.startAttempt();
    return this.firstConnect.promise;
  }

  /** Sends a request; see the class comment for the outcomes. */
  request(request: TlibRequest, timeoutMs?: number): Promise<TlibEvent> {
    const channel = this.channel;
    if (!channel || this.currentState !== 'connected') {
      return Promise.reject(new UccError('UCC_ERR_TLIB_CLOSED', `${request.message} not sent: T-Lib client is ${this.currentState}`));
    }
    const reply = channel.request(request, timeoutMs ?? this.requestTimeoutMs);
    // Remember registrations so a reconnection can restore them. Other requests (the agent-state
    // traffic) get the channel's promise as it is: no extra promise per request.
    if (request.message === 'RequestRegisterAddress') {
      return reply.then((event) => {
        const { ReferenceID: _r, ...again } = request;
        this.registered.set(request.ThisDN, again);
        return event;
      });
    }
    if (request.message === 'RequestUnregisterAddress') {
      return reply.then((event) => {
        this.registered.delete(request.ThisDN);
        return event;
      });
    }
    return reply;
  }

  /** Shorthand for RequestRegisterAddress on `dn`. */
  registerAddress(dn: string, extra: Omit<RequestRegisterAddress, 'message' | 'ThisDN'> = {}): Promise<TlibEvent> {
    return this.request({ ...extra, message: 'RequestRegisterAddress', ThisDN: dn });
  }

  /** Shorthand for RequestUnregisterAddress on `dn`. */
  unregisterAddress(dn: string): Promise<TlibEvent> {
    return this.request({ message: 'RequestUnregisterAddress', ThisDN: dn });
  }

  /** Listens to events whose ThisDN is `dn`. Returns the unsubscribe function. */
  onDn(dn: string, listener: EventListener): () => void {
    let set = this.dnListeners.get(dn);
    if (!set) {
      set = new Set();
      this.dnListeners.set(dn, set);
    }
    set.add(listener);
    return () => {
      const s = this.dnListeners.get(dn);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.dnListeners.delete(dn);
    };
  }

  /** Listens to every event. Returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Closes for good: stops reconnecting, closes the link, rejects every pending request. */
  close(): void {
    if (this.currentState === 'closed') return;
    this.transition('closed', 'close() called');
    this.generation++;
    this.clock.cancel(this.retryTimer);
    this.retryTimer = undefined;
    this.pendingConnection?.abort('client closed');
    this.pendingConnection = undefined;
    this.channel?.close('client closed');
    this.link?.close('client closed');
    this.link = undefined;
    this.channel = undefined;
    this.firstConnect?.reject(new UccError('UCC_ERR_TLIB_CLOSED', 'T-Lib client closed before it connected'));
    this.firstConnect = undefined;
  }

  private startAttempt(): void {
    const gen = ++this.generation;
    this.transition('connecting', this.everConnected || this.attempt > 0 ? `reconnection attempt ${this.attempt}` : 'connect() called');
    this.retryTimer = undefined;
    const pc = openConnection(this.target);
    this.pendingConnection = pc;
    const timer = this.clock.setTimer(this.connectTimeoutMs, () => {
      if (gen === this.generation && this.currentState === 'connecting') pc.abort(`connect timeout after ${this.connectTimeoutMs} ms`);
    });
    pc.ready.then(
      (stream) => {
        this.clock.cancel(timer);
        if (gen !== this.generation) {
          closeCarrier(stream);
          return;
        }
        this.pendingConnection = undefined;
        this.onConnected(stream, gen);
      },
      (e: unknown) => {
        this.clock.cancel(timer);
        if (gen !== this.generation) return;
        this.pendingConnection = undefined;
        this.onLost(`connect failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private onConnected(stream: LinkCarrier, gen: number): void {
    const link = new TlibLink(stream, { accept: 'event', maxFrameBytes: this.maxFrameBytes });
    const channel = new TlibChannel({ clock: this.clock, requestTimeoutMs: this.requestTimeoutMs, send: (m) => {
      if (!link.send(m)) throw new Error('link closed');
    } });
    this.link = link;
    this.channel = channel;
    link.on('message', (m) => this.deliver(m as TlibEvent, channel));
    link.on('decodeError', (e) => this.logger.warn('T-Lib frame from server rejected', { problem: e.problem, detail: e.detail }));
    link.on('close', (reason) => {
      channel.close(reason);
      if (gen !== this.generation || this.link !== link) return;
      this.link = undefined;
      this.channel = undefined;
      if (this.currentState === 'connected') this.safeEmit('disconnected', reason);
      this.onLost(reason);
    });
    const credentials = this.credentials;
    if (!credentials) {
      this.linkUp();
      return;
    }
    // Authenticate first: the link counts as connected (and requests may go out) only once accepted.
    const hello: TlibRequest = { message: 'RequestRegisterClient', ApplicationName: credentials.application };
    if (credentials.password !== undefined) hello.ApplicationPassword = credentials.password;
    channel.request(hello, this.requestTimeoutMs).then(
      () => {
        if (gen === this.generation && this.link === link) this.linkUp();
      },
      (e: unknown) => {
        if (gen !== this.generation || this.link !== link) return;
        const reason = `authentication as ${credentials.application} failed: ${e instanceof Error ? e.message : String(e)}`;
        this.logger.warn('T-Lib authentication failed', { application: credentials.application, error: e instanceof Error ? e.message : String(e) });
        link.close(reason);
      },
    );
  }

  /** The link is usable: connected, and registrations restored after a reconnection. */
  private linkUp(): void {
    const gen = this.generation;
    this.transition('connected', 'link up');
    this.attempt = 0;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.logger.info('T-Lib connected', { reconnect });
    this.firstConnect?.resolve();
    this.firstConnect = undefined;
    this.safeEmit('connected', { reconnect });
    if (reconnect && this.registered.size > 0) void this.reregister(gen);
  }

  private async reregister(gen: number): Promise<void> {
    const entries = [...this.registered.entries()];
    const failed: string[] = [];
    await Promise.all(entries.map(async ([dn, req]) => {
      try {
        await this.request(req);
      } catch (e) {
        failed.push(dn);
        this.logger.warn('T-Lib re-registration failed', { dn, error: e instanceof Error ? e.message : String(e) });
      }
    }));
    if (gen !== this.generation) return;
    this.safeEmit('reregistered', { dns: entries.map(([dn]) => dn), failed });
  }

  private onLost(reason: string): void {
    if (this.currentState === 'closed') return;
    if (this.policy === false) {
      this.transition('idle', reason);
      this.logger.warn('T-Lib connection lost; not reconnecting', { reason });
      this.firstConnect?.reject(new UccError('UCC_ERR_TLIB_CONNECT', `T-Lib connection failed: ${reason}`));
      this.firstConnect = undefined;
      return;
    }
    this.attempt++;
    const delayMs = backoffDelay(this.policy, this.attempt);
    this.transition('backoff', reason);
    const gen = ++this.generation;
    this.logger.warn('T-Lib connection lost; reconnecting', { reason, attempt: this.attempt, delayMs });
    this.retryTimer = this.clock.setTimer(delayMs, () => {
      if (gen === this.generation && this.currentState === 'backoff') this.startAttempt();
    });
    this.safeEmit('reconnecting', { attempt: this.attempt, delayMs, reason });
  }

  /** The one place the state changes: checks the table, then reports the move. */
  private transition(to: TlibClientState, cause: string): void {
    const from = this.currentState;
    if (!tlibClientTransitions[from].includes(to)) throw new InvalidStateTransitionError('TlibClient', from, to);
    this.currentState = to;
    this.safeEmit('stateChange', { from, to, cause });
  }

  private deliver(event: TlibEvent, channel: TlibChannel): void {
    channel.handleEvent(event);
    this.safeEmit('event', event);
    const call = (l: EventListener): void => {
      try {
        l(event);
      } catch (e) {
        this.logger.error('T-Lib event listener threw', { event: event.message, error: e instanceof Error ? e.message : String(e) });
      }
    };
    for (const l of [...this.anyListeners]) call(l);
    const dn = 'ThisDN' in event ? event.ThisDN : undefined;
    if (typeof dn === 'string') for (const l of [...(this.dnListeners.get(dn) ?? [])]) call(l);
  }
}
