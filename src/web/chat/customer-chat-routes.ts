/**
 * The customer chat page of each configured routing point (`[chat] page-path` in the Routing
 * Point's annex): `GET <path>` (the page), `<path>/chat.js`, `<path>/chat.css`, and the WebSocket
 * `<path>/ws`. The page's query string becomes the chat's UserData (bounded; `name` is also the
 * customer's name, the ANI). docs/chat.md describes the messages.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Clock } from '../../lib/clock.ts';
import type { KvList } from '../../lib/kv-list.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { cleanChatText } from '../../switch/chat/chat-text.ts';
import type { RouteRegistration } from '../http-server.ts';
import { customerChatCss, customerChatHtml, customerChatJs } from './customer-chat-page.ts';
import type { CustomerChats, CustomerServerMessage } from './customer-chats.ts';

/** One configured chat page. */
export interface ChatPage {
  readonly path: string;
  readonly routingPoint: string;
  /** The Trunk DN its chats arrive through. */
  readonly trunk: string;
  readonly title: string;
}

/** Largest customer frame in bytes (a 4000-character message fits in JSON). */
export const MAX_CUSTOMER_FRAME = 20 * 1024;
/** UserData taken from the page: pairs, key and value lengths. */
export const MAX_PAGE_USERDATA = { pairs: 20, key: 64, value: 512 } as const;
const KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;
/** Customer frames per second per socket; more get one `rate-limited` error. */
const MAX_PER_SECOND = 20;

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

/** The page's query string as UserData: only well-formed keys, bounded, cleaned of control characters. */
export function pageUserData(raw: unknown): KvList {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (out.length >= MAX_PAGE_USERDATA.pairs) break;
    if (!KEY.test(k) || k.length > MAX_PAGE_USERDATA.key || typeof v !== 'string') continue;
    const text = cleanChatText(v, MAX_PAGE_USERDATA.value);
    if (text.ok) out.push([k, text.value]);
  }
  return out;
}

export function customerChatRoutes(o: { pages: readonly ChatPage[]; chats: CustomerChats; clock: Clock; logger?: Logger }): RouteRegistration {
  const logger = (o.logger ?? silentLogger).child({ role: 'chat-page' });
  return (app: FastifyInstance) => {
    for (const page of o.pages) {
      const base = page.path.replace(/\/+$/, '');
      const html = customerChatHtml(page.title, base);
      const serve = (type: string, body: string) => async (_: FastifyRequest, reply: FastifyReply) =>
        reply.header('content-type', type).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(body);
      app.get(base, serve('text/html; charset=utf-8', html));
      app.get(`${base}/`, serve('text/html; charset=utf-8', html));
      app.get(`${base}/chat.js`, serve('text/javascript; charset=utf-8', customerChatJs));
      app.get(`${base}/chat.css`, serve('text/css; charset=utf-8', customerChatCss));
      app.get(`${base}/ws`, { websocket: true }, (ws: WebSocket) => socket(ws, page));
    }
  };

  function socket(ws: WebSocket, page: ChatPage): void {
    let rec: ReturnType<CustomerChats['attach']>;
    let windowStart = o.clock.now();
    let inWindow = 0;
    const send = (m: CustomerServerMessage): void => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1024 * 1024) ws.send(JSON.stringify(m));
    };
    const fail = (code: string, message: string): void => send({ type: 'error', code, message });
    ws.on('error', (e: Error) => logger.debug('chat page socket error', { error: e.message }));
    ws.on('close', () => {
      if (rec) o.chats.detach(rec, send);
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const now = o.clock.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > MAX_PER_SECOND) {
        if (inWindow === MAX_PER_SECOND + 1) fail('rate-limited', `more than ${MAX_PER_SECOND} messages in a second; the rest are dropped`);
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (buf.byteLength > MAX_CUSTOMER_FRAME) return fail('too-large', 'messages are limited to 4000 characters');
      if (isBinary) return fail('not-text', 'send JSON text');
      let m: Record<string, unknown>;
      try {
        const v: unknown = JSON.parse(buf.toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        m = v as Record<string, unknown>;
      } catch {
        return fail('bad-json', 'the message is not a JSON object');
      }
      if (m['type'] === 'hello') {
        if (rec) return fail('already-open', 'this socket already has a chat');
        const token = m['token'];
        if (typeof token === 'string') {
          rec = token.length <= 64 ? o.chats.attach(token, send) : undefined;
          if (!rec) {
            fail('unknown-session', 'this chat is over; a new one starts');
            ws.close(4404, 'unknown session');
          }
          return;
        }
        const userData = pageUserData(m['userData']);
        const name = userData.find(([k]) => k === 'name')?.[1];
        const opened = o.chats.open({ routingPoint: page.routingPoint, trunk: page.trunk, from: typeof name === 'string' ? name : 'customer', userData });
        if (!opened) {
          fail('unavailable', 'the chat is not available now; please try again later');
          ws.close(4503, 'unavailable');
          return;
        }
        rec = o.chats.attach(opened.token, send);
        return;
      }
      if (!rec) return fail('no-session', 'say hello first');
      switch (m['type']) {
        case 'message':
          send(o.chats.say(rec, m['text']));
          return;
        case 'typing':
          rec.leg.typing(m['on'] === true);
          return;
        case 'leave':
          o.chats.leave(rec);
          return;
        default:
          fail('unknown-message', 'unknown message type');
      }
    });
  }
}
