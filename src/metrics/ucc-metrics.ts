/**
 * The Prometheus metrics of one `ucc start` process (prom-client, one private registry).
 *
 * Hot paths stay cheap: counters and histograms are updated inline by small callbacks (presence
 * applied, store query, preview events); gauges (KWs by state and source, calls by state, T-Lib
 * sessions) and the SIP/T-Lib counters kept as plain integers by their owners are read on scrape.
 * docs/operations.md lists every family.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UcConnector } from '../connector/connector.ts';
import type { PreviewManager } from '../connector/preview-manager.ts';
import { sipCounters } from '../sip/transaction/sip-counters.ts';
import type { TServer } from '../tserver/tserver.ts';

/** What the metrics read on scrape; bound once the roles are built. */
export interface MetricSources {
  connector: UcConnector;
  tserver: TServer;
  previews: PreviewManager;
}

/** Bounds on label values that come from the running system (no unbounded series). */
const MAX_REASONS = 64;
const MAX_OPEN_OFFERS = 100_000;

export class UccMetrics {
  readonly registry = new Registry();
  private readonly presenceUpdates: Counter<'source'>;
  private readonly presenceAge: Histogram<'source'>;
  private readonly storeQuery: Histogram<'result'>;
  private readonly offers: Counter;
  private readonly outcomes: Counter<'outcome' | 'reason'>;
  private readonly decision: Histogram<'outcome'>;
  private readonly reasons = new Set<string>();
  private readonly openedAt = new Map<string, number>();
  private sources: MetricSources | undefined;
  /** Last values of counters kept by their owners, for increments on scrape. */
  private readonly last = { sipClient: 0, sipServer: 0, retransSent: 0, retransReceived: 0, ok: 0, error: 0, refused: 0 };

  constructor(private readonly now: () => number = Date.now) {
    collectDefaultMetrics({ register: this.registry });
    const r = [this.registry];
    this.presenceUpdates = new Counter({ name: 'ucc_presence_updates_total', help: 'Presence updates applied to knowledge workers, by presence source.', labelNames: ['source'], registers: r });
    this.presenceAge = new Histogram({ name: 'ucc_presence_age_seconds', help: 'How old a presence state was when it was applied to its knowledge worker.', labelNames: ['source'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120], registers: r });
    this.storeQuery = new Histogram({ name: 'ucc_store_query_seconds', help: 'Store (SQLite/PostgreSQL) query latency.', labelNames: ['result'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: r });
    this.offers = new Counter({ name: 'ucc_preview_offers_total', help: 'Previews offered to knowledge workers.', registers: r });
    this.outcomes = new Counter({ name: 'ucc_preview_outcomes_total', help: 'Preview offers closed, by outcome and reason.', labelNames: ['outcome', 'reason'], registers: r });
    this.decision = new Histogram({ name: 'ucc_preview_decision_seconds', help: 'Time from a preview offer to its outcome (the decision latency).', labelNames: ['outcome'], buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120], registers: r });
    // collect() runs with `this` bound to its metric: the instance is reached through these arrows.
    const self = { countKws: this.countKws.bind(this), last: this.last, get sources() { return src(); } };
    const src = (): MetricSources | undefined => this.sources;
    new Gauge({
      name: 'ucc_knowledge_workers', help: 'Knowledge workers by agent state.', labelNames: ['agent_state'], registers: r,
      collect() {
        this.reset();
        for (const [k, n] of self.countKws((v) => v.agentState)) this.set({ agent_state: k }, n);
      },
    });
    new Gauge({
      name: 'ucc_knowledge_workers_by_presence_source', help: 'Knowledge workers by the source of their presence (none: no presence yet).', labelNames: ['source'], registers: r,
      collect() {
        this.reset();
        for (const [k, n] of self.countKws((v) => v.presence?.source ?? 'none')) this.set({ source: k }, n);
      },
    });
    new Gauge({
      name: 'ucc_calls', help: 'Live interactions in the T-Server, by media (voice, chat) and state.', labelNames: ['media', 'state'], registers: r,
      collect() {
        this.reset();
        const t = self.sources?.tserver;
        if (!t) return;
        for (const media of ['voice', 'chat']) for (const state of ['dialing', 'ringing', 'routing', 'established']) this.set({ media, state }, 0);
        for (const [key, n] of t.core.callsByState()) {
          const [media = 'voice', state = 'dialing'] = key.split('|');
          this.set({ media, state }, n);
        }
      },
    });
    new Gauge({
      name: 'ucc_tlib_sessions', help: 'Open T-Lib sessions to the T-Server (TCP and in-process).', registers: r,
      collect() {
        this.set(self.sources?.tserver.sessionCount ?? 0);
      },
    });
    new Counter({
      name: 'ucc_tlib_requests_total', help: 'T-Lib requests to the T-Server, by result (ok, error: EventError, refused: access rules).', labelNames: ['result'], registers: r,
      collect() {
        const t = self.sources?.tserver.requestResults;
        if (!t) return;
        for (const result of ['ok', 'error', 'refused'] as const) {
          this.inc({ result }, t[result] - self.last[result]);
          self.last[result] = t[result];
        }
      },
    });
    new Counter({
      name: 'ucc_sip_transactions_total', help: 'SIP transactions created, by kind (client: sent requests, server: received).', labelNames: ['kind'], registers: r,
      collect() {
        this.inc({ kind: 'client' }, sipCounters.clientTransactions - self.last.sipClient);
        this.inc({ kind: 'server' }, sipCounters.serverTransactions - self.last.sipServer);
        self.last.sipClient = sipCounters.clientTransactions;
        self.last.sipServer = sipCounters.serverTransactions;
      },
    });
    new Counter({
      name: 'ucc_sip_retransmissions_total', help: 'SIP retransmissions, sent on a timer or received and answered.', labelNames: ['direction'], registers: r,
      collect() {
        this.inc({ direction: 'sent' }, sipCounters.retransmissionsSent - self.last.retransSent);
        this.inc({ direction: 'received' }, sipCounters.retransmissionsReceived - self.last.retransReceived);
        self.last.retransSent = sipCounters.retransmissionsSent;
        self.last.retransReceived = sipCounters.retransmissionsReceived;
      },
    });
  }

