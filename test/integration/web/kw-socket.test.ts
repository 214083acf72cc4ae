/**
 * The KW client API end to end: real `ws` clients (scripted KWs) against a Fastify server on
 * port 0, the preview manager behind it, and a router on the other side of the preview protocol
 * (PreviewClient → PreviewServer in memory).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import type { KwServerMessage } from '../../../src/connector/kw-client-messages.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { PreviewManager } from '../../../src/connector/preview-manager.ts';
import type { AutoStateKind } from '../../../src/connector/kw-state.ts';
import { PreviewClient, PreviewServer } from '../../../src/preview/preview-transport.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { identifyKwFromQuery, kwSocketCloseCodes, kwSocketPath, kwSocketRoutes } from '../../../src/web/kw-socket.ts';


function view(userName: string, i: number): KnowledgeWorkerView {
  return {
    userName, dn: String(7000 + i), agentId: `A${7000 + i}`, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false,
    autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
  };
}

/** The connector as the socket and the manager see it: KWs, session counts, auto-states, kwChange. */
class FakeConnector extends TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }> {
  readonly views = new Map(['kw1', 'kw2', 'kw3'].map((u, i) => [u, view(u, i + 1)]));
  readonly sessionCount = new Map<string, number>();
  readonly autoStates: Array<[string, AutoStateKind]> = [];
  knowledgeWorkers(): string[] {
    return [...this.views.keys()];
  }
  state(u: string): { userName: string; agentId: string; dn: string } | undefined {
    return this.views.get(u);
  }
  knowledgeWorker(u: string): KnowledgeWorkerView | undefined {
    return this.views.get(u);
  }
  openSession(u: string): boolean {
    this.sessionCount.set(u, (this.sessionCount.get(u) ?? 0) + 1);
    return true;
  }
  closeSession(u: string): boolean {
    this.sessionCount.set(u, (this.sessionCount.get(u) ?? 0) - 1);
    return true;
  }
  enterAutoState(u: string, kind: AutoStateKind): boolean {
    this.autoStates.push([u, kind]);
    return true;
  }
}

/** A scripted KW client: keeps every message, waits for one that matches. */
class ScriptedKw {
  readonly got: KwServerMessage[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.got.push(JSON.parse(d.toString()) as KwServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(url: string): Promise<ScriptedKw> {
    const ws = new WebSocket(url);
    const kw = new ScriptedKw(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(kw));
      ws.once('error', reject);
    });
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  async waitFor<T extends KwServerMessage['type']>(type: T, pred: (m: Extract<KwServerMessage, { type: T }>) => boolean = () => true): Promise<Extract<KwServerMessage, { type: T }>> {
    const giveUp = Date.now() + 5000;
    for (;;) {
      if (Date.now() > giveUp) throw new Error(`no ${type} message within 5 s`);
      const hit = this.got.find((m) => m.type === type && pred(m as Extract<KwServerMessage, { type: T }>));
      if (hit) return hit as Extract<KwServerMessage, { type: T }>;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) before ${type}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 2000);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  async closed(): Promise<number> {
    while (this.closeCode === undefined) await new Promise<void>((r) => this.waiters.push(r));
    return this.closeCode;
  }
  close(): Promise<number> {
    this.ws.close();
    return this.closed();
  }
}

describe('KW socket end to end', () => {
  const clock = new ManualClock();
  const connector = new FakeConnector();
  const sessions = new KwClientSessions();
  const manager = new PreviewManager({ connector, sessions, clock, settings: (u) => ({ expirationTimeoutMs: 15000, redirectNumber: u === 'kw1' ? '+15550001' : null }) });
  const previewServer = new PreviewServer({ handler: (r, s) => manager.handle(r, s), clock });
  const router = new PreviewClient({ target: { kind: 'memory', connect: () => previewServer.connectInMemory() }, clock });
  let app: FastifyInstance;
  let base = '';
  const url = (userName?: string): string => `${base}${kwSocketPath}${userName === undefined ? '' : `?userName=${encodeURIComponent(userName)}`}`;
  let calls = 0;
  // A fresh ConnID per offer (the winner decision is once per ConnID).
  const offer = (): { connId: string; dn: string; mediaType: string; switch: string; userData: ReadonlyArray<readonly [string, string]> } => ({
    connId: (0xc0 + ++calls).toString(16).padStart(16, '0'), dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'Анна']],
  });
  /** The next preview this client has not seen close. */
  const fresh = (k: ScriptedKw) => (m: { id: string }) => !k.got.some((c) => c.type === 'preview-closed' && c.id === m.id);
  const open: ScriptedKw[] = [];
  const kw = async (userName: string): Promise<ScriptedKw> => {
    const k = await ScriptedKw.open(url(userName));
    open.push(k);
    await k.waitFor('state');
    return k;
  };

