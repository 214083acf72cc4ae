import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceAgent, type Agent, type AgentEffect, type AgentSettings } from '../../../src/tserver/agent.ts';

const base: AgentSettings = { wrapUpTime: 0, legalGuardTime: 0, timedAcwInIdle: true, autoLogoutTimeout: 0, autoLogoutReady: false, noAnswerAction: 'none' };
const T0 = 1_000_000;

function login(settings: Partial<AgentSettings> = {}, workMode: 'AutoIn' | 'AuxWork' = 'AutoIn'): Agent {
  const s = reduceAgent(undefined, { type: 'login', agentId: 'a1', dn: '7001', workMode, clientId: 'c1', settings: { ...base, ...settings } }, T0);
  assert.ok(s.agent);
  return s.agent;
}

const evNames = (effects: AgentEffect[]): string[] => effects.flatMap((e) => (e.type === 'event' ? [`${e.name}${e.workMode && e.name !== 'EventAgentLogin' ? `(${e.workMode})` : ''}`] : []));
const timers = (effects: AgentEffect[]): string[] => effects.flatMap((e) => (e.type === 'startTimer' ? [`start ${e.name} ${e.ms}`] : []));
const ext = (effects: AgentEffect[]): unknown => effects.find((e) => e.type === 'event' && e.extensions)?.type === 'event' ? (effects.find((e) => e.type === 'event' && e.extensions) as { extensions: unknown }).extensions : undefined;

