/**
 * Pure selection over the available knowledge workers of a strategy. No I/O: the router passes
 * what statistics report as available (Ready, not on a call) and what it already tried for the call.
 */
import type { AvailableAgent } from '../stats/stat-types.ts';
import type { SelectionMode } from './routing-strategy.ts';

/** The name a KW goes by in the preview protocol and the reservation: its Person user name, else its AgentID. */
export function kwKey(a: Pick<AvailableAgent, 'agentId' | 'userName'>): string {
  return a.userName ?? a.agentId;
}

/**
 * Candidates in the order they should be offered, `tried` left out:
 * - `round-robin`: consecutive in a stable order (by KW name), starting after `cursor` (the KW the
 *   group's previous offer went to) and wrapping; unavailable KWs are simply not in the list, so
 *   they are skipped and the order resumes where it was;
 * - `longest-idle`: the smallest readySince first (statistics already sort so; ties by AgentID);
 * - `broadcast` and `targeted`: every available candidate, as given.
 */
export function orderCandidates(mode: SelectionMode, available: readonly AvailableAgent[], tried: ReadonlySet<string>, cursor: string | undefined): AvailableAgent[] {
  const open = available.filter((a) => !tried.has(kwKey(a)));
  if (mode === 'longest-idle') return open.sort((x, y) => x.readySince - y.readySince || cmp(x.agentId, y.agentId));
  if (mode !== 'round-robin') return open;
  const sorted = open.sort((x, y) => cmp(kwKey(x), kwKey(y)));
  if (cursor === undefined) return sorted;
  const start = sorted.findIndex((a) => cmp(kwKey(a), cursor) > 0);
  return start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
