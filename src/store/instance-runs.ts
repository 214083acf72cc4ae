/**
 * Instance identity: each configured instance (the UC Connector Application's name) counts its
 * runs in the store. A run is `<name>#<run>`; every claim the run takes names it as holder. When a
 * run starts, the previous runs of the same instance are dead (a configured instance runs once at
 * a time: a second process with the same name fences the first), so their reservations are
 * released at once instead of lapsing after their TTL, and their open offers are closed.
 */
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { StoreMigration } from './store-migration.ts';

export const instanceMigrations: readonly StoreMigration[] = [
  {
    name: '0502-instance-runs',
    async up(db) {
      await db.schema
        .createTable('ucc_instance')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('run', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('ucc_instance').ifExists().execute();
    },
  },
];

/** One run of a configured instance. */
export interface InstanceRun {
  /** The configured instance (the UC Connector Application's name). */
  readonly name: string;
  /** Monotonic per instance: 1 for the first run on this store. */
  readonly run: number;
  /** `<name>#<run>`: the holder of this run's claims. */
  readonly holder: string;
  /** When this run started (ms, the injected Clock). */
  readonly startedAt: number;
}

/** The holder prefix shared by every run of `name`. */
export function instanceHolderPrefix(name: string): string {
  return `${name}#`;
}

/** Starts a new run of `name` (one atomic upsert): its number is the previous one + 1. */
export async function startInstanceRun(db: Kysely<unknown>, name: string, clock: Clock): Promise<InstanceRun> {
  if (name.length === 0 || name.length > 255) throw new RangeError('instance name: 1 to 255 characters');
  const now = clock.now();
  const { rows } = await sql<{ run: number | string }>`
    insert into ucc_instance (name, run, started_at) values (${name}, 1, ${now})
    on conflict (name) do update set run = ucc_instance.run + 1, started_at = excluded.started_at
    returning run`.execute(db);
  const run = Number(rows[0]!.run);
  return { name, run, holder: `${instanceHolderPrefix(name)}${run}`, startedAt: now };
}
