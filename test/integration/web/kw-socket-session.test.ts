/**
 * The KW socket identified by the web session: login over HTTP, then a real `ws` client opens
 * /api/v1/kw-socket with the session cookie. Without a session the handshake is closed with 4401;
 * logging out closes the sockets opened under that session with 4408.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { hashPassword } from '../../../src/config/password-hash.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';
import { WebAuth } from '../../../src/web/auth/web-auth.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { kwSocketCloseCodes, kwSocketPath, kwSocketRoutes } from '../../../src/web/kw-socket.ts';
import { sessionRoutes } from '../../../src/web/routes/session-routes.ts';

const PASSWORD = 'pw-for-socket';

class FakeConnector extends TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }> {
  readonly open = new Map<string, number>();
  knowledgeWorker(u: string): KnowledgeWorkerView | undefined {
    if (u !== 'kw1') return undefined;
    return {
      userName: u, dn: '7001', agentId: 'A7001', agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false, autoState: null,
      registration: 'Registered', monitoring: true, sessions: this.open.get(u) ?? 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
    };
  }
  openSession(u: string): boolean {
    this.open.set(u, (this.open.get(u) ?? 0) + 1);
    return true;
  }
  closeSession(u: string): boolean {
    this.open.set(u, (this.open.get(u) ?? 0) - 1);
    return true;
  }
}

/** Opens a socket; resolves with the first message, or with the close code if it closes first. */
function connect(base: string, cookie?: string): Promise<{ ws: WebSocket; first?: { type: string }; closed?: number }> {
  const ws = new WebSocket(base.replace(/^http/, 'ws') + kwSocketPath, cookie ? { headers: { cookie } } : {});
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve({ ws, first: JSON.parse(data.toString('utf8')) as { type: string } }));
    ws.once('close', (code: number) => resolve({ ws, closed: code }));
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket): Promise<number> =>
  new Promise((resolve) => (ws.readyState === ws.CLOSED ? resolve(-1) : ws.once('close', (code: number) => resolve(code))));

describe('KW socket with web-session identity', () => {
  let app: FastifyInstance;
  let base: string;
  const connector = new FakeConnector();

  before(async () => {
    const auth = new WebAuth({ clock: new ManualClock(), persons: { person: (u) => (u === 'kw1' || u === 'other' ? { userName: u, passwordHash: hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }) } : undefined) } });
    const options = { publicOptions: () => ({ 'help-login-url': '', locale: 'en' }), forPerson: () => ({}) as never };
    const previews = { accept: () => ({ ok: true }) as const, reject: () => ({ ok: true }) as const, acceptExternal: () => ({ ok: true }) as const };
    app = createHttpServer({
      logger: silentLogger,
      version: 't',
      routes: [sessionRoutes({ auth, options }), kwSocketRoutes({ connector, sessions: new KwClientSessions(), previews, auth })],
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  async function login(userName: string): Promise<{ cookie: string; csrf: string }> {
    const r = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, password: PASSWORD }) });
    assert.equal(r.status, 200);
    // forPerson is not used by the socket; the login reply still carries the token.
    const body = (await r.json()) as { csrfToken: string };
    return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrfToken };
  }

  test('without a session cookie the handshake is closed with 4401', async () => {
    const r = await connect(base);
    assert.equal(r.closed, kwSocketCloseCodes.unauthenticated);
  });

  test('a forged cookie is closed with 4401', async () => {
    const r = await connect(base, 'ucc_session=forged-session-id');
    assert.equal(r.closed, kwSocketCloseCodes.unauthenticated);
  });

  test('a logged-in Person who is not a KW is closed with 4404', async () => {
    const { cookie } = await login('other');
    const r = await connect(base, cookie);
    assert.equal(r.closed, kwSocketCloseCodes.unknownKw);
  });

  test('the session cookie identifies the KW: the socket opens with its state; logout closes it with 4408', async () => {
    const { cookie, csrf } = await login('kw1');
    const r = await connect(base, cookie);
    assert.equal(r.first?.type, 'state');
    assert.equal(connector.open.get('kw1'), 1);
    const whenClosed = closed(r.ws);
    const out = await fetch(`${base}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.status, 204);
    assert.equal(await whenClosed, kwSocketCloseCodes.sessionEnded);
  });
});
