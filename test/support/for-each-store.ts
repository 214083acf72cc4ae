/**
 * Runs a store test suite on SQLite (in memory) and on PostgreSQL. On PostgreSQL each store gets a
 * fresh schema `t_<random>` (search_path set through the pool's connection options) that is dropped
 * afterwards, so parallel test files never collide. PostgreSQL being unreachable FAILS the test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.ts';
import type { SqlConfigStore } from '../../src/store/sql-config-store.ts';
import type { StoreSettings } from '../../src/config/config-loader.ts';

export const postgresUrl = process.env.UCC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A factory for stores sharing one database (one SQLite file or one PostgreSQL schema). */
export interface StoreFixture {
  name: 'sqlite' | 'postgres';
  settings: StoreSettings;
  /** Opens a store on the fixture's database; closed by `dispose()`. */
  open(options?: OpenStoreOptions): Promise<SqlConfigStore>;
  /** Closes every store opened and drops the schema. */
  dispose(): Promise<void>;
}

/** A fresh schema on PostgreSQL; fails with a clear message when PostgreSQL is unreachable. */
export async function createPostgresSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is required for the store tests and is not reachable at ${postgresUrl}: ${(e as Error).message}`);
  }
  await client.query(`create schema "${schema}"`);
  await client.end();
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}

/** Makes a fixture for one dialect. SQLite uses a file in a fresh temporary folder, so several stores can share it. */
export async function makeFixture(name: 'sqlite' | 'postgres'): Promise<StoreFixture> {
  const opened: SqlConfigStore[] = [];
  let drop = async (): Promise<void> => undefined;
  let settings: StoreSettings;
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ucc-store-'));
    settings = { type: 'sqlite', path: join(dir, 'ucc.sqlite') };
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const s = await createPostgresSchema();
    drop = s.drop;
    settings = { type: 'postgres', url: postgresUrl, schema: s.schema };
  }
  return {
    name,
    settings,
    async open(options) {
      const store = await openStore(settings, options);
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const s of opened) await s.close();
      await drop();
    },
  };
}

/** Calls `suite` once per dialect with a function that makes a fresh fixture. */
export function forEachStore(suite: (name: 'sqlite' | 'postgres', makeStore: () => Promise<StoreFixture>) => void): void {
  for (const name of ['sqlite', 'postgres'] as const) suite(name, () => makeFixture(name));
}
