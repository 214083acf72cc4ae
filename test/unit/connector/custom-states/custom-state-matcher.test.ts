import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentRequestOf, autoStateFor, combineChannels, matchAgentState, stateMenu, stateText, type AgentStateObservation } from '../../../../src/connector/custom-states/custom-state-matcher.ts';
import { parsePresenceDefinition } from '../../../../src/connector/custom-states/presence-definition-parser.ts';
import type { PresenceDefinition } from '../../../../src/connector/custom-states/presence-definition.ts';

function def(xml: string): PresenceDefinition {
  const r = parsePresenceDefinition(`<presence xmlns="http://genesyslab.com/schemas/ucc/presence">${xml}</presence>`);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.definition;
}
const st = (id: string, agent: string, display = `<display><menuText>${id}</menuText></display>`) => `<state id="${id}">${display}${agent}</state>`;

// The seed's fallback example (L1596-1618), most specific first.
const fallback = def(
  st('acw-101', '<genesysAgent ready="false" mode="acw"><reason>101</reason></genesysAgent>') +
    st('acw', '<genesysAgent ready="false" mode="acw"/>') +
    st('ext-7', '<genesysAgent ready="false" mode="auxwork"><reason in="extensions" keyname="Code">7</reason></genesysAgent>') +
    st('nr', '<genesysAgent ready="false"/>') +
    st('ready', '<genesysAgent ready="true"/>'),
);
const readyOnly = def(st('ready', '<genesysAgent ready="true"/>'));
// Seed L6060: NotReady without reason first, NotReady with reason second: the first is used.
const shadowed = def(st('nr-plain', '<genesysAgent ready="false"/>') + st('nr-reason', '<genesysAgent ready="false"><reason>lunch</reason></genesysAgent>'));
// Several genesysAgent entries: any of them matches; the first is what the menu requests.
const multi = def(st('away-or-aux', '<genesysAgent ready="false" mode="away"/><genesysAgent ready="false" mode="auxwork"/>'));

const obs = (agentState: AgentStateObservation['agentState'], workMode: string | null = null, reasons: Record<string, unknown> = {}, extra: Partial<AgentStateObservation> = {}): AgentStateObservation => ({ agentState, workMode, reasons, ...extra });
const shown = (d: PresenceDefinition, o: AgentStateObservation) => {
  const m = matchAgentState(d, o);
  return m.kind === 'custom' ? m.state.id : m.id;
};

describe('matchAgentState: document order, first match, fallbacks (seed 000 L1596-1618, L6050-6065)', () => {
  const cases: Array<{ rule: string; d: PresenceDefinition; o: AgentStateObservation; want: string }> = [
    { rule: 'NotReady+ACW+reason 101 matches the exact state', d: fallback, o: obs('NotReady', 'AfterCallWork', { ReasonCode: '101' }), want: 'acw-101' },
    { rule: 'a numeric reason value matches its text', d: fallback, o: obs('NotReady', 'AfterCallWork', { ReasonCode: 101 }), want: 'acw-101' },
    { rule: 'an unmatched reason falls back to NotReady+ACW without reason', d: fallback, o: obs('NotReady', 'AfterCallWork', { ReasonCode: '102' }), want: 'acw' },
    { rule: 'an unmatched mode falls back to plain NotReady', d: fallback, o: obs('NotReady', 'WalkAway', { ReasonCode: '101' }), want: 'nr' },
    { rule: 'a reason in extensions matches only there', d: fallback, o: obs('NotReady', 'AuxWork', {}, { extensions: { Code: '7' } }), want: 'ext-7' },
    { rule: 'the same value in reasons does not match an extensions reason', d: fallback, o: obs('NotReady', 'AuxWork', { Code: '7' }), want: 'nr' },
    { rule: 'Ready matches a ready state whatever the work mode', d: fallback, o: obs('Ready', 'ManualIn'), want: 'ready' },
    { rule: 'an unmatched NotReady uses the built-in NotReady', d: readyOnly, o: obs('NotReady', 'AfterCallWork'), want: 'predefNotReady' },
    { rule: 'an unmatched NotReady with connector DND uses the built-in DND', d: readyOnly, o: obs('NotReady', null, {}, { connectorDnd: true }), want: 'predefDND' },
    { rule: 'an unmatched Ready uses the built-in Ready', d: shadowed, o: obs('Ready'), want: 'predefReady' },
    { rule: 'LoggedOut is the predefined logged-out state', d: fallback, o: obs('LoggedOut'), want: 'predefLoggedOut' },
    { rule: 'OutOfService is the predefined out-of-service state', d: fallback, o: obs('OutOfService'), want: 'predefOutOfService' },
    { rule: 'an earlier less specific state shadows a later specific one (first entry is used)', d: shadowed, o: obs('NotReady', null, { ReasonCode: 'lunch' }), want: 'nr-plain' },
    { rule: 'any genesysAgent of a state matches', d: multi, o: obs('NotReady', 'AuxWork'), want: 'away-or-aux' },
  ];
  for (const c of cases) test(c.rule, () => assert.equal(shown(c.d, c.o), c.want));
});

