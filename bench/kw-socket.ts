/**
 * Preview round trips through the real edges, on the system clock: a router's PreviewClient → TCP
 * (framed preview protocol) → PreviewServer → preview manager → WebSocket (Fastify on 127.0.0.1)
 * → scripted KW clients that accept every preview at once → back to the router's result.
 * No T-Server, store or reporting: this isolates the connector side (bench/preview has the chain).
 *
 * 1. Offers: BENCH_KWS (200) KWs, BENCH_IN_FLIGHT (16) single offers kept in flight for BENCH_MS
 *    (3000) ms, each to a KW without an open preview; offers/s and round-trip p50/p99 (from
 *    `offer()` to the `accepted` result).
 * 2. Broadcast: one PreviewInteractionMultiple to all BENCH_BROADCAST (1000) KWs, who all accept;
 *    the time from `offerMultiple()` to the winner's result, over BENCH_BROADCAST_ROUNDS (10) (p99).
 *
 * Ends with `BENCH {"name":"kw-socket",...}`.
 */
import { hashPassword } from '../src/config/password-hash.ts';
import { TlibAccess } from '../src/tserver/tlib-access.ts';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { SystemClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { TypedEmitter } from '../src/lib/typed-emitter.ts';
import type { KnowledgeWorkerView } from '../src/connector/knowledge-worker-view.ts';
import type { KwServerMessage } from '../src/connector/kw-client-messages.ts';
import { KwClientSessions } from '../src/connector/kw-client-sessions.ts';
import { PreviewManager } from '../src/connector/preview-manager.ts';
import { PreviewClient, PreviewServer } from '../src/preview/preview-transport.ts';
import { createHttpServer } from '../src/web/http-server.ts';
import { identifyKwFromQuery, kwSocketPath, kwSocketRoutes } from '../src/web/kw-socket.ts';
import { percentile, printBench, printTable } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

function view(userName: string, i: number): KnowledgeWorkerView {
  return {
    userName, dn: String(10000 + i), agentId: `A${10000 + i}`, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false,
    autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
  };
}

class Connector extends TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }> {
  readonly views = new Map<string, KnowledgeWorkerView>();
  knowledgeWorkers = (): string[] => [...this.views.keys()];
  state = (u: string): KnowledgeWorkerView | undefined => this.views.get(u);
  knowledgeWorker = (u: string): KnowledgeWorkerView | undefined => this.views.get(u);
  openSession = (): boolean => true;
  closeSession = (): boolean => true;
  enterAutoState = (): boolean => true;
}

/** Opens `n` auto-accepting KW sockets. */
async function openClients(base: string, names: readonly string[]): Promise<WebSocket[]> {
  return Promise.all(
    names.map(
      (u) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${base}${kwSocketPath}?userName=${u}`);
          ws.on('message', (d: Buffer) => {
            const m = JSON.parse(d.toString()) as KwServerMessage;
            if (m.type === 'preview') ws.send(JSON.stringify({ type: 'accept', id: m.id }));
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
}

export default async function main(): Promise<void> {
  const kws = env('BENCH_KWS', 200);
  const inFlight = env('BENCH_IN_FLIGHT', 16);
  const ms = env('BENCH_MS', 3000);
  const broadcastKws = env('BENCH_BROADCAST', 1000);
  const rounds = env('BENCH_BROADCAST_ROUNDS', 10);
  const total = Math.max(kws, broadcastKws);

  const clock = new SystemClock();
  const connector = new Connector();
  for (let i = 1; i <= total; i++) connector.views.set(`kw${i}`, view(`kw${i}`, i));
  const sessions = new KwClientSessions();
  const manager = new PreviewManager({ connector, sessions, clock });
  // The router authenticates as a configured Application, checked against its scrypt hash.
  const routerApp = { application: 'router', password: 'bench-router-secret' };
  const authenticator = new TlibAccess([{ name: routerApp.application, passwordHash: hashPassword(routerApp.password), dns: 'all' }]);
  const previewServer = new PreviewServer({ handler: (r, s) => manager.handle(r, s), clock, authenticator });
  const addr = await previewServer.listen({ host: '127.0.0.1', port: 0 });
  const router = new PreviewClient({ target: { kind: 'tcp', host: addr.host, port: addr.port }, clock, credentials: routerApp });
  await router.connect();
  const app = createHttpServer({ logger: silentLogger, version: 'bench', routes: [kwSocketRoutes({ connector, sessions, previews: manager, identify: identifyKwFromQuery, clock })] });
  const base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  const names = [...connector.views.keys()];
  const clients = await openClients(base, names);
  while (sessions.count(names.at(-1) ?? '') === 0) await new Promise((r) => setTimeout(r, 5));

  let conn = 0;
  const connId = (): string => (++conn).toString(16).padStart(16, '0');
  const common = { dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'bench']] as const };

  // 1. Single offers, BENCH_IN_FLIGHT at a time.
  const free = names.slice(0, kws);
  const lat: number[] = [];
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() - t0 < ms) {
      const kw = free.shift();
      if (kw === undefined) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      const s = performance.now();
      const r = await router.offer({ agent: kw, connId: connId(), ...common });
      lat.push(performance.now() - s);
      if (r.result === 'accepted') done++;
      else failed++;
      free.push(kw);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  const offersPerSec = (done * 1000) / (performance.now() - t0);

  // 2. Broadcast to every KW; all accept.
  const targets = names.slice(0, broadcastKws);
  const bl: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    const r = await router.offerMultiple({ connId: connId(), ...common, targets });
    bl.push(performance.now() - s);
    if (r.result !== 'accepted') failed++;
    // Let the taken notices drain before the next round.
    await new Promise((res) => setTimeout(res, 50));
  }

  for (const ws of clients) ws.close();
  router.close();
  await previewServer.close();
  await app.close();
  manager.dispose();

  const row = (name: string, xs: number[]): (string | number)[] => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2)];
  printTable(['measure', 'n', 'p50 ms', 'p99 ms'], [row('offer round trip', lat), row(`broadcast to ${broadcastKws}`, bl)]);
  console.log(`offers/s: ${offersPerSec.toFixed(0)} (${kws} KWs, ${inFlight} in flight, ${ms} ms); not accepted: ${failed}`);
  printBench('kw-socket', {
    offersPerSec: Math.round(offersPerSec),
    roundTripP50Ms: Number(percentile(lat, 50).toFixed(2)),
    roundTripP99Ms: Number(percentile(lat, 99).toFixed(2)),
    broadcastKws,
    broadcastP99Ms: Number(percentile(bl, 99).toFixed(2)),
    notAccepted: failed,
  });
}
