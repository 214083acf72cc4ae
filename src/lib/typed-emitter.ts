import { EventEmitter } from 'node:events';

/**
 * A typed EventEmitter. `safeEmit` catches listener exceptions so an observer can never break the
 * control flow of the emitter (a state machine, a transaction, a session).
 */
type Listener = (...args: never[]) => void;
type AnyListener = (...args: unknown[]) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly ee = new EventEmitter();

  constructor() {
    this.ee.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.ee.on(event, listener as unknown as AnyListener);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.ee.once(event, listener as unknown as AnyListener);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.ee.off(event, listener as unknown as AnyListener);
    return this;
  }

  removeAllListeners(): this {
    this.ee.removeAllListeners();
    return this;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.ee.listenerCount(event);
  }

  /** Emits to every listener; a listener that throws is reported on `listenerError` and skipped. */
  safeEmit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean {
    const listeners = this.ee.listeners(event);
    for (const l of listeners) {
      try {
        (l as AnyListener)(...(args as unknown[]));
      } catch (e) {
        if (event !== 'listenerError' && this.ee.listenerCount('listenerError') > 0) {
          this.ee.emit('listenerError', e, event);
        }
      }
    }
    return listeners.length > 0;
  }
}
