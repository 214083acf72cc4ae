/**
 * The KW client API over WebSocket: `GET /api/v1/kw-socket` (docs/kw-socket.md). One socket is one
 * KW client session: opening it opens a session in the connector (`openSession`) and registers it
 * in the KwClientSessions registry, so previews reach it; closing it undoes both.
 *
 * Server → client: `state` (the KW view, at once and on every `kwChange`), `preview`,
 * `preview-closed`, `error`, `pong`. Client → server: `accept`, `reject`, `accept-external` (with
 * the preview id) and `ping`. Messages are JSON text, one per WebSocket message, bounded in size;
 * bad JSON or an unknown message gets an `error` back and the socket stays open.
 *
 * Identity: {@link KwSocketOptions.identify} (default: the web session cookie through
 * `identifyKw` of web/auth). `identifyKwFromQuery` (a `userName` query parameter) exists for
 * tests, benchmarks and the unauthenticated demo only.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { KnowledgeWorkerView } from '../connector/knowledge-worker-view.ts';
import { interactionJson, parseKwClientMessage, maxKwClientMessageBytes, type KwServerMessage } from '../connector/kw-client-messages.ts';
import type { Interaction, InteractionChange } from '../connector/interactions/interaction-machine.ts';
import type { KwClientSession, KwClientSessions } from '../connector/kw-client-sessions.ts';
import type { PreviewActionResult } from '../connector/preview-manager.ts';
import { SystemClock, type Clock } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { identifyKw, sessionOf } from './auth/web-auth.ts';
import type { RouteRegistration } from './http-server.ts';

/** The path of the KW socket. */
export const kwSocketPath = '/api/v1/kw-socket';

