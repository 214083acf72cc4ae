/**
 * The subscriber side of RFC 6665 (SIP-specific event notification): SUBSCRIBE, NOTIFY handling,
 * refresh before expiry, re-subscription with backoff, unsubscribe. The stack's extensions may
 * add methods taken as a NOTIFY ([MS-SIP] BENOTIFY, see ms-sip-extension.ts) and the option tags
 * that ask for them; while subscribed it declares NOTIFY and its Accept types to the stack.
 *
 * One `Subscriber` is one logical subscription; each (re-)subscription attempt uses a new
 * Call-ID and From tag, so it is a new dialog (RFC 6665 section 4.1.3: re-subscribing after
 * termination "MUST ... create a new dialog").
 *
 * ```
 *  initial ─▶ notify-wait ─▶ pending ◀─▶ active
 *                 │  ▲          │          │
 *                 ▼  │          ▼          ▼
 *               retry-wait ◀────┴──────────┘
 *    any ─────────┴──▶ terminated
 * ```
 */
import { backoffDelay, backoffExhausted } from '../../lib/backoff.ts';
import type { TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionHandle } from '../transaction/transaction-user.ts';
import { sendWithAuth } from './authenticated-request.ts';
import { refreshDelayMs, retryAfterOf } from './refresh-timing.ts';
import { createOutOfDialogRequest } from './out-of-dialog-request.ts';
import { checkIncomingNotify } from './incoming-notify.ts';
import { headerTag } from './request-dispatcher.ts';
import { parseSubscriptionState, retryPolicyFor } from './subscription-state-header.ts';
import type { TerminationReason } from './subscription-state-header.ts';
import { SUBSCRIBER_TRANSITIONS } from './subscriber-state.ts';
import type { SubscriberState } from './subscriber-state.ts';
import type { Notification, SubscriberEvents, SubscriberOptions, SubscriberTermination } from './subscriber-types.ts';

export type { Notification, SubscriberEvents, SubscriberOptions, SubscriberTermination } from './subscriber-types.ts';

/** RFC 6665 section 4.1.2.4: Timer N = 64*T1 = 32 s waiting for the first NOTIFY. */
export const TIMER_N_MS = 32_000;

function expiresOf(res: SipResponse | SipRequest): number | undefined {
  const v = res.headers.get('Expires');
  return v !== undefined && /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : undefined;
}

export class Subscriber extends TypedEmitter<SubscriberEvents> {
  private _state: SubscriberState = 'initial';
  private readonly o: SubscriberOptions;
  private readonly logger: Logger;
  private readonly expiresWanted: number;
  private expiresAsked: number;
  private dialog: Dialog | undefined;
  private subscribeRequest: SipRequest | undefined;
  private removeHandler: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  private notifyTimer: TimerHandle | undefined;
  /** Bumped on each new attempt; async continuations and timers from older ones do nothing. */
  private generation = 0;
  private attempt = 0;
  private unsubscribing = false;
  private grantedExpires = 0;
  private lastReason: TerminationReason | undefined;
  /** The un-SUBSCRIBE sent, shared by every later unsubscribe() call. */
  private unsubscribeInFlight: Promise<void> | undefined;
  /** After unsubscribe: removes the dialog handler that still answers the final NOTIFY. */
  private lingerRemove: (() => void) | undefined;
  /** Withdraws what we declared to the stack (NOTIFY, our Accept types) when the subscription ends. */
  private undeclare: (() => void) | undefined;

  constructor(options: SubscriberOptions) {
    super();
    this.o = options;
    this.logger = (options.logger ?? silentLogger).child({ subscriber: options.target, event: options.event });
    this.expiresWanted = options.expires ?? 3600;
    this.expiresAsked = this.expiresWanted;
  }

  get state(): SubscriberState {
    return this._state;
  }

  /** The most recent notification (a listener attached late can still read the first state). */
  lastNotification: Notification | undefined;

  /** The current dialog, when one exists. */
  get currentDialog(): Dialog | undefined {
    return this.dialog;
  }

  /** Seconds granted by the notifier for the current subscription. */
  get expires(): number {
    return this.grantedExpires;
  }

