/**
 * What the four RFC 3261 section 17 transactions share: a string-enum state held behind one guarded
 * `transition()` (style rule 3), named timers on the injected Clock whose callbacks tolerate firing
 * late (rule 5), and one `dispose()` that cancels them all.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError } from '../../lib/errors.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { SipMessage } from '../message/sip-message.ts';

/** Events of every transaction. */
export interface TransactionEvents {
  /** After each state change; `cause` names the input that caused it ("1xx", "timerB"...). */
  stateChange: (from: string, to: string, cause: string) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** How a transaction hands a message to the transport layer (errors come back via `transportError`). */
export type TransactionSend = (message: SipMessage) => void;

/** The kinds of transaction (RFC 3261 sections 17.1.1, 17.1.2, 17.2.1, 17.2.2). */
export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/** Base class: state plus guarded transitions plus named timers. */
export abstract class Transaction<S extends string> extends TypedEmitter<TransactionEvents> {
  abstract readonly kind: TransactionKind;
  /** The matching key the transaction layer stores this transaction under. */
  readonly key: string;
  protected abstract readonly transitions: Readonly<Record<S, readonly S[]>>;
  protected abstract readonly terminalState: S;
  private current: S;
  /** Armed timers by name; made on first use (most server transactions never arm one). */
  private timers: Map<string, TimerHandle> | undefined;
  private terminatedListeners: Array<() => void> = [];

  protected constructor(
    protected readonly clock: Clock,
    key: string,
    initial: S,
  ) {
    super();
    this.key = key;
    this.current = initial;
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** True once the transaction reached its terminal state. */
  get terminated(): boolean {
    return this.current === this.terminalState;
  }

  /** Registers a callback run once when the transaction terminates (the layer forgets it then). */
  onTerminated(fn: () => void): void {
    this.terminatedListeners.push(fn);
  }

  /**
   * The one way to change state. Throws InvalidStateTransitionError when `to` is not listed in
   * TRANSITIONS for the current state; entering the terminal state cancels every timer.
   */
  transition(to: S, cause: string): void {
    const from = this.current;
    if (!this.transitions[from].includes(to)) throw new InvalidStateTransitionError(this.constructor.name, from, to);
    this.current = to;
    if (to === this.terminalState) this.dispose();
    this.safeEmit('stateChange', from, to, cause);
    if (to === this.terminalState) {
      const listeners = this.terminatedListeners;
      this.terminatedListeners = [];
      for (const fn of listeners) fn();
    }
  }

  /**
   * Starts (or restarts) the named timer. A zero duration runs `fn` now: RFC 3261 sets D, I, J and K
   * to zero over reliable transports, which means "leave the state immediately".
   * The callback is skipped when the timer was restarted or cancelled since it was armed.
   */
  protected startTimer(name: string, ms: number, fn: () => void): void {
    this.stopTimer(name);
    if (ms <= 0) {
      fn();
      return;
    }
    const timers = (this.timers ??= new Map());
    const handle = this.clock.setTimer(ms, () => {
      if (timers.get(name) !== handle) return;
      timers.delete(name);
      fn();
    });
    timers.set(name, handle);
  }

  protected stopTimer(name: string): void {
    const h = this.timers?.get(name);
    if (h) {
      this.clock.cancel(h);
      this.timers?.delete(name);
    }
  }

  /** Names of the timers currently armed (tests and diagnostics). */
  get activeTimers(): string[] {
    return this.timers ? [...this.timers.keys()].sort() : [];
  }

  /** Cancels every timer. Safe to call more than once. */
  dispose(): void {
    if (!this.timers) return;
    for (const h of this.timers.values()) this.clock.cancel(h);
    this.timers.clear();
  }

  /**
   * The transport could not send a message (RFC 3261 section 17.1.4 / 17.2.4): the transaction
   * informs its TU and terminates.
   */
  abstract transportError(error: unknown): void;
}
