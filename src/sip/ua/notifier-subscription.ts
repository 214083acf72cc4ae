/**
 * One subscription on the notifier side (RFC 6665 section 4.2): its dialog, its expiry timer and
 * the NOTIFYs sent in it. Created by `Notifier` for an accepted SUBSCRIBE.
 *
 * ```
 *   pending ──▶ active
 *      │          │
 *      └────┬─────┘
 *           ▼
 *       terminated      (expiry → reason=timeout, unsubscribe, terminate(reason), NOTIFY error)
 * ```
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';
import type { EventPackage, NotifyBody } from './event-package.ts';
import { formatSubscriptionState } from './subscription-state-header.ts';
import type { TerminationReason } from './subscription-state-header.ts';

export type NotifierSubscriptionState = 'pending' | 'active' | 'terminated';

export const NOTIFIER_SUBSCRIPTION_TRANSITIONS: Record<NotifierSubscriptionState, readonly NotifierSubscriptionState[]> = {
  pending: ['active', 'terminated'],
  active: ['pending', 'terminated'],
  terminated: [],
};

export interface NotifierSubscriptionEvents {
  stateChange: (state: NotifierSubscriptionState, previous: NotifierSubscriptionState, cause: string) => void;
  /** The watcher refreshed; `expires` in seconds. */
  refresh: (expires: number) => void;
  terminated: (reason: TerminationReason) => void;
}

export interface NotifierSubscriptionInit {
  tu: TransactionUser;
  clock: Clock;
  dialog: Dialog;
  eventPackage: EventPackage;
  /** The Event header value of the SUBSCRIBE (with its id parameter, if any). */
  event: string;
  subscribe: SipRequest;
  expires: number;
  state: 'active' | 'pending';
  /**
   * Method of the notifications after the first non-final one (an extension's, e.g. [MS-SIP]
   * BENOTIFY negotiated with `ms-benotify`); undefined: NOTIFY.
   */
  laterMethod?: string | undefined;
  logger: Logger;
  onEnd: () => void;
}

export class NotifierSubscription extends TypedEmitter<NotifierSubscriptionEvents> {
  readonly dialog: Dialog;
  readonly eventPackage: EventPackage;
  readonly event: string;
  /** The SUBSCRIBE that created it (watcher identity: From; resource: Request-URI). */
  readonly subscribe: SipRequest;
  private _state: NotifierSubscriptionState;
  private expiresAt: number;
  private timer: TimerHandle | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly i: NotifierSubscriptionInit;
  private sentFirst = false;

  constructor(init: NotifierSubscriptionInit) {
    super();
    this.i = init;
    this.dialog = init.dialog;
    this.eventPackage = init.eventPackage;
    this.event = init.event;
    this.subscribe = init.subscribe;
    this._state = init.state;
    this.expiresAt = init.clock.now() + init.expires * 1000;
    this.armExpiry();
  }

  get state(): NotifierSubscriptionState {
    return this._state;
  }

  /** The subscribed resource (Request-URI of the SUBSCRIBE). */
  get resource(): string {
    return this.subscribe.uri;
  }

  /** Seconds left, rounded up. */
  get expiresIn(): number {
    return Math.max(0, Math.ceil((this.expiresAt - this.i.clock.now()) / 1000));
  }

  transition(to: NotifierSubscriptionState, cause: string): void {
    const from = this._state;
    if (from === to) return;
    if (!NOTIFIER_SUBSCRIPTION_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('NotifierSubscription', from, to);
    this._state = to;
    this.safeEmit('stateChange', to, from, cause);
  }

  private armExpiry(): void {
    this.i.clock.cancel(this.timer);
    const at = this.expiresAt;
    this.timer = this.i.clock.setTimer(Math.max(0, at - this.i.clock.now()), () => {
      // Re-check: a refresh may have moved the expiry after this timer was due (rule 5).
      if (this._state === 'terminated' || this.expiresAt !== at) return;
      void this.terminate('timeout');
    });
  }

  /** Applies a refresh of `expires` seconds (called by the notifier for an in-dialog SUBSCRIBE). */
  refresh(expires: number): void {
    this.expiresAt = this.i.clock.now() + expires * 1000;
    this.armExpiry();
    this.safeEmit('refresh', expires);
  }

  /** Marks the subscription active (authorization granted) and notifies the watcher. */
  activate(body?: NotifyBody): Promise<SipResponse | undefined> {
    if (this._state === 'terminated') return Promise.resolve(undefined);
    this.transition('active', 'activate');
    return this.notify(body);
  }

  /**
   * Sends a NOTIFY (or the later method) with the current Subscription-State and `body` (default:
   * the package's current state). Resolves with the response, undefined for a method the stack
   * never answers (BENOTIFY) or when ended.
   * NOTIFYs of one subscription are sent one after another.
   */
  notify(body?: NotifyBody): Promise<SipResponse | undefined> {
    return this.enqueue(() => this.send(body, undefined));
  }

  /**
   * Ends the subscription with a final NOTIFY `terminated;reason=...` (RFC 6665 section 4.2.2).
   * Idempotent.
   */
  terminate(reason: TerminationReason, retryAfter?: number, body?: NotifyBody): Promise<SipResponse | undefined> {
    if (this._state === 'terminated') return Promise.resolve(undefined);
    this.end(reason);
    return this.enqueue(() => this.send(body, { reason, ...(retryAfter !== undefined ? { retryAfter } : {}) }));
  }

  /** Ends locally without a NOTIFY (the dialog is gone or the process stops). */
  drop(reason: TerminationReason): void {
    if (this._state === 'terminated') return;
    this.end(reason);
  }

  private end(reason: TerminationReason): void {
    this.i.clock.cancel(this.timer);
    this.timer = undefined;
    this.transition('terminated', reason);
    this.i.onEnd();
    this.safeEmit('terminated', reason);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async send(body: NotifyBody | undefined, final: { reason: TerminationReason; retryAfter?: number } | undefined): Promise<SipResponse | undefined> {
    if (!final && this._state === 'terminated') return undefined;
    if (this.dialog.state === 'terminated') return undefined;
    const ss = final
      ? formatSubscriptionState({ state: 'terminated', reason: final.reason, ...(final.retryAfter !== undefined ? { retryAfter: final.retryAfter } : {}) })
      : formatSubscriptionState({ state: this._state, expires: this.expiresIn });
    const b = body ?? this.eventPackage.currentState?.(this);
    const method = this.i.laterMethod !== undefined && this.sentFirst && !final ? this.i.laterMethod : 'NOTIFY';
    const req = this.dialog.createRequest(method, {
      headers: { Event: this.event, 'Subscription-State': ss },
      ...(b ? { body: b.body, contentType: b.contentType } : {}),
    });
    this.sentFirst = true;
    if (final) this.dialog.terminate(`subscription-${final.reason}`);
    if (method !== 'NOTIFY' && this.i.tu.capabilities.isUnanswered(method)) {
      // Best effort ([MS-SIP] BENOTIFY): no transaction, no response expected.
      this.i.tu.sendStateless(req);
      return undefined;
    }
    const res = await this.i.tu.sendRequest(req);
    if (res.status >= 300 && this._state !== 'terminated') {
      // RFC 6665 section 4.2.2: a NOTIFY failing with an error response removes the subscription.
      this.i.logger.info('NOTIFY failed; removing subscription', { status: res.status, callId: this.dialog.id.callId });
      this.dialog.terminate(`notify-${res.status}`);
      this.end(`notify-${res.status}`);
    }
    return res;
  }

  /** Cancels the expiry timer without sending anything. */
  dispose(): void {
    this.drop('deactivated');
  }
}
