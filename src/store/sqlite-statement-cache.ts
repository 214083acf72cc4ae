/**
 * better-sqlite3 behind Kysely with its prepared statements kept: Kysely asks for `prepare(sql)` on
 * every query, and preparing costs more than running most of ours (the offer ledger, reservations
 * and agent-state history run the same few statements per call). Statements are kept per SQL text,
 * the least recently used dropped beyond `max` (batched inserts make many distinct texts); one
 * still being iterated is never handed out twice.
 */
import type Database from 'better-sqlite3';

type Statement = Database.Statement<unknown[], unknown>;

/** The part of a better-sqlite3 Database that Kysely's SqliteDialect uses. */
export interface SqliteDatabaseLike {
  prepare(sql: string): Statement;
  close(): void;
}

export function cachingStatements(db: Database.Database, max = 256): SqliteDatabaseLike {
  const cache = new Map<string, Statement>();
  return {
    prepare(sql: string): Statement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return stmt;
    },
    close(): void {
      cache.clear();
      db.close();
    },
  };
}
