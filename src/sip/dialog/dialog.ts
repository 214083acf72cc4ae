/**
 * A SIP dialog (RFC 3261 section 12): the peer-to-peer state that in-dialog requests are built
 * from and checked against. It owns no timers and sends nothing; INVITE sessions and
 * subscriptions (RFC 6665 section 4.1.2.4 / 4.2.1) create and drive it.
 *
 * ```
 *   early ──2xx──▶ confirmed ──▶ terminated
 *     └──────── non-2xx / timeout ─────▲
 * ```
 */
import { InvalidStateTransitionError, UccError } from '../../lib/errors.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { NameAddr, SipRequest, SipResponse } from '../message/sip-message.ts';
import { createRequest, formatNameAddr, formatUri, parseNameAddr, parseUri } from '../message/index.ts';
import { cachedView } from '../message/header-accessors.ts';
import { DIALOG_TRANSITIONS } from './dialog-state.ts';
import type { DialogState } from './dialog-state.ts';
import { dialogKey } from './dialog-id.ts';
import type { DialogId } from './dialog-id.ts';
import { applyRouteSet, routeSetFromRecordRoute } from './route-set.ts';
import type { DialogRole } from './route-set.ts';

/** Methods whose Contact replaces the remote target (RFC 3261 section 12.2, RFC 3311, RFC 6665 section 4.1.2.4/4.2.1). */
export const TARGET_REFRESH_METHODS: readonly string[] = ['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY'];

export interface DialogEvents {
  stateChange: (state: DialogState, previous: DialogState, cause: string) => void;
  targetRefresh: (remoteTarget: string) => void;
}

/**
 * Why a message could not create a dialog (missing tag, Contact, Call-ID...). Callers catch it
 * and answer 400; the code is UCC_ERR_SIP_PARSE because the peer's message lacks what RFC 3261
 * section 12.1 requires.
 */
export class DialogCreationError extends UccError {
  constructor(message: string) {
    super('UCC_ERR_SIP_PARSE', message);
    this.name = 'DialogCreationError';
  }
}

/** Outcome of checking an incoming in-dialog request (RFC 3261 section 12.2.2). */
export type InDialogCheck = { ok: true } | { ok: false; status: 500; reason: string };

export interface DialogInit {
  id: DialogId;
  role: DialogRole;
  state: DialogState;
  localUri: NameAddr;
  remoteUri: NameAddr;
  remoteTarget: string;
  routeSet: NameAddr[];
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  secure: boolean;
  localContact?: string;
}

/** Options for `Dialog.createRequest`. */
export interface InDialogRequestOptions {
  headers?: Record<string, string | readonly string[]>;
  body?: Buffer | string;
  contentType?: string;
  /** CSeq number to use instead of incrementing (ACK and CANCEL reuse the INVITE's). */
  cseq?: number;
}

function header(msg: SipRequest | SipResponse, name: string): string {
  const v = msg.headers.get(name);
  if (v === undefined) throw new DialogCreationError(`missing ${name}`);
  return v;
}

function nameAddr(msg: SipRequest | SipResponse, name: string): NameAddr {
  const r = parseNameAddr(header(msg, name));
  if (!r.ok) throw new DialogCreationError(`bad ${name}: ${r.error.message}`);
  return r.value;
}

function cseqOf(msg: SipRequest | SipResponse): number {
  const parsed = cachedView(msg, 'cseq');
  if (parsed !== undefined) return parsed.seq;
  const m = /^\s*(\d{1,10})\s/.exec(header(msg, 'CSeq'));
  if (!m) throw new DialogCreationError('bad CSeq');
  return Number(m[1]);
}

/** The first Contact URI of a message, as text, or undefined. */
export function contactTarget(msg: SipRequest | SipResponse): string | undefined {
  const parsed = cachedView(msg, 'contact')?.[0];
  if (parsed !== undefined) return parsed.wildcard ? undefined : formatUri(parsed.uri);
  const v = msg.headers.get('Contact');
  if (v === undefined) return undefined;
  const r = parseNameAddr(v);
  if (!r.ok || r.value.wildcard) return undefined;
  return formatUri(r.value.uri);
}

function recordRoutes(msg: SipRequest | SipResponse): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of msg.headers.getAll('Record-Route')) {
    const r = parseNameAddr(v);
    if (!r.ok) throw new DialogCreationError(`bad Record-Route: ${r.error.message}`);
    out.push(r.value);
  }
  return out;
}

export class Dialog extends TypedEmitter<DialogEvents> {
  readonly id: DialogId;
  readonly role: DialogRole;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  /** Fixed at creation (RFC 3261 section 12.2.1.2: "the route set MUST NOT be updated"). */
  readonly routeSet: readonly NameAddr[];
  readonly secure: boolean;
  private _state: DialogState;
  private _remoteTarget: string;
  private _localSeq: number | undefined;
  private _remoteSeq: number | undefined;
  /** Our Contact, sent on target refresh requests. */
  localContact: string | undefined;