describe('combineChannels (seed 000 L1622-1640)', () => {
  const cases: Array<{ rule: string; channels: AgentStateObservation[]; want: string }> = [
    { rule: 'all channels in the same defined state show it', channels: [obs('NotReady', 'AfterCallWork'), obs('NotReady', 'AfterCallWork', { ReasonCode: '999' })], want: 'acw' },
    { rule: 'different states with one Ready show partial-ready', channels: [obs('Ready'), obs('NotReady')], want: 'predefPartReady' },
    { rule: 'different states, none Ready, one logged in show not-ready', channels: [obs('NotReady'), obs('LoggedOut')], want: 'predefNotReady' },
    { rule: 'all logged out show logout', channels: [obs('LoggedOut'), obs('LoggedOut')], want: 'predefLoggedOut' },
    { rule: 'logged out and out of service show logout', channels: [obs('LoggedOut'), obs('OutOfService')], want: 'predefLoggedOut' },
    { rule: 'no channel shows logout', channels: [], want: 'predefLoggedOut' },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const m = combineChannels(fallback, c.channels);
      assert.equal(m.kind === 'custom' ? m.state.id : m.id, c.want);
    });
  }
});

describe('texts, menu, requests and auto-states', () => {
  const d = def(
    st('both', '<genesysAgent ready="true"/>', '<display><menuText>Ready</menuText><statusText>Ready now</statusText></display><display language="fr"><menuText>Prêt</menuText></display>') +
      st('status-only', '<genesysAgent ready="false" mode="acw"/>', '<display><statusText>After call</statusText></display>') +
      st('fr-only', '<genesysAgent ready="false" mode="away"><reason in="extensions">500</reason></genesysAgent>', '<display language="fr"><menuText>Déjeuner</menuText></display>'),
  );

  test('a language entry wins over the default entry; the default applies elsewhere', () => {
    assert.deepEqual(stateText(d.states[0]!, 'fr'), { menuText: 'Prêt' });
    assert.deepEqual(stateText(d.states[0]!, 'de'), { menuText: 'Ready', statusText: 'Ready now' });
  });

  test('without a default entry a state is not shown in other languages', () => {
    assert.equal(stateText(d.states[2]!, 'en'), undefined);
  });

  test('the menu lists states with a menuText in that language, in document order', () => {
    assert.deepEqual(stateMenu(d, 'en').map((e) => e.menuText), ['Ready']);
    assert.deepEqual(stateMenu(d, 'fr').map((e) => e.menuText), ['Prêt', 'Déjeuner']);
  });

  test('selecting a state requests its first genesysAgent with the T-Library work mode and reason', () => {
    assert.deepEqual(agentRequestOf(d.states[0]!), { ready: true, workMode: null, reasons: {}, extensions: {} });
    assert.deepEqual(agentRequestOf(d.states[1]!), { ready: false, workMode: 'AfterCallWork', reasons: {}, extensions: {} });
    assert.deepEqual(agentRequestOf(d.states[2]!), { ready: false, workMode: 'WalkAway', reasons: {}, extensions: { ReasonCode: '500' } });
    assert.deepEqual(agentRequestOf(multi.states[0]!).workMode, 'WalkAway');
  });

  test('auto-states: the document first, else the built-in ones', () => {
    const withAuto = def(st('rej', '<genesysAgent ready="false"/>') + '<auto><event name="preview-reject" onevent="rej"/></auto>');
    assert.deepEqual(autoStateFor(withAuto, 'preview-reject'), { onEvent: 'rej', postEvent: null });
    assert.deepEqual(autoStateFor(withAuto, 'preview-timeout'), { onEvent: 'predefNotReady', postEvent: null });
    assert.deepEqual(autoStateFor(d, 'preview-reject'), { onEvent: 'predefDND', postEvent: 'predefReady' });
    assert.deepEqual(autoStateFor(d, 'preview-redirect'), { onEvent: 'predefDND', postEvent: null });
  });
});
