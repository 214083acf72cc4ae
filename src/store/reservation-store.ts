/**
 * The store-backed {@link Reservations} (reservations.ts describes the rules): reservations per KW
 * and the decided winner per ConnID in two tables, so they hold across processes on PostgreSQL.
 *
 * Every operation is ONE atomic SQL statement (INSERT … ON CONFLICT … WHERE / UPDATE … WHERE …
 * RETURNING): there is no read-then-write window in which two processes could both succeed.
 */
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { CallWinner, ClaimResult, Reservations } from './reservations.ts';
import type { StoreDialect, StoreMigration } from './store-migration.ts';

/**
 * Runs a multi-row statement again when PostgreSQL aborted it as a deadlock victim (SQLSTATE
 * 40P01): a batch claim and a batch release may lock shared rows in different orders. The
 * statement is atomic, so a retry is safe.
 */
async function retryDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if ((e as { code?: string }).code !== '40P01' || attempt >= 5) throw e;
    }
  }
}

/** Claims on this prefix are a router's lease on one call (router.ts), not a KW. */
const CALL_LEASE = 'call:';

function isCallLease(key: string): boolean {
  return key.startsWith(CALL_LEASE);
}

/** Rows per statement of the batch operations (well under SQLite's and PostgreSQL's parameter limits). */
const BATCH = 500;

/**
 * The reservation tables: reservations per KW and the decided winner per ConnID (named for the
 * router, whose migration first created them; databases have run it under this name).
 */
