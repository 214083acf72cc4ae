/**
 * Store migrations: numbered, named, defined in code (`0001-config-objects`). Each role that keeps
 * data (reporting, router, connector) adds its own list to `openStore({ migrations })`; names sort
 * globally, so pick the next free number. A migration writes portable DDL through Kysely and uses
 * `ctx.json` for JSON columns (jsonb on PostgreSQL, TEXT on SQLite).
 */
import type { Kysely } from 'kysely';
import type { ColumnDataType } from 'kysely';

/** The SQL engine behind the store. */
export type StoreDialect = 'sqlite' | 'postgres';

/** What a migration may need to know about the engine. */
export interface MigrationContext {
  dialect: StoreDialect;
  /** Column type for JSON documents. */
  json: ColumnDataType;
}

/** One migration. `up` must be idempotent only in the sense Kysely gives: it runs once per database. */
export interface StoreMigration {
  /** `NNNN-what`, e.g. `0001-config-objects`. */
  name: string;
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}
