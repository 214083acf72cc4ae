/**
 * JSON columns behind one helper: PostgreSQL stores jsonb (pg parses it on read), SQLite stores TEXT
 * (parsed here). Writers always pass a JSON string, which PostgreSQL casts to jsonb.
 */
import type { ColumnDataType } from 'kysely';
import type { StoreDialect } from './store-migration.ts';

/** The column type for JSON documents on a dialect. */
export function jsonColumnType(dialect: StoreDialect): ColumnDataType {
  return dialect === 'postgres' ? 'jsonb' : 'text';
}

/** Encodes a value for a JSON column. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Decodes a JSON column value read from either dialect. */
export function decodeJson<T>(raw: unknown): T {
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as T;
}