/** WebSocket close codes the socket uses (4000-4999 are the application's). */
export const kwSocketCloseCodes = {
  /** No identity on the handshake (not logged in). */
  unauthenticated: 4401,
  /** The identified user is not a knowledge worker of this connector. */
  unknownKw: 4404,
  /** The web session ended (logout). */
  sessionEnded: 4408,
  /** The client does not read what it is sent. */
  slowConsumer: 4429,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;

/** What the socket needs of the UcConnector (UcConnector satisfies it). */
export interface KwSocketConnectorPort {
  knowledgeWorker(userName: string): KnowledgeWorkerView | undefined;
  openSession(userName: string): boolean;
  closeSession(userName: string): boolean;
  on(event: 'kwChange', listener: (view: KnowledgeWorkerView) => void): unknown;
  off(event: 'kwChange', listener: (view: KnowledgeWorkerView) => void): unknown;
}

/** What the socket needs of the PreviewManager. */
export interface KwSocketPreviewPort {
  accept(userName: string, id: string): PreviewActionResult;
  reject(userName: string, id: string): PreviewActionResult;
  acceptExternal(userName: string, id: string): PreviewActionResult;
}

/** Announces ended web sessions and looks them up (WebAuth satisfies it). */
export interface KwSocketAuthPort {
  on(event: 'sessionEnded', listener: (s: { id: string; userName: string }) => void): unknown;
  off(event: 'sessionEnded', listener: (s: { id: string; userName: string }) => void): unknown;
  /** With it, every client message re-checks (and touches) the web session: an expired one closes the socket. */
  readonly sessions?: { get(id: string): unknown };
}

/** Options of {@link kwSocketRoutes}. */
export interface KwSocketOptions {
  readonly connector: KwSocketConnectorPort;
  readonly sessions: KwClientSessions;
  readonly previews: KwSocketPreviewPort;
  /** Who the handshake belongs to (default: `identifyKw`, the session cookie). The one place identity is decided. */
  readonly identify?: (request: FastifyRequest) => string | undefined;
  /** With it, a logout closes the sockets opened under that web session. */
  readonly auth?: KwSocketAuthPort;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Largest client message in bytes (default 4096). */
  readonly maxMessageBytes?: number;
  /** A client with more than this many bytes unsent is dropped (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Client messages accepted per second per socket; more are dropped, with one `rate-limited` error per second (default 50). */
  readonly maxMessagesPerSecond?: number;
  /** With it, the KW's calls are pushed (`interaction`, `interaction-closed`), and sent at once on connect. */
  readonly interactions?: KwSocketInteractionPort;
  /** With it, the KW chats here (`chat-send`, `chat-typing`; open chats are replayed on connect). */
  readonly chat?: KwSocketChatPort;
}

/** What the socket needs of the KW chat reach (src/web/chat/kw-chat-reach.ts). */
export interface KwSocketChatPort {
  send(userName: string, connId: string, text: string): { ok: true } | { ok: false; code: string; message: string } | undefined;
  typing(userName: string, connId: string, on: boolean): void;
  openChats(userName: string): KwServerMessage[];
}

/** What the socket needs of the InteractionTracker. */
export interface KwSocketInteractionPort {
  interactionsOf(userName: string): Interaction[] | undefined;
  /** Whether the KW's ringing calls can be answered from the desktop; absent: they can. */
  canAnswer?(userName: string): boolean;
  on(event: 'change', listener: (userName: string, change: InteractionChange) => void): unknown;
  off(event: 'change', listener: (userName: string, change: InteractionChange) => void): unknown;
}

/**
 * Identifies the KW by the `userName` query parameter of the handshake. No authentication at all:
 * for tests, benchmarks and a local demo; production uses the session cookie (the default).
 */
export function identifyKwFromQuery(request: FastifyRequest): string | undefined {
  const q = request.query as Record<string, unknown> | undefined;
  const u = q?.['userName'];
  return typeof u === 'string' && u.length > 0 && u.length <= 256 ? u : undefined;
}

/** The route registration of the KW socket; the composition root adds it to createHttpServer's routes. */
export function kwSocketRoutes(options: KwSocketOptions): RouteRegistration {
  const identify = options.identify ?? identifyKw;
  const clock = options.clock ?? new SystemClock();
  const logger = (options.logger ?? silentLogger).child({ role: 'kw-socket' });
  const maxMessageBytes = options.maxMessageBytes ?? maxKwClientMessageBytes;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const maxPerSecond = options.maxMessagesPerSecond ?? 50;
  const { connector, sessions, previews } = options;
  /** Sockets per web session id, so a logout closes them. */
  const byWebSession = new Map<string, Set<WebSocket>>();
  const open = new Set<WebSocket>();

  return (app: FastifyInstance) => {
    void app.register(async (scope) => {
      // One @fastify/websocket per server: reuse one registered before us. Its maxPayload is a hard
      // cut (close 1009); under it, a message over maxMessageBytes gets an `error` reply.
      if (!scope.hasDecorator('websocketServer')) await scope.register(websocket, { options: { maxPayload: Math.max(64 * 1024, maxMessageBytes) } });

      // One kwChange listener for all sockets: the registry fans the view out to the KW's sessions.
      const onKwChange = (view: KnowledgeWorkerView): void => {
        sessions.sendTo(view.userName, { type: 'state', kw: view });
      };
      const onSessionEnded = (s: { id: string }): void => {
        for (const ws of byWebSession.get(s.id) ?? []) ws.close(kwSocketCloseCodes.sessionEnded, 'logged out');
      };
      const onInteraction = (userName: string, change: InteractionChange): void => {
        if (change.type === 'closed') sessions.sendTo(userName, { type: 'interaction-closed', connId: change.interaction.connId });
        else sessions.sendTo(userName, { type: 'interaction', interaction: interactionJson(change.interaction, options.interactions?.canAnswer?.(userName) ?? true), ...(change.previousConnId !== undefined ? { previousConnId: change.previousConnId } : {}) });
      };
      connector.on('kwChange', onKwChange);
      options.interactions?.on('change', onInteraction);
      options.auth?.on('sessionEnded', onSessionEnded);
      scope.addHook('onClose', async () => {
        connector.off('kwChange', onKwChange);
        options.interactions?.off('change', onInteraction);
        options.auth?.off('sessionEnded', onSessionEnded);
        for (const ws of open) ws.close(kwSocketCloseCodes.goingAway, 'server shutting down');
      });

      scope.get(kwSocketPath, { websocket: true }, (ws: WebSocket, request: FastifyRequest) => {
        const userName = identify(request);
        if (userName === undefined) {
          ws.close(kwSocketCloseCodes.unauthenticated, 'not logged in');
          return;
        }
        if (connector.knowledgeWorker(userName) === undefined) {
          ws.close(kwSocketCloseCodes.unknownKw, 'not a knowledge worker');
          return;
        }
        const id = sessions.newId();
        const log = logger.child({ userName, session: id });
        open.add(ws);
        const webSessionId = sessionOf(request)?.id;
        if (webSessionId !== undefined) {
          let set = byWebSession.get(webSessionId);
          if (!set) byWebSession.set(webSessionId, (set = new Set()));
          set.add(ws);
        }
        const send = (m: KwServerMessage): boolean => {
          if (ws.readyState !== ws.OPEN) return false;
          if (ws.bufferedAmount > maxBufferedBytes) {
            log.warn('kw socket dropped: the client is not reading', { buffered: ws.bufferedAmount });
            ws.close(kwSocketCloseCodes.slowConsumer, 'not reading');
            return false;
          }
          ws.send(JSON.stringify(m));
          return true;
        };
        const session: KwClientSession = { id, userName, send };
        // A fixed one-second window on the Clock: a flooding client costs a counter, not a reply per message.
        let windowStart = clock.now();
        let inWindow = 0;
        ws.on('error', (e: Error) => log.warn('kw socket error', { error: e.message }));
        ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
          const now = clock.now();
          if (now - windowStart >= 1000) {
            windowStart = now;
            inWindow = 0;
          }
          if (++inWindow > maxPerSecond) {
            if (inWindow === maxPerSecond + 1) send({ type: 'error', code: 'rate-limited', message: `more than ${maxPerSecond} messages in a second; the rest are dropped` });
            return;
          }
          // Idle expiry is not announced: a message under an expired web session ends the socket.
          if (webSessionId !== undefined && options.auth?.sessions && options.auth.sessions.get(webSessionId) === undefined) {
            ws.close(kwSocketCloseCodes.sessionEnded, 'session expired');
            return;
          }
          const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
          if (size > maxMessageBytes) {
            send({ type: 'error', code: 'too-large', message: `messages are limited to ${maxMessageBytes} bytes` });
            return;
          }
          if (isBinary) {
            send({ type: 'error', code: 'bad-json', message: 'binary messages are not accepted; send JSON text' });
            return;
          }
          const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
          const parsed = parseKwClientMessage(text);
          if (!parsed.ok) {
            send({ type: 'error', code: parsed.error.code, message: parsed.error.message });
            return;
          }
          const m = parsed.value;
          if (m.type === 'ping') {
            send({ type: 'pong', now: clock.now() });
            return;
          }
          if (m.type === 'chat-send') {
            const r = options.chat?.send(userName, m.connId, m.text);
            if (!r) send({ type: 'error', code: 'unknown-chat', message: 'no such chat of yours' });
            else if (!r.ok) send({ type: 'error', code: r.code, message: r.message });
            return;
          }
          if (m.type === 'chat-typing') {
            options.chat?.typing(userName, m.connId, m.on);
            return;
          }
          const r = m.type === 'accept' ? previews.accept(userName, m.id) : m.type === 'reject' ? previews.reject(userName, m.id) : previews.acceptExternal(userName, m.id);
          if (!r.ok) send({ type: 'error', code: r.refusal.code, message: r.refusal.message, id: m.id });
        });
        connector.openSession(userName);
        const view = connector.knowledgeWorker(userName);
        if (view) send({ type: 'state', kw: view });
        const answerable = options.interactions?.canAnswer?.(userName) ?? true;
        for (const i of options.interactions?.interactionsOf(userName) ?? []) send({ type: 'interaction', interaction: interactionJson(i, answerable) });
        for (const c of options.chat?.openChats(userName) ?? []) send(c);
        // Registered last: open previews are replayed to the new session by the preview manager.
        // (Everything here runs in one turn, so no close can come before the handler below.)
        const remove = sessions.add(session);
        ws.on('close', () => {
          open.delete(ws);
          if (webSessionId !== undefined) {
            const set = byWebSession.get(webSessionId);
            set?.delete(ws);
            if (set?.size === 0) byWebSession.delete(webSessionId);
          }
          remove();
          connector.closeSession(userName);
          log.info('kw socket closed');
        });
        log.info('kw socket opened');
      });
    });
  };
}
