import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_STAT_TRANSITIONS, effectiveAgentState, transitionAgentStat, type AgentEventState } from '../../../src/stats/agent-stat-state.ts';
import type { AgentStatState } from '../../../src/stats/stat-types.ts';
import { InvalidStateTransitionError } from '../../../src/lib/errors.ts';

const states: AgentStatState[] = ['LoggedOut', 'Ready', 'NotReady', 'Busy', 'AfterCallWork'];

describe('agent statistic state: transition table', () => {
  for (const from of states) {
    for (const to of states) {
      const legal = AGENT_STAT_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        if (legal) assert.equal(transitionAgentStat(from, to), to);
        else assert.throws(() => transitionAgentStat(from, to), InvalidStateTransitionError);
      });
    }
  }
  test('a repeated state is not a transition', () => {
    for (const s of states) assert.equal(AGENT_STAT_TRANSITIONS[s].includes(s), false);
  });
});

describe('effective state: a call on the DN wins while logged in', () => {
  const rows: Array<[AgentEventState, boolean, AgentStatState]> = [
    ['LoggedOut', false, 'LoggedOut'],
    ['LoggedOut', true, 'LoggedOut'],
    ['Ready', false, 'Ready'],
    ['Ready', true, 'Busy'],
    ['NotReady', false, 'NotReady'],
    ['NotReady', true, 'Busy'],
    ['AfterCallWork', false, 'AfterCallWork'],
    ['AfterCallWork', true, 'Busy'],
  ];
  for (const [ev, onCall, want] of rows) test(`${ev}${onCall ? ' on a call' : ''} -> ${want}`, () => assert.equal(effectiveAgentState(ev, onCall), want));
});
