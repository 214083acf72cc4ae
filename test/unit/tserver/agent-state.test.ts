import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_TRANSITIONS, AgentState, transitionAgent } from '../../../src/tserver/agent-state.ts';
import { PARTY_TRANSITIONS, PartyState, transitionParty } from '../../../src/tserver/party-state.ts';
import { InvalidStateTransitionError } from '../../../src/lib/errors.ts';

const agentStates = Object.values(AgentState);
const partyStates = Object.values(PartyState);

describe('AgentState transition table', () => {
  for (const from of agentStates) {
    for (const to of agentStates) {
      const legal = AGENT_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        if (legal) assert.equal(transitionAgent(from, to), to);
        else assert.throws(() => transitionAgent(from, to), InvalidStateTransitionError);
      });
    }
  }
  test('a logged-out agent can only log in (to Ready or NotReady)', () => {
    assert.deepEqual([...AGENT_TRANSITIONS.LoggedOut].sort(), ['NotReady', 'Ready']);
  });
  test('every logged-in state can log out', () => {
    for (const s of agentStates) if (s !== 'LoggedOut') assert.ok(AGENT_TRANSITIONS[s].includes('LoggedOut'), s);
  });
  test('legal guard is entered only from Ready or after ACW (it postpones Ready)', () => {
    const into = agentStates.filter((s) => AGENT_TRANSITIONS[s].includes('LegalGuard'));
    assert.deepEqual(into.sort(), ['AfterCallWork', 'Ready']);
  });
});

describe('PartyState transition table', () => {
  for (const from of partyStates) {
    for (const to of partyStates) {
      const legal = PARTY_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        if (legal) assert.equal(transitionParty(from, to), to);
        else assert.throws(() => transitionParty(from, to), InvalidStateTransitionError);
      });
    }
  }
  test('Released is final', () => assert.deepEqual(PARTY_TRANSITIONS.Released, []));
});
