/**
 * The notifier side of RFC 6665: accepts SUBSCRIBE for registered event packages, creates the
 * subscription dialog, sends the immediate NOTIFY, handles refresh and unsubscribe, and ends
 * expired subscriptions with `terminated;reason=timeout`. What a NOTIFY says is the package's
 * business (`EventPackage`); the engine only runs the protocol.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { Dialog } from '../dialog/dialog.ts';
import { halfDialogKey } from '../dialog/dialog-id.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import type { EventPackage, SubscriptionDecision } from './event-package.ts';
import { NotifierSubscription } from './notifier-subscription.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';

export interface NotifierOptions {
  tu: TransactionUser;
  dispatcher: RequestDispatcher;
  clock: Clock;
  /** Our Contact URI (sent in the 2xx and in every NOTIFY). */
  contact: string;
  /** Most subscriptions kept at once; more get 503 with Retry-After. Default 100 000. */
  maxSubscriptions?: number;
  logger?: Logger;
}

export interface NotifierEvents {
  /** A SUBSCRIBE was accepted; the initial NOTIFY is being sent. */
  subscription: (subscription: NotifierSubscription) => void;
}

function eventName(e: string): string {
  return (e.split(';')[0] ?? '').trim().toLowerCase();
}

function mediaType(t: string): string {
  return (t.split(';')[0] ?? '').trim().toLowerCase();
}

/** RFC 3261 section 20.1 Accept matching, with `*` wildcards. */
function acceptable(accept: string[], offered: readonly string[]): boolean {
  for (const a of accept.map(mediaType)) {
    const [at, as] = a.split('/');
    for (const o of offered.map(mediaType)) {
      const [ot, os] = o.split('/');
      if ((at === '*' || at === ot) && (as === '*' || as === os)) return true;
    }
  }
  return false;
}

export class Notifier extends TypedEmitter<NotifierEvents> {
  private readonly o: NotifierOptions;
  private readonly logger: Logger;
  private readonly packages = new Map<string, EventPackage>();
  private readonly subs = new Map<string, NotifierSubscription>();
  private readonly removers = new Map<string, () => void>();
  private removeMethod: (() => void) | undefined;

  constructor(options: NotifierOptions) {
    super();
    this.o = options;
    this.logger = (options.logger ?? silentLogger).child({ component: 'notifier' });
    this.removeMethod = options.dispatcher.onMethod('SUBSCRIBE', (req, txn) => void this.onSubscribe(req, txn));
  }

  /** Registers (or replaces) an event package. */
  registerPackage(pkg: EventPackage): void {
    this.packages.set(pkg.name.toLowerCase(), pkg);
  }

  /** Event package names for Allow-Events. */
  get allowEvents(): string[] {
    return [...this.packages.values()].map((p) => p.name);
  }

  /** Live subscriptions (optionally of one package / resource). */
  subscriptions(filter: { event?: string; resource?: string } = {}): NotifierSubscription[] {
    return [...this.subs.values()].filter((s) =>
      (filter.event === undefined || eventName(s.event) === filter.event.toLowerCase()) &&
      (filter.resource === undefined || s.resource === filter.resource));
  }

