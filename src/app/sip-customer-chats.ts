/**
 * Customers over SIP (docs/chat.md, "Customers over SIP"): page-mode MESSAGEs that reach the
 * `sip-simple` presence adapter's stack addressed to a Routing Point (the To user part is the
 * Routing Point's number, and the Routing Point has a `[chat]` annex section) become customer
 * chats of the chat switch; the chat's answers go back as MESSAGE from the address the customer
 * wrote to. The voice switch's listener does not take MESSAGEs.
 */
import type { DnObject } from '../config/config-objects.ts';
import { declaredString } from '../config/option-table.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { CustomerImSource, type CustomerChatOpener, type CustomerImTransport } from '../switch/chat/customer-im-source.ts';
import type { UcInstantMessaging } from '../uc/instant-messages.ts';

/** Routing Point number (lower-cased) → its number and Trunk DN, for every Routing Point with a `[chat]` section. */
export function sipChatRoutingPoints(dns: readonly DnObject[]): Map<string, { number: string; trunk: string }> {
  const out = new Map<string, { number: string; trunk: string }>();
  for (const dn of dns) {
    if (dn.type !== 'Routing Point') continue;
    const section = Object.entries(dn.annex).find(([k]) => k.toLowerCase() === 'chat')?.[1];
    if (!section) continue;
    out.set(dn.number.toLowerCase(), { number: dn.number, trunk: String(section['trunk'] ?? declaredString('chat', 'trunk')) });
  }
  return out;
}

/** The user part of a SIP address (`"RP" <sip:5000@host>` → `5000`), lower-cased. */
export function sipUserOf(address: string): string | undefined {
  return /sips?:([^@\s<>;:"]{1,128})@/i.exec(address)?.[1]?.toLowerCase();
}

/**
 * Starts taking customer MESSAGEs when the UC platform carries them (sip-simple); undefined
 * otherwise. `routingPoints` is read at each new MESSAGE, so configuration changes apply at once.
 */
export function startSipCustomerChats(d: {
  im: UcInstantMessaging | undefined;
  chat: CustomerChatOpener;
  routingPoints: () => ReadonlyMap<string, { number: string; trunk: string }>;
  clock: Clock;
  logger: Logger;
}): CustomerImSource | undefined {
  const others = d.im?.otherRecipients;
  if (!others) return undefined;
  const transport: CustomerImTransport = { onMessage: (h) => others.onMessage(h), send: (from, to, text) => others.send(from, to, text) };
  const source = new CustomerImSource({
    transport, clock: d.clock, logger: d.logger, chat: d.chat,
    trunk: (routingPoint) => d.routingPoints().get(routingPoint.toLowerCase())?.trunk ?? declaredString('chat', 'trunk'),
    routingPointOf: (to) => {
      const user = sipUserOf(to);
      return user === undefined ? undefined : d.routingPoints().get(user)?.number;
    },
  });
  source.start();
  return source;
}
