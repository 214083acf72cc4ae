/**
 * The KW web edge over real HTTP: createKwWeb on a SQLite store, a server on port 0, the built
 * client served from a temporary folder, and fetch as the browser (cookies carried by hand). This is
 * the foundation the browser smoke test builds on: the same server, driven by Chromium instead.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildClient } from '../../../client/build.mjs';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { hashPassword } from '../../../src/config/password-hash.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import { SystemClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { openStore, type SqlConfigStore } from '../../../src/store/index.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { createKwWeb } from '../../../src/web/kw-web.ts';

const PASSWORD = 's3cret-pass';

describe('KW web edge over HTTP (SQLite store, built client)', () => {
  let dir: string;
  let store: SqlConfigStore;
  let app: FastifyInstance;
  let base: string;
  const dnd = new Map<string, boolean>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-kw-web-'));
    await buildClient(join(dir, 'dist'));
    store = await openStore({ type: 'sqlite', path: ':memory:' }, { logger: silentLogger });
    const objects = emptyObjects();
    const hash = hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
    objects.persons.push({ userName: 'kw1', firstName: 'Kim', lastName: 'Weber', passwordHash: hash, agentLogins: [], annex: {} });
    objects.persons.push({ userName: 'kw2', passwordHash: hash, agentLogins: [], annex: { 'uc-connector': { 'redirect-setup-enabled': true } } });
    objects.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'enable-logout-menu': true, 'help-login-url': '/help/login.html', locale: 'de', 'presence-location': 'presence.xml' } } });
    await store.loadConfig(objects);
    const resolver = new OptionResolver({ view: store, application: 'UCC' });
    const view = (userName: string): KnowledgeWorkerView => ({
      userName, dn: userName === 'kw1' ? '7001' : '7002', agentId: userName, agentState: 'NotReady', workMode: null, reasons: {}, presence: null,
      connectorDnd: dnd.get(userName) ?? false, autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none',
      onCall: false, published: null, staleDropped: 0,
    });
    const connector = {
      knowledgeWorker: (u: string) => (u === 'kw1' || u === 'kw2' ? view(u) : undefined),
      setConnectorDnd: (u: string, on: boolean) => (u === 'kw1' || u === 'kw2' ? (dnd.set(u, on), true) : false),
    };
    const web = createKwWeb({
      clock: new SystemClock(), logger: silentLogger, store, resolver, application: 'UCC', connector,
      standalone: new StandalonePlatform(), clientRoot: join(dir, 'dist'), version: '0.0.0-test',
      presenceDefinitionBaseDir: fileURLToPath(new URL('../../../config/', import.meta.url)),
    });
    assert.equal(await web.reloadPresenceDefinition(), 'loaded');
    app = createHttpServer({ logger: silentLogger, version: '0.0.0-test', routes: [...web.apiRoutes, ...web.staticRoutes] });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function login(userName: string) {
    const r = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, password: PASSWORD }) });
    assert.equal(r.status, 200);
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = (await r.json()) as { csrfToken: string; windowTitle: string; options: Record<string, unknown> };
    return { cookie, body };
  }

  test('the client page and bundle are served with their content types', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const js = await fetch(`${base}/main.js`);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.ok((await js.text()).length > 1000);
  });

  test('the Login screen options come from the Application before login', async () => {
    const r = await fetch(`${base}/api/v1/client-config`);
    assert.deepEqual(await r.json(), { 'help-login-url': '/help/login.html', locale: 'de' });
  });

  test('login with the Person password from the store; title, options; DND with the CSRF token; logout', async () => {
    const { cookie, body } = await login('kw1');
    assert.equal(body.windowTitle, 'Kim Weber - OpenUCC');
    assert.equal(body.options['enable-logout-menu'], true);
    const noCsrf = await fetch(`${base}/api/v1/knowledge-workers/kw1/connector-dnd`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: '{"on":true}' });
    assert.equal(noCsrf.status, 403);
    const on = await fetch(`${base}/api/v1/knowledge-workers/kw1/connector-dnd`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': body.csrfToken }, body: '{"on":true}' });
    assert.deepEqual(await on.json(), { connectorDnd: true });
    const kw = (await (await fetch(`${base}/api/v1/knowledge-workers/kw1`, { headers: { cookie } })).json()) as { connectorDnd: boolean };
    assert.equal(kw.connectorDnd, true);
    const out = await fetch(`${base}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    assert.equal(out.status, 204);
    assert.equal((await fetch(`${base}/api/v1/knowledge-workers/kw1`, { headers: { cookie } })).status, 401);
  });

  test('redirect number: refused where redirect-setup-enabled is off; written to the Person annex where the annex enables it', async () => {
    const kw1 = await login('kw1');
    assert.equal((await fetch(`${base}/api/v1/knowledge-workers/kw1/redirect-number`, { headers: { cookie: kw1.cookie } })).status, 404);
    const kw2 = await login('kw2');
    assert.equal(kw2.body.options['redirect-setup-enabled'], true);
    const r = await fetch(`${base}/api/v1/knowledge-workers/kw2/redirect-number`, {
      method: 'PUT', headers: { cookie: kw2.cookie, 'content-type': 'application/json', 'x-csrf-token': kw2.body.csrfToken }, body: JSON.stringify({ number: '+15550100', enabled: true }),
    });
    assert.deepEqual(await r.json(), { number: '+15550100', enabled: true });
    const annex = store.get('persons', 'kw2')?.annex['uc-connector'];
    assert.equal(annex?.['redirect-number'], '+15550100');
    assert.equal(annex?.['redirect-enabled'], true);
  });

  test('the state display uses config/presence.xml (presence-location, relative to the config folder)', async () => {
    const { cookie } = await login('kw1');
    const d = (await (await fetch(`${base}/api/v1/knowledge-workers/kw1/state-display?language=fr`, { headers: { cookie } })).json()) as { state: { id: string; statusText: string }; menu: Array<{ id: string }> };
    assert.deepEqual(d.state, { kind: 'custom', id: 'not-ready', statusText: 'Pas prêt', icon: 'tag:ucc.genesyslab.com,2013:icons/status/notready', badge: 'tag:ucc.genesyslab.com,2013:icons/status/notready-badge' });
    assert.deepEqual(d.menu.map((m) => m.id), ['ready', 'lunch', 'away', 'not-ready']);
  });

  test('a KW cannot read another KW (403)', async () => {
    const { cookie } = await login('kw2');
    assert.equal((await fetch(`${base}/api/v1/knowledge-workers/kw1`, { headers: { cookie } })).status, 403);
  });

  test('/api/docs documents the session and KW routes', async () => {
    const d = (await (await fetch(`${base}/api/docs`)).json()) as { paths: Record<string, unknown> };
    assert.ok(d.paths['/api/v1/session']);
    assert.ok(d.paths['/api/v1/knowledge-workers/{userName}/presence']);
  });
});