  constructor(init: DialogInit) {
    super();
    this.id = init.id;
    this.role = init.role;
    this._state = init.state;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this._remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this._localSeq = init.localSeq;
    this._remoteSeq = init.remoteSeq;
    this.secure = init.secure;
    this.localContact = init.localContact;
  }

  /**
   * UAC side, from the request we sent and a 1xx-with-To-tag or 2xx response (RFC 3261 section
   * 12.1.2): route set = Record-Route reversed, remote target = Contact, local CSeq = the request's.
   */
  static createUac(request: SipRequest, response: SipResponse, localContact?: string): Dialog {
    const from = nameAddr(request, 'From');
    const to = nameAddr(response, 'To');
    const localTag = from.params.tag;
    const remoteTag = to.params.tag;
    if (!localTag) throw new DialogCreationError('request From has no tag');
    if (!remoteTag) throw new DialogCreationError('response To has no tag');
    const target = contactTarget(response);
    if (!target) throw new DialogCreationError('response has no Contact');
    const init: DialogInit = {
      id: { callId: header(request, 'Call-ID'), localTag, remoteTag },
      role: 'uac',
      state: response.status >= 200 && response.status < 300 ? 'confirmed' : 'early',
      localUri: from,
      remoteUri: to,
      remoteTarget: target,
      routeSet: routeSetFromRecordRoute(recordRoutes(response), 'uac'),
      localSeq: cseqOf(request),
      remoteSeq: undefined,
      // Section 12.1.2: secure when the request was sent over TLS with a sips Request-URI.
      secure: request.uri.toLowerCase().startsWith('sips:'),
    };
    if (localContact !== undefined) init.localContact = localContact;
    return new Dialog(init);
  }

  /**
   * UAS side, from the request we received and the To tag we answer with (RFC 3261 section
   * 12.1.1): route set = Record-Route in order, remote target = Contact, remote CSeq = the request's,
   * local CSeq empty.
   */
  static createUas(request: SipRequest, localTag: string, options: { localContact?: string; early?: boolean } = {}): Dialog {
    const from = nameAddr(request, 'From');
    const to = nameAddr(request, 'To');
    const remoteTag = from.params.tag;
    if (!remoteTag) throw new DialogCreationError('request From has no tag');
    const target = contactTarget(request);
    if (!target) throw new DialogCreationError('request has no Contact');
    const init: DialogInit = {
      id: { callId: header(request, 'Call-ID'), localTag, remoteTag },
      role: 'uas',
      state: options.early ? 'early' : 'confirmed',
      localUri: { ...to, params: { ...to.params, tag: localTag } },
      remoteUri: from,
      remoteTarget: target,
      routeSet: routeSetFromRecordRoute(recordRoutes(request), 'uas'),
      localSeq: undefined,
      remoteSeq: cseqOf(request),
      secure: request.uri.toLowerCase().startsWith('sips:'),
    };
    if (options.localContact !== undefined) init.localContact = options.localContact;
    return new Dialog(init);
  }

  /**
   * Subscriber side, from our SUBSCRIBE and the NOTIFY that creates the dialog (RFC 6665 section
   * 4.1.2.4: the NOTIFY may arrive before the 2xx, and each NOTIFY with a new From tag forks a new
   * dialog). The NOTIFY is a request we receive, so its Record-Route is taken in order.
   */
  static createFromNotify(subscribe: SipRequest, notify: SipRequest, localContact?: string): Dialog {
    const from = nameAddr(subscribe, 'From');
    const notifyFrom = nameAddr(notify, 'From');
    const localTag = from.params.tag;
    const remoteTag = notifyFrom.params.tag;
    if (!localTag) throw new DialogCreationError('SUBSCRIBE From has no tag');
    if (!remoteTag) throw new DialogCreationError('NOTIFY From has no tag');
    const target = contactTarget(notify);
    if (!target) throw new DialogCreationError('NOTIFY has no Contact');
    const init: DialogInit = {
      id: { callId: header(subscribe, 'Call-ID'), localTag, remoteTag },
      role: 'uac',
      state: 'confirmed',
      localUri: from,
      remoteUri: notifyFrom,
      remoteTarget: target,
      routeSet: routeSetFromRecordRoute(recordRoutes(notify), 'uas'),
      localSeq: cseqOf(subscribe),
      remoteSeq: cseqOf(notify),
      secure: subscribe.uri.toLowerCase().startsWith('sips:'),
    };
    if (localContact !== undefined) init.localContact = localContact;
    return new Dialog(init);
  }

