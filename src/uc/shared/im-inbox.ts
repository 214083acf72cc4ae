/**
 * The incoming side of a UC adapter's instant messages: one owner of the sender → handler table,
 * and the verdict for each incoming SIP MESSAGE (RFC 3428):
 *
 * - To must be the connector's own address; a MESSAGE for another address goes to the
 *   other-recipients handler when one is set (customers writing to a routing point, docs/chat.md),
 *   else 404;
 * - the body must be text/plain UTF-8 within IM_MAX_TEXT_BYTES (415 / 413 / 400);
 * - a sender with no handler gets 480 (nobody here takes its IMs);
 * - otherwise 200, and the handler gets the text (a handler that throws is logged, never the caller's problem).
 */
import type { Logger } from '../../lib/logger.ts';
import type { IncomingMessage, MessageVerdict } from '../../sip/ua/message-server.ts';
import { imAddressKey, readImText, type UcImHandler } from '../instant-messages.ts';

/** At most this many senders have a handler at once (one per KW in practice). */
export const MAX_IM_SENDERS = 100_000;
/** Handlers stacked for one sender (a preview invitation and a chat, say); the oldest drops out beyond it. */
export const MAX_HANDLERS_PER_SENDER = 8;

export class ImInbox {
  /** Per sender, the handlers newest last: the newest gets the IMs, removing it gives them back. */
  private readonly handlers = new Map<string, UcImHandler[]>();
  private others: ((m: Pick<IncomingMessage, 'from' | 'to' | 'body' | 'contentType'>) => MessageVerdict) | undefined;
  private readonly ownKey: string | undefined;

  constructor(
    /** The connector's own address (IMs to another address are refused). */
    readonly address: string,
    private readonly logger: Logger,
  ) {
    this.ownKey = imAddressKey(address);
  }

  /** See UcInstantMessaging.onMessageFrom. */
  onMessageFrom(sender: string, handler: UcImHandler): () => void {
    const key = imAddressKey(sender);
    if (key === undefined) throw new TypeError(`not a UC address: ${JSON.stringify(sender.slice(0, 80))}`);
    if (!this.handlers.has(key) && this.handlers.size >= MAX_IM_SENDERS) throw new RangeError(`more than ${MAX_IM_SENDERS} IM senders`);
    const list = this.handlers.get(key) ?? [];
    if (list.length >= MAX_HANDLERS_PER_SENDER) list.shift();
    list.push(handler);
    this.handlers.set(key, list);
    return () => {
      const at = list.lastIndexOf(handler);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0 && this.handlers.get(key) === list) this.handlers.delete(key);
    };
  }

  /** Takes the MESSAGEs addressed to anyone but the connector (one handler; a new one replaces it). */
  onOtherRecipient(handler: (m: Pick<IncomingMessage, 'from' | 'to' | 'body' | 'contentType'>) => MessageVerdict): () => void {
    this.others = handler;
    return () => {
      if (this.others === handler) this.others = undefined;
    };
  }

  /** The verdict for one incoming MESSAGE; the handler runs after the verdict is decided. */
  receive(m: Pick<IncomingMessage, 'from' | 'to' | 'body' | 'contentType'>): MessageVerdict {
    const to = imAddressKey(m.to);
    if (this.ownKey !== undefined && to !== this.ownKey) return this.others ? this.others(m) : { status: 404, reason: 'Not Found' };
    const from = imAddressKey(m.from);
    if (from === undefined) return { status: 400, reason: 'Bad From' };
    const read = readImText(m.body, m.contentType);
    if (!read.ok) {
      this.logger.info('IM refused', { from, status: read.refusal.status, reason: read.refusal.reason });
      return { status: read.refusal.status, reason: read.refusal.reason };
    }
    const handler = this.handlers.get(from)?.at(-1);
    if (!handler) return { status: 480, reason: 'Temporarily Unavailable' };
    try {
      handler({ from, text: read.text });
    } catch (e) {
      this.logger.error('IM handler failed', { from, error: e instanceof Error ? e.message : String(e) });
    }
    return { status: 200 };
  }
}
