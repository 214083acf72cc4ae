/**
 * The web client as a chat endpoint for KWs (the {@link ChatEndpointReach} of the chat switch):
 * a KW with at least one KW socket open is reachable for chats on its DN; the chat's messages,
 * typing and end go to every socket of the KW (`chat-opened`, `chat-message`, `chat-typing`,
 * `chat-ended`, docs/kw-socket.md), and the chat window answers through {@link KwChatReach.send}
 * and {@link KwChatReach.typing}. When a KW's last socket closes and none reopens within
 * `graceMs` (a reload), the KW leaves its chats: the customer is told.
 */
import type { KwChatMessageJson, KwServerMessage } from '../../connector/kw-client-messages.ts';
import type { KwClientSessions } from '../../connector/kw-client-sessions.ts';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { KvList } from '../../lib/kv-list.ts';
import type { ChatEndpoint, ChatEndpointReach, ChatLeg, ChatLegInfo, ChatMessage } from '../../switch/chat/chat-endpoint.ts';

export interface KwChatReachOptions {
  sessions: Pick<KwClientSessions, 'count' | 'sendTo' | 'on'>;
  /** The KW (Person user name) whose DN this is. */
  userOfDn(dn: string): string | undefined;
  /** `chat-title` / `chat-consult-title` for the KW. */
  titles(userName: string): { chat: string; consult: string };
  clock: Clock;
  /** How long a KW without any socket keeps its chats (default 10 s). */
  graceMs?: number;
}

interface OpenChat {
  leg: ChatLeg;
  title: string;
  consult: boolean;
  userData: KvList;
}

const json = (m: ChatMessage): KwChatMessageJson => ({ seq: m.seq, from: m.from, sender: m.sender, text: m.text, at: m.at });

export class KwChatReach implements ChatEndpointReach {
  private readonly chats = new Map<string, Map<string, OpenChat>>();
  private readonly leaving = new Map<string, TimerHandle>();

  constructor(private readonly o: KwChatReachOptions) {
    o.sessions.on('sessionOpen', (s) => {
      this.o.clock.cancel(this.leaving.get(s.userName));
      this.leaving.delete(s.userName);
    });
    o.sessions.on('sessionClose', (s, remaining) => {
      if (remaining > 0 || !this.chats.has(s.userName)) return;
      this.o.clock.cancel(this.leaving.get(s.userName));
      this.leaving.set(s.userName, this.o.clock.setTimer(this.o.graceMs ?? 10_000, () => {
        this.leaving.delete(s.userName);
        if (this.o.sessions.count(s.userName) > 0) return;
        for (const c of [...(this.chats.get(s.userName)?.values() ?? [])]) c.leg.leave();
        this.chats.delete(s.userName);
      }));
    });
  }

  open(leg: ChatLeg, info: ChatLegInfo): ChatEndpoint | undefined {
    const userName = this.o.userOfDn(info.dn);
    if (userName === undefined || this.o.sessions.count(userName) === 0) return undefined;
    const titles = this.o.titles(userName);
    const chat: OpenChat = { leg, title: info.consult ? titles.consult : titles.chat, consult: info.consult, userData: info.userData as KvList };
    let mine = this.chats.get(userName);
    if (!mine) this.chats.set(userName, (mine = new Map()));
    mine.set(info.connId, chat);
    this.o.sessions.sendTo(userName, this.opened(info.connId, chat));
    const send = (m: KwServerMessage): void => void this.o.sessions.sendTo(userName, m);
    return {
      deliver: (m) => send({ type: 'chat-message', connId: leg.connId, message: json(m) }),
      typing: (from, on) => send({ type: 'chat-typing', connId: leg.connId, from, on }),
      end: (reason) => {
        const list = this.chats.get(userName);
        list?.delete(leg.connId);
        if (list?.size === 0) this.chats.delete(userName);
        send({ type: 'chat-ended', connId: leg.connId, reason });
      },
    };
  }

  /** The KW writes in a chat; undefined when it is not one of the KW's open chats. */
  send(userName: string, connId: string, text: string): ReturnType<ChatLeg['send']> | undefined {
    return this.chats.get(userName)?.get(connId)?.leg.send(text);
  }

  typing(userName: string, connId: string, on: boolean): void {
    this.chats.get(userName)?.get(connId)?.leg.typing(on);
  }

  /** The KW's open chats as `chat-opened` messages (a socket that just connected). */
  openChats(userName: string): KwServerMessage[] {
    return [...(this.chats.get(userName)?.entries() ?? [])].map(([connId, c]) => this.opened(connId, c));
  }

  /** Whether the KW holds the chat now. */
  holds(userName: string, connId: string): boolean {
    return this.chats.get(userName)?.has(connId) ?? false;
  }

  private opened(connId: string, c: OpenChat): KwServerMessage {
    return { type: 'chat-opened', connId, title: c.title, consult: c.consult, userData: c.userData, history: c.leg.history().map(json) };
  }
}
