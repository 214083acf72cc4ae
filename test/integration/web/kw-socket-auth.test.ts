/**
 * The KW socket with the real web authentication: the session cookie identifies the KW (the
 * default `identify`), no cookie is refused, and a logout closes the sockets of that session only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { PreviewManager } from '../../../src/connector/preview-manager.ts';
import { kwSocketCloseCodes, kwSocketPath, kwSocketRoutes } from '../../../src/web/kw-socket.ts';
import { harness, kwView } from '../../unit/web/web-harness.ts';

class Connector extends TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }> {
  readonly views = new Map([['alice', kwView('alice')], ['bob', kwView('bob')]]);
  knowledgeWorkers = (): string[] => [...this.views.keys()];
  state = (u: string): { userName: string; agentId: string; dn: string } | undefined => this.views.get(u);
  knowledgeWorker = (u: string): KnowledgeWorkerView | undefined => this.views.get(u);
  openSession = (): boolean => true;
  closeSession = (): boolean => true;
  enterAutoState = (): boolean => true;
}

interface Client {
  ws: WebSocket;
  first: Promise<{ type: string; kw?: { userName: string } }>;
  closed: Promise<number>;
}

function connect(url: string, cookie?: string): Client {
  const ws = new WebSocket(url, cookie === undefined ? {} : { headers: { cookie } });
  const first = new Promise<{ type: string; kw?: { userName: string } }>((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as { type: string })));
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  ws.on('error', () => undefined);
  return { ws, first, closed };
}

test('the session cookie identifies the KW; no cookie is refused 4401; a logout, or idle expiry, closes that session\'s sockets with 4408', async () => {
  const connector = new Connector();
  const sessions = new KwClientSessions();
  const manager = new PreviewManager({ connector, sessions });
  // The route is built before the harness creates WebAuth: relay its sessionEnded events and its
  // session lookups (the closure reads `h` only once the sockets are up).
  const relay = Object.assign(new TypedEmitter<{ sessionEnded: (s: { id: string; userName: string }) => void }>(), {
    sessions: { get: (id: string): unknown => h.auth.sessions.get(id) },
  });
  const h = await harness({ extraRoutes: [kwSocketRoutes({ connector, sessions, previews: manager, auth: relay })] });
  h.auth.on('sessionEnded', (s) => relay.safeEmit('sessionEnded', s));
  const addr = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const url = addr.replace(/^http/, 'ws') + kwSocketPath;
  const clients: Client[] = [];
  try {
    const anon = connect(url);
    assert.equal(await anon.closed, kwSocketCloseCodes.unauthenticated);
    const forged = connect(`${url}?userName=alice`);
    assert.equal(await forged.closed, kwSocketCloseCodes.unauthenticated, 'the query parameter is not an identity by default');

    const alice = await h.login('alice');
    const bob = await h.login('bob');
    const a = connect(url, alice.cookie);
    const b = connect(url, bob.cookie);
    clients.push(a, b);
    assert.equal((await a.first).kw?.userName, 'alice');
    assert.equal((await b.first).kw?.userName, 'bob');
    assert.equal(sessions.count('alice'), 1);

    const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf } });
    assert.ok(out.statusCode < 300, `logout answered ${out.statusCode}`);
    assert.equal(await a.closed, kwSocketCloseCodes.sessionEnded);
    assert.equal(b.ws.readyState, WebSocket.OPEN, "bob's socket stays open");
    // Idle expiry: bob's next message after the idle timeout finds the web session gone.
    h.clock.advance(9 * 3600_000);
    b.ws.send(JSON.stringify({ type: 'ping' }));
    assert.equal(await b.closed, kwSocketCloseCodes.sessionEnded);
    for (let i = 0; i < 100 && sessions.count('alice') > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(sessions.count('alice'), 0);
  } finally {
    for (const c of clients) if (c.ws.readyState === WebSocket.OPEN) c.ws.close();
    await h.close();
    manager.dispose();
  }
});
