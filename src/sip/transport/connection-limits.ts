/**
 * Defaults for admitting inbound SIP stream connections (src/lib/connection-admission.ts counts
 * them): a quarter of the process's descriptor limit in total, so the other listeners and the web
 * API keep theirs, and a quarter of that from one remote address.
 */
import { processDescriptorLimit } from '../../lib/connection-admission.ts';

export { ConnectionAdmission, type Refusal } from '../../lib/connection-admission.ts';

/** Never more than this many inbound connections by default, whatever the descriptor limit. */
const DEFAULT_CEILING = 10_000;

/** The default total: a quarter of the descriptor limit, at most 10 000, at least 16. */
export function defaultMaxConnections(nofile = processDescriptorLimit()): number {
  return Math.max(16, Math.min(DEFAULT_CEILING, Math.floor(nofile / 4)));
}

/** The default per remote address: a quarter of the total (at least 1). */
export function defaultMaxPerAddress(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 4));
}
