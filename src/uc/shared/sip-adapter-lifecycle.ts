/**
 * What the SIP-based UC adapters (sip-simple, ms-pres) share, in one owner:
 *
 * - the SIP stack: the one given, or one created at start() and closed at stop(); the adapter's
 *   stack extensions ([MS-SIP] for ms-pres) are switched on while it runs;
 * - registration retried with backoff on the Clock once the registrar refused it for good (the
 *   UA's RegistrationClient already retries 408/5xx itself);
 * - the connection state: `connecting` until registered (when the adapter registers),
 *   `disconnected` while the registration fails, `degraded` while some kept subscription fails,
 *   else `connected`; `stopped` after stop();
 * - kept subscriptions: the UA's Subscriber refreshes and re-subscribes after 408/481/5xx or a
 *   retryable termination; when one ends for good (403, 404, `noresource`, give-up) it is created
 *   again after a backoff, because a KW the connector monitors must come back when the platform
 *   does.
 *
 * - one overall deadline for stop(): the un-SUBSCRIBE, un-PUBLISH and un-REGISTER responses are
 *   waited for at most `stopTimeoutMs` in total, so a SIGTERM while the server is gone exits in
 *   seconds instead of after Timer F (32 s) per step.
 *
 * The adapter says how to register and how to (re-)create a subscription; what the
 * notifications mean stays in the adapter.
 */
import { backoffDelay } from '../../lib/backoff.ts';
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { SipStack } from '../../sip/api/sip-stack.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import type { SipExtension } from '../../sip/transaction/sip-capabilities.ts';
import type { TransactionUser } from '../../sip/transaction/transaction-user.ts';
import type { Notification, Subscriber, SubscriberTermination } from '../../sip/ua/subscriber.ts';
import type { UcConnectionState } from '../uc-platform.ts';

/** Options of {@link SipAdapterLifecycle}. */
export interface SipAdapterLifecycleOptions {
  /** A ready SIP stack (the caller closes it). Give this or `listen`. */
  stack?: TransactionUser | undefined;
  /** Listeners for a stack created in start() and closed in stop(). */
  listen?: ListenOptions[] | undefined;
  /** Stack extensions switched on while the adapter runs. */
  extensions?: readonly SipExtension[];
  /** True when the adapter must be registered to be connected. */
  registers: boolean;
  /** Sends a (re-)REGISTER; its outcome comes back through registrationSucceeded / registrationFailed. */
  register: () => Promise<void>;
  /** What the kept subscriptions are, for the `degraded` detail (`subscriptions`, `batch subscriptions`). */
  subscriptionNoun: string;
  backoff?: BackoffOptions | undefined;
  clock: Clock;
  logger: Logger;
  /** The adapter's connection-state cell. */
  setState: (state: UcConnectionState, detail?: string) => void;
  /** stop() waits this long in total for the server's answers, then drops what is left. Default 2000 ms. */
  stopTimeoutMs?: number | undefined;
}

/** Default of SipAdapterLifecycleOptions.stopTimeoutMs. */
export const DEFAULT_STOP_TIMEOUT_MS = 2_000;

/** One subscription an adapter keeps alive (one per KW for sip-simple, one per batch for ms-pres). */
export class KeptSubscription {
  /** The current Subscriber; undefined while waiting to re-create it, or once dropped. */
  subscriber: Subscriber | undefined = undefined;
  /** Re-creations after it ended for good (reset once it is active or pending). */
  attempt = 0;
  /** The re-creation timer. */
  timer: TimerHandle | undefined = undefined;
  /** Failing and being re-established. */
  failing = false;

  constructor(private readonly clock: Clock) {}

  /** True while its Subscriber is active or pending and not failing. */
  get working(): boolean {
    return !this.failing && (this.subscriber?.state === 'active' || this.subscriber?.state === 'pending');
  }

  /** Cancels the re-creation and detaches the Subscriber (returned, for the caller to end or drop). */
  take(): Subscriber | undefined {
    this.clock.cancel(this.timer);
    this.timer = undefined;
    const sub = this.subscriber;
    this.subscriber = undefined;
    return sub;
  }
}

