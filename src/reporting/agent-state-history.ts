/**
 * The agent-state history: one row per change of an agent's reported state (or of its work mode
 * or reasons), taken from the statistics feed — itself built from T-Server events — with the time,
 * the previous state, the reasons and the T-Lib event that caused it.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { KvList } from '../tlib/index.ts';
import { decodeJson, encodeJson } from '../store/json-column.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import type { AgentStateChange, StatService } from '../stats/stat-service.ts';
import type { AgentStatState } from '../stats/stat-types.ts';
import { WriteQueue } from './write-queue.ts';

/** One history row. */
export interface AgentStateRow {
  readonly agentId: string;
  readonly userName: string | undefined;
  readonly dn: string | undefined;
  readonly previousState: AgentStatState;
  readonly state: AgentStatState;
  readonly workMode: string | undefined;
  readonly reasons: KvList | undefined;
  readonly cause: string;
  readonly at: number;
}

interface HistoryTable {
  rep_agent_state: {
    id: string;
    agent_id: string;
    user_name: string | null;
    dn: string | null;
    previous_state: string;
    state: string;
    work_mode: string | null;
    reasons: unknown;
    cause: string;
    at: number | string;
    seq: number | string;
  };
}

const MAX_ROWS = 10_000;

export class AgentStateHistory {
  private readonly db: Kysely<HistoryTable>;
  private readonly queue: WriteQueue;
  /** Orders rows written in the same millisecond. */
  private seq = 0;
  private detach: (() => void) | undefined;

  constructor(db: Kysely<unknown>, logger: Logger = silentLogger) {
    this.db = db as unknown as Kysely<HistoryTable>;
    this.queue = new WriteQueue(logger);
  }

  /** Records every agent-state change the statistics report, until {@link stop}. */
  follow(stats: StatService): void {
    this.stop();
    const listener = (c: AgentStateChange): void => void this.record(c);
    stats.on('agentStateChange', listener);
    this.detach = () => stats.off('agentStateChange', listener);
  }

  stop(): void {
    this.detach?.();
    this.detach = undefined;
  }

  /** Queues one row; the promise never rejects (failures are logged). */
  record(c: AgentStateChange): Promise<void> {
    const seq = ++this.seq;
    return this.queue.run('agent-state history row', async () => {
      await this.db
        .insertInto('rep_agent_state')
        .values({
          id: randomUUID(), agent_id: c.agentId, user_name: c.userName ?? null, dn: c.dn ?? null, previous_state: c.from, state: c.to,
          work_mode: c.workMode ?? null, reasons: c.reasons ? encodeJson(c.reasons) : null, cause: c.cause, at: c.at, seq,
        })
        .execute();
    });
  }

  /** Resolves once every queued row is written. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Every agent's rows within [from, to), oldest first (at most `limit`, default 10 000). */
  async historyAll(opts: { from: number; to: number; limit?: number }): Promise<AgentStateRow[]> {
    const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? MAX_ROWS)), MAX_ROWS);
    const rows = await this.db.selectFrom('rep_agent_state').selectAll().where('at', '>=', opts.from).where('at', '<', opts.to).orderBy('at').orderBy('seq').limit(limit).execute();
    return rows.map(toRow);
  }

  /** An agent's history, oldest first, optionally within [from, to). */
  async history(agentId: string, opts: { from?: number; to?: number; limit?: number } = {}): Promise<AgentStateRow[]> {
    let q = this.db.selectFrom('rep_agent_state').selectAll().where('agent_id', '=', agentId);
    if (opts.from !== undefined) q = q.where('at', '>=', opts.from);
    if (opts.to !== undefined) q = q.where('at', '<', opts.to);
    const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? 1000)), MAX_ROWS);
    const rows = await q.orderBy('at').orderBy('seq').limit(limit).execute();
    return rows.map(toRow);
  }
}

function toRow(r: HistoryTable['rep_agent_state']): AgentStateRow {
  return {
    agentId: r.agent_id,
    userName: r.user_name ?? undefined,
    dn: r.dn ?? undefined,
    previousState: r.previous_state as AgentStatState,
    state: r.state as AgentStatState,
    workMode: r.work_mode ?? undefined,
    reasons: r.reasons === null || r.reasons === undefined ? undefined : decodeJson<KvList>(r.reasons),
    cause: r.cause,
    at: Number(r.at),
  };
}
