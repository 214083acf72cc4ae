/**
 * The customer chat pages the configuration asks for: every Routing Point with a `[chat]
 * page-path` in its annex (docs/chat.md). Option defaults come from the option table.
 */
import type { DnObject } from '../config/config-objects.ts';
import { declaredString } from '../config/option-table.ts';
import type { ChatPage } from '../web/chat/customer-chat-routes.ts';

/** A page path: absolute, plain characters, not under the API or the client's own paths. */
const PATH = /^\/(?!api\/)[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

export function chatPagesOf(dns: readonly DnObject[]): ChatPage[] {
  const pages: ChatPage[] = [];
  for (const dn of dns) {
    if (dn.type !== 'Routing Point') continue;
    const section = Object.entries(dn.annex).find(([k]) => k.toLowerCase() === 'chat')?.[1];
    const path = String(section?.['page-path'] ?? '').trim();
    if (!section || path === '' || !PATH.test(path) || pages.some((p) => p.path === path)) continue;
    pages.push({
      path,
      routingPoint: dn.number,
      trunk: String(section['trunk'] ?? declaredString('chat', 'trunk')),
      title: String(section['page-title'] ?? declaredString('chat', 'page-title')),
    });
  }
  return pages;
}
