/**
 * The KW machine's selected custom state (seed 000 4.12, docs/custom-states.md "Selecting a state"),
 * one row per rule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KwHarness, presence, requests } from './support/kw-harness.ts';
import { selectedAgentTargetOf } from '../../../src/connector/custom-states/selected-agent-target.ts';
import type { SelectedAgentTarget } from '../../../src/connector/kw-state.ts';
import type { KwEffect } from '../../../src/connector/kw-state.ts';

const lunch: SelectedAgentTarget = { state: 'NotReady', reasons: [['ReasonCode', 'Lunch']], workMode: 'AuxWork' };

function agentRequests(fx: readonly KwEffect[]): Array<Record<string, unknown>> {
  return fx.flatMap((e) => (e.type === 'tlibRequest' ? [e.request as unknown as Record<string, unknown>] : []));
}

const rows: Array<{ rule: string; run: () => void }> = [
  {
    rule: 'selecting a state sends its request once, with the work mode and reason, and the T-Server reply settles it',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      const fx = h.input({ type: 'selectState', target: lunch });
      const reqs = agentRequests(fx);
      assert.equal(reqs.length, 1, 'one request, no loop even though the scripted T-Server answers AgentWorkMode Unknown');
      assert.equal(reqs[0]?.message, 'RequestAgentNotReady');
      assert.equal(reqs[0]?.AgentWorkMode, 'AuxWork');
      assert.deepEqual(reqs[0]?.Reasons, [['ReasonCode', 'Lunch']]);
      assert.deepEqual(h.state.confirmed, { state: 'NotReady', workMode: 'AuxWork', reasons: [['ReasonCode', 'Lunch']] });
    },
  },
  {
    rule: 'a reason in extensions is sent as Extensions, not Reasons',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      const fx = h.input({ type: 'selectState', target: { state: 'NotReady', reasons: [], extensions: [['Code', '7']] } });
      const [r] = agentRequests(fx);
      assert.deepEqual(r?.Extensions, [['Code', '7']]);
      assert.deepEqual(r?.Reasons, []);
    },
  },
  {
    rule: 'the same presence again (unchanged or echoed) does not undo the selected state',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'selectState', target: lunch });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500, { publishedAt: h.now + 1 }) })), []);
      assert.ok(h.state.selected);
    },
  },
  {
    rule: 'a presence change overrides the selected state (seed 000 L1518-1520) and the mapping resumes',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'selectState', target: lunch });
      const fx = h.input({ type: 'presence', presence: presence(6500) });
      assert.deepEqual(requests(fx), ['RequestAgentNotReady(busy)']);
      assert.equal(h.state.selected, null);
    },
  },
  {
    rule: 'selecting a state ends an auto-state (preview-reject: its dnd-off-timeout timer is cancelled)',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      assert.ok(h.timers.has('auto-state'));
      const fx = h.input({ type: 'selectState', target: { state: 'Ready', reasons: [] } });
      assert.ok(fx.some((e) => e.type === 'cancelTimer' && e.name === 'auto-state'));
      assert.equal(h.state.autoState, null);
      assert.deepEqual(requests(fx), ['RequestAgentReady']);
    },
  },
  {
    rule: 'a later auto-state replaces the selected state',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'selectState', target: lunch });
      assert.deepEqual(requests(h.input({ type: 'autoState', kind: 'preview-timeout' })), ['RequestAgentNotReady(notready)']);
      assert.equal(h.state.selected, null);
    },
  },
  {
    rule: 'connector DND wins over a selected state; DND off ends it and the presence mapping resumes',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'connectorDnd', on: true });
      assert.deepEqual(requests(h.input({ type: 'selectState', target: lunch })), []);
      const fx = h.input({ type: 'connectorDnd', on: false });
      assert.equal(h.state.selected, null);
      assert.deepEqual(requests(fx), ['RequestAgentReady(ready)']);
    },
  },
  {
    rule: "someone else's agent-state change ends the selected state: the T-Server is followed until the presence changes",
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'selectState', target: lunch });
      assert.deepEqual(requests(h.external({ message: 'EventAgentReady', AgentWorkMode: 'ManualIn' })), []);
      assert.equal(h.state.selected, null);
      assert.equal(h.state.followTServer, true);
    },
  },
  {
    rule: 'a KW that is not monitored cannot select a state',
    run: () => {
      const h = new KwHarness();
      assert.deepEqual(requests(h.input({ type: 'selectState', target: lunch })), []);
      assert.equal(h.state.selected, null);
    },
  },
  {
    rule: 'a logged-out agent is logged in first, then put in the selected state',
    run: () => {
      const h = KwHarness.loggedIn(presence('offline'));
      assert.equal(h.state.confirmed.state, 'LoggedOut', 'an offline presence logs the agent out');
      const fx = h.input({ type: 'selectState', target: lunch });
      assert.deepEqual(requests(fx), ['RequestAgentLogin', 'RequestAgentNotReady']);
      assert.equal(h.state.confirmed.workMode, 'AuxWork');
    },
  },
];

describe('selected custom state', () => {
  for (const r of rows) test(r.rule, r.run);
});

describe('selectedAgentTargetOf', () => {
  test('NotReady with a work mode and a reason in reasons', () => {
    assert.deepEqual(selectedAgentTargetOf({ ready: false, workMode: 'AfterCallWork', reasons: { ReasonCode: 'Wrap' }, extensions: {} }), { state: 'NotReady', reasons: [['ReasonCode', 'Wrap']], workMode: 'AfterCallWork' });
  });
  test('a work mode our T-Library lacks (ReturnBack) is left out', () => {
    assert.deepEqual(selectedAgentTargetOf({ ready: false, workMode: 'ReturnBack', reasons: {}, extensions: {} }), { state: 'NotReady', reasons: [] });
  });
  test('Ready ignores any work mode; a reason in extensions', () => {
    assert.deepEqual(selectedAgentTargetOf({ ready: true, workMode: 'AuxWork', reasons: {}, extensions: { Code: '1' } }), { state: 'Ready', reasons: [], extensions: [['Code', '1']] });
  });
});
