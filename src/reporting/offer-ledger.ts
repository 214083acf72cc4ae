/**
 * The offer ledger: one row per knowledge worker offered a preview, with the outcome, when it was
 * decided and the decision latency (decidedAt - offeredAt, ms). Written by the PreviewReporter,
 * read by tests and the web UI.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { PreviewDecision, PreviewOffer, PreviewOutcome } from './preview-report.ts';

/** One ledger row. */
export interface OfferRow {
  readonly id: string;
  readonly connId: string;
  readonly agentId: string;
  readonly userId: string;
  readonly routingPoint: string | undefined;
  readonly dn: string | undefined;
  readonly offeredAt: number;
  readonly outcome: PreviewOutcome | undefined;
  readonly decidedAt: number | undefined;
  readonly latencyMs: number | undefined;
  readonly reason: string | undefined;
  /** `voice` or `chat`. */
  readonly mediaType: string;
}

/** Which rows to read; all filters are optional. Rows come oldest offer first. */
export interface OfferQuery {
  connId?: string;
  agentId?: string;
  /** Offers at or after this time. */
  since?: number;
  /** Only undecided (true) or decided (false) offers. */
  pending?: boolean;
  /** At most this many rows (default 1000, at most 10000). */
  limit?: number;
}

interface OfferTable {
  rep_preview_offer: {
    id: string;
    conn_id: string;
    agent_id: string;
    user_id: string;
    routing_point: string | null;
    dn: string | null;
    offered_at: number | string;
    outcome: string | null;
    decided_at: number | string | null;
    latency_ms: number | string | null;
    reason: string | null;
    instance_run?: string | null;
    media_type?: string | null;
  };
}

/** The outcome and reason an offer left open by a dead run gets when its instance starts again (docs/reporting.md). */
export const CRASH_CLOSE = { outcome: 'error', reason: 'instance-restarted' } as const;

const MAX_ROWS = 10_000;
/** Rows per multi-row statement (12 parameters a row stays far below every engine's limit). */
const ROWS_PER_STATEMENT = 500;

/** One write of a batch: an offer to insert or a decision to record. */
export type LedgerWrite = { readonly kind: 'offer'; readonly offer: PreviewOffer } | { readonly kind: 'decision'; readonly decision: PreviewDecision };

function num(v: number | string | null): number | undefined {
  return v === null ? undefined : Number(v);
}

export class OfferLedger {
  private readonly db: Kysely<OfferTable>;

  /**
   * `db`: the store's database with the reporting migrations applied. `instanceRun`: the run
   * (`<instance>#<run>`) recorded with each offer, so a later run can close the ones it left open.
   */
  constructor(
    db: Kysely<unknown>,
    private readonly instanceRun?: string,
  ) {
    this.db = db as unknown as Kysely<OfferTable>;
  }

  /** Records an offer; returns the row id. */
  async recordOffer(o: PreviewOffer): Promise<string> {
    const row = offerRow(o, this.instanceRun);
    await this.db.insertInto('rep_preview_offer').values(row).execute();
    return row.id;
  }