  get state(): DialogState {
    return this._state;
  }

  get remoteTarget(): string {
    return this._remoteTarget;
  }

  get localSeq(): number | undefined {
    return this._localSeq;
  }

  get remoteSeq(): number | undefined {
    return this._remoteSeq;
  }

  /** Map key of this dialog. */
  get key(): string {
    return dialogKey(this.id);
  }

  /** The guarded transition (style rule 3); throws InvalidStateTransitionError on an illegal edge. */
  transition(to: DialogState, cause: string): void {
    const from = this._state;
    if (!DIALOG_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('Dialog', from, to);
    this._state = to;
    this.safeEmit('stateChange', to, from, cause);
  }

  /** Terminates unless already terminated (idempotent convenience for cleanup paths). */
  terminate(cause: string): void {
    if (this._state !== 'terminated') this.transition('terminated', cause);
  }

  /** Replaces the remote target (target refresh) when `contact` parses. */
  updateRemoteTarget(target: string): void {
    if (target === this._remoteTarget) return;
    this._remoteTarget = target;
    this.safeEmit('targetRefresh', target);
  }

  /**
   * Builds an in-dialog request (RFC 3261 section 12.2.1.1): To = remote URI + tag, From = local
   * URI + tag, Call-ID, CSeq = local sequence + 1 (or `options.cseq`), Request-URI and Route from
   * the route set (loose or strict routing). Adds our Contact on target refresh methods.
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    if (this._state === 'terminated') throw new InvalidStateTransitionError('Dialog', 'terminated', `send ${method}`);
    let seq: number;
    if (options.cseq !== undefined) {
      seq = options.cseq;
    } else {
      // Section 12.2.1.1: "If the local sequence number is empty, an initial value MUST be chosen".
      seq = this._localSeq === undefined ? 1 : this._localSeq + 1;
      this._localSeq = seq;
    }
    const { requestUri, routes } = applyRouteSet(this._remoteTarget, this.routeSet);
    const init: Parameters<typeof createRequest>[0] = { method, uri: requestUri };
    if (options.body !== undefined) init.body = options.body;
    const request = createRequest(init);
    const headers = request.headers;
    for (const r of routes) headers.append('Route', r);
    headers.set('From', formatNameAddr(this.localUri));
    headers.set('To', formatNameAddr(this.remoteUri));
    headers.set('Call-ID', this.id.callId);
    headers.set('CSeq', `${seq} ${method}`);
    if (this.localContact !== undefined && TARGET_REFRESH_METHODS.includes(method)) headers.set('Contact', `<${this.localContact}>`);
    for (const [k, v] of Object.entries(options.headers ?? {})) headers.set(k, v);
    if (options.contentType !== undefined) headers.set('Content-Type', options.contentType);
    return request;
  }

  /**
   * Checks an incoming in-dialog request and applies it (RFC 3261 section 12.2.2): a CSeq lower
   * than the remote sequence number is out of order → 500; otherwise the remote sequence number
   * advances and a target refresh request with a Contact replaces the remote target.
   */
  receiveRequest(request: SipRequest): InDialogCheck {
    let seq: number;
    try {
      seq = cseqOf(request);
    } catch {
      return { ok: false, status: 500, reason: 'Bad CSeq' };
    }
    // ACK and CANCEL reuse the INVITE's number and do not advance the sequence.
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this._remoteSeq !== undefined && seq < this._remoteSeq) {
        return { ok: false, status: 500, reason: 'CSeq Out of Order' };
      }
      this._remoteSeq = seq;
    }
    if (TARGET_REFRESH_METHODS.includes(request.method)) {
      const t = contactTarget(request);
      if (t) this.updateRemoteTarget(t);
    }
    return { ok: true };
  }

  /**
   * Applies a response to a request we sent in this dialog: a 2xx to a target refresh request
   * with a Contact replaces the remote target (RFC 3261 section 12.2.1.2).
   */
  receiveResponse(request: SipRequest, response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    if (!TARGET_REFRESH_METHODS.includes(request.method)) return;
    const t = contactTarget(response);
    if (t) this.updateRemoteTarget(t);
  }

  /** True when a message carries this dialog's Call-ID and tags (from our perspective). */
  matchesRequest(request: SipRequest): boolean {
    if (request.headers.get('Call-ID') !== this.id.callId) return false;
    const to = parseNameAddr(request.headers.get('To') ?? '');
    const from = parseNameAddr(request.headers.get('From') ?? '');
    return to.ok && from.ok && to.value.params.tag === this.id.localTag && from.value.params.tag === this.id.remoteTag;
  }
}

/** Parses a remote target for validity (used by callers that accept user-given targets). */
export function isValidTarget(target: string): boolean {
  return parseUri(target).ok;
}
