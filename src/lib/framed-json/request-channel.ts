/**
 * The correlation owner of one framed-JSON connection (T-Lib's TlibChannel, the preview protocol's
 * PreviewClient): it allocates ReferenceIDs (1..limit, wrapping around and skipping ids still
 * pending), keeps the pending requests, runs a per-request timeout on the injected Clock, and
 * settles everything pending when the connection closes. It writes nothing itself: `send` does.
 *
 * Every request settles exactly once:
 * - the reply carrying its ReferenceID resolves it (or rejects it, when `replyError` says so);
 * - otherwise the protocol's `failure` decides, for a request that was refused (`closed`,
 *   `exhausted`), not sent (`not-sent`), unanswered in time (`timeout`) or abandoned by close()
 *   (`abandoned`): T-Lib rejects with an error, the preview protocol resolves with a local result.
 * A reply that comes after its request settled (a late reply after the timeout) matches nothing:
 * `handleReply` returns false and the caller treats it as an ordinary message.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { Result } from '../result.ts';
import { maxReferenceId } from '../reference-id.ts';

/** What the channel reads and writes on a message: its ReferenceID. */
export interface Correlated {
  readonly ReferenceID?: number | undefined;
}

/** Why a request ended without a reply. */
export type RequestFailure<Req> =
  /** The channel was closed before the request: nothing was sent. */
  | { readonly kind: 'closed'; readonly request: Req; readonly reason: string }
  /** Every ReferenceID is pending: nothing was sent. */
  | { readonly kind: 'exhausted'; readonly request: Req }
  /** `send` threw (`error`): nothing was sent. */
  | { readonly kind: 'not-sent'; readonly request: Req; readonly referenceId: number; readonly error: unknown }
  /** No reply within `timeoutMs`. */
  | { readonly kind: 'timeout'; readonly request: Req; readonly referenceId: number; readonly timeoutMs: number }
  /** close() was called while the request was pending. */
  | { readonly kind: 'abandoned'; readonly request: Req; readonly referenceId: number; readonly reason: string };

/** Options of {@link RequestChannel}. */
export interface RequestChannelOptions<Req extends Correlated, Rep extends Correlated> {
  readonly clock: Clock;
  /** Writes one request (its ReferenceID set); throwing means it was not sent. */
  readonly send: (request: Req) => void;
  /** Default per-request timeout (ms); default 10 000. */
  readonly timeoutMs?: number | undefined;
  /** First ReferenceID handed out (tests use it to exercise wraparound); default 1. */
  readonly firstReferenceId?: number | undefined;
  /** Largest ReferenceID before wrapping to 1; default and at most {@link maxReferenceId}. */
  readonly referenceIdLimit?: number | undefined;
  /** The error a reply rejects its request with (T-Lib's EventError), or undefined to resolve. */
  readonly replyError?: (reply: Rep, request: Req) => Error | undefined;
  /** How a request without a reply settles: a value to resolve with, or an error to reject with. */
  readonly failure: (failure: RequestFailure<Req>) => Result<Rep, Error>;
}

interface Pending<Req, Rep> {
  readonly request: Req;
  readonly resolve: (reply: Rep) => void;
  readonly reject: (e: Error) => void;
  readonly timer: TimerHandle;
}

export class RequestChannel<Req extends Correlated, Rep extends Correlated> {
  private readonly clock: Clock;
  private readonly sendFn: (request: Req) => void;
  private readonly defaultTimeoutMs: number;
  private readonly idLimit: number;
  private readonly replyError: ((reply: Rep, request: Req) => Error | undefined) | undefined;
  private readonly failure: (failure: RequestFailure<Req>) => Result<Rep, Error>;
  private readonly pending = new Map<number, Pending<Req, Rep>>();
  private nextId: number;
  private closedReason: string | undefined;

  constructor(options: RequestChannelOptions<Req, Rep>) {
    this.clock = options.clock;
    this.sendFn = options.send;
    this.defaultTimeoutMs = options.timeoutMs ?? 10_000;
    this.idLimit = Math.max(1, Math.min(options.referenceIdLimit ?? maxReferenceId, maxReferenceId));
    const first = options.firstReferenceId ?? 1;
    this.nextId = first >= 1 && first <= this.idLimit ? first : 1;
    this.replyError = options.replyError;
    this.failure = options.failure;
  }

  /** Requests awaiting a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Sends `request` with a fresh ReferenceID (one the caller set is replaced) and settles with the
   * reply that carries it, or as `failure` decides; see the file comment.
   */
  request(request: Req, timeoutMs: number = this.defaultTimeoutMs): Promise<Rep> {
    if (this.closedReason !== undefined) return this.settleNow({ kind: 'closed', request, reason: this.closedReason });
    if (this.pending.size >= this.idLimit) return this.settleNow({ kind: 'exhausted', request });
    const id = this.allocate();
    const msg: Req = { ...request, ReferenceID: id };
    return new Promise<Rep>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        // The timer may fire late (rule 5): act only if this exact request is still pending.
        const p = this.pending.get(id);
        if (!p || p.timer !== timer) return;
        this.pending.delete(id);
        settle(this.failure({ kind: 'timeout', request: msg, referenceId: id, timeoutMs }), resolve, reject);
      });
      this.pending.set(id, { request: msg, resolve, reject, timer });
      try {
        this.sendFn(msg);
      } catch (error) {
        this.pending.delete(id);
        this.clock.cancel(timer);
        settle(this.failure({ kind: 'not-sent', request: msg, referenceId: id, error }), resolve, reject);
      }
    });
  }

  /**
   * Offers an incoming reply to the pending map. True when it settled a request; false when it
   * matches none (no ReferenceID, unknown, or late), and the caller handles it as it would any
   * other message.
   */
  handleReply(reply: Rep): boolean {
    const id = reply.ReferenceID;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    this.clock.cancel(p.timer);
    const error = this.replyError?.(reply, p.request);
    if (error) p.reject(error);
    else p.resolve(reply);
    return true;
  }

  /**
   * A ReferenceID for a message that expects no reply of its own (the preview protocol's cancel):
   * the next free one, so it never collides with a pending request; undefined if none is free.
   */
  nextReferenceId(): number | undefined {
    return this.pending.size >= this.idLimit ? undefined : this.allocate();
  }

  /** Settles every pending request as `abandoned`; later requests settle at once as `closed`. */
  close(reason = 'closed'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const all = [...this.pending.entries()];
    this.pending.clear();
    for (const [referenceId, p] of all) {
      this.clock.cancel(p.timer);
      settle(this.failure({ kind: 'abandoned', request: p.request, referenceId, reason }), p.resolve, p.reject);
    }
  }

  private settleNow(failure: RequestFailure<Req>): Promise<Rep> {
    const r = this.failure(failure);
    return r.ok ? Promise.resolve(r.value) : Promise.reject(r.error);
  }

  /** Next free ReferenceID in 1..limit, wrapping around and skipping ids pending (one must be free). */
  private allocate(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= this.idLimit ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }
}

function settle<T>(r: Result<T, Error>, resolve: (v: T) => void, reject: (e: Error) => void): void {
  if (r.ok) resolve(r.value);
  else reject(r.error);
}
