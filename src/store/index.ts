/**
 * The store: the ConfigStore port, its Kysely adapter (SQLite, PostgreSQL), migrations and the
 * change feed; the Reservations port (KWs under preview, the single winner of a call) and its
 * SQL and in-memory implementations.
 */
export type { ConfigStore } from './config-store.ts';
export { ChangeFeed, type ConfigChange, type ChangeListener, type ChangeOrigin } from './change-feed.ts';
export { openStore, migrate, type OpenStoreOptions } from './open-store.ts';
export { SqlConfigStore } from './sql-config-store.ts';
export { configMigrations } from './config-migrations.ts';
export { jsonColumnType, encodeJson, decodeJson } from './json-column.ts';
export type { StoreMigration, MigrationContext, StoreDialect } from './store-migration.ts';
export type { Reservations, ClaimResult, CallWinner } from './reservations.ts';
export { ReservationStore, routerMigrations } from './reservation-store.ts';
export { MemoryReservations } from './memory-reservations.ts';
