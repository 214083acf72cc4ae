/**
 * The customer IM source (issue 13, "Where chats come from: SIP"): customers' page-mode MESSAGEs
 * to a routing-point address become customer chats of the chat core, one per (customer, routing
 * point) with an idle timeout (page-mode-sessions.ts), and what the chat sends the customer goes
 * back as MESSAGE from the routing point's address.
 *
 * Two ports keep it free of I/O: the SIP edge ({@link CustomerImTransport}; sipCustomerImTransport
 * below puts it on a SIP stack) and the chat core's customer entry ({@link CustomerChatOpener},
 * the shape of the chat switch's `openCustomer`, docs/chat.md).
 */
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import type { KvList } from '../../lib/kv-list.ts';
import type { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import { MessageClient } from '../../sip/ua/message-client.ts';
import type { TransactionUser } from '../../sip/transaction/transaction-user.ts';
import { IM_MAX_TEXT_BYTES, imAddressKey, imTextBytes, plainImText, readImText } from '../../uc/instant-messages.ts';
import { PageModeSessions } from './page-mode-sessions.ts';

/** One MESSAGE in, as the edge sees it. */
export interface CustomerImIn {
  readonly from: string;
  readonly to: string;
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
}

/** The SIP edge: page-mode MESSAGEs in (the handler's verdict is the response), MESSAGEs out. */
export interface CustomerImTransport {
  onMessage(handler: (m: CustomerImIn) => { status: number; reason?: string }): () => void;
  /** Sends `text` from `from` (the routing point's address) to the customer. */
  send(from: string, to: string, text: string): Promise<void>;
}

/** A customer chat to open (the chat switch's CustomerChatInfo). */
export interface CustomerChatRequest {
  readonly routingPoint: string;
  readonly trunk: string;
  readonly from: string;
  readonly userData: KvList;
}

/** The customer's leg in the chat (the chat switch's ChatLeg, the part used here). */
export interface CustomerChatLeg {
  send(text: unknown): { ok: boolean };
  leave(): void;
}

/** What the chat core delivers to the customer (the chat switch's ChatEndpoint). */
export interface CustomerChatEndpoint {
  deliver(message: { readonly from: string; readonly text: string }): void;
  typing(from: string, on: boolean): void;
  end(reason: string): void;
}

/** The chat core's customer entry (ChatSwitch.openCustomer); undefined: no chat can start now. */
export interface CustomerChatOpener {
  openCustomer(info: CustomerChatRequest, endpoint: (leg: CustomerChatLeg) => CustomerChatEndpoint): CustomerChatLeg | undefined;
}

export interface CustomerImSourceOptions {
  readonly transport: CustomerImTransport;
  readonly chat: CustomerChatOpener;
  /** The routing point a MESSAGE's To names (its user part, usually), or undefined: not ours (404). */
  readonly routingPointOf: (to: string) => string | undefined;
  /** The Trunk DN customer chats arrive through (or per routing point). */
  readonly trunk: string | ((routingPoint: string) => string);
  readonly clock: Clock;
  /** A session with no message either way for this long ends (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  readonly maxSessions?: number;
  readonly logger?: Logger;
}

/** Texts the source itself sends the customer. */
export const CUSTOMER_IM_TEXTS = {
  unavailable: 'Sorry, no chat can be started now. Please try again later.',
  idle: 'The chat has ended after a period of inactivity.',
  ended: 'The chat has ended.',
} as const;

interface Chat {
  /** The customer's URI as their From gave it (port and all): where answers go. */
  readonly customer: string;
  /** The routing point's address the customer wrote to: From of the answers. */
  readonly replyFrom: string;
  leg: CustomerChatLeg | undefined;
}

/** See the file comment. */
export class CustomerImSource {
  private readonly sessions: PageModeSessions;
  private readonly chats = new Map<string, Chat>();
  private readonly logger: Logger;
  /** The addresses of the MESSAGE being received (the session machine calls `opened` synchronously). */
  private receiving: { replyTo: string; replyFrom: string } | undefined;
  private detach: (() => void) | undefined;

  constructor(private readonly o: CustomerImSourceOptions) {
    this.logger = (o.logger ?? silentLogger).child({ role: 'customer-im' });
    this.sessions = new PageModeSessions({
      clock: o.clock, idleTimeoutMs: o.idleTimeoutMs ?? 300_000, ...(o.maxSessions !== undefined ? { maxSessions: o.maxSessions } : {}),
      opened: (id, key, text) => this.opened(id, key.customer, key.routingPoint, text),
      message: (id, text) => this.chats.get(id)?.leg?.send(text),
      idle: (id) => this.ended(id, CUSTOMER_IM_TEXTS.idle, true),
    });
  }

  /** Starts taking MESSAGEs. */
  start(): void {
    this.detach ??= this.o.transport.onMessage((m) => this.receive(m));
  }

  /** Stops taking MESSAGEs; open chats are left by their customers. */
  stop(): void {
    this.detach?.();
    this.detach = undefined;
    for (const c of this.chats.values()) c.leg?.leave();
    this.chats.clear();
    this.sessions.dispose();
  }

  /** Open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  private receive(m: CustomerImIn): { status: number; reason?: string } {
    const routingPoint = this.o.routingPointOf(m.to);
    if (routingPoint === undefined) return { status: 404, reason: 'Not Found' };
    const customer = imAddressKey(m.from);
    if (customer === undefined) return { status: 400, reason: 'Bad From' };
    const read = readImText(m.body, m.contentType);
    if (!read.ok) return { status: read.refusal.status, reason: read.refusal.reason };
    if (read.text.trim() === '') return { status: 200 };
    this.receiving = { replyTo: uriOf(m.from), replyFrom: imAddressKey(m.to) ?? uriOf(m.to) };
    const verdict = this.sessions.receive({ customer, routingPoint }, read.text);
    this.receiving = undefined;
    return verdict === 'refused' ? { status: 486, reason: 'Busy Here' } : { status: 200 };
  }

  private opened(id: string, customer: string, routingPoint: string, text: string): void {
    const chat: Chat = { customer: this.receiving?.replyTo ?? customer, replyFrom: this.receiving?.replyFrom ?? routingPoint, leg: undefined };
    this.chats.set(id, chat);
    const leg = this.o.chat.openCustomer(
      { routingPoint, trunk: typeof this.o.trunk === 'string' ? this.o.trunk : this.o.trunk(routingPoint), from: customer, userData: [['IM_From', customer]] },
      () => ({
        deliver: (msg) => {
          if (msg.from === 'customer') return;
          this.sessions.answered(id);
          this.tell(chat, msg.text);
        },
        typing: () => undefined,
        end: () => this.ended(id, CUSTOMER_IM_TEXTS.ended, false),
      }),
    );
    if (!leg) {
      this.logger.warn('customer chat refused by the chat core', { routingPoint });
      this.tell(chat, CUSTOMER_IM_TEXTS.unavailable);
      this.chats.delete(id);
      this.sessions.close(id);
      return;
    }
    chat.leg = leg;
    leg.send(text);
  }

  private ended(id: string, notice: string, leave: boolean): void {
    const chat = this.chats.get(id);
    if (!chat) return;
    this.chats.delete(id);
    this.sessions.close(id);
    if (leave) chat.leg?.leave();
    this.tell(chat, notice);
  }

  private tell(chat: Chat, text: string): void {
    let body = plainImText(text);
    // A chat message may be longer than one MESSAGE: cut at the bound (the transcript keeps all).
    while (imTextBytes(body) > IM_MAX_TEXT_BYTES) body = body.slice(0, Math.floor(body.length * 0.9));
    this.o.transport.send(chat.replyFrom, chat.customer, body).catch((e: unknown) =>
      this.logger.warn('answer to a customer not delivered', { error: e instanceof Error ? e.message : String(e) }));
  }
}

/** The URI of a From / To value: inside <>, else up to the first `;` (header parameters). */
function uriOf(v: string): string {
  return (/<([^<>]{1,512})>/.exec(v)?.[1] ?? v.split(';')[0] ?? v).trim();
}

/**
 * The SIP edge on a SIP user agent's stack: MESSAGEs to any address of the stack go to the
 * handler (the UA's one MESSAGE handler), answers leave from the routing point's address through
 * `outboundProxy` when given.
 */
export function sipCustomerImTransport(ua: Pick<SipUserAgent, 'onMessage'>, stack: TransactionUser, outboundProxy?: string): CustomerImTransport {
  const routes = outboundProxy ? [`<${/;lr\b/.test(outboundProxy) ? outboundProxy : `${outboundProxy};lr`}>`] : undefined;
  return {
    onMessage(handler) {
      ua.onMessage((m) => handler({ from: m.from, to: m.to, body: m.body, contentType: m.contentType }));
      return () => ua.onMessage(() => ({ status: 480 }));
    },
    async send(from, to, text) {
      const client = new MessageClient({ tu: stack, aor: from, ...(routes ? { routes } : {}) });
      const res = await client.send({ to, body: text, contentType: 'text/plain;charset=UTF-8' });
      if (res.status < 200 || res.status >= 300) throw new Error(`MESSAGE to ${to}: ${res.status}`);
    },
  };
}
