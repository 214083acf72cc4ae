/**
 * Opens the store: SQLite (better-sqlite3, embedded default; a file path or `:memory:`) or
 * PostgreSQL (pg Pool, optionally in its own schema), runs the migrations and loads the snapshot.
 * An SQLite file keeps the configuration, the reporting tables and the reservations across restarts.
 */
import { cachingStatements } from './sqlite-statement-cache.ts';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type LogEvent, type Migration } from 'kysely';
import type { StoreSettings } from '../config/config-loader.ts';
import { UccError } from '../lib/errors.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { configMigrations } from './config-migrations.ts';
import { jsonColumnType } from './json-column.ts';
import { PostgresNotifier, channelFor } from './postgres-notifier.ts';
import { SqlConfigStore } from './sql-config-store.ts';
import type { MigrationContext, StoreDialect, StoreMigration } from './store-migration.ts';

export interface OpenStoreOptions {
  logger?: Logger;
  /** More migrations (other roles' tables), run after or between the config ones by name order. */
  migrations?: readonly StoreMigration[];
  /** Milliseconds to wait for a PostgreSQL connection (default 5000). */
  connectTimeoutMs?: number;
  /** Called after every query with its duration (metrics: store latency); must be cheap. */
  onQuery?: (ms: number, failed: boolean) => void;
}

/** Opens, migrates and starts a ConfigStore. Throws UCC_ERR_STORE_UNREACHABLE or UCC_ERR_STORE_MIGRATION. */
export async function openStore(settings: StoreSettings, options: OpenStoreOptions = {}): Promise<SqlConfigStore> {
  const logger = options.logger ?? silentLogger;
  const migrations = [...configMigrations, ...(options.migrations ?? [])];
  if (settings.type === 'sqlite') {
    const sqlite = openSqlite(settings.path);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), ...queryLog(options) });
    return finishOpen(db, 'sqlite', undefined, migrations, undefined, logger);
  }
  const schema = settings.schema ?? 'public';
  const connection: pg.ClientConfig = {
    connectionString: settings.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // Every connection of this store resolves unqualified names in its schema.
    options: `-c search_path=${schema}`,
  };
  const pool = new pg.Pool({ ...connection, max: 10 });
  pool.on('error', (e) => logger.error('store connection failed', { error: e.message }));
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new UccError('UCC_ERR_STORE_UNREACHABLE', `PostgreSQL at ${redact(settings.url)} is not reachable: ${(e as Error).message}`, { cause: e });
  }
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }), ...queryLog(options) });
  const notifier = new PostgresNotifier(connection, channelFor(schema), logger);
  return finishOpen(db, 'postgres', notifier, migrations, schema, logger);
}

/** Kysely's per-query log hook, when a query observer is given (otherwise Kysely skips the timing). */
function queryLog(options: OpenStoreOptions): { log?: (event: LogEvent) => void } {
  const onQuery = options.onQuery;
  return onQuery ? { log: (event) => onQuery(event.queryDurationMillis, event.level === 'error') } : {};
}

/**
 * Opens an SQLite database: `:memory:`, or a file whose folder is created when missing (relative
 * paths from the working directory). Throws UCC_ERR_STORE_UNREACHABLE naming the file.
 */
function openSqlite(path: string): Database.Database {
  if (path === ':memory:') return new Database(path);
  let sqlite: Database.Database | undefined;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    sqlite = new Database(path);
    // WAL also proves the file is an SQLite database (a foreign file fails here, not mid-migration).
    sqlite.pragma('journal_mode = WAL');
    return sqlite;
  } catch (e) {
    sqlite?.close();
    const shown = isAbsolute(path) ? path : `${path} (${resolve(path)})`;
    throw new UccError('UCC_ERR_STORE_UNREACHABLE', `cannot open the SQLite file ${shown}: ${(e as Error).message}`, { cause: e });
  }
}

async function finishOpen(db: Kysely<unknown>, dialect: StoreDialect, notifier: PostgresNotifier | undefined, migrations: StoreMigration[], schema: string | undefined, logger: Logger): Promise<SqlConfigStore> {
  try {
    await migrate(db, dialect, migrations, schema);
    const store = new SqlConfigStore(db, dialect, notifier, logger);
    await store.start();
    return store;
  } catch (e) {
    await notifier?.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw e;
  }
}

/** Runs every pending migration; names sort globally (`0001-...`, `0002-...`). */
export async function migrate(db: Kysely<unknown>, dialect: StoreDialect, migrations: readonly StoreMigration[], schema?: string): Promise<string[]> {
  const names = new Set<string>();
  for (const m of migrations) {
    if (!/^\d{4}-[a-z0-9-]+$/.test(m.name)) throw new UccError('UCC_ERR_STORE_MIGRATION', `migration name '${m.name}' must look like 0001-what-it-does`);
    if (names.has(m.name)) throw new UccError('UCC_ERR_STORE_MIGRATION', `two migrations are named '${m.name}'`);
    names.add(m.name);
  }
  const ctx: MigrationContext = { dialect, json: jsonColumnType(dialect) };
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(migrations.map((m) => [m.name, { up: (k: Kysely<unknown>) => m.up(k, ctx), ...(m.down ? { down: (k: Kysely<unknown>) => m.down!(k, ctx) } : {}) }]));
    },
  };
  // On PostgreSQL the migration tables are qualified with the schema: Kysely looks for them by
  // introspection across schemas, and another schema's kysely_migration must not count as ours.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely finds its tables by introspecting every schema of the database; another tenant's schema
  // dropped in the middle of that query fails it (3F000) without touching ours: look again.
  for (let retry = 0; retry < 3 && error && droppedElsewhere(error, schema); retry++) ({ error, results } = await migrator.migrateToLatest());
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new UccError('UCC_ERR_STORE_MIGRATION', `migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** A PostgreSQL "schema does not exist" (3F000) about a schema other than ours. */
function droppedElsewhere(error: unknown, schema: string | undefined): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return schema !== undefined && e?.code === '3F000' && !(e.message ?? '').includes(`"${schema}"`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
