/**
 * The supervisor dashboard's feed: it watches the connector (KW views), statistics (agent states,
 * routing-point counters), the KWs' calls and the preview manager, and hands its subscribers a
 * whole {@link DashboardSnapshot}, coalesced: at most one every `minIntervalMs` however busy the
 * system is. The charts come from the store (offer ledger, agent-state history) and are recomputed
 * at most every `chartIntervalMs`, and only after something they show changed.
 *
 * It watches nothing while nobody subscribes: a deployment without a supervisor looking pays nothing.
 */
import type { KnowledgeWorkerView } from '../connector/knowledge-worker-view.ts';
import type { Interaction, InteractionChange } from '../connector/interactions/interaction-machine.ts';
import type { PreviewOfferView } from '../connector/preview-manager-api.ts';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { AgentStateRow } from '../reporting/agent-state-history.ts';
import type { OutcomeTotal } from '../reporting/offer-ledger.ts';
import type { AgentSnapshot, StatRef, StatValue } from '../stats/stat-types.ts';
import { DailyCounters, histogram, outcomeRows, reasonText, startOfLocalDay, stateTimelines } from './dashboard-aggregation.ts';
import type { DashboardCharts, DashboardSnapshot, KwRow, PreviewRow, RoutingPointRow } from './dashboard-types.ts';

type Off = () => void;

/** The KW views (UcConnector). */
export interface FeedConnectorPort {
  knowledgeWorkers(): string[];
  knowledgeWorker(userName: string): KnowledgeWorkerView | undefined;
  on(event: 'kwChange', listener: (view: KnowledgeWorkerView) => void): unknown;
  off(event: 'kwChange', listener: (view: KnowledgeWorkerView) => void): unknown;
}

/** Statistics (StatService). */
export interface FeedStatsPort {
  agent(idOrUserName: string): AgentSnapshot | undefined;
  value(ref: StatRef): StatValue | undefined;
  subscribe(ref: StatRef, listener: () => void): () => void;
  on(event: 'agentStateChange', listener: () => void): unknown;
  off(event: 'agentStateChange', listener: () => void): unknown;
}

/** The KWs' calls (InteractionTracker). */
export interface FeedInteractionPort {
  interactionsOf(userName: string): Interaction[] | undefined;
  on(event: 'change', listener: (userName: string, change: InteractionChange) => void): unknown;
  off(event: 'change', listener: (userName: string, change: InteractionChange) => void): unknown;
}

/** The previews in flight (PreviewManager). */
export interface FeedPreviewPort {
  openPreviews(): PreviewOfferView[];
  on(event: 'offerOpened' | 'offerClosed', listener: () => void): unknown;
  off(event: 'offerOpened' | 'offerClosed', listener: () => void): unknown;
}

/** The store's reports (OfferLedger, AgentStateHistory). */
export interface FeedReportsPort {
  outcomeTotals(by: 'agent' | 'routing-point', from: number, to: number): Promise<OutcomeTotal[]>;
  decisionTimeBuckets(from: number, to: number, bucketMs: number, outcomes: readonly PreviewOutcome[]): Promise<Array<{ bucket: number; count: number }>>;
  historyAll(opts: { from: number; to: number }): Promise<AgentStateRow[]>;
}

/** What the configuration says the dashboard shows. */
export interface FeedDirectory {
  /** Display names of Persons (first and last name) by user name. */
  displayName(userName: string): string;
  /** Agent groups with their member Persons. */
  groups(): ReadonlyArray<{ name: string; members: readonly string[] }>;
  /** Routing points, in configuration order. */
  routingPoints(): ReadonlyArray<{ dn: string; displayName: string }>;
}

