/**
 * A Lync / SfB Front End played by our own SipStack, for the ms-pres adapter's tests: answers
 * REGISTER, the batch SUBSCRIBE (200 with a piggybacked first notification), SERVICE (scripted,
 * e.g. a 409 fault) and OPTIONS, and sends BENOTIFY / NOTIFY in the subscription dialog. Used over
 * the in-memory network (unit tests) and over a real mutual-TLS listener (integration), since
 * no open-source server speaks MS-PRES and the Debian SIPp has no TLS.
 */
import { parseMsPresBatchSubscribe } from '../../src/presence/ms-pres-batch-subscribe.ts';
import { createRequest } from '../../src/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message/sip-message.ts';
import type { MessageSource, ServerTransactionHandle, TransactionUser } from '../../src/sip/transaction/transaction-user.ts';

/** One batch subscription as the Front End sees it. */
export interface FrontEndDialog {
  readonly callId: string;
  /** Our (the FE's) tag. */
  readonly localTag: string;
  /** The watcher's From tag. */
  readonly remoteTag: string;
  /** The watcher's URI (From). */
  readonly watcher: string;
  /** The watcher's Contact URI (target of BENOTIFY / NOTIFY). */
  readonly target: string;
  /** Users listed in the batch. */
  readonly resources: readonly string[];
  cseq: number;
  ended: boolean;
}

export interface FrontEndReply {
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const CATEGORIES = 'application/msrtc-event-categories+xml';

/** A categories document with one aggregateState (and optionally a note) for `uri`. */
export function categoriesBody(uri: string, availability: number, options: { token?: string; note?: string; publishTime?: string; noteTime?: string } = {}): string {
  const t = options.publishTime ?? '2026-11-21T14:00:00.000';
  const activity = options.token ? `<activity token="${options.token}" minAvailability="6500" maxAvailability="8999"/>` : '';
  const note = options.note !== undefined
    ? `<category name="note" instance="0" publishTime="${options.noteTime ?? t}">${options.note === '' ? '' : `<note xmlns="http://schemas.microsoft.com/2006/09/sip/note"><body type="personal" uri="">${options.note}</body></note>`}</category>`
    : '';
  return `<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="${uri}">` +
    `<category name="state" instance="1" publishTime="${t}"><state xmlns="http://schemas.microsoft.com/2006/09/sip/state" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="aggregateState">` +
    `<availability>${availability}</availability>${activity}<device>computer</device></state></category>${note}</categories>`;
}

function uriOf(value: string | undefined): string {
  const m = /<([^>]*)>/.exec(value ?? '');
  return (m ? m[1]! : (value ?? '').split(';')[0]!).trim();
}

function tagOf(value: string | undefined): string {
  return /;\s*tag=([^;\s>]+)/i.exec(value ?? '')?.[1] ?? '';
}

export class FakeFrontEnd {
  /** Every request received, with where it came from. */
  readonly received: Array<{ request: SipRequest; source: MessageSource }> = [];
  readonly dialogs: FrontEndDialog[] = [];
  /** Status of each REGISTER (default 200). */
  registerStatus: (req: SipRequest) => number = () => 200;
  /** Answer to each SERVICE (default 200). */
  serviceReply: (req: SipRequest) => FrontEndReply = () => ({ status: 200 });
  /** Answer to the batch SUBSCRIBE (default 200 with the piggybacked `firstNotification`). */
  subscribeStatus: (req: SipRequest) => number = () => 200;
  /** The piggybacked first notification for the listed users (undefined: an empty 200). */
  firstNotification: (resources: readonly string[]) => string | undefined = () => undefined;
  /** When false, OPTIONS are swallowed (the watcher sees a timeout). */
  answerOptions = true;
  /** When false, every request is swallowed (the pool is down). */
  up = true;

  constructor(readonly tu: TransactionUser, readonly contactUri: string) {
    tu.onRequest((req, tx) => this.onRequest(req, tx));
  }

  requests(method: string): SipRequest[] {
    return this.received.filter((r) => r.request.method === method).map((r) => r.request);
  }

  /** The live (not unsubscribed) batch dialogs. */
  get live(): FrontEndDialog[] {
    return this.dialogs.filter((d) => !d.ended);
  }

