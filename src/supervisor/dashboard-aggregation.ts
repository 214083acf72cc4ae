/**
 * The dashboard's and the report's arithmetic, pure: outcome rows from the ledger's totals, the
 * decision-time histogram, agent-state timelines from the history, and "today" counters over the
 * statistics' running totals. No clock and no store: every function takes the times it needs.
 */
import type { AgentStateRow } from '../reporting/agent-state-history.ts';
import type { OutcomeTotal } from '../reporting/offer-ledger.ts';
import type { AgentStatState } from '../stats/stat-types.ts';
import { reportOutcomes, type Histogram, type KwTimeline, type OutcomeCounts, type OutcomeRow, type TimelineSegment } from './dashboard-types.ts';

/** Local midnight (the server's time zone) of the day holding `now`. */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function emptyCounts(): OutcomeCounts {
  return { accepted: 0, rejected: 0, timeout: 0, taken: 0, cancelled: 0, error: 0, redirected: 0, pending: 0 };
}

/**
 * One row per key from the ledger's (key, outcome) totals, sorted by key. The mean decision time
 * is over the decided offers (timeouts included: they are the full countdown).
 */
export function outcomeRows(totals: readonly OutcomeTotal[]): OutcomeRow[] {
  const byKey = new Map<string, { userName: string | undefined; counts: OutcomeCounts; decided: number; latency: number }>();
  for (const t of totals) {
    let row = byKey.get(t.key);
    if (!row) byKey.set(t.key, (row = { userName: t.userId, counts: emptyCounts(), decided: 0, latency: 0 }));
    if (t.outcome === null) {
      row.counts.pending += t.count;
      continue;
    }
    if ((reportOutcomes as readonly string[]).includes(t.outcome)) row.counts[t.outcome] += t.count;
    row.decided += t.count;
    row.latency += t.latencySumMs;
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, r]) => ({
      key,
      ...(r.userName !== undefined ? { userName: r.userName } : {}),
      offered: Object.values(r.counts).reduce((n, c) => n + c, 0),
      counts: r.counts,
      meanDecisionMs: r.decided > 0 ? Math.round(r.latency / r.decided) : null,
    }));
}

/**
 * A histogram of `maxBuckets` buckets from the store's (bucket index, count) pairs; indexes past
 * the last bucket (and negative ones, from clock steps) are counted in the last and first.
 */
export function histogram(buckets: ReadonlyArray<{ bucket: number; count: number }>, bucketMs: number, maxBuckets: number): Histogram {
  const n = Math.max(1, Math.floor(maxBuckets));
  const counts = new Array<number>(n).fill(0);
  for (const b of buckets) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(b.bucket)));
    counts[i] = counts[i]! + b.count;
  }
  return { bucketMs, counts };
}

/** An agent the timelines cover, with its state now (from statistics). */
export interface TimelineAgent {
  readonly agentId: string;
  readonly userName: string;
  /** The agent's state now and since when (null: unknown, treated as LoggedOut throughout). */
  readonly current: { readonly state: AgentStatState; readonly since: number } | null;
}

/**
 * Each agent's state stretches over [from, to): the history rows (oldest first) cut the window;
 * the stretch before the first row is the row's previous state; an agent without rows in the
 * window was in its current state the whole time (or LoggedOut when statistics do not know it).
 * Consecutive stretches of the same state are merged; the last one is open (`to` null).
 */
export function stateTimelines(rows: readonly AgentStateRow[], agents: readonly TimelineAgent[], from: number, to: number): KwTimeline[] {
  const byAgent = new Map<string, AgentStateRow[]>();
  for (const r of rows) {
    if (r.at < from || r.at >= to) continue;
    const list = byAgent.get(r.agentId);
    if (list) list.push(r);
    else byAgent.set(r.agentId, [r]);
  }
  return agents.map((a) => {
    const own = byAgent.get(a.agentId) ?? [];
    const segments: Array<{ state: AgentStatState; from: number; to: number | null }> = [];
    const push = (state: AgentStatState, at: number): void => {
      const last = segments[segments.length - 1];
      if (last && last.state === state) return;
      if (last) last.to = at;
      segments.push({ state, from: at, to: null });
    };
    if (own.length === 0) {
      const state = a.current && a.current.since < to ? a.current.state : 'LoggedOut';
      push(state, from);
    } else {
      push(own[0]!.previousState, from);
      for (const r of own) {
        if (r.at === from) segments.length = 0;
        push(r.state, r.at);
      }
    }
    return { userName: a.userName, agentId: a.agentId, segments: segments as TimelineSegment[] };
  });
}

/**
 * "Today" over a running total that never goes down (the statistics' TotalNumberCalls*): the
 * total minus the total last seen before local midnight. Totals start with the statistics, so
 * a process started today counts from 0 — "since midnight, or since this instance started".
 */
export class DailyCounters {
  private readonly state = new Map<string, { day: number; baseline: number; last: number }>();

  /** `startedAt`: when the totals started counting (statistics' start). */
  constructor(private readonly startedAt: number) {}

  /** Today's count for `key` whose running total is `total` at `now`. */
  today(key: string, total: number, now: number): number {
    const day = startOfLocalDay(now);
    let s = this.state.get(key);
    if (!s) {
      // First sight: counting began today (baseline 0), or before (the past is not separable).
      this.state.set(key, (s = { day, baseline: this.startedAt >= day ? 0 : total, last: total }));
    } else if (s.day !== day) {
      // A new day: everything counted up to the last total seen belongs to the days before.
      s.day = day;
      s.baseline = s.last;
    }
    // A total that went down (statistics restarted) starts the day over.
    if (total < s.baseline) s.baseline = 0;
    s.last = total;
    return total - s.baseline;
  }

  /** Forgets keys no longer configured. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.state.keys()) if (!keys.has(k)) this.state.delete(k);
  }
}

/** The `key=value` text of a reasons object, bounded (the dashboard shows a line, not a document). */
export function reasonText(reasons: Record<string, unknown>, max = 120): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(reasons)) parts.push(`${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  const text = parts.join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
