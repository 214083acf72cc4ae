/**
 * KW WebSocket messages: client frames → `parseKwClientMessage` → the real PreviewManager's
 * accept / reject / accept-external (the socket's dispatch), with previews offered to the KW as the
 * run goes and ids often pointed at a live preview. One case in 64 (up to 60 KB) also goes over a
 * real WebSocket to the `kwSocketRoutes` route on 127.0.0.1, as text or binary, followed by a ping:
 * the socket must answer the ping and stay open. Crash: an exception out of the parser or the
 * manager, or the socket closing. Documented outcomes: a client message, or a typed error reply.
 */
import { isUtf8 } from 'node:buffer';
import { WebSocket } from 'ws';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import { parseKwClientMessage, type KwServerMessage } from '../../../src/connector/kw-client-messages.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { PreviewManager } from '../../../src/connector/preview-manager.ts';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { identifyKwFromQuery, kwSocketPath, kwSocketRoutes } from '../../../src/web/kw-socket.ts';
import type { FuzzTarget } from '../engine.ts';
import type { Mutator, Rand } from '../mutators.ts';

const KWS = ['alice', 'bob'];

function view(userName: string, i: number): KnowledgeWorkerView {
  return {
    userName, dn: String(7001 + i), agentId: `A${7001 + i}`, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false,
    autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
  };
}

class Connector extends TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }> {
  readonly views = new Map(KWS.map((u, i) => [u, view(u, i)]));
  knowledgeWorkers = (): string[] => [...this.views.keys()];
  state = (u: string): KnowledgeWorkerView | undefined => this.views.get(u);
  knowledgeWorker = (u: string): KnowledgeWorkerView | undefined => this.views.get(u);
  openSession = (): boolean => true;
  closeSession = (): boolean => true;
  enterAutoState = (): boolean => true;
}

const SEEDS: unknown[] = [
  { type: 'ping' }, { type: 'accept', id: 'p1' }, { type: 'reject', id: 'p1' }, { type: 'accept-external', id: 'p1' },
  { type: 'accept', id: 'x'.repeat(128) },
];

export async function kwSocketTarget(options: { wsEvery?: number } = {}): Promise<FuzzTarget> {
  const wsEvery = options.wsEvery ?? 64;
  const clock = new ManualClock();
  const connector = new Connector();
  const sessions = new KwClientSessions();
  const manager = new PreviewManager({ connector, sessions, clock });
  const live: string[] = [];
  for (const userName of KWS) {
    sessions.add({ id: sessions.newId(), userName, send: (m: KwServerMessage) => {
      if (m.type === 'preview') live.push(m.id);
      if (live.length > 32) live.shift();
      return true;
    } });
  }
  let conn = 0;
  const offer = (): void => {
    conn++;
    manager.handle({ message: 'PreviewInteractionRequest', ReferenceID: conn, agent: KWS[conn % 2] as string, connId: conn.toString(16).padStart(16, '0'), dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'fuzz']], timeout: 20_000 }, { respond: () => true });
  };

  const app = createHttpServer({ logger: silentLogger, version: 'fuzz', routes: [kwSocketRoutes({ connector, sessions, previews: manager, identify: identifyKwFromQuery, clock, maxMessagesPerSecond: 1e9 })] });
  const base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  let ws!: WebSocket;
  let closed: string | undefined;
  let waiting: (() => void) | undefined;
  const connect = async (): Promise<void> => {
    closed = undefined;
    ws = new WebSocket(`${base}${kwSocketPath}?userName=alice`);
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as KwServerMessage;
      if (m.type === 'pong') waiting?.();
    });
    ws.on('close', (code) => { closed = String(code); waiting?.(); });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  };
  await connect();

  const corpus = SEEDS.map((s) => Buffer.from(JSON.stringify(s)));
  const keys = ['type', 'id', 'accept', 'reject', 'accept-external', 'ping'];
  let cases = 0;
  const overSocket = async (input: Buffer, binary: boolean): Promise<string> => {
    const pong = new Promise<void>((resolve) => { waiting = resolve; });
    ws.send(input, { binary });
    ws.send('{"type":"ping"}');
    await pong;
    waiting = undefined;
    // RFC 6455 8.1: a text frame that is not UTF-8 fails the connection (1007, done by ws): expected.
    if (closed === '1007' && !binary && !isUtf8(input)) {
      await connect();
      return 'ws:closed-1007-invalid-utf8';
    }
    if (closed !== undefined) throw new Error(`the KW socket closed: ${closed}`);
    return binary ? 'ws:binary:pong' : 'ws:text:pong';
  };
  return {
    name: 'kw-socket',
    corpus,
    generate(m: Mutator): Buffer {
      const seed = m.pick(SEEDS);
      let b: Buffer = m.chance(0.2) ? Buffer.from(JSON.stringify(seed)) : Buffer.from(m.json(seed, keys), 'utf8');
      if (m.chance(0.4)) b = m.bytes(b, corpus);
      return b;
    },
    run(input: Buffer, rand: Rand): string | Promise<string> {
      if (++cases % 50 === 1) offer();
      if (rand() < 0.01) clock.advance(Math.floor(rand() * 30_000));
      const parsed = parseKwClientMessage(input.toString('utf8'));
      let label: string;
      if (!parsed.ok) label = `error:${parsed.error.code}`;
      else if (parsed.value.type === 'ping') label = 'ping';
      else if (parsed.value.type === 'chat-send' || parsed.value.type === 'chat-typing') label = parsed.value.type;
      else {
        const id = live.length > 0 && rand() < 0.5 ? (live[Math.floor(rand() * live.length)] as string) : parsed.value.id;
        const user = KWS[Math.floor(rand() * 2)] as string;
        const r = parsed.value.type === 'accept' ? manager.accept(user, id) : parsed.value.type === 'reject' ? manager.reject(user, id) : manager.acceptExternal(user, id);
        label = r.ok ? `${parsed.value.type}:ok` : `${parsed.value.type}:${r.refusal.code}`;
      }
      if (cases % wsEvery === 0 && input.length <= 60_000) return overSocket(input, rand() < 0.2);
      return label;
    },
    async close(): Promise<void> {
      ws.close();
      await app.close();
      manager.dispose();
    },
  };
}
