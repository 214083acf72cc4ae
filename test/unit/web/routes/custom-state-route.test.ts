/** PUT /api/v1/knowledge-workers/{userName}/custom-state: selecting a state of the custom-state menu. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePresenceDefinition } from '../../../../src/connector/custom-states/presence-definition-parser.ts';
import { harness, type Harness } from '../web-harness.ts';

const definition = (() => {
  const r = parsePresenceDefinition(`<presence xmlns="http://genesyslab.com/schemas/ucc/presence">
    <state id="lunch" icon="/icons/lunch.png"><display><menuText>Lunch</menuText><statusText>At lunch</statusText></display><genesysAgent ready="false" mode="away"><reason>lunch</reason></genesysAgent></state>
    <state id="coaching"><display language="fr"><menuText>Coaching</menuText></display><genesysAgent ready="false" mode="auxwork"><reason in="extensions" keyname="Code">c1</reason></genesysAgent></state>
    <state id="status-only"><display><statusText>Ready and waiting</statusText></display><genesysAgent ready="true"/></state>
  </presence>`);
  if (!r.ok) throw new Error('fixture');
  return r.value.definition;
})();

const url = (u: string) => `/api/v1/knowledge-workers/${u}/custom-state`;

describe('PUT .../custom-state', () => {
  let h: Harness;
  let alice: { cookie: string; csrf: string };
  before(async () => {
    h = await harness({ presenceDefinition: definition });
    alice = await h.login('alice');
  });
  after(() => h.close());
  const put = (u: string, payload: unknown, csrf = true) =>
    h.app.inject({ method: 'PUT', url: url(u), payload: payload as Record<string, unknown>, headers: { cookie: alice.cookie, ...(csrf ? { 'x-csrf-token': alice.csrf } : {}) } });

  test("a menu state: the connector gets the state's request (agentRequestOf) and the reply says what was requested", async () => {
    const before = h.selectedStates.length;
    const r = await put('alice', { id: 'lunch' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { id: 'lunch', ready: false, workMode: 'WalkAway', reasons: { ReasonCode: 'lunch' }, extensions: {} });
    assert.deepEqual(h.selectedStates.slice(before), [{ userName: 'alice', request: { ready: false, workMode: 'WalkAway', reasons: { ReasonCode: 'lunch' }, extensions: {} } }]);
  });

  test('a state in the menu of another language only is accepted; its reason goes in extensions', async () => {
    const r = await put('alice', { id: 'coaching' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { id: 'coaching', ready: false, workMode: 'AuxWork', reasons: {}, extensions: { Code: 'c1' } });
  });

  test('an unknown id, or a state with no menuText (entered only automatically), is 400 and nothing is requested', async () => {
    const before = h.selectedStates.length;
    for (const id of ['nope', 'status-only', 'predefReady']) {
      const r = await put('alice', { id });
      assert.equal(r.statusCode, 400, id);
    }
    assert.equal(h.selectedStates.length, before);
  });

  test('schema: a missing, empty, whitespace or too long id is 400', async () => {
    for (const body of [{}, { id: '' }, { id: 'a b' }, { id: 'x'.repeat(257) }, { id: 7 }]) assert.equal((await put('alice', body)).statusCode, 400, JSON.stringify(body));
  });

  test('own KW only (403), CSRF token needed (403), a session needed (401)', async () => {
    const before = h.selectedStates.length;
    assert.equal((await put('bob', { id: 'lunch' })).statusCode, 403);
    assert.equal((await put('alice', { id: 'lunch' }, false)).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'PUT', url: url('alice'), payload: { id: 'lunch' } })).statusCode, 401);
    assert.equal(h.selectedStates.length, before);
  });

  test('the state-display indicator then shows the selected state', async () => {
    assert.equal((await put('alice', { id: 'lunch' })).statusCode, 200);
    const d = (await h.app.inject({ url: '/api/v1/knowledge-workers/alice/state-display', headers: { cookie: alice.cookie } })).json() as { state: { id: string; statusText: string } };
    assert.equal(d.state.id, 'lunch');
    assert.equal(d.state.statusText, 'At lunch');
  });
});

test('the built-in definition: its two DND states are selectable', async () => {
  const h = await harness();
  try {
    const a = await h.login('alice');
    const r = await h.app.inject({ method: 'PUT', url: url('alice'), payload: { id: 'dnd-on' }, headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } });
    assert.equal(r.statusCode, 200);
    assert.equal((r.json() as { ready: boolean }).ready, false);
  } finally {
    await h.close();
  }
});