  before(async () => {
    app = createHttpServer({ logger: silentLogger, version: 'test', routes: [kwSocketRoutes({ connector, sessions, previews: manager, identify: identifyKwFromQuery, clock })] });
    const addr = await app.listen({ host: '127.0.0.1', port: 0 });
    base = addr.replace(/^http/, 'ws');
    await router.connect();
  });
  after(async () => {
    for (const k of open) if (k.closeCode === undefined) await k.close();
    router.close();
    await previewServer.close();
    await app.close();
    manager.dispose();
  });

  test('a handshake without identity is closed 4401; a user who is not a KW is closed 4404', async () => {
    const anon = await ScriptedKw.open(url());
    assert.equal(await anon.closed(), kwSocketCloseCodes.unauthenticated);
    const stranger = await ScriptedKw.open(url('mallory'));
    assert.equal(await stranger.closed(), kwSocketCloseCodes.unknownKw);
  });

  test('opening a socket opens a connector session and sends the KW view; closing it closes the session', async () => {
    const k = await kw('kw3');
    const st = await k.waitFor('state');
    assert.equal(st.kw.userName, 'kw3');
    assert.equal(connector.sessionCount.get('kw3'), 1);
    assert.equal(sessions.count('kw3'), 1);
    await k.close();
    await waitUntil(() => connector.sessionCount.get('kw3') === 0 && sessions.count('kw3') === 0);
  });

  test('a kwChange reaches that KW only', async () => {
    const a = await kw('kw2');
    const b = await kw('kw3');
    connector.safeEmit('kwChange', { ...view('kw2', 2), connectorDnd: true });
    await a.waitFor('state', (m) => m.kw.connectorDnd);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(b.got.filter((m) => m.type === 'state').length, 1, 'kw3 saw only its initial state');
    await a.close();
    await b.close();
  });

  test('the router offers, the KW sees the preview with its deadline on both sockets, accepts on one; the router gets accepted and both windows close', async () => {
    const a = await kw('kw1');
    const b = await kw('kw1');
    const result = router.offer({ agent: 'A7001', ...offer() });
    const pa = await a.waitFor('preview');
    const pb = await b.waitFor('preview');
    assert.equal(pa.id, pb.id);
    assert.deepEqual([pa.remaining, pa.deadline, pa.canRedirect], [15000, clock.now() + 15000, true]);
    assert.deepEqual(pa.userData, [['Customer', 'Анна']]);
    b.send({ type: 'accept', id: pb.id });
    const r = await result;
    assert.deepEqual([r.result, r.agent, r.dn], ['accepted', 'A7001', '7001']);
    assert.equal((await a.waitFor('preview-closed')).outcome, 'accepted');
    assert.equal((await b.waitFor('preview-closed')).outcome, 'accepted');
    await a.close();
    await b.close();
  });

  test('reject and accept on external number over the socket', async () => {
    const k = await kw('kw1');
    const r1 = router.offer({ agent: 'kw1', ...offer() });
    const p1 = await k.waitFor('preview');
    k.send({ type: 'reject', id: p1.id });
    assert.equal((await r1).result, 'rejected');
    await k.waitFor('preview-closed', (m) => m.id === p1.id);
    assert.deepEqual(connector.autoStates.at(-1), ['kw1', 'preview-reject']);
    const r2 = router.offer({ agent: 'kw1', ...offer() });
    const p2 = await k.waitFor('preview', fresh(k));
    k.send({ type: 'accept-external', id: p2.id });
    const res = await r2;
    assert.deepEqual([res.result, res.dn], ['redirected', '+15550001']);
    assert.deepEqual(connector.autoStates.at(-1), ['kw1', 'preview-redirect']);
    await k.close();
  });