  /**
   * Records the outcome of the undecided offers of `connId` to `agentId` (one statement, so a
   * second decision finds nothing to update). Returns the number of rows decided: 0 when there was
   * no open offer (never offered, or already decided).
   */
  async recordDecision(d: PreviewDecision): Promise<number> {
    const r = await this.db
      .updateTable('rep_preview_offer')
      .set({ outcome: d.outcome, decided_at: d.decidedAt, latency_ms: sql<number>`${d.decidedAt} - offered_at`, reason: d.reason ?? null })
      .where('conn_id', '=', d.connId)
      .where('agent_id', '=', d.agentId)
      .where('outcome', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Writes a batch in one transaction, in order: each run of offers is one multi-row insert, each
   * run of decisions one update per (ConnID, outcome, time, reason) — the 999 `taken` of a
   * broadcast are one statement. Order matters only between an offer and a later decision of the
   * same ConnID and agent, and runs keep it. Returns the rows decided per decision write, in order
   * (0: no open offer). Rejects, writing nothing, when any statement fails.
   */
  async recordBatch(writes: readonly LedgerWrite[]): Promise<number[]> {
    const decidedRows: number[] = [];
    await this.db.transaction().execute(async (trx) => {
      let i = 0;
      while (i < writes.length) {
        const kind = writes[i]!.kind;
        let j = i;
        while (j < writes.length && writes[j]!.kind === kind) j++;
        const run = writes.slice(i, j);
        if (kind === 'offer') await insertOffers(trx, run.flatMap((w) => (w.kind === 'offer' ? [w.offer] : [])), this.instanceRun);
        else decidedRows.push(...(await decideMany(trx, run.flatMap((w) => (w.kind === 'decision' ? [w.decision] : [])))));
        i = j;
      }
    });
    return decidedRows;
  }

  /**
   * Closes the offers a dead run left open: those of the instance's other runs (holders starting
   * with `prefix`, except `current`), and those recorded before runs were named, offered before
   * `startedAt`. They get {@link CRASH_CLOSE} at `startedAt`. Returns how many were closed.
   */
  async closeDeadRuns(prefix: string, current: string, startedAt: number): Promise<number> {
    const r = await this.db
      .updateTable('rep_preview_offer')
      .set({ outcome: CRASH_CLOSE.outcome, decided_at: startedAt, latency_ms: sql<number>`${startedAt} - offered_at`, reason: CRASH_CLOSE.reason })
      .where('outcome', 'is', null)
      .where((eb) =>
        eb.or([
          eb.and([eb(sql<string>`substr(instance_run, 1, ${prefix.length})`, '=', prefix), eb('instance_run', '<>', current)]),
          eb.and([eb('instance_run', 'is', null), eb('offered_at', '<', startedAt)]),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Reads ledger rows. */
  async offers(q: OfferQuery = {}): Promise<OfferRow[]> {
    let query = this.db.selectFrom('rep_preview_offer').selectAll();
    if (q.connId !== undefined) query = query.where('conn_id', '=', q.connId);
    if (q.agentId !== undefined) query = query.where('agent_id', '=', q.agentId);
    if (q.since !== undefined) query = query.where('offered_at', '>=', q.since);
    if (q.pending === true) query = query.where('outcome', 'is', null);
    if (q.pending === false) query = query.where('outcome', 'is not', null);
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 1000)), MAX_ROWS);
    const rows = await query.orderBy('offered_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      connId: r.conn_id,
      agentId: r.agent_id,
      userId: r.user_id,
      routingPoint: r.routing_point ?? undefined,
      dn: r.dn ?? undefined,
      offeredAt: Number(r.offered_at),
      outcome: (r.outcome ?? undefined) as PreviewOutcome | undefined,
      decidedAt: num(r.decided_at),
      latencyMs: num(r.latency_ms),
      reason: r.reason ?? undefined,
      mediaType: r.media_type ?? 'voice',
    }));
  }

  /**
   * Offers made in [from, to) counted per agent (or per routing point) and outcome, with the sum
   * of their decision latencies: the rows of the supervisor report and the per-KW outcome chart.
   */
  async outcomeTotals(by: 'agent' | 'routing-point', from: number, to: number): Promise<OutcomeTotal[]> {
    const base = this.db.selectFrom('rep_preview_offer').where('offered_at', '>=', from).where('offered_at', '<', to);
    const agg = <T extends { outcome: string | null; n: number | string; lat: number | string | null }>(rows: T[], key: (r: T) => string, user: (r: T) => string | undefined): OutcomeTotal[] =>
      rows.map((r) => ({ key: key(r), userId: user(r), outcome: (r.outcome ?? null) as PreviewOutcome | null, count: Number(r.n), latencySumMs: r.lat === null ? 0 : Number(r.lat) }));
    if (by === 'agent') {
      const rows = await base
        .select((eb) => ['agent_id', 'user_id', 'outcome', eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('latency_ms').as('lat')])
        .groupBy(['agent_id', 'user_id', 'outcome']).orderBy('agent_id').limit(MAX_GROUPS).execute();
      return agg(rows, (r) => r.agent_id, (r) => r.user_id);
    }
    const rows = await base
      .select((eb) => ['routing_point', 'outcome', eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('latency_ms').as('lat')])
      .groupBy(['routing_point', 'outcome']).orderBy('routing_point').limit(MAX_GROUPS).execute();
    return agg(rows, (r) => r.routing_point ?? '', () => undefined);
  }

  /**
   * Decision times of the offers made in [from, to) whose outcome is one of `outcomes`, counted in
   * buckets of `bucketMs` (bucket i holds latencies in [i·bucketMs, (i+1)·bucketMs)).
   */
  async decisionTimeBuckets(from: number, to: number, bucketMs: number, outcomes: readonly PreviewOutcome[]): Promise<Array<{ bucket: number; count: number }>> {
    const width = Math.max(1, Math.floor(bucketMs));
    if (outcomes.length === 0) return [];
    // The width is inlined (a checked integer): PostgreSQL matches the GROUP BY to the select list by text.
    const bucket = sql<number | string>`cast(latency_ms / ${sql.lit(width)} as integer)`;
    const rows = await this.db
      .selectFrom('rep_preview_offer')
      .select((eb) => [bucket.as('b'), eb.fn.countAll<number | string>().as('n')])
      .where('offered_at', '>=', from).where('offered_at', '<', to)
      .where('outcome', 'in', [...outcomes]).where('latency_ms', 'is not', null)
      .groupBy(bucket).limit(MAX_GROUPS).execute();
    return rows.map((r) => ({ bucket: Number(r.b), count: Number(r.n) })).sort((a, b) => a.bucket - b.bucket);
  }

  /** Offers per outcome (`pending` for undecided) since a time, with the mean decision latency. */
  async outcomeCounts(since = 0): Promise<Array<{ outcome: PreviewOutcome | 'pending'; count: number; meanLatencyMs: number | undefined }>> {
    const rows = await this.db
      .selectFrom('rep_preview_offer')
      .select((eb) => ['outcome', eb.fn.countAll<number | string>().as('n'), eb.fn.avg<number | string | null>('latency_ms').as('mean')])
      .where('offered_at', '>=', since)
      .groupBy('outcome')
      .execute();
    return rows
      .map((r) => ({ outcome: (r.outcome ?? 'pending') as PreviewOutcome | 'pending', count: Number(r.n), meanLatencyMs: r.mean === null ? undefined : Number(r.mean) }))
      .sort((a, b) => (a.outcome < b.outcome ? -1 : 1));
  }
}

/** Offers of one key (an agent, or a routing point) with one outcome (`null`: undecided) in a period. */
export interface OutcomeTotal {
  /** AgentID, or the routing point ('' when the offer named none). */
  readonly key: string;
  /** The Person user name (by agent only). */
  readonly userId: string | undefined;
  readonly outcome: PreviewOutcome | null;
  readonly count: number;
  /** Sum of the decision latencies of these offers (ms; undecided ones add nothing). */
  readonly latencySumMs: number;
}

/** Groups rows read by an aggregate query may return at most (one per key and outcome). */
const MAX_GROUPS = 20_000;

function offerRow(o: PreviewOffer, instanceRun: string | undefined): OfferTable['rep_preview_offer'] {
  return { id: randomUUID(), conn_id: o.connId, agent_id: o.agentId, user_id: o.userId, routing_point: o.routingPoint ?? null, dn: o.dn ?? null, offered_at: o.offeredAt, outcome: null, decided_at: null, latency_ms: null, reason: null, instance_run: instanceRun ?? null, media_type: o.mediaType ?? 'voice' };
}

async function insertOffers(db: Kysely<OfferTable>, offers: readonly PreviewOffer[], instanceRun: string | undefined): Promise<void> {
  for (let i = 0; i < offers.length; i += ROWS_PER_STATEMENT) {
    await db.insertInto('rep_preview_offer').values(offers.slice(i, i + ROWS_PER_STATEMENT).map((o) => offerRow(o, instanceRun))).execute();
  }
}

/**
 * Decides a run of decisions (at most one per ConnID and agent: a run holds no offer, and an offer
 * is decided once). Returns the rows each decision set, in the run's order.
 */
async function decideMany(db: Kysely<OfferTable>, decisions: readonly PreviewDecision[]): Promise<number[]> {
  const groups = new Map<string, number[]>();
  decisions.forEach((d, i) => {
    const key = JSON.stringify([d.connId, d.outcome, d.decidedAt, d.reason ?? null]);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const rows = decisions.map(() => 0);
  for (const members of groups.values()) {
    const d = decisions[members[0]!]!;
    for (let i = 0; i < members.length; i += ROWS_PER_STATEMENT) {
      const chunk = members.slice(i, i + ROWS_PER_STATEMENT);
      const agents = chunk.map((m) => decisions[m]!.agentId);
      const updated = await db
        .updateTable('rep_preview_offer')
        .set({ outcome: d.outcome, decided_at: d.decidedAt, latency_ms: sql<number>`${d.decidedAt} - offered_at`, reason: d.reason ?? null })
        .where('conn_id', '=', d.connId)
        .where('agent_id', 'in', agents)
        .where('outcome', 'is', null)
        .returning('agent_id')
        .execute();
      const hit = new Map<string, number>();
      for (const r of updated) hit.set(r.agent_id, (hit.get(r.agent_id) ?? 0) + 1);
      for (const m of chunk) rows[m] = hit.get(decisions[m]!.agentId) ?? 0;
    }
  }
  return rows;
}
