/**
 * A test double of our own transaction layer (`TransactionUser`): records what the UA sends,
 * lets the test answer each request, and injects incoming requests through the registered
 * handler, recording the responses. As the real transaction layer does, a request its
 * capabilities mark unanswered (ACK, an extension's BENOTIFY) gets a handle that records nothing.
 * No sockets, no timers.
 */
import type { SipRequest, SipResponse } from '../../../../src/sip/message/sip-message.ts';
import { createRequest, createResponse } from '../../../../src/sip/message/index.ts';
import { SipCapabilities } from '../../../../src/sip/transaction/sip-capabilities.ts';
import type {
  MessageSource, RequestHandler, ResponseOptions, SendRequestOptions, ServerTransactionHandle, TransactionUser, TransportProtocol,
} from '../../../../src/sip/transaction/transaction-user.ts';

export interface SentRequest {
  request: SipRequest;
  options: SendRequestOptions | undefined;
  answered: boolean;
  resolve: (res: SipResponse) => void;
}

export interface AnswerOptions {
  headers?: Record<string, string | readonly string[]>;
  body?: string;
  /** To tag to add (default `srv-tag` for 2xx/1xx of dialog-creating requests when To has none). */
  toTag?: string | null;
}

/** Drains pending promise continuations (no timers involved). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A recorded server transaction for an injected request. */
export class FakeServerTransaction implements ServerTransactionHandle {
  readonly responses: SipResponse[] = [];
  readonly source: MessageSource = {
    remote: { protocol: 'udp', host: '127.0.0.1', port: 5070 },
    local: { protocol: 'udp', host: '127.0.0.1', port: 5060 },
  };
  /** Final responses built for an unanswered request (never sent, so not in `responses`). */
  private unsentFinal = false;
  constructor(readonly request: SipRequest, private readonly answered = true) {}
  get finalSent(): boolean {
    return this.unsentFinal || this.responses.some((r) => r.status >= 200);
  }
  get status(): number | undefined {
    return this.responses.at(-1)?.status;
  }
  respond(status: number, options: ResponseOptions = {}): SipResponse {
    const headers: Array<[string, string]> = [];
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      for (const v of this.request.headers.getAll(name)) {
        headers.push([name, name === 'To' && !/;\s*tag=/i.test(v) && status > 100 ? `${v};tag=${options.toTag ?? 'uas-tag'}` : v]);
      }
    }
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      for (const one of typeof v === 'string' ? [v] : v) headers.push([k, one]);
    }
    if (options.contentType) headers.push(['Content-Type', options.contentType]);
    const init: Parameters<typeof createResponse>[0] = { status, headers };
    if (options.reason !== undefined) init.reason = options.reason;
    if (options.body !== undefined) init.body = options.body;
    const res = createResponse(init);
    if (this.answered) this.responses.push(res);
    else if (status >= 200) this.unsentFinal = true;
    return res;
  }
}

export class FakeTransactionUser implements TransactionUser {
  readonly capabilities = new SipCapabilities();
  readonly sent: SentRequest[] = [];
  readonly stateless: SipRequest[] = [];
  readonly acks: SipRequest[] = [];
  private handler: RequestHandler | undefined;
  private n = 0;

  sendRequest(request: SipRequest, options?: SendRequestOptions): Promise<SipResponse> {
    return new Promise((resolve) => this.sent.push({ request, options, answered: false, resolve }));
  }
  sendAck(ack: SipRequest): void {
    this.acks.push(ack);
  }
  sendStateless(request: SipRequest): void {
    this.stateless.push(request);
  }
  cancel(): Promise<SipResponse> {
    return Promise.resolve(createResponse({ status: 200 }));
  }
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }
  contactUri(protocol: TransportProtocol, user?: string): string {
    return `sip:${user ?? 'ucc'}@127.0.0.1:5060;transport=${protocol}`;
  }
  newCallId(): string {
    return `call-${++this.n}@test`;
  }
  newTag(): string {
    return `tag${++this.n}`;
  }
  newBranch(): string {
    return `z9hG4bK${++this.n}`;
  }

  /** Requests not answered yet. */
  pending(method?: string): SentRequest[] {
    return this.sent.filter((s) => !s.answered && (method === undefined || s.request.method === method));
  }

  /** The last request sent (optionally of a method). */
  last(method?: string): SentRequest {
    const all = this.sent.filter((s) => method === undefined || s.request.method === method);
    const l = all.at(-1);
    if (!l) throw new Error(`no ${method ?? ''} request sent`);
    return l;
  }

  /** Builds a response to `s` (copying Via/From/To/Call-ID/CSeq) and resolves the UA's promise. */
  async answer(s: SentRequest, status: number, o: AnswerOptions = {}): Promise<SipResponse> {
    if (s.answered) throw new Error('already answered');
    const headers: Array<[string, string]> = [];
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      for (const v of s.request.headers.getAll(name)) {
        const addTag = name === 'To' && o.toTag !== null && !/;\s*tag=/i.test(v);
        headers.push([name, addTag ? `${v};tag=${o.toTag ?? 'srv-tag'}` : v]);
      }
    }
    for (const [k, v] of Object.entries(o.headers ?? {})) {
      for (const one of typeof v === 'string' ? [v] : v) headers.push([k, one]);
    }
    const init: Parameters<typeof createResponse>[0] = { status, headers };
    if (o.body !== undefined) init.body = o.body;
    const res = createResponse(init);
    s.answered = true;
    s.resolve(res);
    await flush();
    return res;
  }

  /** Answers the last pending request of `method`. */
  async answerLast(method: string, status: number, o: AnswerOptions = {}): Promise<SipResponse> {
    const p = this.pending(method).at(-1);
    if (!p) throw new Error(`no pending ${method}`);
    return this.answer(p, status, o);
  }

  /** Delivers an incoming request to the UA; returns its server transaction. */
  async inject(request: SipRequest): Promise<FakeServerTransaction> {
    if (!this.handler) throw new Error('no request handler registered');
    const txn = new FakeServerTransaction(request, !this.capabilities.isUnanswered(request.method.toUpperCase()));
    this.handler(request, txn);
    await flush();
    return txn;
  }
}

/** A request built from a plain header record, for injection. */
export function buildRequest(method: string, uri: string, headers: Record<string, string | readonly string[]>, body?: string): SipRequest {
  const init: Parameters<typeof createRequest>[0] = { method, uri, headers };
  if (body !== undefined) init.body = body;
  return createRequest(init);
}
