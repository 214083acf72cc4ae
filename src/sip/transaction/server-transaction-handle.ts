/**
 * The TU's grip on one incoming request: `respond()` builds a response from the request (RFC 3261
 * section 8.2.6.2: Via, From, To with a tag, Call-ID and CSeq copied) and sends it through the
 * server transaction. Requests that have no transaction (ACK for a 2xx, an extension's unanswered
 * methods such as [MS-SIP] BENOTIFY) get a handle whose `respond()` builds the response but never
 * sends it, so the TU may treat every request alike.
 */
import { randomBytes } from 'node:crypto';
import { UccError } from '../../lib/errors.ts';
import { createResponse } from '../message/index.ts';
import { responseWithHeaders } from '../message/builders.ts';
import { cachedView } from '../message/header-accessors.ts';
import { HeaderList } from '../message/headers.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { MessageSource, ResponseOptions, ServerTransactionHandle } from './transaction-user.ts';

/** What the handle sends through: an INVITE or non-INVITE server transaction, or nothing. */
export interface ResponseSink {
  respond(response: SipResponse): void;
  readonly finalSent: boolean;
}

/** Random bytes are drawn from a pool refilled 4 KB at a time: one call per token was 10% of the CPU. */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

/**
 * A random hex token of `bytes` bytes (cryptographically random). RFC 3261 section 19.3: tags need at
 * least 32 bits of randomness; branches and Call-IDs must be unique in space and time.
 */
export function randomToken(bytes = 8): string {
  if (bytes > POOL_SIZE) return randomBytes(bytes).toString('hex');
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const s = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return s;
}

/** Has the To header a `tag` parameter? (Header parameters follow the `>` of a name-addr.) */
function hasTag(to: string): boolean {
  const afterUri = to.includes('>') ? to.slice(to.lastIndexOf('>') + 1) : to;
  return /;\s*tag\s*=/i.test(afterUri);
}

/** The implementation of ServerTransactionHandle used by the transaction layer. */
export class ServerTransactionHandleImpl implements ServerTransactionHandle {
  private tag: string | undefined;
  private cancelledBy: SipRequest | undefined;
  private readonly cancelListeners: Array<(cancel: SipRequest) => void> = [];
  private sentFinal = false;

  constructor(
    readonly request: SipRequest,
    readonly source: MessageSource,
    private readonly sink: ResponseSink | undefined,
    private readonly onUnsent?: (response: SipResponse) => void,
  ) {
  }

  /**
   * The To-tag every response of this transaction carries (the same one for 1xx and final). Drawn
   * on first use: in-dialog requests (a NOTIFY...) already carry a To tag and never need one.
   */
  get toTag(): string {
    return (this.tag ??= randomToken());
  }

  get finalSent(): boolean {
    return this.sink ? this.sink.finalSent : this.sentFinal;
  }

  /** True once a CANCEL for this INVITE arrived (RFC 3261 section 9.2). */
  get cancelled(): boolean {
    return this.cancelledBy !== undefined;
  }

  /**
   * Runs `listener` when a CANCEL for this INVITE arrives (the stack has already answered the CANCEL
   * with 200 and the INVITE with 487). Runs at once if it already arrived.
   */
  onCancel(listener: (cancel: SipRequest) => void): void {
    if (this.cancelledBy) listener(this.cancelledBy);
    else this.cancelListeners.push(listener);
  }

  /** @internal Called by the transaction layer. */
  markCancelled(cancel: SipRequest): void {
    if (this.cancelledBy) return;
    this.cancelledBy = cancel;
    for (const l of this.cancelListeners.splice(0)) l(cancel);
  }

