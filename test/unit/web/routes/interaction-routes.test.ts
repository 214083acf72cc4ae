import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionTracker } from '../../../../src/connector/interactions/interaction-tracker.ts';
import { ConfigIndex } from '../../../../src/config/config-index.ts';
import { emptyObjects } from '../../../../src/config/config-objects.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { interactionRoutes } from '../../../../src/web/routes/interaction-routes.ts';
import { FakeTlib } from '../../connector/interactions/fake-tlib.ts';
import { harness, type Harness } from '../web-harness.ts';

describe('interaction routes', () => {
  let h: Harness;
  let alice: { cookie: string; csrf: string };
  const tlib = new FakeTlib();
  const tracker = new InteractionTracker({ tlib, clock: new ManualClock() });
  tracker.track('alice', '7001');
  tracker.track('bob', '7002');
  const view = new ConfigIndex({ ...emptyObjects(), dns: [{ switch: 'S', number: '5000', type: 'Routing Point', register: true, annex: { 'UC-Connector': { 'display-name': 'Sales', attribute1: 'format: Waiting: %s, statistic:5000@S, RoutePoint, T, CurrNumberWaitingCalls, Default' } } }] });
  before(async () => {
    h = await harness({ routesWithAuth: (auth) => [interactionRoutes({ auth, interactions: tracker, view, stats: { value: () => 2 }, noteKey: () => 'KW_ITX_NOTES', dialPlan: () => dialPlan })] });
    alice = await h.login('alice');
  });
  after(() => h.close());

  let dialPlan = '';
  const base = '/api/v1/knowledge-workers';
  const post = (url: string, payload?: unknown, csrf = true) =>
    h.app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}), headers: { cookie: alice.cookie, ...(csrf ? { 'x-csrf-token': alice.csrf } : {}) } });

  test('GET lists the own calls with the actions that apply', async () => {
    tlib.emit('EventRinging', '7001', 'c1', { OtherDN: '5000', UserData: [['custname', '<script>x</script>']] });
    const r = await h.app.inject({ url: `${base}/alice/interactions`, headers: { cookie: alice.cookie } });
    assert.equal(r.statusCode, 200);
    const list = r.json() as Array<Record<string, unknown>>;
    assert.equal(list.length, 1);
    assert.equal(list[0]?.['state'], 'ringing');
    assert.deepEqual(list[0]?.['actions'], ['answer', 'release']);
    assert.deepEqual(list[0]?.['userData'], [['custname', '<script>x</script>']]);
  });

  test('another KW\'s calls: 403 to read and to act, nothing sent', async () => {
    tlib.emit('EventRinging', '7002', 'b1');
    const n = tlib.requests.length;
    assert.equal((await h.app.inject({ url: `${base}/bob/interactions`, headers: { cookie: alice.cookie } })).statusCode, 403);
    assert.equal((await post(`${base}/bob/interactions/b1/answer`)).statusCode, 403);
    assert.equal(tlib.requests.length, n);
  });

  test('no session: 401', async () => {
    assert.equal((await h.app.inject({ url: `${base}/alice/interactions` })).statusCode, 401);
    assert.equal((await h.app.inject({ url: '/api/v1/contact-points' })).statusCode, 401);
  });

  test('actions without the CSRF token: 403, nothing sent', async () => {
    const n = tlib.requests.length;
    assert.equal((await post(`${base}/alice/interactions/c1/answer`, undefined, false)).statusCode, 403);
    assert.equal(tlib.requests.length, n);
  });

  test('answer sends RequestAnswerCall as the KW DN', async () => {
    const r = await post(`${base}/alice/interactions/c1/answer`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(tlib.requests.at(-1), { message: 'RequestAnswerCall', ThisDN: '7001', ConnID: 'c1' });
  });

  test('a T-Lib EventError is 409 with its ErrorCode', async () => {
    tlib.answer = () => 71;
    const r = await post(`${base}/alice/interactions/c1/release`);
    tlib.answer = (q) => ({ ...q, message: 'EventACK' }) as never;
    assert.equal(r.statusCode, 409);
    assert.equal((r.json() as { tlibErrorCode: number }).tlibErrorCode, 71);
  });

  test('an action the state does not allow is 409; an unknown call is 404', async () => {
    assert.equal((await post(`${base}/alice/interactions/c1/retrieve`)).statusCode, 409);
    assert.equal((await post(`${base}/alice/interactions/nope/hold`)).statusCode, 404);
  });

  test('transfer and notes; bad bodies are 400', async () => {
    tlib.emit('EventEstablished', '7001', 'c1');
    assert.equal((await post(`${base}/alice/interactions/c1/transfer`, { contactPoint: '5000' })).statusCode, 200);
    assert.deepEqual(tlib.requests.at(-1), { message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: 'c1', OtherDN: '5000' });
    assert.equal((await post(`${base}/alice/interactions/c1/transfer`, {})).statusCode, 400);
    const notes = await h.app.inject({ method: 'PUT', url: `${base}/alice/interactions/c1/notes`, payload: { notes: 'called' }, headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf } });
    assert.equal(notes.statusCode, 200);
    assert.deepEqual(tlib.requests.at(-1), { message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: 'c1', UserData: [['KW_ITX_NOTES', 'called']] });
    const tooLong = await h.app.inject({ method: 'PUT', url: `${base}/alice/interactions/c1/notes`, payload: { notes: 'x'.repeat(5000) }, headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf } });
    assert.equal(tooLong.statusCode, 400);
  });

  test('transfer and conference go only to a contact point or the dial plan; a refusal is a logged security event', async () => {
    tlib.emit('EventEstablished', '7001', 'c1');
    const before = tlib.requests.length;
    for (const action of ['transfer', 'conference']) {
      for (const target of ['sip:anyone@evil.example', '+15551234', '5000x', '900']) {
        const r = await post(`${base}/alice/interactions/c1/${action}`, { contactPoint: target });
        assert.equal(r.statusCode, 403, `${action} ${target}`);
        assert.equal((r.json() as { code: string }).code, 'target-not-allowed');
      }
    }
    assert.equal(tlib.requests.length, before, 'nothing was dialled');
    const refused = h.logs.filter((l) => l['event'] === 'target-not-allowed');
    assert.equal(refused.length, 8);
    assert.deepEqual([refused[0]!['level'], refused[0]!['userName'], refused[0]!['target']], ['warn', 'alice', 'sip:anyone@evil.example']);
    dialPlan = '\\+1[0-9]{7}, 9[0-9]{2}, (bad';
    assert.equal((await post(`${base}/alice/interactions/c1/transfer`, { contactPoint: '+15551234' })).statusCode, 200);
    assert.deepEqual(tlib.requests.at(-1), { message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: 'c1', OtherDN: '+15551234' });
    assert.equal((await post(`${base}/alice/interactions/c1/transfer`, { contactPoint: '+155512345' })).statusCode, 403, 'the whole target must match');
    assert.equal((await post(`${base}/alice/interactions/c1/transfer`, { contactPoint: 'sip:anyone@evil.example' })).statusCode, 403);
    dialPlan = '';
  });

  test('acting on another KW\'s calls is 403 and logged as a security event', async () => {
    const r = await post(`${base}/bob/interactions/c2/hold`);
    assert.equal(r.statusCode, 403);
    const line = h.logs.find((l) => l['event'] === 'cross-kw');
    assert.ok(line, JSON.stringify(h.logs));
    assert.deepEqual([line['level'], line['userName'], line['target']], ['warn', 'alice', 'bob']);
  });

  test('contact points with their statistics', async () => {
    const r = await h.app.inject({ url: '/api/v1/contact-points', headers: { cookie: alice.cookie } });
    assert.deepEqual(r.json(), [{ dn: '5000', displayName: 'Sales', tooltip: ['Waiting: 2'] }]);
  });

  test('the OpenAPI document covers the new routes', async () => {
    const paths = Object.keys((await h.app.inject({ url: '/api/docs' })).json().paths as Record<string, unknown>);
    for (const p of ['/api/v1/knowledge-workers/{userName}/interactions', '/api/v1/knowledge-workers/{userName}/interactions/{connId}/transfer', '/api/v1/contact-points']) assert.ok(paths.includes(p), p);
  });
});