  test('a broadcast over sockets: the first accept wins, the others get taken', async () => {
    const ks = await Promise.all(['kw1', 'kw2', 'kw3'].map((u) => kw(u)));
    const result = router.offerMultiple({ ...offer(), targets: ['A7001', 'A7002', 'A7003'] });
    const previews = await Promise.all(ks.map((k) => k.waitFor('preview', fresh(k))));
    ks.forEach((k, i) => k.send({ type: 'accept', id: previews[i]?.id }));
    const r = await result;
    assert.equal(r.result, 'accepted');
    const outcomes = await Promise.all(ks.map((k, i) => k.waitFor('preview-closed', (m) => m.id === previews[i]?.id).then((m) => m.outcome)));
    assert.deepEqual(outcomes.filter((o) => o === 'accepted').length, 1);
    assert.deepEqual(outcomes.filter((o) => o === 'taken').length, 2);
    await Promise.all(ks.map((k) => k.close()));
  });

  test('a KW cannot act on another KW\'s preview: refused with an error message, nothing resolves', async () => {
    const owner = await kw('kw1');
    const thief = await kw('kw2');
    const result = router.offer({ agent: 'A7001', ...offer() });
    const p = await owner.waitFor('preview', fresh(owner));
    thief.send({ type: 'accept', id: p.id });
    const e = await thief.waitFor('error');
    assert.deepEqual([e.code, e.id], ['not-your-preview', p.id]);
    assert.equal(manager.openPreviews('kw1').length, 1);
    owner.send({ type: 'reject', id: p.id });
    assert.equal((await result).result, 'rejected');
    await owner.close();
    await thief.close();
  });

  test('the KW\'s only socket closing mid-preview answers the router error', async () => {
    const k = await kw('kw2');
    const result = router.offer({ agent: 'A7002', ...offer() });
    await k.waitFor('preview', fresh(k));
    await k.close();
    const r = await result;
    assert.deepEqual([r.result, r.reason], ['error', 'client-disconnected']);
  });

  test('bad input gets an error message and the socket stays usable', async () => {
    const k = await kw('kw3');
    k.send('{not json');
    assert.equal((await k.waitFor('error')).code, 'bad-json');
    k.send({ type: 'launch-missiles' });
    await k.waitFor('error', (m) => m.code === 'unknown-message');
    k.send({ type: 'accept' });
    await k.waitFor('error', (m) => m.code === 'unknown-message' && m.message.includes('preview id'));
    k.send({ type: 'accept', id: 'p-none' });
    await k.waitFor('error', (m) => m.code === 'unknown-preview');
    k.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }));
    await k.waitFor('error', (m) => m.code === 'too-large');
    k.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await k.waitFor('error', (m) => m.message.includes('binary'));
    k.send({ type: 'ping' });
    const pong = await k.waitFor('pong');
    assert.equal(pong.now, clock.now());
    await k.close();
  });

  test('a flooding client is rate-limited: 50 messages a second are served, one rate-limited error, the rest dropped', async () => {
    const k = await kw('kw3');
    for (let i = 0; i < 80; i++) k.send({ type: 'ping' });
    await k.waitFor('error', (m) => m.code === 'rate-limited');
    await new Promise((r) => setTimeout(r, 50));
    // 80 pings in one second: 50 answered, 30 dropped, one error.
    assert.equal(k.got.filter((m) => m.type === 'pong').length, 50);
    assert.equal(k.got.filter((m) => m.type === 'error').length, 1);
    clock.advance(1000);
    k.send({ type: 'ping' });
    await k.waitFor('pong', () => k.got.filter((m) => m.type === 'pong').length === 51);
    await k.close();
  });

  test('a message over the hard limit closes the socket (1009) without harming others', async () => {
    const k = await kw('kw3');
    const other = await kw('kw2');
    k.send('x'.repeat(70 * 1024));
    assert.equal(await k.closed(), 1009);
    other.send({ type: 'ping' });
    await other.waitFor('pong');
    await other.close();
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('condition not reached');
}