describe('agent reducer', () => {
  test('login with AutoIn reports EventAgentLogin then EventAgentReady', () => {
    const s = reduceAgent(undefined, { type: 'login', agentId: 'a1', dn: '7001', workMode: 'AutoIn', clientId: 'c', settings: base }, T0);
    assert.equal(s.agent?.state, 'Ready');
    assert.deepEqual(evNames(s.effects), ['EventAgentLogin', 'EventAgentReady(AutoIn)']);
  });

  test('login with another work mode starts NotReady in that mode', () => {
    const s = reduceAgent(undefined, { type: 'login', agentId: 'a1', dn: '7001', workMode: 'AuxWork', clientId: 'c', settings: base }, T0);
    assert.equal(s.agent?.state, 'NotReady');
    assert.deepEqual(evNames(s.effects), ['EventAgentLogin', 'EventAgentNotReady(AuxWork)']);
  });

  test('NotReady -> NotReady with a new work mode is reported (self-transition)', () => {
    let a = reduceAgent(login(), { type: 'notReady', workMode: 'AuxWork' }, T0).agent as Agent;
    const s = reduceAgent(a, { type: 'notReady', workMode: 'WalkAway', reasons: [['code', '7']] }, T0);
    a = s.agent as Agent;
    assert.equal(a.workMode, 'WalkAway');
    assert.deepEqual(evNames(s.effects), ['EventAgentNotReady(WalkAway)']);
    const e = s.effects.find((x) => x.type === 'event');
    assert.deepEqual(e && e.type === 'event' ? e.reasons : undefined, [['code', '7']]);
  });

  test('timed ACW after an established call: NotReady(AfterCallWork) with WrapUpTime, then Ready when the timer fires', () => {
    const a = login({ wrapUpTime: 30 });
    const s = reduceAgent(a, { type: 'callReleased', established: true, otherCalls: 0 }, T0);
    assert.equal(s.agent?.state, 'AfterCallWork');
    assert.deepEqual(evNames(s.effects), ['EventAgentNotReady(AfterCallWork)']);
    assert.deepEqual(ext(s.effects), [['WrapUpTime', 30]]);
    assert.deepEqual(timers(s.effects), ['start acw 30000']);
    const r = reduceAgent(s.agent, { type: 'timer', name: 'acw', onCall: false }, T0 + 30_000);
    assert.equal(r.agent?.state, 'Ready');
    assert.deepEqual(evNames(r.effects), ['EventAgentReady(Unknown)']);
  });

  test('untimed ACW starts no timer and needs a manual Ready', () => {
    const s = reduceAgent(login({ wrapUpTime: 'untimed' }), { type: 'callReleased', established: true, otherCalls: 0 }, T0);
    assert.deepEqual(ext(s.effects), [['WrapUpTime', 'untimed']]);
    assert.deepEqual(timers(s.effects), []);
    const late = reduceAgent(s.agent, { type: 'timer', name: 'acw', onCall: false }, T0 + 1e9);
    assert.equal(late.agent?.state, 'AfterCallWork', 'a stray acw timer does not end untimed ACW');
    assert.equal(reduceAgent(s.agent, { type: 'ready' }, T0).agent?.state, 'Ready');
  });

  test('no ACW after a call that was never established, or while on another call, or with wrap-up-time 0', () => {
    assert.deepEqual(reduceAgent(login({ wrapUpTime: 30 }), { type: 'callReleased', established: false, otherCalls: 0 }, T0).effects.filter((e) => e.type === 'event'), []);
    assert.deepEqual(reduceAgent(login({ wrapUpTime: 30 }), { type: 'callReleased', established: true, otherCalls: 1 }, T0).effects.filter((e) => e.type === 'event'), []);
    assert.deepEqual(reduceAgent(login({ wrapUpTime: 0 }), { type: 'callReleased', established: true, otherCalls: 0 }, T0).effects.filter((e) => e.type === 'event'), []);
  });

  const extendCases: Array<{ name: string; w: 0 | 10 | 'untimed'; start: 30 | 'untimed'; expect: number | 'untimed' }> = [
    { name: 'WrapUpTime 0 reports the remaining time', w: 0, start: 30, expect: 20 },
    { name: 'WrapUpTime n adds n seconds to timed ACW', w: 10, start: 30, expect: 30 },
    { name: 'WrapUpTime n leaves untimed ACW untimed', w: 10, start: 'untimed', expect: 'untimed' },
    { name: 'WrapUpTime untimed switches to untimed', w: 'untimed', start: 30, expect: 'untimed' },
  ];
  for (const c of extendCases) {
    test(`extending ACW: ${c.name}`, () => {
      const acw = reduceAgent(login({ wrapUpTime: c.start }), { type: 'callReleased', established: true, otherCalls: 0 }, T0).agent;
      const s = reduceAgent(acw, { type: 'notReady', workMode: 'AfterCallWork', wrapUpTime: c.w }, T0 + 10_000);
      assert.equal(s.agent?.state, 'AfterCallWork');
      assert.deepEqual(evNames(s.effects), ['EventAgentNotReady(AfterCallWork)']);
      assert.deepEqual(ext(s.effects), [['WrapUpTime', c.expect]]);
    });
  }

  test('extended timed ACW ends at the new time', () => {
    const acw = reduceAgent(login({ wrapUpTime: 30 }), { type: 'callReleased', established: true, otherCalls: 0 }, T0).agent;
    const s = reduceAgent(acw, { type: 'notReady', workMode: 'AfterCallWork', wrapUpTime: 10 }, T0 + 10_000);
    assert.deepEqual(timers(s.effects), ['start acw 30000']);
    assert.equal(s.agent?.acwEndsAt, T0 + 40_000);
  });

  test('ACW in idle is timed with timed-acw-in-idle, untimed without', () => {
    const timed = reduceAgent(login({ wrapUpTime: 20, timedAcwInIdle: true }), { type: 'notReady', workMode: 'AfterCallWork' }, T0);
    assert.deepEqual(timers(timed.effects), ['start acw 20000']);
    const untimed = reduceAgent(login({ wrapUpTime: 20, timedAcwInIdle: false }), { type: 'notReady', workMode: 'AfterCallWork' }, T0);
    assert.deepEqual(timers(untimed.effects), []);
    assert.equal(untimed.agent?.acwEndsAt, 'untimed');
  });

  test('legal guard after timed ACW: NotReady(LegalGuard) for legal-guard-time, then Ready', () => {
    const acw = reduceAgent(login({ wrapUpTime: 5, legalGuardTime: 8 }), { type: 'callReleased', established: true, otherCalls: 0 }, T0).agent;
    const lg = reduceAgent(acw, { type: 'timer', name: 'acw', onCall: false }, T0 + 5000);
    assert.equal(lg.agent?.state, 'LegalGuard');
    assert.deepEqual(evNames(lg.effects), ['EventAgentNotReady(LegalGuard)']);
    assert.deepEqual(timers(lg.effects), ['start legalGuard 8000']);
    const r = reduceAgent(lg.agent, { type: 'timer', name: 'legalGuard', onCall: false }, T0 + 13_000);
    assert.equal(r.agent?.state, 'Ready');
  });

  test('legal guard after a business call without ACW postpones Ready', () => {
    const s = reduceAgent(login({ legalGuardTime: 8 }), { type: 'callReleased', established: true, otherCalls: 0 }, T0);
    assert.equal(s.agent?.state, 'LegalGuard');
    assert.deepEqual(evNames(s.effects), ['EventAgentNotReady(LegalGuard)']);
  });

  test('legal guard does not apply to an agent who was NotReady', () => {
    const nr = reduceAgent(login({ legalGuardTime: 8 }), { type: 'notReady', workMode: 'AuxWork' }, T0).agent;
    const s = reduceAgent(nr, { type: 'callReleased', established: true, otherCalls: 0 }, T0);
    assert.equal(s.agent?.state, 'NotReady');
  });

  test('auto-logout-timeout logs out an agent left NotReady; Ready agents only with auto-logout-ready', () => {
    const nr = reduceAgent(login({ autoLogoutTimeout: 60 }), { type: 'notReady', workMode: 'AuxWork' }, T0);
    assert.deepEqual(timers(nr.effects), ['start autoLogout 60000']);
    const out = reduceAgent(nr.agent, { type: 'timer', name: 'autoLogout', onCall: false }, T0 + 60_000);
    assert.equal(out.agent, undefined);
    assert.deepEqual(evNames(out.effects), ['EventAgentLogout']);
    const ready = login({ autoLogoutTimeout: 60 });
    assert.equal(reduceAgent(ready, { type: 'timer', name: 'autoLogout', onCall: false }, T0).agent?.state, 'Ready');
    const readyToo = login({ autoLogoutTimeout: 60, autoLogoutReady: true });
    assert.equal(reduceAgent(readyToo, { type: 'timer', name: 'autoLogout', onCall: false }, T0).agent, undefined);
  });

  test('auto-logout waits while the agent is on a call', () => {
    const nr = reduceAgent(login({ autoLogoutTimeout: 60 }), { type: 'notReady', workMode: 'AuxWork' }, T0).agent;
    const s = reduceAgent(nr, { type: 'timer', name: 'autoLogout', onCall: true }, T0 + 60_000);
    assert.equal(s.agent?.state, 'NotReady');
    assert.deepEqual(timers(s.effects), ['start autoLogout 60000']);
  });

  const noAnswer: Array<{ action: 'none' | 'notready' | 'logout'; state: string | undefined; events: string[] }> = [
    { action: 'none', state: 'Ready', events: [] },
    { action: 'notready', state: 'NotReady', events: ['EventAgentNotReady(AuxWork)'] },
    { action: 'logout', state: undefined, events: ['EventAgentLogout'] },
  ];
  for (const c of noAnswer) {
    test(`no-answer-action ${c.action}`, () => {
      const s = reduceAgent(login(), { type: 'noAnswer', action: c.action }, T0);
      assert.equal(s.agent?.state, c.state);
      assert.deepEqual(evNames(s.effects), c.events);
    });
  }

  test('inputs for a logged-out agent do nothing', () => {
    for (const input of [{ type: 'ready' as const }, { type: 'logout' as const }, { type: 'timer' as const, name: 'acw' as const, onCall: false }]) {
      const s = reduceAgent(undefined, input, T0);
      assert.equal(s.agent, undefined);
      assert.deepEqual(s.effects, []);
    }
  });
});
