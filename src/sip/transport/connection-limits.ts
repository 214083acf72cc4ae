/**
 * Admission of inbound SIP stream connections: at most `maxConnections` in total and
 * `maxConnectionsPerAddress` from one remote address, so that one peer (or a flood of idle
 * connections) cannot exhaust the process's descriptors and starve the other listeners (the web API
 * above all). The defaults stay well below the process's descriptor limit (`ulimit -n`).
 */
import { readFileSync } from 'node:fs';

/** Never more than this many inbound connections by default, whatever the descriptor limit. */
const DEFAULT_CEILING = 10_000;

/** The soft RLIMIT_NOFILE of this process (Linux /proc), or undefined where it cannot be read. */
export function descriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === undefined || soft === 'unlimited') return undefined;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The default total: a quarter of the descriptor limit (the rest is for the other listeners, the
 * web API, files and outbound links), at most 10 000, at least 16.
 */
export function defaultMaxConnections(nofile = descriptorLimit()): number {
  if (nofile === undefined) return DEFAULT_CEILING;
  return Math.max(16, Math.min(DEFAULT_CEILING, Math.floor(nofile / 4)));
}

/** The default per remote address: a quarter of the total (at least 1). */
export function defaultMaxPerAddress(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 4));
}

/** Why a connection was refused. */
export type Refusal = 'max-connections' | 'max-connections-per-address';

/** Counts inbound connections by remote host; pure (no sockets). */
export class ConnectionAdmission {
  private total = 0;
  private readonly byHost = new Map<string, number>();
  private refusedCount = 0;

  constructor(
    readonly maxConnections: number,
    readonly maxPerAddress: number,
  ) {}

  /** Takes a slot for `host`, or says why not (and counts the refusal). */
  admit(host: string): Refusal | undefined {
    const n = this.byHost.get(host) ?? 0;
    const refusal: Refusal | undefined = this.total >= this.maxConnections ? 'max-connections' : n >= this.maxPerAddress ? 'max-connections-per-address' : undefined;
    if (refusal) {
      this.refusedCount++;
      return refusal;
    }
    this.total++;
    this.byHost.set(host, n + 1);
    return undefined;
  }

  /** Gives back the slot of an admitted connection from `host`. */
  release(host: string): void {
    const n = this.byHost.get(host);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.byHost.delete(host);
    else this.byHost.set(host, n - 1);
  }

  /** Inbound connections admitted and still open. */
  get open(): number {
    return this.total;
  }

  /** Connections refused so far. */
  get refused(): number {
    return this.refusedCount;
  }
}
