/**
 * Admission of inbound connections, shared by every stream listener (T-Lib, the preview protocol,
 * SIP over TCP/TLS): at most so many in total and from one remote address, so that one peer or a
 * flood of idle connections cannot exhaust the process's descriptors and starve the web API. Each
 * listener's default takes a share of the process's descriptor limit (`ulimit -n`).
 */
import { readFileSync } from 'node:fs';

/** Assumed when the limit cannot be read (not Linux): the usual soft default. */
const fallbackDescriptorLimit = 1024;

/** The soft `Max open files` of this process (Linux /proc), 1024 when unknown, 2^20 when unlimited. */
export function processDescriptorLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return fallbackDescriptorLimit;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!m) return fallbackDescriptorLimit;
  return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
}

/** Why a connection was refused. */
export type Refusal = 'max-connections' | 'max-connections-per-address';

/** Counts inbound connections by remote address; pure (no sockets, no log). */
export class ConnectionAdmission {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private refusedCount = 0;

  constructor(
    readonly maxConnections: number,
    readonly maxPerAddress: number,
  ) {}

  /** Takes a slot for `address`, or says why not (and counts the refusal). */
  admit(address: string): Refusal | undefined {
    const n = this.byAddress.get(address) ?? 0;
    const refusal: Refusal | undefined = this.total >= this.maxConnections ? 'max-connections' : n >= this.maxPerAddress ? 'max-connections-per-address' : undefined;
    if (refusal) {
      this.refusedCount++;
      return refusal;
    }
    this.total++;
    this.byAddress.set(address, n + 1);
    return undefined;
  }

  /** Gives back the slot of an admitted connection from `address`. */
  release(address: string): void {
    const n = this.byAddress.get(address);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.byAddress.delete(address);
    else this.byAddress.set(address, n - 1);
  }

  /** Admitted connections still open. */
  get open(): number {
    return this.total;
  }

  /** Connections refused so far. */
  get refused(): number {
    return this.refusedCount;
  }
}
