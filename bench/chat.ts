/**
 * Chat through the real edges (issue 13): the whole app (`buildApp`, SQLite in memory, standalone
 * presence) on 127.0.0.1; BENCH_CHATS (200) customers on the customer chat socket of one routing
 * point (`target-type: userdata`, each customer names its own KW) and as many KWs logged in over
 * HTTP, Ready, on the KW socket, accepting every preview at once.
 *
 * 1. Setup: from the customer's `hello` to the KW's `chat-opened` (routing point → preview →
 *    accept → chat leg), all chats at once; p50/p99 and how many chats are open.
 * 2. Messages: BENCH_ACTIVE (all) chats send both ways (customer → KW and KW → customer),
 *    BENCH_WINDOW (1) messages in flight per chat and direction (closed loop: a receipt sends the
 *    next), for BENCH_MS (3000) ms; messages/s and delivery
 *    p50/p99 from send to receipt at the other side (clients and server share this process and
 *    its clock, so the client work counts against the rate).
 *
 * Ends with `BENCH {"name":"chat",...}`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { buildApp } from '../src/app/build-app.ts';
import { formatIssue } from '../src/config/config-issue.ts';
import { loadConfigFile } from '../src/config/config-loader.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { kwSocketPath } from '../src/web/kw-socket.ts';
import { percentile, printBench, printTable } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

function yaml(n: number): string {
  const users = Array.from({ length: n }, (_, i) => `kw${i + 1}`);
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'switches: [ { name: SW } ]',
    'dns:',
    ...users.map((u) => `  - { number: "sip:${u}@example.test", type: Extension, switch: SW }`),
    '  - { number: "8100", type: Routing Point, switch: SW, annex: { router: { target-type: userdata, target: KW_TARGET, selection: targeted, max-attempts: 1, no-accept-action: wait }, chat: { page-path: /chat/bench } } }',
    '  - { number: "chat", type: Trunk, switch: SW }',
    'places:',
    ...users.map((u) => `  - { name: P_${u}, dns: ["sip:${u}@example.test"] }`),
    'agentLogins:',
    ...users.map((u) => `  - { loginCode: ${u}, switch: SW }`),
    'persons:',
    ...users.map((u) => `  - { userName: ${u}, firstName: ${u}, lastName: Bench, password: ${u}, agentLogins: [${u}], defaultPlace: P_${u}, annex: { uc: { contact: "sip:${u}@example.test" } } }`),
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, no-answer-timeout: 0 } } }',
    `  - { name: UCC, type: ucc, options: { uc-connector: { preview-expiration-timeout: 60000, user-auto-registration: true } } }`,
    '  - { name: Router, type: router, options: {} }',
    '',
  ].join('\n');
}

type Json = Record<string, unknown>;
const open = (url: string, opts: { headers?: Record<string, string>; origin?: string }): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

/** One HTTP request from `localAddress` (each KW logs in from a loopback address of its own: the
 * login limiter allows 20 logins per address in 5 minutes). */
function http(url: string, method: string, headers: Record<string, string>, localAddress: string, body?: unknown): Promise<{ status: number; headers: IncomingHttpHeaders; json: () => Json }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, localAddress, headers: { ...headers, ...(data !== undefined ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: () => JSON.parse(text) as Json }));
    });
    req.once('error', reject);
    req.end(data);
  });
}

/** Logs the KW in over HTTP, opens its KW socket and makes it Ready (the state menu's "online"). */
async function kwOnline(base: string, u: string, i: number): Promise<WebSocket> {
  const from = `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const r = await http(`${base}/api/v1/session`, 'POST', {}, from, { userName: u, password: u });
  if (r.status !== 200) throw new Error(`login ${u}: ${r.status} ${JSON.stringify(r.json())}`);
  const cookie = String(r.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const csrf = String(r.json()['csrfToken']);
  const headers = { cookie, 'x-csrf-token': csrf };
  const ws = await open(base.replace(/^http/, 'ws') + kwSocketPath, { headers: { cookie } });
  const s = await http(`${base}/api/v1/knowledge-workers/${u}/presence`, 'PUT', headers, from, { availability: 'online' });
  if (s.status !== 200) throw new Error(`presence ${u}: ${s.status} ${JSON.stringify(s.json())}`);
  for (let k = 0; k < 200; k++) {
    const v = await http(`${base}/api/v1/knowledge-workers/${u}`, 'GET', headers, from);
    if (v.json()['agentState'] === 'Ready') return ws;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${u} never Ready`);
}