  /** Guarded transition (style rule 3). */
  transition(to: SubscriberState, cause: string): void {
    const from = this._state;
    if (from === to) return;
    if (!SUBSCRIBER_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('Subscriber', from, to);
    this._state = to;
    this.safeEmit('stateChange', to, from, cause);
  }

  /** Sends the initial SUBSCRIBE. Resolves with its final response (after auth retries). */
  subscribe(): Promise<SipResponse> {
    if (this._state !== 'initial') throw new InvalidStateTransitionError('Subscriber', this._state, 'subscribe');
    this.undeclare = this.o.tu.capabilities.declare({ methods: ['NOTIFY'], ...(this.o.accept ? { accept: this.o.accept } : {}) });
    return this.attemptSubscribe('subscribe');
  }

  private baseHeaders(expires: number): Record<string, string | readonly string[]> {
    const h: Record<string, string | readonly string[]> = { Event: this.o.event, Expires: String(expires) };
    if (this.o.accept?.length) h.Accept = this.o.accept.join(', ');
    const tags = this.o.tu.capabilities.subscribeOptionTags;
    if (tags.length > 0) h.Supported = tags.join(', ');
    return { ...h, ...this.o.headers };
  }

  private async attemptSubscribe(cause: string): Promise<SipResponse> {
    const gen = ++this.generation;
    this.clearTimers();
    this.dropDialog();
    this.transition('notify-wait', cause);
    const tu = this.o.tu;
    const callId = tu.newCallId();
    const fromTag = tu.newTag();
    this.removeHandler = this.o.dispatcher.addDialogHandler(callId, fromTag, (req, txn) => this.onRequest(gen, req, txn));
    const init: Parameters<typeof createOutOfDialogRequest>[0] = {
      method: 'SUBSCRIBE', uri: this.o.target, from: this.o.aor, fromTag, callId, cseq: 1,
      contact: this.o.contact, headers: this.baseHeaders(this.expiresAsked),
    };
    if (this.o.displayName !== undefined) init.fromDisplayName = this.o.displayName;
    if (this.o.routes) init.routes = this.o.routes;
    if (this.o.body !== undefined) init.body = this.o.body;
    if (this.o.contentType !== undefined) init.contentType = this.o.contentType;
    const request = createOutOfDialogRequest(init);
    this.subscribeRequest = request;
    const { request: sent, response } = await sendWithAuth(tu, request, this.o.digest);
    if (gen !== this.generation || this._state === 'terminated') return response;
    this.subscribeRequest = sent;
    this.onSubscribeResponse(gen, sent, response);
    return response;
  }

  private onSubscribeResponse(gen: number, sent: SipRequest, res: SipResponse): void {
    if (res.status >= 200 && res.status < 300) {
      if (!this.dialog) {
        try {
          this.dialog = Dialog.createUac(sent, res, this.o.contact);
        } catch (e) {
          this.logger.warn('2xx to SUBSCRIBE does not create a dialog', { error: (e as Error).message });
        }
      }
      const granted = expiresOf(res) ?? this.expiresAsked;
      if (granted === 0) {
        // A fetch (Expires: 0) or the notifier refusing a lasting subscription: wait for the NOTIFY.
        this.grantedExpires = 0;
      } else {
        this.scheduleRefresh(gen, granted);
      }
      this.safeEmit('refresh', granted);
      // [MS-SIP] ms-piggyback-first-notify: the first notification rides in the 2xx body.
      const ss = res.headers.get('Subscription-State');
      if (ss !== undefined && res.body.length > 0) {
        const parsed = parseSubscriptionState(ss);
        if (parsed.ok) this.applyNotification(gen, { request: sent, subscriptionState: parsed.value, body: res.body, contentType: res.headers.get('Content-Type') });
      }
      if (this._state === 'notify-wait') {
        // RFC 6665 section 4.1.2.4: no NOTIFY within Timer N → the subscription failed.
        this.notifyTimer = this.o.clock.setTimer(this.o.notifyWaitMs ?? TIMER_N_MS, () => {
          if (gen !== this.generation || this._state !== 'notify-wait') return;
          this.scheduleRetry('timer-n', undefined);
        });
      }
      return;
    }
    if (res.status === 423) {
      // RFC 6665 section 4.1.2.1 / RFC 3261 section 10.3: retry with Min-Expires.
      const min = Number(res.headers.get('Min-Expires') ?? NaN);
      if (Number.isFinite(min) && min > this.expiresAsked && min <= 86_400 * 7) {
        this.expiresAsked = min;
        void this.restart(gen, 'interval-too-brief', 0);
        return;
      }
    }
    if (res.status === 481 || res.status === 408 || res.status >= 500) {
      this.scheduleRetry(`status-${res.status}`, retryAfterOf(res));
      return;
    }
    this.finish({ cause: 'rejected', status: res.status });
  }

  /** A request in our dialog. A method the stack never answers comes with a handle that sends nothing. */
  private onRequest(gen: number, req: SipRequest, txn: ServerTransactionHandle): void {
    const respond = (status: number, reason?: string): void => {
      txn.respond(status, reason !== undefined ? { reason } : {});
    };
    if (!this.o.tu.capabilities.isNotifyMethod(req.method)) {
      respond(405);
      return;
    }
    const check = checkIncomingNotify(req, this.o.event);
    if (!check.ok) {
      respond(check.status, check.reason);
      return;
    }
    const subscriptionState = check.subscriptionState;
    if (this._state === 'terminated' && this.lingerRemove && gen === this.generation - 1) {
      // The final NOTIFY after our unsubscribe (RFC 6665 section 4.1.2.3): acknowledge it.
      respond(200);
      this.lastNotification = { request: req, subscriptionState, body: req.body, contentType: req.headers.get('Content-Type') };
      this.safeEmit('notify', this.lastNotification);
      return;
    }
    if (gen !== this.generation) {
      // An old attempt's dialog: tell the notifier it is gone.
      respond(481);
      return;
    }
    const remoteTag = headerTag(req, 'From');
    if (!this.dialog) {
      if (!this.subscribeRequest) { respond(481); return; }
      try {
        // RFC 6665 section 4.1.2.4: a NOTIFY may arrive before the 2xx and creates the dialog.
        this.dialog = Dialog.createFromNotify(this.subscribeRequest, req, this.o.contact);
      } catch (e) {
        this.logger.warn('NOTIFY cannot create a dialog', { error: (e as Error).message });
        respond(400);
        return;
      }
    } else if (remoteTag !== this.dialog.id.remoteTag) {
      // A forked second dialog: we keep one subscription per Subscriber (see docs/sip.md).
      respond(481);
      return;
    } else {
      const check = this.dialog.receiveRequest(req);
      if (!check.ok) {
        respond(check.status, check.reason);
        return;
      }
    }
    respond(200);
    this.applyNotification(gen, { request: req, subscriptionState, body: req.body, contentType: req.headers.get('Content-Type') });
  }

  private applyNotification(gen: number, n: Notification): void {
    this.o.clock.cancel(this.notifyTimer);
    this.notifyTimer = undefined;
    const s = n.subscriptionState;
    this.lastNotification = n;
    this.safeEmit('notify', n);
    if (gen !== this.generation || this._state === 'terminated') return;
    switch (s.state) {
      case 'active':
      case 'pending':
        if (this.unsubscribing) return;
        this.attempt = 0;
        this.transition(s.state === 'active' ? 'active' : 'pending', 'notify');
        // The notifier may shorten the subscription (RFC 6665 section 4.1.2.3).
        if (s.expires !== undefined && s.expires > 0 && (this.grantedExpires === 0 || s.expires < this.grantedExpires - 1)) {
          this.scheduleRefresh(gen, s.expires);
        }
        return;
      case 'terminated': {
        this.lastReason = s.reason;
        if (this.unsubscribing) {
          this.finish({ cause: 'unsubscribed', ...(s.reason !== undefined ? { reason: s.reason } : {}) });
          return;
        }
        const policy = retryPolicyFor(s.reason);
        if (policy === 'never') {
          this.finish({ cause: 'reason', ...(s.reason !== undefined ? { reason: s.reason } : {}) });
          return;
        }
        const immediate = policy === 'now' && this.attempt === 0;
        this.scheduleRetry(`terminated-${s.reason ?? 'no-reason'}`, s.retryAfter, immediate);
        return;
      }
      default:
        // RFC 6665 section 4.1.3: unknown substates are treated as pending... only for extension values.
        if (!this.unsubscribing) this.transition('pending', `notify-${s.state}`);
    }
  }

  private scheduleRefresh(gen: number, expires: number): void {
    this.grantedExpires = expires;
    this.o.clock.cancel(this.timer);
    const delay = refreshDelayMs(expires, this.o.refreshFraction ?? 0.9);
    this.timer = this.o.clock.setTimer(delay, () => {
      if (gen !== this.generation || this._state === 'terminated' || this._state === 'retry-wait' || this.unsubscribing) return;
      void this.refresh();
    });
  }

  /** Sends an in-dialog refresh SUBSCRIBE now (normally done by the timer). */
  async refresh(): Promise<SipResponse | undefined> {
    const gen = this.generation;
    const dialog = this.dialog;
    if (!dialog || dialog.state === 'terminated') return undefined;
    const req = dialog.createRequest('SUBSCRIBE', { headers: this.baseHeaders(this.expiresAsked) });
    this.o.digest?.applyCached(req);
    const { request: sent, response } = await sendWithAuth(this.o.tu, req, this.o.digest);
    if (gen !== this.generation || this._state === 'terminated' || this.unsubscribing) return response;
    if (response.status >= 200 && response.status < 300) {
      dialog.receiveResponse(sent, response);
      const granted = expiresOf(response) ?? this.expiresAsked;
      this.scheduleRefresh(gen, granted);
      this.safeEmit('refresh', granted);
    } else if (response.status === 481) {
      // RFC 6665 section 4.1.2.2: the subscription is gone; start a new one at once.
      this.scheduleRetry('refresh-481', undefined, true);
    } else {
      this.scheduleRetry(`refresh-${response.status}`, retryAfterOf(response));
    }
    return response;
  }

  private scheduleRetry(cause: string, retryAfterSec: number | undefined, immediate = false): void {
    const gen = this.generation;
    this.clearTimers();
    this.dropDialog();
    this.attempt++;
    if (backoffExhausted(this.attempt, this.o.backoff)) {
      this.finish({ cause: 'giveup', ...(this.lastReason !== undefined ? { reason: this.lastReason } : {}) });
      return;
    }
    const delay = retryAfterSec !== undefined ? retryAfterSec * 1000 : immediate ? 0 : backoffDelay(this.attempt, this.o.backoff);
    this.transition('retry-wait', cause);
    this.safeEmit('retry', this.attempt, delay, cause);
    this.timer = this.o.clock.setTimer(delay, () => {
      if (gen !== this.generation || this._state !== 'retry-wait') return;
      void this.attemptSubscribe(`retry-${this.attempt}`);
    });
  }

  private restart(gen: number, cause: string, delay: number): void {
    this.clearTimers();
    this.timer = this.o.clock.setTimer(delay, () => {
      if (gen !== this.generation || this._state === 'terminated') return;
      this.transition('retry-wait', cause);
      void this.attemptSubscribe(cause);
    });
  }

  /**
   * Ends the subscription: in-dialog SUBSCRIBE with Expires: 0 (RFC 6665 section 4.1.2.3). The
   * final NOTIFY is answered but not awaited; the state is terminated once the 2xx (or any final
   * response) arrives.
   */
  unsubscribe(): Promise<void> {
    // One un-SUBSCRIBE per dialog: a second caller (the adapter's stop after the connector's
    // unsubscribe) shares the one in flight instead of sending another Expires: 0 (and getting 481).
    this.unsubscribeInFlight ??= this.sendUnsubscribe();
    return this.unsubscribeInFlight;
  }

  private async sendUnsubscribe(): Promise<void> {
    if (this._state === 'terminated') return;
    this.unsubscribing = true;
    this.clearTimers();
    const dialog = this.dialog;
    if (!dialog || dialog.state === 'terminated') {
      this.finish({ cause: 'unsubscribed' });
      return;
    }
    const req = dialog.createRequest('SUBSCRIBE', { headers: this.baseHeaders(0) });
    this.o.digest?.applyCached(req);
    await sendWithAuth(this.o.tu, req, this.o.digest);
    this.finish({ cause: 'unsubscribed' }, true);
  }

  private finish(t: SubscriberTermination, keepHandlerForFinalNotify = false): void {
    if (this._state === 'terminated') return;
    this.clearTimers();
    if (keepHandlerForFinalNotify && this.removeHandler) {
      // Keep answering the final NOTIFY with 200 for Timer N, then forget the dialog.
      this.lingerRemove = this.removeHandler;
      this.removeHandler = undefined;
      this.timer = this.o.clock.setTimer(this.o.notifyWaitMs ?? TIMER_N_MS, () => {
        this.lingerRemove?.();
        this.lingerRemove = undefined;
      });
      this.dialog?.terminate(t.cause);
      this.dialog = undefined;
    } else {
      this.dropDialog();
    }
    this.generation++;
    this.undeclare?.();
    this.undeclare = undefined;
    this.transition('terminated', t.cause);
    this.safeEmit('terminated', t);
  }

  private dropDialog(): void {
    this.removeHandler?.();
    this.removeHandler = undefined;
    this.dialog?.terminate('subscription-ended');
    this.dialog = undefined;
  }

  private clearTimers(): void {
    this.o.clock.cancel(this.timer);
    this.o.clock.cancel(this.notifyTimer);
    this.timer = undefined;
    this.notifyTimer = undefined;
  }

  /** Cancels every timer and forgets the dialog without sending anything. */
  dispose(): void {
    this.clearTimers();
    this.removeHandler?.();
    this.removeHandler = undefined;
    this.lingerRemove?.();
    this.lingerRemove = undefined;
    this.finish({ cause: 'disposed' });
    this.clearTimers();
  }
}
