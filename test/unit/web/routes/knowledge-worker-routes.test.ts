import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from '../web-harness.ts';

describe('knowledge-worker routes', () => {
  let h: Harness;
  let alice: { cookie: string; csrf: string };
  before(async () => {
    h = await harness();
    alice = await h.login('alice');
  });
  after(() => h.close());

  const get = (url: string, s = alice) => h.app.inject({ url, headers: { cookie: s.cookie } });
  const put = (url: string, payload: unknown, s = alice, csrf = true) =>
    h.app.inject({ method: 'PUT', url, payload: payload as Record<string, unknown>, headers: { cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) } });

  test('every route needs a session (401)', async () => {
    for (const url of ['/api/v1/knowledge-workers', '/api/v1/knowledge-workers/alice', '/api/v1/knowledge-workers/alice/presence', '/api/v1/knowledge-workers/alice/redirect-number']) {
      assert.equal((await h.app.inject({ url })).statusCode, 401, url);
    }
    assert.equal((await h.app.inject({ method: 'PUT', url: '/api/v1/knowledge-workers/alice/connector-dnd', payload: { on: true } })).statusCode, 401);
  });

  test('the list holds only the caller', async () => {
    const r = await get('/api/v1/knowledge-workers');
    assert.equal(r.statusCode, 200);
    assert.deepEqual((r.json() as Array<{ userName: string }>).map((v) => v.userName), ['alice']);
  });

  test('a KW reads its own connector view', async () => {
    const r = await get('/api/v1/knowledge-workers/alice');
    assert.equal(r.statusCode, 200);
    const v = r.json() as Record<string, unknown>;
    assert.equal(v['agentState'], 'Ready');
    assert.equal(v['connectorDnd'], false);
  });

  test('a KW gets 403 on every route of another KW', async () => {
    for (const url of ['/api/v1/knowledge-workers/bob', '/api/v1/knowledge-workers/bob/presence', '/api/v1/knowledge-workers/bob/redirect-number']) {
      assert.equal((await get(url)).statusCode, 403, url);
    }
    assert.equal((await put('/api/v1/knowledge-workers/bob/connector-dnd', { on: true })).statusCode, 403);
    assert.equal((await put('/api/v1/knowledge-workers/bob/presence', { availability: 'away' })).statusCode, 403);
    assert.equal((await put('/api/v1/knowledge-workers/bob/redirect-number', { number: '123', enabled: true })).statusCode, 403);
    assert.equal(h.kws.get('bob')?.connectorDnd, false, 'bob untouched');
  });

  test('user names differing only in case are another KW (403)', async () => {
    assert.equal((await get('/api/v1/knowledge-workers/Alice')).statusCode, 403);
  });

  test('state-changing requests without the CSRF token are 403 and change nothing', async () => {
    const r = await put('/api/v1/knowledge-workers/alice/connector-dnd', { on: true }, alice, false);
    assert.equal(r.statusCode, 403);
    assert.equal(h.kws.get('alice')?.connectorDnd, false);
  });

  test('connector DND on and off', async () => {
    const on = await put('/api/v1/knowledge-workers/alice/connector-dnd', { on: true });
    assert.equal(on.statusCode, 200);
    assert.deepEqual(on.json(), { connectorDnd: true });
    assert.equal(h.kws.get('alice')?.connectorDnd, true);
    const off = await put('/api/v1/knowledge-workers/alice/connector-dnd', { on: false });
    assert.deepEqual(off.json(), { connectorDnd: false });
  });

  test('connector DND body must be {on: boolean}', async () => {
    assert.equal((await put('/api/v1/knowledge-workers/alice/connector-dnd', { on: 'yes' })).statusCode, 400);
    assert.equal((await put('/api/v1/knowledge-workers/alice/connector-dnd', {})).statusCode, 400);
  });

  test('standalone presence: set availability and note, read own/pushed/effective', async () => {
    const r = await put('/api/v1/knowledge-workers/alice/presence', { availability: 'busy', note: 'in a meeting' });
    assert.equal(r.statusCode, 200);
    const v = r.json() as { own: Record<string, unknown>; effective: Record<string, unknown>; pushed: unknown };
    assert.equal(v.own['availability'], 'busy');
    assert.equal(v.own['note'], 'in a meeting');
    assert.equal(v.own['source'], 'standalone');
    assert.equal(v.pushed, null);
    assert.deepEqual((await get('/api/v1/knowledge-workers/alice/presence')).json(), v);
    assert.equal(h.standalone.presenceOf('alice').own?.availability, 'busy');
  });

  test('presence: an unknown availability or an oversized note is 400', async () => {
    assert.equal((await put('/api/v1/knowledge-workers/alice/presence', { availability: 'sleeping' })).statusCode, 400);
    assert.equal((await put('/api/v1/knowledge-workers/alice/presence', { availability: 'away', note: 'x'.repeat(1025) })).statusCode, 400);
  });

  test('redirect number: empty at first, set and read back; enabled without a number is 400; junk is 400', async () => {
    assert.deepEqual((await get('/api/v1/knowledge-workers/alice/redirect-number')).json(), { number: '', enabled: false });
    const r = await put('/api/v1/knowledge-workers/alice/redirect-number', { number: '+1 (555) 010-0199', enabled: true });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { number: '+1 (555) 010-0199', enabled: true });
    assert.equal((await put('/api/v1/knowledge-workers/alice/redirect-number', { number: ' ', enabled: true })).statusCode, 400);
    assert.equal((await put('/api/v1/knowledge-workers/alice/redirect-number', { number: 'sip:evil', enabled: false })).statusCode, 400);
  });

  test('POST .../ready ends an auto-state (back to Ready); 409 without one; own KW and CSRF only', async () => {
    const s = await h.login('alice');
    const post = (url: string, headers: Record<string, string>) => h.app.inject({ method: 'POST', url, headers });
    h.kws.set('alice', { ...h.kws.get('alice')!, agentState: 'NotReady', autoState: 'preview-timeout' });
    assert.equal((await post('/api/v1/knowledge-workers/alice/ready', { cookie: s.cookie })).statusCode, 403, 'CSRF token needed');
    assert.equal((await post('/api/v1/knowledge-workers/bob/ready', { cookie: s.cookie, 'x-csrf-token': s.csrf })).statusCode, 403, 'another KW');
    const r = await post('/api/v1/knowledge-workers/alice/ready', { cookie: s.cookie, 'x-csrf-token': s.csrf });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { ended: 'preview-timeout' });
    assert.deepEqual([h.kws.get('alice')!.autoState, h.kws.get('alice')!.agentState], [null, 'Ready']);
    const again = await post('/api/v1/knowledge-workers/alice/ready', { cookie: s.cookie, 'x-csrf-token': s.csrf });
    assert.equal(again.statusCode, 409);
  });

  test('the OpenAPI document lists the routes with their TypeBox schemas', async () => {
    const r = await h.app.inject({ url: '/api/docs' });
    assert.equal(r.statusCode, 200);
    const d = r.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; security?: unknown; parameters?: unknown[] }>> };
    assert.equal(d.openapi, '3.0.3');
    for (const p of ['/api/v1/session', '/api/v1/knowledge-workers/{userName}', '/api/v1/knowledge-workers/{userName}/connector-dnd', '/api/v1/knowledge-workers/{userName}/redirect-number', '/api/v1/health']) {
      assert.ok(d.paths[p], p);
    }
    const dnd = d.paths['/api/v1/knowledge-workers/{userName}/connector-dnd']!['put']!;
    assert.deepEqual(Object.keys(dnd.requestBody!.content['application/json']!.schema.properties), ['on']);
    assert.ok(dnd.security);
    assert.equal(dnd.parameters?.length, 1);
    assert.ok(d.paths['/api/v1/session']!['post']!.requestBody);
  });
});

describe('redirect setup disabled', () => {
  test('redirect-number routes are 404 when redirect-setup-enabled is false', async () => {
    const h = await harness({ redirectSetup: false });
    try {
      const s = await h.login('alice');
      assert.equal((await h.app.inject({ url: '/api/v1/knowledge-workers/alice/redirect-number', headers: { cookie: s.cookie } })).statusCode, 404);
      const r = await h.app.inject({ method: 'PUT', url: '/api/v1/knowledge-workers/alice/redirect-number', payload: { number: '1', enabled: true }, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
      assert.equal(r.statusCode, 404);
      assert.equal(h.redirects.size, 0);
    } finally {
      await h.close();
    }
  });
});
