/**
 * A typed event emitter. `safeEmit` catches listener exceptions so an observer can never break the
 * control flow of the emitter (a state machine, a transaction, a session).
 *
 * Not node:events: an emit there copies the listener array, and emitters sit on every hop of a
 * presence update. Here each event's listener array is replaced, never changed in place, on
 * on/off, so an emit iterates the array as it was when the emit began without copying it (a
 * listener added or removed during an emit takes effect from the next emit, as in node:events).
 */
type Listener = (...args: never[]) => void;
type AnyListener = ((...args: unknown[]) => void) & { readonly wrapped?: AnyListener };

const noListeners: ReadonlyMap<string, readonly AnyListener[]> = new Map();

export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  /** Made on the first `on`: many emitters (one per SIP transaction) never get a listener. */
  private listenerMap: Map<string, readonly AnyListener[]> | undefined;

  private get byEvent(): ReadonlyMap<string, readonly AnyListener[]> {
    return this.listenerMap ?? noListeners;
  }

  private writableMap(): Map<string, readonly AnyListener[]> {
    return (this.listenerMap ??= new Map());
  }

  on<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    const current = this.byEvent.get(event);
    const l = listener as unknown as AnyListener;
    this.writableMap().set(event, current ? [...current, l] : [l]);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    const l = listener as unknown as AnyListener;
    let fired = false; // an emit from inside an earlier listener must not call it a second time
    const wrapper = Object.assign((...args: unknown[]) => {
      if (fired) return;
      fired = true;
      this.remove(event, wrapper);
      l(...args);
    }, { wrapped: l });
    return this.on(event, wrapper as unknown as Events[K]);
  }

  /** Removes the most recently added registration of `listener` (also one added with `once`). */
  off<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.remove(event, listener as unknown as AnyListener);
    return this;
  }

  removeAllListeners(): this {
    this.listenerMap?.clear();
    return this;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.byEvent.get(event)?.length ?? 0;
  }

  /** Emits to every listener; a listener that throws is reported on `listenerError` and skipped. */
  safeEmit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean {
    const listeners = this.byEvent.get(event);
    if (listeners === undefined) return false;
    for (const l of listeners) {
      try {
        l(...(args as unknown[]));
      } catch (e) {
        if (event !== 'listenerError') this.reportListenerError(e, event);
      }
    }
    return true;
  }

  private reportListenerError(error: unknown, event: string): void {
    for (const l of this.byEvent.get('listenerError') ?? []) {
      try {
        l(error, event);
      } catch {
        // A failing error listener has nowhere left to report to.
      }
    }
  }

  private remove(event: string, listener: AnyListener): void {
    const current = this.byEvent.get(event);
    if (!current) return;
    for (let i = current.length - 1; i >= 0; i--) {
      const l = current[i];
      if (l === listener || l?.wrapped === listener) {
        if (current.length === 1) this.writableMap().delete(event);
        else this.writableMap().set(event, [...current.slice(0, i), ...current.slice(i + 1)]);
        return;
      }
    }
  }
}