/** How the lifecycle keeps one Subscriber of the adapter. */
export interface KeepHooks {
  /** Still the adapter's (not replaced or removed)? Events of a stale Subscriber are ignored. */
  isCurrent(): boolean;
  onNotify(n: Notification): void;
  /** Creates the subscription again (after the backoff). */
  reopen(): void;
  /** The warning logged when it ended for good, and its fields. */
  endedMessage: string;
  logFields: Record<string, unknown>;
}

/** See the file comment. */
export class SipAdapterLifecycle {
  private readonly o: SipAdapterLifecycleOptions;
  private readonly kept = new Set<KeptSubscription>();
  private ownStack: SipStack | undefined;
  private current: TransactionUser | undefined;
  private extensionsOff: Array<() => void> = [];
  private running = false;
  private isRegistered = false;
  private failure: string | undefined;
  private registerAttempt = 0;
  private registerTimer: TimerHandle | undefined;
  private stopDeadline: { timer: TimerHandle; reached: Promise<void>; expired: boolean } | undefined;

  constructor(options: SipAdapterLifecycleOptions) {
    this.o = options;
  }

  /** True between start() and stop(). */
  get started(): boolean {
    return this.running;
  }

  /** The stack in use while started. */
  get stack(): TransactionUser | undefined {
    return this.current;
  }

  get registered(): boolean {
    return this.isRegistered;
  }

  /** Why the last registration failed or the link was lost (cleared by a success). */
  get registerFailure(): string | undefined {
    return this.failure;
  }

  /**
   * Starts: `connecting`, the stack (created when none was given) with the extensions on, then
   * `build` (the adapter's UA), then started. Resolves false when already started.
   */
  async start(build: (stack: TransactionUser) => void): Promise<boolean> {
    if (this.running) return false;
    this.o.setState('connecting');
    let stack = this.o.stack;
    if (!stack) {
      this.ownStack = await SipStack.listen({ listen: this.o.listen ?? [], clock: this.o.clock, logger: this.o.logger });
      stack = this.ownStack;
    }
    this.current = stack;
    this.extensionsOff = (this.o.extensions ?? []).map((e) => stack.capabilities.use(e));
    build(stack);
    this.running = true;
    return true;
  }

  /**
   * Starts stop()'s one overall deadline (the first call does; later calls share it). The adapter
   * calls it before the first step that waits for the server.
   */
  startStopDeadline(): void {
    if (this.stopDeadline) return;
    let fire = (): void => {};
    const reached = new Promise<void>((resolve) => (fire = resolve));
    const d = { timer: this.o.clock.setTimer(this.o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, () => {
      d.expired = true;
      fire();
    }), reached, expired: false };
    this.stopDeadline = d;
  }

  /**
   * Waits for `work` (failures are logged), but not past the stop deadline. Resolves false when the
   * deadline cut it short: the adapter then drops what is left without waiting (dispose).
   */
  async settleWithinDeadline(work: Array<Promise<unknown>>, what: string): Promise<boolean> {
    this.startStopDeadline();
    const d = this.stopDeadline;
    if (!d || d.expired) {
      if (work.length > 0) this.o.logger.warn('stop deadline passed: not waiting for the server', { step: what, pending: work.length });
      return work.length === 0;
    }
    const all = Promise.allSettled(work).then((results) => {
      for (const r of results) if (r.status === 'rejected') this.o.logger.warn('stop step failed', { step: what, error: String(r.reason) });
      return true;
    });
    const done = await Promise.race([all, d.reached.then(() => false)]);
    if (!done) this.o.logger.warn('stop deadline passed: not waiting for the server', { step: what, timeoutMs: this.o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS });
    return done;
  }

  /** First step of stop(): no more retries. The adapter then ends its subscriptions and its UA. */
  beginStop(): void {
    this.running = false;
    this.o.clock.cancel(this.registerTimer);
    this.registerTimer = undefined;
  }

