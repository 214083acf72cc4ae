/**
 * The configuration store port. Reads are synchronous from an in-memory snapshot (ConfigView);
 * writes go to the database in one transaction, then update the snapshot and reach
 * `changes` subscribers before the returned promise resolves.
 */
import type { ConfigObjects, ObjectOf, ObjectType, OptionValue } from '../config/config-objects.ts';
import type { ConfigView } from '../config/config-index.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { StoreDialect } from './store-migration.ts';

export interface ConfigStore extends ConfigView {
  readonly dialect: StoreDialect;
  /** Option and object changes, local and (on PostgreSQL) from other processes. */
  readonly changes: ChangeFeed;
  /** Replaces every configuration object with a validated configuration (see loadConfigFile). */
  loadConfig(objects: ConfigObjects): Promise<void>;
  /** Inserts or replaces one object. */
  putObject<T extends ObjectType>(type: T, obj: ObjectOf<T>): Promise<void>;
  /** Deletes one object by key; resolves false when it did not exist. */
  deleteObject(type: ObjectType, key: string): Promise<boolean>;
  /**
   * Sets (or with `undefined` removes) one option: an Application option or an annex option of any
   * other object (not Places). Throws UCC_ERR_CONFIG_OBJECT_NOT_FOUND for an unknown object.
   */
  setOption(type: ObjectType, key: string, section: string, option: string, value: OptionValue | undefined): Promise<void>;
  /** A plain copy of every object. */
  snapshot(): ConfigObjects;
  /** Stops listening and closes the database connections. */
  close(): Promise<void>;
}
