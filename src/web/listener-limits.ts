/**
 * Bounds for the HTTP listener: connections and WebSockets, in total and per remote address, and a
 * log that says "refused" once per interval (with the count since the last line), not once per
 * refusal, so a flood cannot fill the disk. The HTTP caps sit well below the process's descriptor
 * limit, and the other listeners (T-Lib, preview, SIP) have caps of their own, so the web API keeps
 * answering while they are saturated.
 */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

/** A cap in total and per remote address. */
export interface CountLimit {
  total: number;
  perAddress: number;
}

export interface HttpLimits {
  connections: CountLimit;
  webSockets: CountLimit;
  /** At most one log line per kind of refusal per this many ms. */
  logIntervalMs: number;
}

/**
 * Defaults: a whole contact centre may sit behind one proxy or NAT address (each KW holds one
 * WebSocket and a few HTTP connections), so the per-address caps stay high; they stop one address
 * from taking every slot, while the totals keep the listener well under `ulimit -n`.
 */
export const defaultHttpLimits: HttpLimits = {
  connections: { total: 6000, perAddress: 3000 },
  webSockets: { total: 3000, perAddress: 1500 },
  logIntervalMs: 60_000,
};

/**
 * One warning per key per interval: the first event is logged at once, the ones after it are
 * counted and reported (`suppressed`) with the first event of the next interval.
 */
export class IntervalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  warn(key: string, message: string, fields: Record<string, unknown>): void {
    const now = this.clock.now();
    const l = this.last.get(key);
    if (l !== undefined && now - l.at < this.intervalMs) {
      l.suppressed++;
      return;
    }
    this.logger.warn(message, { ...fields, ...(l && l.suppressed > 0 ? { suppressed: l.suppressed } : {}) });
    // Bounded: one entry per kind of event (keys are fixed strings, never an address).
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
