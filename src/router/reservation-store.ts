/**
 * Reservation of knowledge workers under preview (the seeds' BlockDN) and the single winner of a
 * call, held in the store so they also hold across router instances on PostgreSQL.
 *
 * Every operation is ONE atomic SQL statement (INSERT … ON CONFLICT … WHERE / UPDATE … WHERE …
 * RETURNING): there is no read-then-write window in which two routers could both succeed.
 *
 * - `claim(kw, holder, ttlMs)`: takes the KW when it is free or its claim has expired (a crashed
 *   router's claims lapse after the TTL). The fencing token is monotonic per KW: every successful
 *   claim gets the previous fence + 1, so a late message carrying an old fence is recognisable.
 * - `release(kw, fence)`: frees the KW only if `fence` is still the current one.
 * - `decide(connId, agent, fence?)`: records the one winner of a call. The first call for a ConnID
 *   wins; every later one (any process) gets `false`. With a fence, the KW's claim must also still
 *   be current and unexpired, so an accept made under a lapsed reservation cannot win.
 * - `clearDecision(connId)`: the call came back to the routing point (no answer at the KW) and
 *   may be offered again.
 *
 * Times are milliseconds from the injected Clock; routers sharing a database must have
 * synchronised clocks to within a small fraction of the TTL.
 */
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { StoreMigration } from '../store/store-migration.ts';

/** The outcome of {@link ReservationStore.claim}. */
export type ClaimResult = { ok: true; fence: number } | { ok: false };

/** The port the router and the preview manager use. */
export interface Reservations {
  claim(kw: string, holder: string, ttlMs: number): Promise<ClaimResult>;
  /** Extends a claim still held with `fence`; false when it was lost or expired. */
  renew(kw: string, fence: number, ttlMs: number): Promise<boolean>;
  release(kw: string, fence: number): Promise<boolean>;
  decide(connId: string, agent: string, fence?: number): Promise<boolean>;
  clearDecision(connId: string): Promise<void>;
  /** The recorded winner of a call, if any. */
  winner(connId: string): Promise<{ agent: string; fence: number | null } | undefined>;
}

/** The router's tables: reservations per KW and the decided winner per ConnID. */
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

interface RouterTables {
  router_reservation: { kw: string; holder: string | null; fence: number | string; expires_at: number | string };
  router_decision: { conn_id: string; agent: string; fence: number | string | null; decided_at: number | string };
}

/** The store-backed {@link Reservations} (SQLite or PostgreSQL through Kysely). */
export class ReservationStore implements Reservations {
  private readonly db: Kysely<RouterTables>;

  constructor(
    db: Kysely<unknown>,
    private readonly clock: Clock,
  ) {
    this.db = db as unknown as Kysely<RouterTables>;
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
    const r = await this.db.updateTable('router_reservation').set({ expires_at: 0, holder: null }).where('kw', '=', kw).where('fence', '=', fence).where('expires_at', '>', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
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

  async winner(connId: string): Promise<{ agent: string; fence: number | null } | undefined> {
    const row = await this.db.selectFrom('router_decision').select(['agent', 'fence']).where('conn_id', '=', connId).executeTakeFirst();
    return row ? { agent: row.agent, fence: row.fence === null ? null : Number(row.fence) } : undefined;
  }
}