export const routerMigrations: readonly StoreMigration[] = [
  {
    name: '0501-router-reservations',
    async up(db) {
      await db.schema
        .createTable('router_reservation')
        .addColumn('kw', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text')
        .addColumn('fence', 'bigint', (c) => c.notNull())
        // ms since the epoch; 0 once released.
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('router_decision')
        .addColumn('conn_id', 'text', (c) => c.primaryKey())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('fence', 'bigint')
        .addColumn('decided_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('router_decision').ifExists().execute();
      await db.schema.dropTable('router_reservation').ifExists().execute();
    },
  },
];

interface ReservationTables {
  router_reservation: { kw: string; holder: string | null; fence: number | string; expires_at: number | string };
  router_decision: { conn_id: string; agent: string; fence: number | string | null; decided_at: number | string };
}

/** The store-backed {@link Reservations} (SQLite or PostgreSQL through Kysely). */
export class ReservationStore implements Reservations {
  private readonly db: Kysely<ReservationTables>;

  constructor(
    db: Kysely<unknown>,
    private readonly clock: Clock,
    /** The engine (from `store.dialect`); PostgreSQL releases batches row by row. */
    private readonly dialect: StoreDialect = 'sqlite',
  ) {
    this.db = db as unknown as Kysely<ReservationTables>;
  }

  async claim(kw: string, holder: string, ttlMs: number): Promise<ClaimResult> {
    const now = this.clock.now();
    const expires = now + Math.max(1, Math.floor(ttlMs));
    // The upsert only updates a row whose claim lapsed (released rows have expires_at 0); the row
    // lock taken by ON CONFLICT makes two concurrent claims serialise, and the loser's WHERE fails.
    const { rows } = await sql<{ fence: number | string }>`
      insert into router_reservation (kw, holder, fence, expires_at) values (${kw}, ${holder}, 1, ${expires})
      on conflict (kw) do update set holder = excluded.holder, fence = router_reservation.fence + 1, expires_at = excluded.expires_at
      where router_reservation.expires_at <= ${now}
      returning fence`.execute(this.db);
    const row = rows[0];
    return row ? { ok: true, fence: Number(row.fence) } : { ok: false };
  }

  async claimMany(kws: readonly string[], holder: string, ttlMs: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // Sorted: concurrent batches then lock rows in the same order (no deadlock on PostgreSQL).
    const unique = [...new Set(kws)].sort();
    const now = this.clock.now();
    const expires = now + Math.max(1, Math.floor(ttlMs));
    // One statement per chunk: the same atomic upsert as claim(), one row per KW.
    for (let i = 0; i < unique.length; i += BATCH) {
      const rows = unique.slice(i, i + BATCH).map((kw) => sql`(${kw}, ${holder}, 1, ${expires})`);
      const { rows: got } = await retryDeadlock(() => sql<{ kw: string; fence: number | string }>`
        insert into router_reservation (kw, holder, fence, expires_at) values ${sql.join(rows)}
        on conflict (kw) do update set holder = excluded.holder, fence = router_reservation.fence + 1, expires_at = excluded.expires_at
        where router_reservation.expires_at <= ${now}
        returning kw, fence`.execute(this.db));
      for (const r of got) out.set(r.kw, Number(r.fence));
    }
    return out;
  }

  async releaseMany(claims: ReadonlyArray<{ kw: string; fence: number }>): Promise<number> {
    if (this.dialect === 'postgres') {
      // Single-row statements hold one row lock at a time, so they can never deadlock with a
      // concurrent batch claim (an UPDATE … IN (…) locks rows in an order we do not control).
      const done = await Promise.all(claims.map((c) => this.release(c.kw, c.fence)));
      return done.filter(Boolean).length;
    }
    let n = 0;
    const sorted = [...claims].filter((c) => !isCallLease(c.kw)).sort((x, y) => (x.kw < y.kw ? -1 : x.kw > y.kw ? 1 : 0));
    for (const c of claims.filter((x) => isCallLease(x.kw))) if (await this.release(c.kw, c.fence)) n++;
    for (let i = 0; i < sorted.length; i += BATCH) {
      // The cast types the VALUES column (PostgreSQL would take an untyped parameter as text).
      const pairs = sorted.slice(i, i + BATCH).map((c) => sql`(${c.kw}, cast(${c.fence} as bigint))`);
      const r = await retryDeadlock(() => sql`update router_reservation set expires_at = 0, holder = null where expires_at > 0 and (kw, fence) in (values ${sql.join(pairs)})`.execute(this.db));
      n += Number(r.numAffectedRows ?? 0);
    }
    return n;
  }

  async renew(kw: string, fence: number, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const r = await this.db
      .updateTable('router_reservation')
      .set({ expires_at: now + Math.max(1, Math.floor(ttlMs)) })
      .where('kw', '=', kw)
      .where('fence', '=', fence)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async release(kw: string, fence: number): Promise<boolean> {
    if (isCallLease(kw)) {
      // A call's lease row goes when the call's run ends: one row per call would otherwise stay
      // forever. Its fence only guards the run that holds it, so it need not outlive the run.
      const d = await this.db.deleteFrom('router_reservation').where('kw', '=', kw).where('fence', '=', fence).executeTakeFirst();
      return Number(d.numDeletedRows) > 0;
    }
    const r = await this.db.updateTable('router_reservation').set({ expires_at: 0, holder: null }).where('kw', '=', kw).where('fence', '=', fence).where('expires_at', '>', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async releaseHolders(prefix: string, except: string): Promise<number> {
    const now = this.clock.now();
    // substr, not LIKE: an instance name may hold % or _. The KW rows keep their fence (it stays
    // monotonic); the dead run's call leases are deleted.
    const leases = await sql`delete from router_reservation where substr(kw, 1, ${CALL_LEASE.length}) = ${CALL_LEASE}
      and substr(holder, 1, ${prefix.length}) = ${prefix} and holder <> ${except}`.execute(this.db);
    const kws = await sql`update router_reservation set expires_at = 0, holder = null where expires_at > ${now}
      and substr(holder, 1, ${prefix.length}) = ${prefix} and holder <> ${except}`.execute(this.db);
    return Number(leases.numAffectedRows ?? 0) + Number(kws.numAffectedRows ?? 0);
  }

  async decide(connId: string, agent: string, fence?: number): Promise<boolean> {
    const now = this.clock.now();
    if (fence === undefined) {
      const { rows } = await sql<{ conn_id: string }>`
        insert into router_decision (conn_id, agent, fence, decided_at) values (${connId}, ${agent}, null, ${now})
        on conflict (conn_id) do nothing returning conn_id`.execute(this.db);
      return rows.length === 1;
    }
    // One statement: insert the winner only while the KW's claim with this fence is current.
    const { rows } = await sql<{ conn_id: string }>`
      insert into router_decision (conn_id, agent, fence, decided_at)
      select ${connId}, ${agent}, ${fence}, ${now}
      where exists (select 1 from router_reservation r where r.kw = ${agent} and r.fence = ${fence} and r.expires_at > ${now})
      on conflict (conn_id) do nothing returning conn_id`.execute(this.db);
    return rows.length === 1;
  }

  async clearDecision(connId: string): Promise<void> {
    await this.db.deleteFrom('router_decision').where('conn_id', '=', connId).execute();
  }

  async pruneDecisions(before: number): Promise<number> {
    const r = await this.db.deleteFrom('router_decision').where('decided_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async winner(connId: string): Promise<CallWinner | undefined> {
    const row = await this.db.selectFrom('router_decision').select(['agent', 'fence']).where('conn_id', '=', connId).executeTakeFirst();
    return row ? { agent: row.agent, fence: row.fence === null ? null : Number(row.fence) } : undefined;
  }
}