  /** For openStore's `onQuery`. */
  readonly storeQueried = (ms: number, failed: boolean): void => {
    this.storeQuery.observe({ result: failed ? 'error' : 'ok' }, ms / 1000);
  };

  /** For UcConnector's `presenceApplied`. */
  readonly presenceApplied = (source: string, ageMs: number): void => {
    this.presenceUpdates.inc({ source });
    this.presenceAge.observe({ source }, Math.max(0, ageMs) / 1000);
  };

  /** Starts reading the roles (gauges) and observing the preview manager's events. */
  bind(sources: MetricSources): void {
    this.sources = sources;
    sources.connector.presenceApplied = this.presenceApplied;
    sources.previews.on('offerOpened', (o) => {
      this.offers.inc();
      if (this.openedAt.size < MAX_OPEN_OFFERS) this.openedAt.set(o.id, this.now());
    });
    sources.previews.on('offerClosed', (o) => {
      const reason = this.reasonLabel(o.reason ?? o.outcome);
      this.outcomes.inc({ outcome: o.outcome, reason });
      const at = this.openedAt.get(o.id);
      this.openedAt.delete(o.id);
      if (at !== undefined) this.decision.observe({ outcome: o.outcome }, Math.max(0, this.now() - at) / 1000);
    });
  }

  /** The text for `GET /metrics`. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private reasonLabel(reason: string): string {
    const r = reason.slice(0, 48);
    if (this.reasons.has(r)) return r;
    if (this.reasons.size >= MAX_REASONS) return 'other';
    this.reasons.add(r);
    return r;
  }

  private countKws(key: (v: NonNullable<ReturnType<UcConnector['knowledgeWorker']>>) => string): Map<string, number> {
    const out = new Map<string, number>();
    const c = this.sources?.connector;
    if (!c) return out;
    for (const u of c.knowledgeWorkers()) {
      const v = c.knowledgeWorker(u);
      if (!v) continue;
      const k = key(v);
      out.set(k, (out.get(k) ?? 0) + 1);
    }
    return out;
  }
}