export interface SupervisorFeedOptions {
  clock: Clock;
  logger?: Logger;
  connector: FeedConnectorPort;
  stats: FeedStatsPort;
  interactions?: FeedInteractionPort;
  previews: FeedPreviewPort;
  reports?: FeedReportsPort;
  directory: FeedDirectory;
  /** Least time between two snapshots (default 250 ms: at most 4 a second). */
  minIntervalMs?: number;
  /** Least time between two chart refreshes from the store (default 1000 ms). */
  chartIntervalMs?: number;
  /** How long the charts keep refreshing after the last change they show (the ledger is written in batches; default 3000 ms). */
  chartSettleMs?: number;
  /** The span of the agent-state timelines, ending now (default 30 minutes). */
  timelineWindowMs?: number;
  /** Decision-time histogram: bucket width and count (default 1 s × 30; the last holds the rest). */
  histogramBucketMs?: number;
  histogramBuckets?: number;
  /** Most KWs a snapshot holds (default 2000). */
  maxKws?: number;
}

export type SnapshotListener = (snapshot: DashboardSnapshot) => void;

/** The outcomes a decision time is measured for: the KW decided. */
const DECIDED: readonly PreviewOutcome[] = ['accepted', 'rejected', 'redirected'];

export class SupervisorFeed {
  private readonly o: Required<Omit<SupervisorFeedOptions, 'interactions' | 'reports' | 'logger'>> & Pick<SupervisorFeedOptions, 'interactions' | 'reports'>;
  private readonly logger: Logger;
  private readonly listeners = new Set<SnapshotListener>();
  private readonly daily: DailyCounters;
  /** When the feed (and with it this run's statistics) started: nothing is known from before, unless the history says so. */
  private readonly startedAt: number;
  private detach: Off[] = [];
  private timer: TimerHandle | undefined;
  private lastSent = -Infinity;
  private flushing = false;
  private dirty = false;
  private charts: DashboardCharts;
  private chartsAt = -Infinity;
  /** Charts refresh until this time (a change they show happened shortly before). */
  private chartsDirtyUntil = -Infinity;

  constructor(options: SupervisorFeedOptions) {
    this.o = {
      minIntervalMs: 250, chartIntervalMs: 1000, chartSettleMs: 3000, timelineWindowMs: 30 * 60_000, histogramBucketMs: 1000, histogramBuckets: 30, maxKws: 2000,
      ...options,
    };
    this.logger = options.logger ?? silentLogger;
    const now = options.clock.now();
    this.startedAt = now;
    this.daily = new DailyCounters(now);
    this.charts = { dayStart: startOfLocalDay(now), outcomes: [], decisionTimes: { bucketMs: this.o.histogramBucketMs, counts: new Array<number>(this.o.histogramBuckets).fill(0) }, timelines: { from: now - this.o.timelineWindowMs, to: now, kws: [] }, at: now };
  }

