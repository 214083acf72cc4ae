/**
 * The supervisor's REST calls and the shapes the dashboard shows (server: src/supervisor/
 * dashboard-types.ts, docs/supervisor.md). Same-origin GETs with the session cookie.
 */

export type AgentState = 'LoggedOut' | 'Ready' | 'NotReady' | 'Busy' | 'AfterCallWork';

export interface KwRow {
  userName: string;
  displayName: string;
  agentId: string;
  dn: string;
  groups: string[];
  agentState: AgentState;
  stateSince: number | null;
  workMode: string | null;
  reason: string;
  presence: { availability: string; activity: string | null; note: string | null; source: string; observedAt: string } | null;
  connectorDnd: boolean;
  autoState: string | null;
  interaction: { connId: string; state: string; otherDn: string | null; since: number } | null;
}

export interface RoutingPointRow {
  dn: string;
  displayName: string;
  waiting: number;
  longestWaitMs: number;
  routedToday: number;
  abandonedToday: number;
}

export interface PreviewRow {
  id: string;
  connId: string;
  userName: string;
  routingPoint: string | null;
  offeredAt: number;
  deadline: number;
  state: string;
}

export const outcomeNames = ['accepted', 'rejected', 'timeout', 'taken', 'cancelled', 'error', 'redirected'] as const;
export type OutcomeName = (typeof outcomeNames)[number];

export interface OutcomeRow {
  key: string;
  userName?: string;
  offered: number;
  counts: Record<OutcomeName | 'pending', number>;
  meanDecisionMs: number | null;
}

export interface TimelineSegment {
  state: AgentState;
  from: number;
  to: number | null;
}

export interface DashboardSnapshot {
  now: number;
  groups: string[];
  kws: KwRow[];
  kwsTruncated: boolean;
  routingPoints: RoutingPointRow[];
  previews: PreviewRow[];
  charts: {
    dayStart: number;
    outcomes: OutcomeRow[];
    decisionTimes: { bucketMs: number; counts: number[] };
    timelines: { from: number; to: number; kws: Array<{ userName: string; agentId: string; segments: TimelineSegment[] }> };
    at: number;
  };
}

export interface Report {
  from: string;
  to: string;
  byKw: OutcomeRow[];
  byRoutingPoint: OutcomeRow[];
}

export class SupervisorApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function get<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    throw new SupervisorApiError(0, 'network');
  }
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new SupervisorApiError(res.status, data.error ?? res.statusText);
  return data as T;
}

/** The report period as query parameters. */
export function periodQuery(from: string, to: string): string {
  return `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
}

export const supervisorApi = {
  /** 200 for a supervisor, 403 for anyone else. */
  me: () => get<{ userName: string; supervisor: true; knowledgeWorker: boolean }>('/api/v1/supervisor/me'),
  report: (from: string, to: string) => get<Report>(`/api/v1/supervisor/report?${periodQuery(from, to)}`),
  csvUrl: (from: string, to: string, by: 'kw' | 'routing-point') => `/api/v1/supervisor/report.csv?${periodQuery(from, to)}&by=${by}`,
};
