/**
 * Bounds for the HTTP listener: connections and WebSockets, in total and per remote address, and a
 * log that says "refused" once per interval (with the count since the last line), not once per
 * refusal, so a flood cannot fill the disk. The HTTP caps sit well below the process's descriptor
 * limit, and the other listeners (T-Lib, preview, SIP) have caps of their own, so the web API keeps
 * answering while they are saturated.
 */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { processDescriptorLimit } from '../lib/connection-admission.ts';
import type { HttpLimitSettings } from '../config/deployment-settings.ts';

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
  /**
   * Load shedding (@fastify/under-pressure): while the event loop lags more than this many ms, new
   * HTTP requests get 503 with Retry-After. 0 turns it off.
   */
  maxEventLoopDelayMs: number;
  /** No shedding for this long after the server is ready (start-up blocks the loop for a moment). */
  pressureGraceMs: number;
}

/** What the configuration may set (`listen.httpLimits`, docs/configuration.md); absent keys take the defaults. */
export type { HttpLimitSettings };

/** The defaults on a host with a large descriptor limit (the ceilings). */
export const httpLimitCeilings = { maxConnections: 6000, maxConnectionsPerAddress: 3000, maxWebSockets: 3000, maxWebSocketsPerAddress: 1500 } as const;

/**
 * Defaults: a whole contact centre may sit behind one proxy or NAT address (each KW holds one
 * WebSocket and a few HTTP connections), so the per-address caps are half the totals; they stop
 * one address from taking every slot. The totals are a fifth of the descriptor limit (`ulimit -n`;
 * T-Lib takes 40 %, the preview listener 10 %, each SIP stream listener 25 %), at most the
 * ceilings (6,000 connections, 3,000 WebSockets) and at least 64 connections.
 */
export function defaultHttpLimits(descriptorLimit = processDescriptorLimit()): HttpLimits {
  const total = Math.min(httpLimitCeilings.maxConnections, Math.max(64, Math.floor(descriptorLimit / 5)));
  const ws = Math.min(httpLimitCeilings.maxWebSockets, Math.floor(total / 2));
  return {
    connections: { total, perAddress: Math.min(httpLimitCeilings.maxConnectionsPerAddress, Math.floor(total / 2)) },
    webSockets: { total: ws, perAddress: Math.min(httpLimitCeilings.maxWebSocketsPerAddress, Math.floor(ws / 2)) },
    logIntervalMs: 60_000,
    // A second of lag: far beyond anything the benches produce (p99 well under 100 ms), so only a
    // stalled process sheds load; open WebSockets are never cut.
    maxEventLoopDelayMs: 1000,
    pressureGraceMs: 10_000,
  };
}

/** The limits the configuration asks for, over the defaults. */
export function httpLimitsFrom(settings: HttpLimitSettings | undefined, defaults: HttpLimits = defaultHttpLimits()): HttpLimits {
  const s = settings ?? {};
  return {
    connections: { total: s.maxConnections ?? defaults.connections.total, perAddress: s.maxConnectionsPerAddress ?? defaults.connections.perAddress },
    webSockets: { total: s.maxWebSockets ?? defaults.webSockets.total, perAddress: s.maxWebSocketsPerAddress ?? defaults.webSockets.perAddress },
    logIntervalMs: defaults.logIntervalMs,
    maxEventLoopDelayMs: defaults.maxEventLoopDelayMs,
    pressureGraceMs: defaults.pressureGraceMs,
  };
}

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
