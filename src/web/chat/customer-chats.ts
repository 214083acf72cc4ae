/**
 * The customers of the chat page: one record per chat, named by a random session token the page
 * keeps (sessionStorage), so a reload or a dropped connection reattaches to the same chat. While
 * no socket is attached, what the customer must see is kept (bounded) and replayed on reattach;
 * a chat left without a socket for `graceMs` is left for the customer (the KW is told).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { KvList } from '../../lib/kv-list.ts';
import type { ChatEndReason, ChatLeg, ChatMessage } from '../../switch/chat/chat-endpoint.ts';
import type { ChatSwitch } from '../../switch/chat/chat-switch.ts';

/** What the page is sent (docs/chat.md). */
export type CustomerServerMessage =
  | { type: 'session'; token: string; state: 'open' | 'ended'; messages: CustomerMessageJson[] }
  | { type: 'message'; message: CustomerMessageJson }
  | { type: 'typing'; on: boolean }
  | { type: 'ended'; reason: ChatEndReason }
  | { type: 'error'; code: string; message: string };

export interface CustomerMessageJson {
  seq: number;
  from: 'customer' | 'agent' | 'system';
  text: string;
  at: number;
}

interface CustomerChat {
  token: string;
  leg: ChatLeg;
  messages: CustomerMessageJson[];
  ended: ChatEndReason | undefined;
  send: ((m: CustomerServerMessage) => void) | undefined;
  timer: TimerHandle | undefined;
}

export interface CustomerChatsOptions {
  chat: ChatSwitch;
  clock: Clock;
  /** How long a chat waits for its page to come back (default 60 s). */
  graceMs?: number;
  /** Messages kept for a replay (default 500). */
  maxMessages?: number;
}

const json = (m: ChatMessage): CustomerMessageJson => ({ seq: m.seq, from: m.from, text: m.text, at: m.at });

export class CustomerChats {
  private readonly byToken = new Map<string, CustomerChat>();

  constructor(private readonly o: CustomerChatsOptions) {}

  get size(): number {
    return this.byToken.size;
  }

  /** Starts a chat for a new customer; undefined when the chat switch refuses (full). */
  open(info: { routingPoint: string; trunk: string; from: string; userData: KvList }): CustomerChat | undefined {
    const token = randomBytes(18).toString('base64url');
    const rec: CustomerChat = { token, leg: undefined as unknown as ChatLeg, messages: [], ended: undefined, send: undefined, timer: undefined };
    const push = (m: CustomerServerMessage, keep?: CustomerMessageJson): void => {
      if (keep) {
        rec.messages.push(keep);
        if (rec.messages.length > (this.o.maxMessages ?? 500)) rec.messages.shift();
      }
      rec.send?.(m);
    };
    const leg = this.o.chat.openCustomer(info, () => ({
      deliver: (m) => push({ type: 'message', message: json(m) }, json(m)),
      typing: (_from, on) => push({ type: 'typing', on }),
      end: (reason) => {
        rec.ended = reason;
        push({ type: 'ended', reason });
        // The record stays a little for a page that reloads, then goes.
        this.o.clock.cancel(rec.timer);
        rec.timer = this.o.clock.setTimer(this.o.graceMs ?? 60_000, () => this.byToken.delete(token));
      },
    }));
    if (!leg) return undefined;
    rec.leg = leg;
    if (rec.ended === 'refused') return undefined;
    this.byToken.set(token, rec);
    return rec;
  }

  /** Attaches a socket to the chat of `token`; the session and what it missed are sent at once. */
  attach(token: string, send: (m: CustomerServerMessage) => void): CustomerChat | undefined {
    const rec = this.byToken.get(token);
    if (!rec) return undefined;
    if (!rec.ended) {
      this.o.clock.cancel(rec.timer);
      rec.timer = undefined;
    }
    rec.send = send;
    send({ type: 'session', token, state: rec.ended ? 'ended' : 'open', messages: rec.messages });
    return rec;
  }

  /** The socket went away: the chat waits `graceMs` for it. */
  detach(rec: CustomerChat, send: (m: CustomerServerMessage) => void): void {
    if (rec.send !== send) return;
    rec.send = undefined;
    if (rec.ended) return;
    this.o.clock.cancel(rec.timer);
    rec.timer = this.o.clock.setTimer(this.o.graceMs ?? 60_000, () => this.leave(rec));
  }

  /** The customer wrote; what they see of their own message comes back as its echo. */
  say(rec: CustomerChat, text: unknown): CustomerServerMessage {
    const r = rec.leg.send(text);
    if (!r.ok) return { type: 'error', code: r.code, message: r.message };
    const mine = json(r.message);
    rec.messages.push(mine);
    return { type: 'message', message: mine };
  }

  leave(rec: CustomerChat): void {
    this.o.clock.cancel(rec.timer);
    rec.timer = undefined;
    this.byToken.delete(rec.token);
    if (!rec.ended) rec.leg.leave();
  }

  close(): void {
    for (const rec of [...this.byToken.values()]) this.leave(rec);
  }
}