  private async onSubscribe(req: SipRequest, txn: ServerTransactionHandle): Promise<void> {
    const eventHeader = req.headers.get('Event');
    const pkg = eventHeader !== undefined ? this.packages.get(eventName(eventHeader)) : undefined;
    if (!eventHeader || !pkg) {
      // RFC 6665 section 4.2.1.1: unknown package → 489 Bad Event with Allow-Events.
      txn.respond(489, { reason: 'Bad Event', headers: { 'Allow-Events': this.allowEvents.join(', ') } });
      return;
    }
    const accept = req.headers.getAll('Accept').flatMap((v) => v.split(',')).filter((v) => v.trim() !== '');
    if (accept.length > 0 && !acceptable(accept, pkg.contentTypes)) {
      txn.respond(406, { headers: { Accept: pkg.contentTypes.join(', ') } });
      return;
    }
    const expires = this.expiresFor(req, pkg, txn);
    if (expires === undefined) return;
    if (this.subs.size >= (this.o.maxSubscriptions ?? 100_000)) {
      txn.respond(503, { headers: { 'Retry-After': '60' } });
      return;
    }
    let decision: SubscriptionDecision;
    try {
      decision = (await pkg.authorize?.(req)) ?? 'active';
    } catch (e) {
      this.logger.error('authorize failed', { error: (e as Error).message });
      txn.respond(500);
      return;
    }
    if (typeof decision === 'object') {
      txn.respond(decision.reject, decision.reason !== undefined ? { reason: decision.reason } : {});
      return;
    }
    const localTag = this.o.tu.newTag();
    let dialog: Dialog;
    try {
      dialog = Dialog.createUas(req, localTag, { localContact: this.o.contact });
    } catch (e) {
      txn.respond(400, { reason: (e as Error).message.slice(0, 80).replace(/[\r\n]/g, ' ') });
      return;
    }
    const key = halfDialogKey(dialog.id.callId, localTag);
    const sub = new NotifierSubscription({
      tu: this.o.tu, clock: this.o.clock, dialog, eventPackage: pkg, event: eventHeader, subscribe: req,
      expires, state: decision,
      // An extension may change the method of later notifications ([MS-SIP] BENOTIFY when the watcher asked).
      laterMethod: this.o.tu.capabilities.laterNotifyMethod(req),
      logger: this.logger,
      onEnd: () => {
        this.subs.delete(key);
        // Keep answering in-dialog requests for a little while? Not needed: a late refresh gets 481.
        this.removers.get(key)?.();
        this.removers.delete(key);
      },
    });
    this.subs.set(key, sub);
    this.removers.set(key, this.o.dispatcher.addDialogHandler(dialog.id.callId, localTag, (r, t) => this.onInDialog(sub, r, t)));
    // RFC 6665 section 4.2.1.1: 200 (202 is deprecated), Expires MUST be present.
    txn.respond(200, { toTag: localTag, headers: { Expires: String(expires), Contact: `<${this.o.contact}>` } });
    this.safeEmit('subscription', sub);
    if (expires === 0) {
      // A fetch: one NOTIFY with the state, terminating the subscription (section 4.4.3).
      void sub.terminate('timeout');
      return;
    }
    // Section 4.2.1.2: "notifiers MUST send a NOTIFY request immediately".
    void sub.notify();
  }

  /** Expires to grant, or undefined after answering 423. */
  private expiresFor(req: SipRequest, pkg: EventPackage, txn: ServerTransactionHandle): number | undefined {
    const raw = req.headers.get('Expires');
    let expires = raw !== undefined && /^\s*\d{1,10}\s*$/.test(raw) ? Number(raw) : pkg.defaultExpires;
    const min = pkg.minExpires ?? 60;
    if (expires > 0 && expires < min) {
      txn.respond(423, { headers: { 'Min-Expires': String(min) } });
      return undefined;
    }
    expires = Math.min(expires, pkg.maxExpires ?? 86_400);
    return expires;
  }

  private onInDialog(sub: NotifierSubscription, req: SipRequest, txn: ServerTransactionHandle): void {
    if (req.method.toUpperCase() !== 'SUBSCRIBE') {
      txn.respond(405, { headers: { Allow: 'SUBSCRIBE' } });
      return;
    }
    const check = sub.dialog.receiveRequest(req);
    if (!check.ok) {
      txn.respond(check.status, { reason: check.reason });
      return;
    }
    const ev = req.headers.get('Event');
    if (ev === undefined || eventName(ev) !== eventName(sub.event)) {
      txn.respond(489, { reason: 'Bad Event' });
      return;
    }
    const expires = this.expiresFor(req, sub.eventPackage, txn);
    if (expires === undefined) return;
    txn.respond(200, { headers: { Expires: String(expires), Contact: `<${this.o.contact}>` } });
    if (expires === 0) {
      // Unsubscribe (section 4.2.1.4): final NOTIFY. Kamailio says reason=timeout here too.
      void sub.terminate('timeout');
      return;
    }
    sub.refresh(expires);
    // Section 4.2.1.2: a NOTIFY follows every successful refresh.
    void sub.notify();
  }

  /** Ends every subscription with `terminated;reason=deactivated` (graceful shutdown). */
  async terminateAll(reason = 'deactivated'): Promise<void> {
    await Promise.all([...this.subs.values()].map((s) => s.terminate(reason)));
  }

  /** Stops accepting SUBSCRIBE and drops every subscription without sending. */
  dispose(): void {
    this.removeMethod?.();
    this.removeMethod = undefined;
    for (const s of [...this.subs.values()]) s.dispose();
    this.subs.clear();
  }
}
