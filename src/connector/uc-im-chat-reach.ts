/**
 * Chats delivered into the KW's UC client (issue 13, "Where chats go"): a {@link ChatEndpointReach}
 * over the UC platform's instant messages (`sip-simple`: SIP MESSAGE through the proxy). The
 * chat's lines go to the KW's UC address (the Person's contact, as for the preview invitations);
 * the KW's IMs, routed by sender, are the KW's answers in the chat.
 *
 * IMs carry no chat id, so a KW has at most one chat over IM at a time: a second one is not
 * reachable this way (the offer then fails like any unreachable KW). Text only, each IM within
 * IM_MAX_TEXT_BYTES (longer lines are cut; the transcript keeps them whole).
 */
import { silentLogger, type Logger } from '../lib/logger.ts';
import type { ChatEndpoint, ChatEndpointReach, ChatLeg, ChatLegInfo, ChatMessage } from '../switch/chat/chat-endpoint.ts';
import { IM_MAX_TEXT_BYTES, imAddressKey, imTextBytes, plainImText, type UcInstantMessaging } from '../uc/instant-messages.ts';

export interface UcImChatReachOptions {
  readonly im: UcInstantMessaging;
  /** The UC address (contact) of the KW on this DN, or undefined. */
  readonly contactOf: (dn: string) => string | undefined;
  /** Earlier lines sent when a chat opens (default 10). */
  readonly historyLines?: number;
  readonly logger?: Logger;
}

/** Texts of the reach itself. */
export const UC_IM_CHAT_TEXTS = {
  opened: (from: string) => `Chat from ${from}. Reply here to answer.`,
  ended: 'The chat has ended.',
} as const;

/** Cuts `text` to the IM bound (by UTF-16 units, then re-measured). */
export function boundedImText(text: string): string {
  let body = plainImText(text);
  while (imTextBytes(body) > IM_MAX_TEXT_BYTES) body = body.slice(0, Math.floor(body.length * 0.9));
  return body;
}

/** A chat line as an IM: who wrote it, then the text. */
export function imLine(m: Pick<ChatMessage, 'from' | 'sender' | 'text'>): string {
  return boundedImText(`${m.from === 'customer' ? 'Customer' : m.sender}: ${m.text}`);
}

export class UcImChatReach implements ChatEndpointReach {
  /** KW address key → the connId of its chat over IM. */
  private readonly busy = new Map<string, string>();
  private readonly logger: Logger;

  constructor(private readonly o: UcImChatReachOptions) {
    this.logger = (o.logger ?? silentLogger).child({ role: 'chat-im' });
  }

  /** KWs with a chat over IM now. */
  get size(): number {
    return this.busy.size;
  }

  open(leg: ChatLeg, info: ChatLegInfo): ChatEndpoint | undefined {
    if (!this.o.im.usable) return undefined;
    const contact = this.o.contactOf(info.dn);
    const key = contact === undefined ? undefined : imAddressKey(contact);
    if (contact === undefined || key === undefined || this.busy.has(key)) return undefined;
    this.busy.set(key, info.connId);
    // IMs leave one after another so the KW reads them in order.
    let queue = Promise.resolve();
    const tell = (text: string): void => {
      queue = queue.then(() => this.o.im.send(contact, text)).catch((e: unknown) =>
        this.logger.warn('chat IM to a KW not delivered', { dn: info.dn, error: e instanceof Error ? e.message : String(e) }));
    };
    const remove = this.o.im.onMessageFrom(contact, (im) => {
      const r = leg.send(im.text);
      if (!r.ok) tell(`Not sent: ${r.message}`);
    });
    tell(boundedImText(UC_IM_CHAT_TEXTS.opened(info.from)));
    for (const m of leg.history().slice(-(this.o.historyLines ?? 10))) tell(imLine(m));
    let open = true;
    return {
      deliver: (m) => {
        if (open) tell(imLine(m));
      },
      typing: () => undefined,
      end: () => {
        if (!open) return;
        open = false;
        remove();
        if (this.busy.get(key) === info.connId) this.busy.delete(key);
        tell(UC_IM_CHAT_TEXTS.ended);
      },
    };
  }
}

/** The first reach that can open the leg: the web client first, the UC client second (docs/chat.md). */
export function firstReach(...reaches: readonly ChatEndpointReach[]): ChatEndpointReach {
  return {
    open(leg, info) {
      for (const r of reaches) {
        const endpoint = r.open(leg, info);
        if (endpoint) return endpoint;
      }
      return undefined;
    },
  };
}