  /** Last step of stop() (also when never started): extensions off, own stack closed, `stopped`. */
  async finishStop(): Promise<void> {
    this.running = false;
    this.o.clock.cancel(this.stopDeadline?.timer);
    this.stopDeadline = undefined;
    for (const off of this.extensionsOff.splice(0)) off();
    await this.ownStack?.close();
    this.ownStack = undefined;
    this.current = undefined;
    this.isRegistered = false;
    this.failure = undefined;
    this.o.setState('stopped');
  }

  /** The registrar accepted us (the adapter then updates the state). */
  registrationSucceeded(): void {
    this.isRegistered = true;
    this.failure = undefined;
    this.registerAttempt = 0;
  }

  /** The registration failed; when the UA will not retry it, it is retried here after a backoff (not once stopping). */
  registrationFailed(detail: string, willRetry: boolean): void {
    this.isRegistered = false;
    this.failure = detail;
    this.updateState();
    if (willRetry || !this.running) return;
    this.o.clock.cancel(this.registerTimer);
    const delay = backoffDelay(++this.registerAttempt, this.o.backoff);
    this.registerTimer = this.o.clock.setTimer(delay, () => {
      this.registerTimer = undefined;
      void this.o.register();
    });
  }

  /** The link is gone (e.g. a keep-alive timed out): not registered until the next success. */
  connectionLost(detail: string): void {
    this.isRegistered = false;
    this.failure = detail;
    this.updateState();
  }

  /** Derives the connection state (see the file comment). */
  updateState(): void {
    if (!this.running) return;
    if (this.o.registers && !this.isRegistered) {
      if (this.failure !== undefined) this.o.setState('disconnected', this.failure);
      else this.o.setState('connecting');
      return;
    }
    let failing = 0;
    for (const k of this.kept) if (k.failing) failing++;
    if (failing > 0) this.o.setState('degraded', `${failing} of ${this.kept.size} ${this.o.subscriptionNoun} failing`);
    else this.o.setState('connected');
  }

  /** A new kept subscription, counted in the state until {@link forget}. */
  keep(): KeptSubscription {
    const k = new KeptSubscription(this.o.clock);
    this.kept.add(k);
    return k;
  }

  /** Stops counting `k` (the adapter no longer wants it); cancels its re-creation. */
  forget(k: KeptSubscription): void {
    this.o.clock.cancel(k.timer);
    k.timer = undefined;
    this.kept.delete(k);
  }

  /** The kept subscriptions counted now (for status). */
  get subscriptions(): ReadonlySet<KeptSubscription> {
    return this.kept;
  }

  /** Makes `sub` the Subscriber of `k` and follows it: failing while it retries, re-created after it ended for good. */
  attach(k: KeptSubscription, sub: Subscriber, hooks: KeepHooks): void {
    k.subscriber = sub;
    const mine = (): boolean => k.subscriber === sub && hooks.isCurrent();
    sub.on('notify', (n) => {
      if (mine()) hooks.onNotify(n);
    });
    sub.on('stateChange', (state) => {
      if (!mine()) return;
      if (state === 'active' || state === 'pending') k.attempt = 0;
      const failing = state === 'retry-wait';
      if (state !== 'terminated' && state !== 'notify-wait' && failing !== k.failing) {
        k.failing = failing;
        this.updateState();
      }
    });
    sub.on('terminated', (t) => {
      if (mine()) this.ended(k, t, hooks);
    });
  }

  /** A notification arrived: `k` works again. */
  recovered(k: KeptSubscription): void {
    if (!k.failing) return;
    k.failing = false;
    this.updateState();
  }

  private ended(k: KeptSubscription, t: SubscriberTermination, hooks: KeepHooks): void {
    k.subscriber = undefined;
    if (t.cause === 'unsubscribed' || t.cause === 'disposed' || !this.running) return;
    // Ended for good by the platform: keep trying, a monitored KW must come back.
    k.failing = true;
    const delay = backoffDelay(++k.attempt, this.o.backoff);
    this.o.logger.warn(hooks.endedMessage, { ...hooks.logFields, cause: t.cause, status: t.status, reason: t.reason, delayMs: delay });
    this.o.clock.cancel(k.timer);
    k.timer = this.o.clock.setTimer(delay, () => {
      k.timer = undefined;
      hooks.reopen();
    });
    this.updateState();
  }
}
