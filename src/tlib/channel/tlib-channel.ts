/**
 * The correlation owner of one T-Library link (style rule 13). It allocates ReferenceIDs (with
 * wraparound, skipping ids still in flight), keeps the pending requests with a per-request timeout
 * on the injected Clock, and rejects everything pending when the link closes.
 *
 * Outcome of `request()`:
 * - the first event carrying the request's ReferenceID resolves it, whatever its name
 *   (T-Library lets one request produce several events; only one carries the ReferenceID, and for
 *   multi-site requests a second one may follow: it is then an ordinary event);
 * - EventError rejects it with {@link CtiError} (`code` = ErrorCode);
 * - no reply within the timeout rejects with UccError `UCC_ERR_TLIB_TIMEOUT`; a reply arriving
 *   later is treated as an ordinary event;
 * - closing the channel rejects with UccError `UCC_ERR_TLIB_CLOSED`.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import { maxReferenceId } from '../messages/attribute-types.ts';
import type { TlibEvent, TlibRequest } from '../messages/message-catalogue.ts';
import { CtiError } from '../cti-error.ts';

/** Options of {@link TlibChannel}. */
export interface TlibChannelOptions {
  readonly clock: Clock;
  /** Writes one request to the link; throwing means the link is unusable. */
  readonly send: (request: TlibRequest) => void;
  /** Default per-request timeout (ms); default 10 000. */
  readonly requestTimeoutMs?: number;
  /** First ReferenceID handed out (tests use it to exercise wraparound); default 1. */
  readonly firstReferenceId?: number;
  /** Largest ReferenceID before wrapping to 1; default 2147483647 (tests use a small one). */
  readonly referenceIdLimit?: number;
}

interface Pending {
  readonly request: TlibRequest;
  readonly resolve: (ev: TlibEvent) => void;
  readonly reject: (e: Error) => void;
  readonly timer: TimerHandle;
}

/** A request as the caller writes it: the channel adds the ReferenceID. */
export type OutgoingRequest = TlibRequest;

export class TlibChannel {
  private readonly clock: Clock;
  private readonly sendFn: (request: TlibRequest) => void;
  private readonly defaultTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private nextId: number;
  private readonly idLimit: number;
  private closedReason: string | undefined;

  constructor(options: TlibChannelOptions) {
    this.clock = options.clock;
    this.sendFn = options.send;
    this.defaultTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.idLimit = Math.min(options.referenceIdLimit ?? maxReferenceId, maxReferenceId);
    this.nextId = options.firstReferenceId ?? 1;
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
   * Sends `request` with a fresh ReferenceID (any ReferenceID the caller set is replaced) and
   * resolves with the event that carries it. See the class comment for the outcomes.
   */
  request(request: OutgoingRequest, timeoutMs: number = this.defaultTimeoutMs): Promise<TlibEvent> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new UccError('UCC_ERR_TLIB_CLOSED', `${request.message} not sent: channel closed (${this.closedReason})`));
    }
    if (this.pending.size >= this.idLimit) {
      return Promise.reject(new UccError('UCC_ERR_TLIB_CLOSED', `${request.message} not sent: every ReferenceID is in flight`));
    }
    const id = this.allocateId();
    const msg = { ...request, ReferenceID: id } as TlibRequest;
    return new Promise<TlibEvent>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        // The timer may fire late (rule 5): act only if this exact request is still pending.
        const p = this.pending.get(id);
        if (!p || p.timer !== timer) return;
        this.pending.delete(id);
        reject(new UccError('UCC_ERR_TLIB_TIMEOUT', `${request.message} (ReferenceID ${id}) got no reply within ${timeoutMs} ms`));
      });
      this.pending.set(id, { request: msg, resolve, reject, timer });
      try {
        this.sendFn(msg);
      } catch (e) {
        this.pending.delete(id);
        this.clock.cancel(timer);
        // A request over the frame limit keeps its UCC_ERR_TLIB_FRAME; anything else means the link is gone.
        if (e instanceof UccError && e.code === 'UCC_ERR_TLIB_FRAME') reject(e);
        else reject(new UccError('UCC_ERR_TLIB_CLOSED', `${request.message} not sent: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      }
    });
  }

  /**
   * Offers an incoming event to the pending map. Returns true when it settled a request (the
   * caller still delivers the event to its listeners: replies are ordinary events too).
   */
  handleEvent(event: TlibEvent): boolean {
    const id = event.ReferenceID;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    this.clock.cancel(p.timer);
    if (event.message === 'EventError') p.reject(new CtiError(event, p.request.message));
    else p.resolve(event);
    return true;
  }

  /** Rejects every pending request with UCC_ERR_TLIB_CLOSED; later requests reject at once. */
  close(reason = 'closed'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.clock.cancel(p.timer);
      p.reject(new UccError('UCC_ERR_TLIB_CLOSED', `${p.request.message} (ReferenceID ${String(p.request.ReferenceID)}) abandoned: ${reason}`));
    }
  }

  /** Next free ReferenceID in 1..limit, wrapping around and skipping ids in flight. */
  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= this.idLimit ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }
}
