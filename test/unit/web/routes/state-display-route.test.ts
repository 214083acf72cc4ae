import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePresenceDefinition } from '../../../../src/connector/custom-states/presence-definition-parser.ts';
import { harness } from '../web-harness.ts';

const custom = (() => {
  const r = parsePresenceDefinition(`<presence xmlns="http://genesyslab.com/schemas/ucc/presence">
    <state id="lunch" icon="/icons/lunch.png"><display><menuText>Lunch</menuText><statusText>At lunch</statusText></display><display language="fr"><menuText>Déjeuner</menuText><statusText>Au déjeuner</statusText></display><genesysAgent ready="false" mode="away"><reason>lunch</reason></genesysAgent></state>
    <state id="status-only"><display><statusText>Ready and waiting</statusText></display><genesysAgent ready="true"/></state>
  </presence>`);
  if (!r.ok) throw new Error('fixture');
  return r.value.definition;
})();

const url = (u: string, lang?: string) => `/api/v1/knowledge-workers/${u}/state-display${lang ? `?language=${lang}` : ''}`;

describe('GET .../state-display', () => {
  test('the built-in definition: a Ready KW shows the "Set Do Not Disturb Off" state, localized', async () => {
    const h = await harness();
    try {
      const { cookie } = await h.login('alice');
      const en = (await h.app.inject({ url: url('alice'), headers: { cookie } })).json() as { state: Record<string, unknown>; menu: Array<{ menuText: string }> };
      assert.deepEqual(en.state, { kind: 'custom', id: 'dnd-off', statusText: 'Ready', icon: 'tag:ucc.genesyslab.com,2013:icons/status/ready', badge: 'tag:ucc.genesyslab.com,2013:icons/status/ready-badge' });
      assert.deepEqual(en.menu.map((m) => m.menuText), ['Set Do Not Disturb On', 'Set Do Not Disturb Off']);
      const fr = (await h.app.inject({ url: url('alice', 'fr'), headers: { cookie } })).json() as { state: { statusText: string } };
      assert.equal(fr.state.statusText, 'Prêt');
    } finally {
      await h.close();
    }
  });

  test('a custom definition: matched state with its icon; unmatched NotReady falls back to a predefined state with its tag icon', async () => {
    const h = await harness({ presenceDefinition: custom });
    try {
      const { cookie } = await h.login('alice');
      h.kws.set('alice', { ...h.kws.get('alice')!, agentState: 'NotReady', workMode: 'WalkAway', reasons: { ReasonCode: 'lunch' } });
      const a = (await h.app.inject({ url: url('alice', 'fr'), headers: { cookie } })).json() as { state: Record<string, unknown>; menu: Array<{ id: string; menuText: string }> };
      assert.deepEqual(a.state, { kind: 'custom', id: 'lunch', statusText: 'Au déjeuner', icon: '/icons/lunch.png', badge: '/icons/lunch-badge.png' });
      assert.deepEqual(a.menu, [{ id: 'lunch', menuText: 'Déjeuner', icon: '/icons/lunch.png' }]);
      h.kws.set('alice', { ...h.kws.get('alice')!, reasons: {}, connectorDnd: true });
      const b = (await h.app.inject({ url: url('alice'), headers: { cookie } })).json() as { state: Record<string, unknown> };
      assert.deepEqual(b.state, { kind: 'predefined', id: 'predefDND', statusText: null, icon: 'tag:ucc.genesyslab.com,2013:icons/status/dnd', badge: 'tag:ucc.genesyslab.com,2013:icons/status/dnd-badge' });
    } finally {
      await h.close();
    }
  });

  test('another KW is 403, an unsupported language is 400', async () => {
    const h = await harness();
    try {
      const { cookie } = await h.login('alice');
      assert.equal((await h.app.inject({ url: url('bob'), headers: { cookie } })).statusCode, 403);
      assert.equal((await h.app.inject({ url: url('alice', 'ja'), headers: { cookie } })).statusCode, 400);
    } finally {
      await h.close();
    }
  });
});
