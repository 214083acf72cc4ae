/**
 * The ConfigStore over Kysely (SQLite or PostgreSQL). Writes are serialized in this process so the
 * snapshot and the database change in the same order; remote changes (PostgreSQL NOTIFY) are queued
 * behind them and re-read from the database.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import {
  type ConfigObjects,
  type ObjectOf,
  type ObjectType,
  type OptionSections,
  type OptionValue,
  findSection,
  objectKey,
  objectTypes,
  sectionsOf,
} from '../config/config-objects.ts';
import { ConfigIndex } from '../config/config-index.ts';
import { UccError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { ChangeFeed, type ConfigChange } from './change-feed.ts';
import type { ConfigStore } from './config-store.ts';
import { type Row, fromRow, tableOf, toRow } from './config-rows.ts';
import type { PostgresNotifier, RemoteChange } from './postgres-notifier.ts';
import type { StoreDialect } from './store-migration.ts';

/** Kysely over tables whose names are chosen at run time (the cfg_* tables of config-rows.ts). */
type LooseDb = Record<string, Row>;

export class SqlConfigStore implements ConfigStore {
  readonly changes: ChangeFeed;
  /** Identifies this instance in cross-process notifications. */
  readonly instanceId = randomUUID();
  private readonly index = new ConfigIndex();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    /** The database, for roles that add their own tables (`db.withTables<...>()`). */
    readonly db: Kysely<unknown>,
    readonly dialect: StoreDialect,
    private readonly notifier: PostgresNotifier | undefined,
    private readonly logger: Logger,
  ) {
    this.changes = new ChangeFeed(logger);
  }

  private get loose(): Kysely<LooseDb> {
    return this.db as unknown as Kysely<LooseDb>;
  }

  /** Reads every object into the snapshot and starts listening for other processes' changes. */
  async start(): Promise<void> {
    await this.reloadFromDb();
    await this.notifier?.start((c) => this.onRemote(c));
  }

  // ---- ConfigView -------------------------------------------------------------------------------

  get<T extends ObjectType>(type: T, key: string): ObjectOf<T> | undefined {
    return this.index.get(type, key);
  }

  list<T extends ObjectType>(type: T): Array<ObjectOf<T>> {
    return this.index.list(type);
  }

  findDn(number: string, switchName?: string) {
    return this.index.findDn(number, switchName);
  }

  findAgentLogin(loginCode: string, switchName?: string) {
    return this.index.findAgentLogin(loginCode, switchName);
  }

  snapshot(): ConfigObjects {
    return this.index.toObjects();
  }

  // ---- writes -----------------------------------------------------------------------------------

  async loadConfig(objects: ConfigObjects): Promise<void> {
    await this.serialize(async () => {
      await this.db.transaction().execute(async (trx) => {
        const t = trx as unknown as Transaction<LooseDb>;
        for (const type of objectTypes) await t.deleteFrom(tableOf[type]).execute();
        for (const type of objectTypes) {
          const rows = (objects[type] as Array<ObjectOf<typeof type>>).map((o) => toRow(type, o));
          // Batches keep each statement under SQLite's bound-parameter limit.
          for (let i = 0; i < rows.length; i += 100) await t.insertInto(tableOf[type]).values(rows.slice(i, i + 100)).execute();
        }
        await this.notify(trx, { kind: 'reload' });
      });
      this.index.replaceAll(objects);
      this.changes.publish({ kind: 'reload', origin: 'local' });
    });
  }

  async putObject<T extends ObjectType>(type: T, obj: ObjectOf<T>): Promise<void> {
    await this.serialize(async () => {
      const key = await this.write(type, obj, { kind: 'object' });
      this.index.put(type, obj);
      this.changes.publish({ kind: 'object', objectType: type, key, action: 'put', origin: 'local' });
    });
  }

  async deleteObject(type: ObjectType, key: string): Promise<boolean> {
    return this.serialize(async () => {
      let existed = false;
      await this.db.transaction().execute(async (trx) => {
        const r = await (trx as unknown as Transaction<LooseDb>).deleteFrom(tableOf[type]).where('object_key', '=', key).executeTakeFirst();
        existed = Number(r.numDeletedRows) > 0;
        if (existed) await this.notify(trx, { kind: 'object', objectType: type, key });
      });
      if (existed) {
        this.index.delete(type, key);
        this.changes.publish({ kind: 'object', objectType: type, key, action: 'delete', origin: 'local' });
      }
      return existed;
    });
  }

  async setOption(type: ObjectType, key: string, section: string, option: string, value: OptionValue | undefined): Promise<void> {
    await this.serialize(async () => {
      const kind: ObjectType = type;
      if (type === 'places') throw new UccError('UCC_ERR_CONFIG_OBJECT_NOT_FOUND', 'places have no options');
      if (!this.index.get(kind, key)) throw new UccError('UCC_ERR_CONFIG_OBJECT_NOT_FOUND', `no ${type} object '${key}'`);
      const table: string = tableOf[kind];
      let next: ObjectOf<ObjectType> | undefined;
      await this.db.transaction().execute(async (trx) => {
        const t = trx as unknown as Transaction<LooseDb>;
        // Read-modify-write on the row itself (locked on PostgreSQL), so two processes setting
        // different options of one object do not overwrite each other from stale snapshots.
        let q = t.selectFrom(table).selectAll().where('object_key', '=', key);
        if (this.dialect === 'postgres') q = q.forUpdate();
        const row = await q.executeTakeFirst();
        if (!row) throw new UccError('UCC_ERR_CONFIG_OBJECT_NOT_FOUND', `no ${type} object '${key}'`);
        next = withOption(kind, fromRow(kind, row), section, option, value);
        // UPDATE, not delete + insert: a writer waiting on the lock then sees this row version.
        await t.updateTable(table).set(toRow(kind, next)).where('object_key', '=', key).execute();
        await this.notify(trx, { kind: 'option', objectType: kind, key, section, option });
      });
      this.index.put(kind, next as ObjectOf<ObjectType>);
      this.changes.publish({ kind: 'option', objectType: type, key, section, option, value, origin: 'local' });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.notifier?.close();
    await this.db.destroy();
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Updates or inserts one row in a transaction that also notifies other processes; returns the key. */
  private async write<T extends ObjectType>(type: T, obj: ObjectOf<T>, change: Omit<RemoteChange, 'from' | 'objectType' | 'key'>): Promise<string> {
    const key = objectKey(type, obj);
    const table: string = tableOf[type];
    await this.db.transaction().execute(async (trx) => {
      const t = trx as unknown as Transaction<LooseDb>;
      const updated = await t.updateTable(table).set(toRow(type, obj)).where('object_key', '=', key).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) await t.insertInto(table).values(toRow(type, obj)).execute();
      await this.notify(trx, { ...change, objectType: type, key });
    });
    return key;
  }

  private async notify(trx: Transaction<unknown>, change: Omit<RemoteChange, 'from'>): Promise<void> {
    if (this.notifier) await this.notifier.notify(trx, { ...change, from: this.instanceId });
  }

  private serialize<R>(fn: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new UccError('UCC_ERR_STORE', 'the store is closed'));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadFromDb(): Promise<void> {
    const objects = {} as ConfigObjects;
    for (const type of objectTypes) {
      const rows = await this.loose.selectFrom(tableOf[type]).selectAll().orderBy('object_key').execute();
      (objects[type] as unknown[]) = rows.map((r) => fromRow(type, r));
    }
    this.index.replaceAll(objects);
  }

  private onRemote(c: RemoteChange): void {
    if (c.from === this.instanceId || this.closed) return;
    void this.serialize(async () => {
      if (c.kind === 'reload' || !c.objectType || c.key === undefined) {
        await this.reloadFromDb();
        this.changes.publish({ kind: 'reload', origin: 'remote' });
        return;
      }
      const type = c.objectType;
      const key = c.key;
      const row = await this.loose.selectFrom(tableOf[type]).selectAll().where('object_key', '=', key).executeTakeFirst();
      const obj = row ? fromRow(type, row) : undefined;
      if (obj) this.index.put(type, obj);
      else this.index.delete(type, key);
      let change: ConfigChange;
      if (c.kind === 'option' && c.section !== undefined && c.option !== undefined) {
        const value = obj ? findSection(sectionsOf(type, obj), c.section)?.[c.option] : undefined;
        change = { kind: 'option', objectType: type, key, section: c.section, option: c.option, value, origin: 'remote' };
      } else {
        change = { kind: 'object', objectType: type, key, action: obj ? 'put' : 'delete', origin: 'remote' };
      }
      this.changes.publish(change);
    }).catch((e: unknown) => this.logger.error('applying a remote config change failed', { error: (e as Error).message }));
  }
}

/** A copy of `obj` with one option set or removed (an existing section keeps its spelling). */
function withOption<T extends ObjectType>(type: T, obj: ObjectOf<T>, section: string, option: string, value: OptionValue | undefined): ObjectOf<T> {
  const copy = structuredClone(obj) as ObjectOf<T>;
  const sections = sectionsOf(type, copy) as OptionSections;
  const existing = Object.keys(sections).find((s) => s === section) ?? Object.keys(sections).find((s) => s.toLowerCase() === section.toLowerCase());
  const name = existing ?? section;
  const opts = { ...(sections[name] ?? {}) };
  if (value === undefined) delete opts[option];
  else opts[option] = value;
  if (Object.keys(opts).length === 0) delete sections[name];
  else sections[name] = opts;
  return copy;
}