export default async function main(): Promise<void> {
  const n = env('BENCH_CHATS', 200);
  const ms = env('BENCH_MS', 3000);
  const window = env('BENCH_WINDOW', 1);
  const active = env('BENCH_ACTIVE', Number.POSITIVE_INFINITY);
  const dir = mkdtempSync(join(tmpdir(), 'ucc-bench-chat-'));
  const file = join(dir, 'bench.yaml');
  writeFileSync(file, yaml(n));
  const loaded = loadConfigFile(file);
  if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
  const app = await buildApp(loaded.value, { logger: silentLogger });
  const sockets: WebSocket[] = [];
  try {
    const base = (await app.listen()).http.replace(/\/$/, '');
    const names = Array.from({ length: n }, (_, i) => `kw${i + 1}`);
    const kws: WebSocket[] = [];
    // Logins in small batches: each checks a password hash.
    for (let i = 0; i < names.length; i += 20) kws.push(...(await Promise.all(names.slice(i, i + 20).map((u, k) => kwOnline(base, u, i + k)))));
    sockets.push(...kws);

    // Per chat: the KW's connId and the receive handlers of both sides.
    const connIds: string[] = new Array<string>(n).fill('');
    const setup: number[] = [];
    const delivery: number[] = [];
    let received = 0;
    let measuring = false;
    const onDelivered = (text: string): void => {
      if (!measuring) return;
      const t = Number(text.slice(text.indexOf(':') + 1));
      delivery.push(performance.now() - t);
      received++;
    };
    const sendCustomer: Array<() => void> = [];
    const sendKw: Array<() => void> = [];
    const opened: Array<Promise<void>> = [];
    const hello: number[] = [];
    for (const [i, ws] of kws.entries()) {
      opened.push(
        new Promise<void>((resolve) => {
          ws.on('message', (d: Buffer) => {
            const m = JSON.parse(d.toString()) as Json;
            if (m['type'] === 'preview') ws.send(JSON.stringify({ type: 'accept', id: m['id'] }));
            else if (m['type'] === 'chat-opened') {
              connIds[i] = String(m['connId']);
              setup.push(performance.now() - (hello[i] ?? 0));
              resolve();
            } else if (m['type'] === 'chat-message') {
              const msg = m['message'] as { from: string; text: string };
              if (msg.from === 'customer' && msg.text.startsWith('c:')) {
                onDelivered(msg.text);
                sendCustomer[i]?.();
              }
            }
          });
        }),
      );
    }
    const customers = await Promise.all(names.map(() => open(`${base.replace(/^http/, 'ws')}/chat/bench/ws`, { origin: base })));
    sockets.push(...customers);
    for (const [i, c] of customers.entries()) {
      c.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as Json;
        const msg = m['message'] as { from: string; text: string } | undefined;
        if (m['type'] === 'message' && msg?.from === 'agent' && msg.text.startsWith('a:')) {
          onDelivered(msg.text);
          sendKw[i]?.();
        }
      });
    }
    const s0 = performance.now();
    for (const [i, c] of customers.entries()) {
      hello[i] = performance.now();
      c.send(JSON.stringify({ type: 'hello', userData: { name: `Customer ${i + 1}`, KW_TARGET: names[i] } }));
    }
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref());
    await Promise.race([Promise.all(opened), timeout]);
    const setupWall = performance.now() - s0;
    const concurrent = connIds.filter((c) => c !== '').length;

    // Messages both ways; each receipt sends the next one on that chat and direction.
    let stop = false;
    for (let i = 0; i < n; i++) {
      if (connIds[i] === '') continue;
      const c = customers[i]!;
      const k = kws[i]!;
      sendCustomer[i] = () => {
        if (!stop) c.send(JSON.stringify({ type: 'message', text: `c:${performance.now()}` }));
      };
      sendKw[i] = () => {
        if (!stop) k.send(JSON.stringify({ type: 'chat-send', connId: connIds[i], text: `a:${performance.now()}` }));
      };
    }
    measuring = true;
    const t0 = performance.now();
    for (let w = 0; w < window; w++) {
      for (let i = 0; i < Math.min(n, active); i++) {
        sendCustomer[i]?.();
        sendKw[i]?.();
      }
    }
    await new Promise((r) => setTimeout(r, ms));
    stop = true;
    const elapsed = performance.now() - t0;
    measuring = false;
    const perSec = (received * 1000) / elapsed;

    const row = (name: string, xs: number[]): (string | number)[] => [name, xs.length, percentile(xs, 50).toFixed(2), percentile(xs, 99).toFixed(2)];
    printTable(['measure', 'n', 'p50 ms', 'p99 ms'], [row('chat setup (hello → chat-opened)', setup), row('message delivery', delivery)]);
    console.log(`chats open: ${concurrent}/${n} (setup of all ${setupWall.toFixed(0)} ms); messages/s: ${perSec.toFixed(0)} (${Math.min(n, active)} chats sending, ${window} in flight per chat and direction, ${ms} ms)`);
    printBench('chat', {
      messagesPerSec: Math.round(perSec),
      deliveryP99Ms: Number(percentile(delivery, 99).toFixed(2)),
      concurrentChats: concurrent,
      setupP99Ms: Number(percentile(setup, 99).toFixed(2)),
    });
  } finally {
    for (const ws of sockets) ws.terminate();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
