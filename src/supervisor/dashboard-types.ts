/**
 * What the supervisor dashboard shows (docs/supervisor.md): the JSON of `GET
 * /api/v1/supervisor/dashboard` and of each `dashboard` message on the supervisor socket. Times are
 * epoch ms of the server's clock; `now` lets the browser correct for its own clock.
 */
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { AgentStatState } from '../stats/stat-types.ts';

/** One knowledge worker's row. */
export interface KwRow {
  readonly userName: string;
  /** First and last name, else the user name. */
  readonly displayName: string;
  readonly agentId: string;
  readonly dn: string;
  readonly groups: readonly string[];
  /** The state statistics report (Busy and AfterCallWork included); LoggedOut when unknown. */
  readonly agentState: AgentStatState;
  /** Since when the agent is in `agentState` (null: unknown to statistics). */
  readonly stateSince: number | null;
  readonly workMode: string | null;
  /** The reasons of the last agent event, as `key=value` text ('' when none). */
  readonly reason: string;
  readonly presence: { readonly availability: string; readonly activity: string | null; readonly note: string | null; readonly source: string; readonly observedAt: string } | null;
  readonly connectorDnd: boolean;
  readonly autoState: string | null;
  /** The KW's current call (the newest one not released), or null. */
  readonly interaction: { readonly connId: string; readonly state: string; readonly otherDn: string | null; readonly since: number } | null;
}

/** One routing point's row. */
export interface RoutingPointRow {
  readonly dn: string;
  readonly displayName: string;
  readonly waiting: number;
  /** How long the longest-waiting call has waited, ms (0: none waits). */
  readonly longestWaitMs: number;
  /** Calls routed (distributed) since local midnight, or since statistics started when later. */
  readonly routedToday: number;
  readonly abandonedToday: number;
}

/** One preview in flight. */
export interface PreviewRow {
  readonly id: string;
  readonly connId: string;
  readonly userName: string;
  readonly routingPoint: string | null;
  readonly offeredAt: number;
  /** When the countdown ends. */
  readonly deadline: number;
  readonly state: string;
}

/** The outcomes the per-KW chart and the report count. */
export const reportOutcomes = ['accepted', 'rejected', 'timeout', 'taken', 'cancelled', 'error', 'redirected'] as const satisfies readonly PreviewOutcome[];

/** Offers per outcome, plus the undecided ones. */
export type OutcomeCounts = Record<(typeof reportOutcomes)[number] | 'pending', number>;

/** One report (or chart) row: a KW or a routing point, its offers by outcome and the mean decision time. */
export interface OutcomeRow {
  /** AgentID or routing point. */
  readonly key: string;
  /** The KW's user name (rows by KW). */
  readonly userName?: string;
  readonly offered: number;
  readonly counts: OutcomeCounts;
  /** Mean decision time of the decided offers, ms (null when none was decided). */
  readonly meanDecisionMs: number | null;
}

/** A histogram: `counts[i]` holds values in [i·bucketMs, (i+1)·bucketMs); the last bucket holds everything above. */
export interface Histogram {
  readonly bucketMs: number;
  readonly counts: readonly number[];
}

/** A stretch of one agent state. `to` null: still in it. */
export interface TimelineSegment {
  readonly state: AgentStatState;
  readonly from: number;
  readonly to: number | null;
}

export interface KwTimeline {
  readonly userName: string;
  readonly agentId: string;
  readonly segments: readonly TimelineSegment[];
}

/** The charts: refreshed from the store at a bounded rate. */
export interface DashboardCharts {
  /** Local midnight: the start of "today". */
  readonly dayStart: number;
  /** Today's offers per KW. */
  readonly outcomes: readonly OutcomeRow[];
  /** Today's decision times (accepted, rejected, redirected offers). */
  readonly decisionTimes: Histogram;
  readonly timelines: { readonly from: number; readonly to: number; readonly kws: readonly KwTimeline[] };
  /** When the charts were computed. */
  readonly at: number;
}

/** The whole dashboard. */
export interface DashboardSnapshot {
  readonly now: number;
  readonly groups: readonly string[];
  readonly kws: readonly KwRow[];
  /** True when there were more KWs than the dashboard shows (maxKws). */
  readonly kwsTruncated: boolean;
  readonly routingPoints: readonly RoutingPointRow[];
  readonly previews: readonly PreviewRow[];
  readonly charts: DashboardCharts;
}
