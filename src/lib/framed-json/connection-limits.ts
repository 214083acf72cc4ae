/**
 * Bounds on a framed-JSON listener (T-Lib, the preview protocol): how many connections in total and
 * per remote address, how long a frame may stay incomplete, and the log of refusals (one line per
 * interval, not one per connection: a flood must not turn into a flood of log).
 *
 * The defaults follow the process's descriptor limit (`ulimit -n`): each listener takes a share
 * well below it, so the HTTP API still gets descriptors while the listeners are saturated.
 */
import type { Clock } from '../clock.ts';
import { IntervalLog } from '../interval-log.ts';
import { ConnectionAdmission, processDescriptorLimit } from '../connection-admission.ts';
import type { Logger } from '../logger.ts';

/** What one listener admits. */
export interface ConnectionLimits {
  /** Connections open at once, all addresses together. */
  readonly maxConnections: number;
  /** Connections open at once from one remote address. */
  readonly maxConnectionsPerAddress: number;
  /** A frame that is still incomplete this long after its first byte closes the connection (30 s). */
  readonly frameStallMs: number;
  /** Refusals are summed and logged at most once per this interval (60 s). */
  readonly refusalLogIntervalMs: number;
}

export { processDescriptorLimit };

/**
 * Default limits for a listener that may use `share` of the descriptor limit (T-Lib 0.4, preview
 * 0.1: together half, the rest stays for HTTP, WebSocket, SIP and files), at most `cap`.
 */
export function defaultConnectionLimits(share: number, cap: number, perAddress: number, descriptorLimit = processDescriptorLimit()): ConnectionLimits {
  const maxConnections = Math.max(8, Math.min(cap, Math.floor(descriptorLimit * share)));
  return { maxConnections, maxConnectionsPerAddress: Math.min(perAddress, maxConnections), frameStallMs: 30_000, refusalLogIntervalMs: 60_000 };
}

/** Counts open connections per address and refuses over the limits; refusals are logged per interval. */
export class ConnectionLimiter {
  private readonly admission: ConnectionAdmission;
  private readonly refusals: IntervalLog;

  constructor(
    readonly limits: ConnectionLimits,
    clock: Clock,
    logger: Logger,
    refusalText: string,
  ) {
    this.admission = new ConnectionAdmission(limits.maxConnections, limits.maxConnectionsPerAddress);
    this.refusals = new IntervalLog(logger, clock, refusalText, limits.refusalLogIntervalMs, 'refused');
  }

  /** Open connections counted now. */
  get open(): number {
    return this.admission.open;
  }

  /** Counts a new connection from `address`, or refuses it (false; the caller destroys it). */
  admit(address: string): boolean {
    const refusal = this.admission.admit(address);
    if (refusal === undefined) return true;
    this.refused(address, refusal === 'max-connections' ? 'total' : 'per-address');
    return false;
  }

  /** Uncounts a connection admitted from `address`. */
  release(address: string): void {
    this.admission.release(address);
  }

  /** Stops the summary timer (the server is closing). */
  stop(): void {
    this.refusals.close();
  }

  private refused(address: string, limit: 'total' | 'per-address'): void {
    this.refusals.note({ address, limit, open: this.open, maxConnections: this.limits.maxConnections, maxConnectionsPerAddress: this.limits.maxConnectionsPerAddress });
  }
}
