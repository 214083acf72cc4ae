/**
 * The configuration change feed: the seeds' "changes take effect immediately". Listeners run
 * synchronously after the write commits (in this process) or when another process's change arrives
 * (PostgreSQL LISTEN/NOTIFY). A listener that throws is logged and skipped.
 */
import type { ObjectType, OptionValue } from '../config/config-objects.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';

/** `local`: written by this store instance; `remote`: written by another process. */
export type ChangeOrigin = 'local' | 'remote';

/** One change. The store's snapshot already holds the new state when listeners run. */
export type ConfigChange =
  | { kind: 'option'; objectType: ObjectType; key: string; section: string; option: string; value: OptionValue | undefined; origin: ChangeOrigin }
  | { kind: 'object'; objectType: ObjectType; key: string; action: 'put' | 'delete'; origin: ChangeOrigin }
  | { kind: 'reload'; origin: ChangeOrigin };

export type ChangeListener = (change: ConfigChange) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly logger: Logger = silentLogger) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of listeners. */
  get size(): number {
    return this.listeners.size;
  }

  /** Delivers a change to every listener (internal to the store). */
  publish(change: ConfigChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (e) {
        this.logger.error('config change listener failed', { change: change.kind, error: (e as Error).message });
      }
    }
  }
}
