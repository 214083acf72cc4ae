// The whole system built in one process from config/demo.yaml (no sockets: the T-Server listens
// on an ephemeral loopback port only because App.listen() is the one way to start the roles).
// Standalone presence set for a KW moves the emulated agent, as ARCHITECTURE data flow 1 says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCert } from '../../support/self-signed-cert.ts';
import { buildApp } from '../../../src/app/build-app.ts';
import { loadConfigFile, parseConfigText } from '../../../src/config/config-loader.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import { OfferLedger } from '../../../src/reporting/offer-ledger.ts';

const demo = fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('buildApp wires store, T-Server, standalone presence and the connector: presence moves the agent', async () => {
  const loaded = loadConfigFile(demo, { hashPasswords: false });
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.value.settings.store, { type: 'sqlite', path: 'data/openucc.sqlite' }, 'the demo keeps its data in an SQLite file');
  loaded.value.settings.store = { type: 'sqlite', path: ':memory:' };
  loaded.value.settings.listen = { host: '127.0.0.1', tlib: 0, http: 0 };
  const app = await buildApp(loaded.value);
  try {
    await app.listen();
    assert.ok(app.uc instanceof StandalonePlatform);
    assert.deepEqual(app.connector.knowledgeWorkers().sort(), ['alice', 'bob', 'carol']);
    app.uc.setPresence('alice', 'online');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'Ready', 'alice Ready');
    app.uc.setPresence('alice', 'busy', 'in a meeting');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'NotReady', 'alice NotReady');
    const view = app.connector.knowledgeWorker('alice');
    assert.equal(view?.presence?.note, 'in a meeting');
    app.uc.setPresence('alice', 'offline');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'LoggedOut', 'alice LoggedOut');
  } finally {
    await app.close();
  }
});

test('the wired routing chain: a customer call to a routing point is previewed to the KW, accepted, routed and ledgered', async () => {
  const yaml = `
switches: [{ name: SW }]
dns:
  - { number: "7001", type: Extension, switch: SW }
  - { number: "5000", type: Routing Point, switch: SW, annex: { router: { target-type: agent-group, target: Sales, selection: round-robin } } }
  - { number: "9000", type: Trunk, switch: SW }
places: [{ name: P1, dns: ["7001"] }]
agentLogins: [{ loginCode: A7001, switch: SW }]
persons:
  - { userName: alice, agentLogins: [A7001], defaultPlace: P1, annex: { uc: { contact: "sip:alice@example.test" } } }
agentGroups: [{ name: Sales, members: [alice] }]
applications:
  - { name: TS, type: tserver, switch: SW, options: { TServer: { router-timeout: 0 } } }
  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true } } }
listen: { tlib: 0, http: 0 }
`;
  const loaded = parseConfigText(yaml, 'chain.yaml', { hashPasswords: false });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  const app = await buildApp(loaded.value);
  try {
    await app.listen();
    assert.ok(app.uc instanceof StandalonePlatform);
    app.uc.setPresence('alice', 'online');
    const session = app.routing.sessions;
    const delivered: string[] = [];
    const remove = session.add({
      id: 'test-session', userName: 'alice',
      send: (m) => {
        if (m.type === 'preview') delivered.push(m.id);
        return true;
      },
    });
    await until(() => app.routing.stats.agent('alice')?.state === 'Ready', 'alice Ready in stats');

    const events: Array<Record<string, unknown>> = [];
    const observer = app.tserver.attach((e) => events.push(e as Record<string, unknown>));
    observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: 1 } as never);
    observer.request({ message: 'RequestRegisterAddress', ThisDN: '9000', ReferenceID: 2 } as never);
    observer.request({ message: 'RequestMakeCall', ThisDN: '9000', OtherDN: '5000', UserData: [['Customer', 'Ada <Lovelace>']], ReferenceID: 3 } as never);
    await until(() => delivered.length === 1, 'the preview delivered to alice');
    const accepted = app.routing.previews.accept('alice', delivered[0]!);
    assert.ok(accepted.ok);
    await until(() => events.some((e) => e.message === 'EventRinging' && e.ThisDN === '7001'), 'the call ringing at alice');
    const ledger = new OfferLedger(app.store.db);
    let rows: Awaited<ReturnType<OfferLedger['offers']>> = [];
    await until(() => {
      void ledger.offers({ agentId: 'A7001' }).then((r) => (rows = r));
      return rows.length === 1 && rows[0]?.outcome === 'accepted';
    }, 'the ledger row of the accepted offer');
    assert.equal(rows[0]?.userId, 'alice');
    assert.equal(rows[0]?.routingPoint, '5000');
    observer.close();
    remove();
  } finally {
    await app.close();
  }
});

test('listen.tls serves the web edge over HTTPS, and the session cookie is Secure there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-https-'));
  try {
    const { certFile, keyFile } = makeSelfSignedCert(dir);
    const loaded = loadConfigFile(demo, { hashPasswords: true });
    assert.ok(loaded.ok);
    loaded.value.settings.store = { type: 'sqlite', path: ':memory:' };
    loaded.value.settings.listen = { host: '127.0.0.1', tlib: 0, http: 0, tls: { certFile, keyFile } };
    const app = await buildApp(loaded.value);
    try {
      const { http } = await app.listen();
      assert.match(http, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(certFile);
      const call = (path: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> =>
        new Promise((resolveReply, reject) => {
          const req = httpsRequest(`${http}${path}`, { ca, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      const health = await call('/api/v1/health');
      assert.equal(health.status, 200);
      assert.equal((JSON.parse(health.text) as { status: string }).status, 'ok');
      const login = await call('/api/v1/session', JSON.stringify({ userName: 'alice', password: 'alice' }));
      assert.equal(login.status, 200);
      assert.match(String(login.headers['set-cookie']), /; Secure/i);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
