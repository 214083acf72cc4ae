/**
 * The Completed state of non-INVITE server transactions, kept light (RFC 3261 section 17.2.2).
 *
 * In Completed a non-INVITE server transaction only has to answer each retransmission of its
 * request with its final response again, until Timer J (64*T1 over UDP) moves it to Terminated.
 * At thousands of NOTIFYs a second that is hundreds of thousands of transactions in Completed; a
 * full transaction (parsed request, handle, closures, its own Clock timer) held ~7 KB each. Here
 * a Completed transaction is its matching key, its method, and its final response serialized
 * once with its route; one ExpiryWheel serves every Timer J.
 */
import type { Clock } from '../../lib/clock.ts';
import type { PreparedResponse } from '../transport/transport-layer.ts';
import { ExpiryWheel } from './expiry-wheel.ts';
import { ResponseArena } from './response-arena.ts';

/** One non-INVITE server transaction in Completed. */
export interface CompletedNonInvite {
  readonly key: string;
  /** The request method (a retransmission matches on key and method). */
  readonly method: string;
  /** The final response, serialized, and where it goes. */
  readonly response: PreparedResponse;
}

/** Timer J buckets: a transaction may stay up to this much longer than Timer J (never shorter). */
export const TIMER_J_GRANULARITY_MS = 100;

/** Completed non-INVITE server transactions by matching key, each forgotten after its Timer J. */
export class CompletedNonInviteTable {
  private readonly byKey = new Map<string, CompletedNonInvite>();
  private readonly wheel: ExpiryWheel<CompletedNonInvite>;
  private readonly arena = new ResponseArena();

  constructor(clock: Clock, granularityMs = TIMER_J_GRANULARITY_MS) {
    // Timer J fired: Completed → Terminated, unless the key was taken over since.
    this.wheel = new ExpiryWheel(clock, granularityMs, (c) => this.delete(c));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The transaction in Completed under `key`. */
  get(key: string): CompletedNonInvite | undefined {
    return this.byKey.get(key);
  }

  /** Enters Completed for `timerJ` ms (a positive duration: over reliable transports J is zero). */
  add(entry: CompletedNonInvite, timerJ: number): void {
    entry.response.data = this.arena.copy(entry.response.data);
    this.byKey.set(entry.key, entry);
    this.wheel.add(timerJ, entry);
  }

  /** Terminates `entry` (Timer J, or a transport error) if it is still the one under its key. */
  delete(entry: CompletedNonInvite): void {
    if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
  }

  /** Forgets everything and cancels the shared timers. */
  clear(): void {
    this.wheel.clear();
    this.byKey.clear();
  }
}
