/**
 * The router's pick of one KW in a large agent group, as sip-calls makes it per call: statistics
 * (StatCore) over BENCH_KWS (2,200) Ready KWs in one group; each pick takes the first candidate in
 * the strategy's order, that KW's DN rings (Busy), and the call that has been up longest ends
 * (Ready again) once BENCH_BUSY calls are up. Compared, alternating rounds on CPU time:
 * - `sort`: availableAgents built and sorted from every member, then orderCandidates (how the
 *   router picked before the Ready index; still its path for statistics without the lazy queries);
 * - `lazy`: the Ready index (longest-idle) or the name-sorted members (round-robin), read until
 *   the first candidate.
 * Each pick includes the statistics updates of its two events. BENCH_BUSY runs 0 (the rate phases)
 * and 2,000 (the held phase) by default.
 *
 * Ends with `BENCH {"name":"routing-pick","roundRobinSpeedup":…,"longestIdleSpeedup":…,…}`.
 */
import { orderCandidates } from '../src/router/agent-selection.ts';
import type { SelectionMode } from '../src/router/routing-strategy.ts';
import { StatCore } from '../src/stats/stat-core.ts';
import type { AvailableAgent } from '../src/stats/stat-types.ts';
import type { TlibEvent } from '../src/tlib/index.ts';
import { compareRates, printBench, printTable } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v >= 0 ? v : d;
};
const ev = (message: string, attrs: Record<string, unknown>): TlibEvent => ({ message, ...attrs }) as unknown as TlibEvent;
const dnOf = (i: number): string => `7${String(i).padStart(5, '0')}`;

/** A group of `kws` Ready KWs and a pick function that rings the picked one and ends the oldest call. */
function world(kws: number, busy: number, mode: SelectionMode, lazy: boolean): () => void {
  const users = Array.from({ length: kws }, (_, i) => `u${i}`);
  const core = new StatCore({ agents: users.map((u, i) => ({ agentId: `A${i}`, userName: u })), groups: [{ name: 'G', members: users }], dns: users.map((_, i) => dnOf(i)) }, 0);
  let now = 1;
  users.forEach((_, i) => core.apply(ev('EventAgentLogin', { ThisDN: dnOf(i), AgentID: `A${i}`, AgentWorkMode: 'ManualIn' }), now++));
  const up: string[] = [];
  let cursor: string | undefined;
  let conn = 0;
  const first = (): AvailableAgent | undefined => {
    if (!lazy) return orderCandidates(mode, core.availableAgents('G'), new Set(), cursor)[0];
    for (const a of mode === 'round-robin' ? core.roundRobinFrom('G', cursor) : core.readyInOrder('G')) return a;
    return undefined;
  };
  return () => {
    now++;
    const a = first();
    if (!a) throw new Error('nobody Ready: BENCH_BUSY must be below BENCH_KWS');
    cursor = a.userName;
    core.apply(ev('EventRinging', { ThisDN: a.dn, ConnID: `c${++conn}` }), now);
    up.push(`${a.dn} c${conn}`);
    if (up.length > busy) {
      const [dn, c] = up.shift()!.split(' ');
      core.apply(ev('EventReleased', { ThisDN: dn, ConnID: c }), now);
    }
  };
}

export default function main(): void {
  const kws = env('BENCH_KWS', 2200);
  const busyList = (process.env.BENCH_BUSY ?? '0,2000').split(',').map(Number).filter((n) => Number.isFinite(n) && n >= 0 && n < kws);
  const rows: Array<[string, number, number, number, number]> = [];
  const speedups: Record<string, number> = {};
  for (const mode of ['round-robin', 'longest-idle'] as const) {
    for (const busy of busyList) {
      const [sort, lazy] = compareRates([world(kws, busy, mode, false), world(kws, busy, mode, true)], { warmupMs: 500, roundMs: 300, rounds: 7 });
      const s = sort!.perSec;
      const l = lazy!.perSec;
      rows.push([mode, busy, 1e6 / s, 1e6 / l, l / s]);
      speedups[`${mode === 'round-robin' ? 'roundRobin' : 'longestIdle'}Busy${busy}Speedup`] = Number((l / s).toFixed(1));
    }
  }
  console.log(`routing-pick: ${kws} KWs in one group; per pick: the first candidate, its DN rings, the oldest call ends; CPU time, alternating rounds`);
  printTable(['selection', 'busy', 'sort µs/pick', 'lazy µs/pick', 'speed-up'], rows.map(([m, b, s, l, x]) => [m, String(b), s.toFixed(1), l.toFixed(1), `${x.toFixed(1)}×`]));
  printBench('routing-pick', { kws, ...speedups, lazyUsPerPickRoundRobin: Number(rows.find((r) => r[0] === 'round-robin')![3].toFixed(2)), sortUsPerPickRoundRobin: Number(rows.find((r) => r[0] === 'round-robin')![2].toFixed(2)) });
}