  /** Subscribes: the listener gets a snapshot at once, then on every (coalesced) change. Returns the unsubscribe. */
  subscribe(listener: SnapshotListener): Off {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.attach();
    void this.current().then((s) => {
      if (this.listeners.has(listener)) this.deliver(listener, s);
    });
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.release();
    };
  }

  /** A snapshot now (charts refreshed when stale). */
  async current(): Promise<DashboardSnapshot> {
    const now = this.o.clock.now();
    if (now - this.chartsAt >= this.o.chartIntervalMs || startOfLocalDay(now) !== this.charts.dayStart) await this.refreshCharts(now);
    return this.live(this.o.clock.now());
  }

  /** The configuration changed (KWs, groups, routing points): re-watch and send. */
  configChanged(): void {
    if (this.listeners.size === 0) return;
    this.release();
    this.attach();
    this.chartsDirtyUntil = this.o.clock.now() + this.o.chartSettleMs;
    this.changed();
  }

  /** Stops every watch and timer; subscribers get nothing more. */
  stop(): void {
    this.listeners.clear();
    this.release();
  }

  // ------------------------------------------------------------------ watching

  private attach(): void {
    const { connector, stats, interactions, previews } = this.o;
    const onChange = (): void => this.changed();
    const onChartChange = (): void => {
      this.chartsDirtyUntil = this.o.clock.now() + this.o.chartSettleMs;
      this.changed();
    };
    connector.on('kwChange', onChange);
    stats.on('agentStateChange', onChartChange);
    interactions?.on('change', onChange);
    previews.on('offerOpened', onChartChange);
    previews.on('offerClosed', onChartChange);
    const offs: Off[] = [
      () => connector.off('kwChange', onChange),
      () => stats.off('agentStateChange', onChartChange),
      () => interactions?.off('change', onChange),
      () => previews.off('offerOpened', onChartChange),
      () => previews.off('offerClosed', onChartChange),
    ];
    for (const rp of this.o.directory.routingPoints()) {
      for (const stat of ['CurrNumberWaitingCalls', 'CurrMaxCallWaitingTime', 'TotalNumberCallsDistributed', 'TotalNumberCallsAbandoned'] as const) {
        offs.push(stats.subscribe({ object: 'dn', id: rp.dn, stat }, onChange));
      }
    }
    this.detach = offs;
  }

  private release(): void {
    for (const off of this.detach.splice(0)) off();
    if (this.timer?.id !== -1) this.o.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** Something shown changed: send within minIntervalMs. */
  private changed(): void {
    this.dirty = true;
    if (this.timer !== undefined || this.flushing || this.listeners.size === 0) return;
    const wait = this.lastSent + this.o.minIntervalMs - this.o.clock.now();
    if (wait <= 0) {
      // Quiet long enough: send once the current turn's changes are in (a burst in one turn is one snapshot).
      this.timer = { id: -1 };
      queueMicrotask(() => {
        if (this.timer?.id !== -1) return;
        this.timer = undefined;
        void this.flush();
      });
      return;
    }
    this.timer = this.o.clock.setTimer(wait, () => {
      this.timer = undefined;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.listeners.size === 0) return;
    this.flushing = true;
    this.dirty = false;
    try {
      const now = this.o.clock.now();
      const chartsDue = now - this.chartsAt >= this.o.chartIntervalMs;
      if (chartsDue && (this.chartsAt <= this.chartsDirtyUntil || startOfLocalDay(now) !== this.charts.dayStart)) await this.refreshCharts(now);
      const snapshot = this.live(this.o.clock.now());
      this.lastSent = this.o.clock.now();
      for (const l of [...this.listeners]) this.deliver(l, snapshot);
    } catch (e) {
      this.logger.error('supervisor dashboard snapshot failed', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.flushing = false;
    }
    // Changes during the flush, or charts still settling: another round, at the bounded rate.
    const stillSettling = this.chartsAt <= this.chartsDirtyUntil;
    if (stillSettling && this.timer === undefined && this.listeners.size > 0) {
      const wait = Math.max(this.o.minIntervalMs, this.chartsAt + this.o.chartIntervalMs - this.o.clock.now());
      this.timer = this.o.clock.setTimer(wait, () => {
        this.timer = undefined;
        void this.flush();
      });
    } else if (this.dirty) {
      this.changed();
    }
  }

  private deliver(listener: SnapshotListener, s: DashboardSnapshot): void {
    try {
      listener(s);
    } catch (e) {
      this.logger.error('a supervisor dashboard subscriber threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  // ------------------------------------------------------------------ building

  private async refreshCharts(now: number): Promise<void> {
    this.chartsAt = now;
    const dayStart = startOfLocalDay(now);
    const from = now - this.o.timelineWindowMs;
    const agents = this.kwNames().map((userName) => {
      const v = this.o.connector.knowledgeWorker(userName);
      const a = this.o.stats.agent(v?.agentId ?? userName);
      return { userName, agentId: v?.agentId ?? a?.agentId ?? userName, current: a ? { state: a.state, since: a.stateSince } : null };
    });
    const reports = this.o.reports;
    if (!reports) {
      const start = Math.max(from, this.startedAt);
      this.charts = { ...this.charts, dayStart, timelines: { from: start, to: now, kws: stateTimelines([], agents, start, now + 1) }, at: now };
      return;
    }
    try {
      const [totals, buckets, rows] = await Promise.all([
        reports.outcomeTotals('agent', dayStart, now + 1),
        reports.decisionTimeBuckets(dayStart, now + 1, this.o.histogramBucketMs, DECIDED),
        reports.historyAll({ from, to: now + 1 }),
      ]);
      // The timelines start where something is known: the window, the oldest history row in it, or this run's start.
      const start = Math.max(from, Math.min(rows[0]?.at ?? Infinity, this.startedAt));
      this.charts = {
        dayStart,
        outcomes: outcomeRows(totals),
        decisionTimes: histogram(buckets, this.o.histogramBucketMs, this.o.histogramBuckets),
        timelines: { from: start, to: now, kws: stateTimelines(rows, agents, start, now + 1) },
        at: now,
      };
    } catch (e) {
      // The live part still goes out; the charts stay as they were and are retried.
      this.logger.warn('supervisor dashboard charts not refreshed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private kwNames(): string[] {
    return this.o.connector.knowledgeWorkers().slice(0, this.o.maxKws);
  }

  private live(now: number): DashboardSnapshot {
    const { connector, stats, interactions, previews, directory } = this.o;
    const groupsOf = new Map<string, string[]>();
    const groups = directory.groups();
    for (const g of groups) for (const m of g.members) groupsOf.set(m, [...(groupsOf.get(m) ?? []), g.name]);
    const all = connector.knowledgeWorkers();
    const kws: KwRow[] = [];
    for (const userName of all.slice(0, this.o.maxKws)) {
      const v = connector.knowledgeWorker(userName);
      if (!v) continue;
      const a = stats.agent(v.agentId);
      const calls = (interactions?.interactionsOf(userName) ?? []).filter((i) => i.state !== 'released');
      const call = calls.sort((x, y) => y.startedAt - x.startedAt)[0];
      kws.push({
        userName,
        displayName: directory.displayName(userName),
        agentId: v.agentId,
        dn: v.dn,
        groups: groupsOf.get(userName) ?? [],
        agentState: a?.state ?? v.agentState,
        stateSince: a?.stateSince ?? null,
        workMode: v.workMode,
        reason: reasonText(v.reasons),
        presence: v.presence ? { availability: v.presence.availability, activity: v.presence.activity, note: v.presence.note, source: v.presence.source, observedAt: v.presence.observedAt } : null,
        connectorDnd: v.connectorDnd,
        autoState: v.autoState,
        interaction: call ? { connId: call.connId, state: call.state, otherDn: call.otherDn, since: call.startedAt } : null,
      });
    }
    const routingPoints: RoutingPointRow[] = [];
    const keys = new Set<string>();
    for (const rp of directory.routingPoints()) {
      const num = (stat: 'CurrNumberWaitingCalls' | 'CurrMaxCallWaitingTime' | 'TotalNumberCallsDistributed' | 'TotalNumberCallsAbandoned'): number => {
        const v = stats.value({ object: 'dn', id: rp.dn, stat });
        return typeof v === 'number' ? v : 0;
      };
      keys.add(`r:${rp.dn}`).add(`a:${rp.dn}`);
      routingPoints.push({
        dn: rp.dn,
        displayName: rp.displayName,
        waiting: num('CurrNumberWaitingCalls'),
        longestWaitMs: num('CurrMaxCallWaitingTime'),
        routedToday: this.daily.today(`r:${rp.dn}`, num('TotalNumberCallsDistributed'), now),
        abandonedToday: this.daily.today(`a:${rp.dn}`, num('TotalNumberCallsAbandoned'), now),
      });
    }
    this.daily.retain(keys);
    const previewRows: PreviewRow[] = previews
      .openPreviews()
      .map((p) => ({ id: p.id, connId: p.connId, userName: p.userName, routingPoint: p.routingPoint ?? null, offeredAt: p.offeredAt ?? now, deadline: p.deadline, state: p.state }))
      .sort((x, y) => x.deadline - y.deadline);
    return { now, groups: groups.map((g) => g.name), kws, kwsTruncated: all.length > kws.length && all.length > this.o.maxKws, routingPoints, previews: previewRows, charts: this.charts };
  }
}