  private onRequest(req: SipRequest, tx: ServerTransactionHandle): void {
    if (req.method === 'ACK' || req.method === 'BENOTIFY') return;
    this.received.push({ request: req, source: tx.source });
    if (!this.up) return;
    switch (req.method) {
      case 'REGISTER': {
        const status = this.registerStatus(req);
        const expires = req.headers.get('Expires') ?? '3600';
        tx.respond(status, status === 200 ? { headers: { Contact: `${req.headers.get('Contact') ?? ''};expires=${expires}`, Expires: expires } } : {});
        return;
      }
      case 'OPTIONS':
        if (this.answerOptions) tx.respond(200);
        return;
      case 'SERVICE': {
        const r = this.serviceReply(req);
        tx.respond(r.status, {
          ...(r.headers ? { headers: r.headers } : {}),
          ...(r.body !== undefined ? { body: r.body, contentType: r.contentType ?? 'application/msrtc-fault+xml' } : {}),
        });
        return;
      }
      case 'SUBSCRIBE':
        this.onSubscribe(req, tx);
        return;
      default:
        tx.respond(405);
    }
  }

  private onSubscribe(req: SipRequest, tx: ServerTransactionHandle): void {
    const expires = req.headers.get('Expires') ?? '3600';
    const toTag = tagOf(req.headers.get('To'));
    if (toTag !== '') {
      // In-dialog: refresh or unsubscribe.
      const d = this.dialogs.find((x) => x.callId === req.headers.get('Call-ID') && x.localTag === toTag && !x.ended);
      if (!d) return void tx.respond(481);
      if (expires.trim() === '0') d.ended = true;
      tx.respond(200, { headers: { Expires: expires, Contact: `<${this.contactUri}>` } });
      return;
    }
    const status = this.subscribeStatus(req);
    if (status !== 200) return void tx.respond(status);
    const batch = parseMsPresBatchSubscribe(req.body);
    const resources = batch.ok ? batch.value.resources : [];
    const localTag = `fe${this.dialogs.length + 1}`;
    this.dialogs.push({
      callId: req.headers.get('Call-ID') ?? '', localTag, remoteTag: tagOf(req.headers.get('From')), watcher: uriOf(req.headers.get('From')),
      target: uriOf(req.headers.get('Contact')), resources, cseq: 0, ended: false,
    });
    const first = this.firstNotification(resources);
    const headers: Record<string, string> = { 'Expires': expires, 'Contact': `<${this.contactUri}>`, 'Event': 'presence', 'Supported': 'ms-piggyback-first-notify, ms-benotify' };
    if (first !== undefined) headers['subscription-state'] = `active;expires=${expires}`;
    tx.respond(200, { toTag: localTag, headers, ...(first !== undefined ? { body: first, contentType: CATEGORIES } : {}) });
  }

  private inDialog(method: string, d: FrontEndDialog, body: string, contentType: string, state: string): SipRequest {
    d.cseq++;
    return createRequest({
      method, uri: d.target, body,
      headers: {
        'From': `<${d.watcher}>;tag=${d.localTag}`,
        'To': `<${d.watcher}>;tag=${d.remoteTag}`,
        'Call-ID': d.callId,
        'CSeq': `${d.cseq} ${method}`,
        'Contact': `<${this.contactUri}>`,
        'Event': 'presence',
        'subscription-state': state,
        'Content-Type': contentType,
      },
    });
  }

  /** Sends a BENOTIFY (no response expected) in the last (or given) dialog. */
  benotify(body: string, options: { dialog?: FrontEndDialog; contentType?: string; state?: string } = {}): void {
    const d = options.dialog ?? this.live.at(-1);
    if (!d) throw new Error('no batch subscription to notify');
    this.tu.sendStateless(this.inDialog('BENOTIFY', d, body, options.contentType ?? CATEGORIES, options.state ?? 'active;expires=3600'));
  }

  /** Sends a NOTIFY in the last (or given) dialog; resolves with the watcher's response. */
  notify(body: string, options: { dialog?: FrontEndDialog; contentType?: string; state?: string } = {}): Promise<SipResponse> {
    const d = options.dialog ?? this.live.at(-1);
    if (!d) throw new Error('no batch subscription to notify');
    return this.tu.sendRequest(this.inDialog('NOTIFY', d, body, options.contentType ?? CATEGORIES, options.state ?? 'active;expires=3600'));
  }
}