  /** Builds a response to the request without sending it. */
  build(status: number, options: ResponseOptions = {}): SipResponse {
    const req = this.request;
    if (req.headers instanceof HeaderList) return this.buildFromList(req.headers, status, options);
    const headers: Array<[string, string]> = [];
    for (const v of req.headers.getAll('Via')) headers.push(['Via', v]);
    const from = req.headers.get('From');
    if (from !== undefined) headers.push(['From', from]);
    let to = req.headers.get('To');
    // Section 8.2.6.2: "If the request contained no To tag ... the UAS MUST add a tag"; 100 Trying
    // may go without one (section 8.2.6.1).
    if (to !== undefined && status > 100 && !hasTag(to)) to = `${to};tag=${options.toTag ?? this.toTag}`;
    if (to !== undefined) headers.push(['To', to]);
    const callId = req.headers.get('Call-ID');
    if (callId !== undefined) headers.push(['Call-ID', callId]);
    const cseq = req.headers.get('CSeq');
    if (cseq !== undefined) headers.push(['CSeq', cseq]);
    // Section 8.2.6.1: a 100 Trying copies the Timestamp header.
    const ts = req.headers.get('Timestamp');
    if (status === 100 && ts !== undefined) headers.push(['Timestamp', ts]);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      for (const v of typeof value === 'string' ? [value] : value) headers.push([name, v]);
    }
    if (options.contentType !== undefined) headers.push(['Content-Type', options.contentType]);
    return createResponse({
      status,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
  }

  /**
   * `build` over the request's own header list: the values are copied as they are (they were
   * checked when they entered the request) and the parsed Via view goes along, so routing the
   * response (section 18.2.2) does not parse the Vias again.
   */
  private buildFromList(req: HeaderList, status: number, options: ResponseOptions): SipResponse {
    const out = new HeaderList();
    const list = out.list;
    let from: string | undefined;
    let to: string | undefined;
    let callId: string | undefined;
    let cseq: string | undefined;
    let ts: string | undefined;
    for (const e of req.list) {
      switch (e.key) {
        case 'via': list.push({ key: 'via', name: 'Via', value: e.value, packed: false }); break;
        case 'from': from ??= e.value; break;
        case 'to': to ??= e.value; break;
        case 'call-id': callId ??= e.value; break;
        case 'cseq': cseq ??= e.value; break;
        case 'timestamp': ts ??= e.value; break;
        default:
      }
    }
    if (from !== undefined) list.push({ key: 'from', name: 'From', value: from, packed: false });
    // Section 8.2.6.2 (To tag) and 8.2.6.1 (100 Trying without one, with the Timestamp), as in build.
    if (to !== undefined && status > 100 && !hasTag(to)) out.append('To', `${to};tag=${options.toTag ?? this.toTag}`);
    else if (to !== undefined) list.push({ key: 'to', name: 'To', value: to, packed: false });
    if (callId !== undefined) list.push({ key: 'call-id', name: 'Call-ID', value: callId, packed: false });
    if (cseq !== undefined) list.push({ key: 'cseq', name: 'CSeq', value: cseq, packed: false });
    if (status === 100 && ts !== undefined) list.push({ key: 'timestamp', name: 'Timestamp', value: ts, packed: false });
    const vias = cachedView(this.request, 'via');
    if (vias !== undefined) out.cache = { via: vias };
    const extra = options.headers;
    if (extra !== undefined) {
      for (const name of Object.keys(extra)) {
        const value = extra[name] as string | readonly string[];
        if (typeof value === 'string') out.append(name, value);
        else for (const v of value) out.append(name, v);
      }
    }
    if (options.contentType !== undefined) out.append('Content-Type', options.contentType);
    return responseWithHeaders(status, options.reason, out, options.body);
  }

  respond(status: number, options?: ResponseOptions): SipResponse {
    if (this.finalSent) throw new UccError('UCC_ERR_SIP_TRANSACTION_STATE', `${this.request.method}: a final response was already sent`);
    const response = this.build(status, options);
    if (this.sink) this.sink.respond(response);
    else {
      if (status >= 200) this.sentFinal = true;
      this.onUnsent?.(response);
    }
    return response;
  }
}
