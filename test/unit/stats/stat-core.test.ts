import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatCore } from '../../../src/stats/stat-core.ts';
import type { StatConfig, StatRef } from '../../../src/stats/stat-types.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';

const T0 = 1_000_000;
const config: StatConfig = {
  agents: [
    { agentId: 'a1', userName: 'alice' },
    { agentId: 'a2', userName: 'bob' },
    { agentId: 'a3', userName: 'carol' },
  ],
  groups: [
    { name: 'Sales', members: ['alice', 'bob'] },
    { name: 'Support', members: ['carol', 'bob'] },
  ],
  dns: ['7001', '7002', '7003', 'RP1', 'Q1'],
};

function e(message: string, attrs: Record<string, unknown>): TlibEvent {
  return { message, ...attrs } as unknown as TlibEvent;
}
const login = (dn: string, id: string, mode = 'ManualIn'): TlibEvent => e('EventAgentLogin', { ThisDN: dn, AgentID: id, AgentWorkMode: mode });
const ready = (dn: string, id: string): TlibEvent => e('EventAgentReady', { ThisDN: dn, AgentID: id, AgentWorkMode: 'Unknown' });
const notReady = (dn: string, id: string, mode = 'AuxWork', reasons?: unknown): TlibEvent => e('EventAgentNotReady', { ThisDN: dn, AgentID: id, AgentWorkMode: mode, ...(reasons ? { Reasons: reasons } : {}) });
const logout = (dn: string, id: string): TlibEvent => e('EventAgentLogout', { ThisDN: dn, AgentID: id });
const call = (name: string, dn: string, conn: string, extra: Record<string, unknown> = {}): TlibEvent => e(name, { ThisDN: dn, ConnID: conn, ...extra });

/** Applies `[offsetMs, event]` steps on a fresh core. */
function run(steps: Array<[number, TlibEvent]>): StatCore {
  const core = new StatCore(config, T0);
  for (const [at, ev] of steps) core.apply(ev, T0 + at);
  return core;
}

describe('CurrentAgentState from T-Server events', () => {
  const rows: Array<[string, Array<[number, TlibEvent]>, string]> = [
    ['a configured agent starts LoggedOut', [], 'LoggedOut'],
    ['login ManualIn -> Ready', [[0, login('7001', 'a1')]], 'Ready'],
    ['login AuxWork -> NotReady', [[0, login('7001', 'a1', 'AuxWork')]], 'NotReady'],
    ['NotReady then Ready', [[0, login('7001', 'a1', 'AuxWork')], [5, ready('7001', 'a1')]], 'Ready'],
    ['Ready then NotReady', [[0, login('7001', 'a1')], [5, notReady('7001', 'a1')]], 'NotReady'],
    ['NotReady AfterCallWork -> AfterCallWork', [[0, login('7001', 'a1')], [5, notReady('7001', 'a1', 'AfterCallWork')]], 'AfterCallWork'],
    ['NotReady LegalGuard counts as NotReady', [[0, login('7001', 'a1')], [5, notReady('7001', 'a1', 'LegalGuard')]], 'NotReady'],
    ['ringing on the DN -> Busy', [[0, login('7001', 'a1')], [5, call('EventRinging', '7001', 'c1')]], 'Busy'],
    ['dialing on the DN -> Busy', [[0, login('7001', 'a1')], [5, call('EventDialing', '7001', 'c1')]], 'Busy'],
    ['released -> back to Ready', [[0, login('7001', 'a1')], [5, call('EventRinging', '7001', 'c1')], [9, call('EventReleased', '7001', 'c1')]], 'Ready'],
    ['ACW announced during the call: Busy until released', [[0, login('7001', 'a1')], [5, call('EventEstablished', '7001', 'c1')], [9, notReady('7001', 'a1', 'AfterCallWork')]], 'Busy'],
    ['ACW announced during the call, then released -> AfterCallWork', [[0, login('7001', 'a1')], [5, call('EventEstablished', '7001', 'c1')], [9, notReady('7001', 'a1', 'AfterCallWork')], [10, call('EventReleased', '7001', 'c1')]], 'AfterCallWork'],
    ['two calls: one released still Busy', [[0, login('7001', 'a1')], [1, call('EventEstablished', '7001', 'c1')], [2, call('EventDialing', '7001', 'c2')], [3, call('EventReleased', '7001', 'c1')]], 'Busy'],
    ['EventPartyChanged moves the call from PreviousConnID', [[0, login('7001', 'a1')], [1, call('EventEstablished', '7001', 'c2')], [2, call('EventPartyChanged', '7001', 'c1', { PreviousConnID: 'c2' })], [3, call('EventReleased', '7001', 'c1')]], 'Ready'],
    ['abandoned while ringing -> Ready', [[0, login('7001', 'a1')], [5, call('EventRinging', '7001', 'c1')], [6, call('EventAbandoned', '7001', 'c1')]], 'Ready'],
    ['logout -> LoggedOut', [[0, login('7001', 'a1')], [5, logout('7001', 'a1')]], 'LoggedOut'],
    ['logout while on a call -> LoggedOut', [[0, login('7001', 'a1')], [1, call('EventEstablished', '7001', 'c1')], [5, logout('7001', 'a1')]], 'LoggedOut'],
    ['login on a DN with a call -> Busy', [[0, call('EventEstablished', '7001', 'c1')], [1, login('7001', 'a1')]], 'Busy'],
    ['a call on another DN does not matter', [[0, login('7001', 'a1')], [5, call('EventRinging', '7002', 'c1')]], 'Ready'],
    ['EventRegistered says Ready (start-up sync)', [[0, e('EventRegistered', { ThisDN: '7001', AgentID: 'a1', AgentState: 'Ready', AgentWorkMode: 'Unknown' })]], 'Ready'],
    ['EventRegistered says NotReady AfterCallWork', [[0, e('EventRegistered', { ThisDN: '7001', AgentID: 'a1', AgentState: 'NotReady', AgentWorkMode: 'AfterCallWork' })]], 'AfterCallWork'],
    ['EventRegistered says LoggedOut after a reconnection', [[0, login('7001', 'a1')], [5, e('EventRegistered', { ThisDN: '7001', AgentState: 'LoggedOut' })]], 'LoggedOut'],
    ['another agent logs in on the DN: the first is gone', [[0, login('7001', 'a1')], [5, login('7001', 'a2')]], 'LoggedOut'],
  ];
  for (const [name, steps, want] of rows) test(name, () => assert.equal(run(steps).value({ object: 'agent', id: 'a1', stat: 'CurrentAgentState' }, T0 + 100), want));

  test('an unconfigured agent is tracked from its first event', () => {
    const core = run([[0, login('7003', 'zz')]]);
    assert.equal(core.agent('zz')?.state, 'Ready');
    assert.equal(core.agent('zz')?.userName, undefined);
  });
  test('an unknown agent has no value', () => assert.equal(run([]).value({ object: 'agent', id: 'nobody', stat: 'CurrentAgentState' }, T0), undefined));
});

describe('time statistics', () => {
  test('TimeInCurrentState counts from the last state change; a repeated Ready does not restart it', () => {
    const core = run([[0, login('7001', 'a1', 'AuxWork')], [1000, ready('7001', 'a1')], [4000, ready('7001', 'a1')]]);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'TimeInCurrentState' }, T0 + 6000), 5000);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'TimeInReadyState' }, T0 + 6000), 5000);
  });
  test('TimeInReadyState is 0 when not Ready and restarts after a call', () => {
    const core = run([[0, login('7001', 'a1')], [1000, call('EventRinging', '7001', 'c1')]]);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'TimeInReadyState' }, T0 + 2000), 0);
    core.apply(call('EventReleased', '7001', 'c1'), T0 + 3000);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'TimeInReadyState' }, T0 + 3500), 500);
    assert.equal(core.agent('alice')?.readySince, T0 + 3000);
  });
  test('CurrentDN follows the login and empties at logout', () => {
    const core = run([[0, login('7002', 'a1')]]);
    assert.equal(core.value({ object: 'agent', id: 'alice', stat: 'CurrentDN' }, T0), '7002');
    core.apply(logout('7002', 'a1'), T0 + 1);
    assert.equal(core.value({ object: 'agent', id: 'alice', stat: 'CurrentDN' }, T0 + 1), '');
  });
});

describe('group statistics', () => {
  const core = (): StatCore => run([
    [0, login('7001', 'a1')],
    [10, login('7002', 'a2')],
    [20, login('7003', 'a3', 'AuxWork')],
    [30, call('EventEstablished', '7002', 'c1')],
  ]);
  const rows: Array<[StatRef, number]> = [
    [{ object: 'group', id: 'Sales', stat: 'CurrNumberReadyStatuses' }, 1],
    [{ object: 'group', id: 'Sales', stat: 'CurrNumberBusyStatuses' }, 1],
    [{ object: 'group', id: 'Sales', stat: 'CurrNumberNotReadyStatuses' }, 0],
    [{ object: 'group', id: 'Sales', stat: 'CurrNumberLoggedInStatuses' }, 2],
    [{ object: 'group', id: 'Support', stat: 'CurrNumberReadyStatuses' }, 0],
    [{ object: 'group', id: 'Support', stat: 'CurrNumberNotReadyStatuses' }, 1],
    [{ object: 'group', id: 'Support', stat: 'CurrNumberBusyStatuses' }, 1],
    [{ object: 'group', id: 'Sales', stat: 'MaxTimeInReadyState' }, 100],
    [{ object: 'group', id: 'Support', stat: 'MaxTimeInReadyState' }, 0],
  ];
  for (const [ref, want] of rows) test(`${ref.id} ${ref.stat} = ${want}`, () => assert.equal(core().value(ref, T0 + 100), want));
  test('an unknown group has no value and no available agents', () => {
    assert.equal(core().value({ object: 'group', id: 'Nope', stat: 'CurrNumberReadyStatuses' }, T0), undefined);
    assert.deepEqual(core().availableAgents('Nope'), []);
  });
});

describe('availableAgents: Ready, not on a call, longest idle first', () => {
  test('orders by readySince and filters NotReady, Busy, ACW and LoggedOut members', () => {
    const core = new StatCore({ ...config, groups: [{ name: 'All', members: ['alice', 'bob', 'carol', 'dave', 'erin'] }], agents: [...config.agents, { agentId: 'a4', userName: 'dave' }, { agentId: 'a5', userName: 'erin' }] }, T0);
    core.apply(login('7001', 'a1'), T0 + 300);
    core.apply(login('7002', 'a2'), T0 + 100);
    core.apply(login('7003', 'a3'), T0 + 200);
    core.apply(login('7004', 'a4'), T0 + 50);
    assert.deepEqual(core.availableAgents('All').map((a) => a.agentId), ['a4', 'a2', 'a3', 'a1']);
    core.apply(call('EventRinging', '7004', 'c1'), T0 + 400);
    core.apply(notReady('7002', 'a2'), T0 + 400);
    core.apply(notReady('7003', 'a3', 'AfterCallWork'), T0 + 400);
    assert.deepEqual(core.availableAgents('All'), [{ agentId: 'a1', userName: 'alice', dn: '7001', readySince: T0 + 300 }]);
    core.apply(call('EventReleased', '7004', 'c1'), T0 + 500);
    core.apply(ready('7002', 'a2'), T0 + 600);
    assert.deepEqual(core.availableAgents('All').map((a) => a.agentId), ['a1', 'a4', 'a2']);
  });
  test('equal readySince: AgentID decides', () => {
    const core = run([[0, login('7002', 'a2')], [0, login('7001', 'a1')]]);
    assert.deepEqual(core.availableAgents('Sales').map((a) => a.agentId), ['a1', 'a2']);
  });
});

describe('DN statistics (routing points and queues)', () => {
  const rp = (stat: 'CurrNumberWaitingCalls' | 'TotalNumberCallsEntered' | 'TotalNumberCallsDistributed' | 'TotalNumberCallsAbandoned'): StatRef => ({ object: 'dn', id: 'RP1', stat });
  const rows: Array<[string, TlibEvent[], [number, number, number, number]]> = [
    ['configured DN starts at zero', [], [0, 0, 0, 0]],
    ['two calls queued', [call('EventQueued', 'RP1', 'c1'), call('EventQueued', 'RP1', 'c2')], [2, 2, 0, 0]],
    ['routed: EventRouteUsed (with a target) then EventDiverted count once', [call('EventQueued', 'RP1', 'c1'), call('EventRouteUsed', 'RP1', 'c1', { OtherDN: '7001' }), call('EventDiverted', 'RP1', 'c1', { OtherDN: '7001' })], [0, 1, 1, 0]],
    ['default routing: EventDiverted only', [call('EventQueued', 'RP1', 'c1'), call('EventDiverted', 'RP1', 'c1')], [0, 1, 1, 0]],
    ['rejected by the router: EventRouteUsed only', [call('EventQueued', 'RP1', 'c1'), call('EventRouteUsed', 'RP1', 'c1')], [0, 1, 0, 0]],
    ['abandoned while waiting', [call('EventQueued', 'RP1', 'c1'), call('EventAbandoned', 'RP1', 'c1')], [0, 1, 0, 1]],
    ['re-queued after no answer counts as entered again', [call('EventQueued', 'RP1', 'c1'), call('EventDiverted', 'RP1', 'c1', { OtherDN: '7001' }), call('EventQueued', 'RP1', 'c1')], [1, 2, 1, 0]],
    ['a duplicate EventQueued for a waiting call does not double the waiting count', [call('EventQueued', 'RP1', 'c1'), call('EventQueued', 'RP1', 'c1')], [1, 2, 0, 0]],
    ['events on another DN do not count', [call('EventQueued', 'RP2', 'c1')], [0, 0, 0, 0]],
  ];
  for (const [name, evs, [w, en, d, ab]] of rows) {
    test(name, () => {
      const core = new StatCore(config, T0);
      for (const ev of evs) core.apply(ev, T0);
      assert.deepEqual([core.value(rp('CurrNumberWaitingCalls'), T0), core.value(rp('TotalNumberCallsEntered'), T0), core.value(rp('TotalNumberCallsDistributed'), T0), core.value(rp('TotalNumberCallsAbandoned'), T0)], [w, en, d, ab]);
    });
  }
  test('DN names compare case-insensitively; an unknown DN has no value', () => {
    const core = run([[0, call('EventQueued', 'rp1', 'c1')]]);
    assert.equal(core.value({ object: 'dn', id: 'Rp1', stat: 'CurrNumberWaitingCalls' }, T0), 1);
    assert.equal(core.value({ object: 'dn', id: 'nowhere', stat: 'CurrNumberWaitingCalls' }, T0), undefined);
  });
  test('CurrMaxCallWaitingTime: the oldest waiting call\'s wait; a re-queued call keeps its first time; 0 when none waits', () => {
    const core = new StatCore(config, T0);
    const wait = (now: number) => core.value({ object: 'dn', id: 'RP1', stat: 'CurrMaxCallWaitingTime' }, now);
    assert.equal(wait(T0), 0);
    core.apply(call('EventQueued', 'RP1', 'c1'), T0 + 1000);
    core.apply(call('EventQueued', 'RP1', 'c2'), T0 + 3000);
    assert.equal(wait(T0 + 5000), 4000);
    core.apply(call('EventQueued', 'RP1', 'c1'), T0 + 6000);
    assert.equal(wait(T0 + 7000), 6000, 'a duplicate EventQueued does not restart the wait');
    core.apply(call('EventDiverted', 'RP1', 'c1', { OtherDN: '7001' }), T0 + 8000);
    assert.equal(wait(T0 + 8000), 5000, 'the next oldest');
    core.apply(call('EventAbandoned', 'RP1', 'c2'), T0 + 9000);
    assert.equal(wait(T0 + 9000), 0);
    assert.equal(core.changeKey({ object: 'dn', id: 'RP1', stat: 'CurrMaxCallWaitingTime' }, T0 + 9000), -1);
  });
  test('events without ThisDN or ConnID change nothing', () => {
    const core = new StatCore(config, T0);
    const c = core.apply(e('EventQueued', { ConnID: 'c1' }), T0);
    assert.equal(c.dns.size + c.agents.size, 0);
    core.apply(e('EventQueued', { ThisDN: 'RP1' }), T0);
    assert.equal(core.value(rp('TotalNumberCallsEntered'), T0), 0);
  });
});

describe('agent-state history rows', () => {
  test('one row per state change, with the cause, time and reasons; repeated events add none', () => {
    const core = new StatCore(config, T0);
    const rows = [
      core.apply(login('7001', 'a1', 'AuxWork'), T0 + 1),
      core.apply(notReady('7001', 'a1', 'AuxWork'), T0 + 2),
      core.apply(notReady('7001', 'a1', 'AuxWork', [['KW_UC_STATUS', 'away']]), T0 + 3),
      core.apply(ready('7001', 'a1'), T0 + 4),
      core.apply(call('EventRinging', '7001', 'c1'), T0 + 5),
      core.apply(call('EventReleased', '7001', 'c1'), T0 + 6),
      core.apply(logout('7001', 'a1'), T0 + 7),
    ].flatMap((c) => c.history.map((h) => [h.from, h.to, h.cause, h.at - T0, h.reasons ?? null]));
    assert.deepEqual(rows, [
      ['LoggedOut', 'NotReady', 'EventAgentLogin', 1, null],
      ['NotReady', 'NotReady', 'EventAgentNotReady', 3, [['KW_UC_STATUS', 'away']]],
      ['NotReady', 'Ready', 'EventAgentReady', 4, null],
      ['Ready', 'Busy', 'EventRinging', 5, null],
      ['Busy', 'Ready', 'EventReleased', 6, null],
      ['Ready', 'LoggedOut', 'EventAgentLogout', 7, null],
    ]);
  });
});

describe('robustness: odd events never throw and keep the invariants', () => {
  test('events with missing or odd attributes are ignored', () => {
    const core = new StatCore(config, T0);
    const odd: TlibEvent[] = [
      e('EventAgentLogin', { ThisDN: '7001' }),
      e('EventAgentReady', { ThisDN: '7001' }),
      e('EventAgentLogout', { ThisDN: '7001' }),
      e('EventRinging', { ThisDN: 7001, ConnID: 'c1' }),
      e('EventReleased', { ThisDN: '7001', ConnID: 'never-seen' }),
      e('EventSomethingNew', { ThisDN: '7001', ConnID: 'c1' }),
      e('EventRegistered', { ThisDN: '7001' }),
    ];
    for (const ev of odd) assert.doesNotThrow(() => core.apply(ev, T0));
    assert.equal(core.agent('a1')?.state, 'LoggedOut');
    assert.equal(core.value({ object: 'dn', id: '7001', stat: 'CurrNumberWaitingCalls' }, T0), 0);
  });

  test('10,000 random events: Busy exactly when logged in with a call; availableAgents are Ready, in order', async () => {
    const { prng } = await import('../../support/prng.ts');
    const rnd = prng(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const core = new StatCore(config, T0);
    const dns = ['7001', '7002', '7003'];
    const ids = ['a1', 'a2', 'a3'];
    const conns = ['c1', 'c2', 'c3', 'c4'];
    const onDn = new Map<string, Set<string>>(dns.map((d) => [d, new Set<string>()]));
    for (let i = 0; i < 10_000; i++) {
      const dn = pick(dns);
      const kind = pick(['login', 'ready', 'notready', 'acw', 'logout', 'ring', 'release', 'abandon'] as const);
      let ev: TlibEvent;
      if (kind === 'login') ev = login(dn, pick(ids), pick(['ManualIn', 'AuxWork']));
      else if (kind === 'ready') ev = ready(dn, pick(ids));
      else if (kind === 'notready') ev = notReady(dn, pick(ids));
      else if (kind === 'acw') ev = notReady(dn, pick(ids), 'AfterCallWork');
      else if (kind === 'logout') ev = logout(dn, pick(ids));
      else {
        const c = pick(conns);
        ev = call(kind === 'ring' ? 'EventRinging' : kind === 'release' ? 'EventReleased' : 'EventAbandoned', dn, c);
        if (kind === 'ring') onDn.get(dn)?.add(c);
        else onDn.get(dn)?.delete(c);
      }
      core.apply(ev, T0 + i);
      for (const id of ids) {
        const a = core.agent(id);
        assert.ok(a);
        if (a.state === 'LoggedOut') assert.equal(a.dn, undefined);
        else assert.equal(a.state === 'Busy', (onDn.get(a.dn ?? '')?.size ?? 0) > 0, `event ${i}: ${id} ${a.state} on ${a.dn}`);
        assert.equal(a.readySince !== undefined, a.state === 'Ready');
      }
      const avail = core.availableAgents('Sales');
      for (const x of avail) assert.equal(core.agent(x.agentId)?.state, 'Ready');
      for (let k = 1; k < avail.length; k++) assert.ok((avail[k - 1]?.readySince ?? 0) <= (avail[k]?.readySince ?? 0));
      const dnsInUse = ids.map((id) => core.agent(id)?.dn).filter((d) => d !== undefined);
      assert.equal(new Set(dnsInUse).size, dnsInUse.length, 'one agent per DN, one DN per agent');
    }
  });
});

describe('chat statistics (MediaType Chat, issue 13)', () => {
  type Four = [number | undefined, number | undefined, number | undefined, number | undefined];
  const calls = (core: StatCore): Four => (['CurrNumberWaitingCalls', 'TotalNumberCallsEntered', 'TotalNumberCallsDistributed', 'TotalNumberCallsAbandoned'] as const).map((stat) => core.value({ object: 'dn', id: 'RP1', stat }, T0)) as Four;
  const chats = (core: StatCore): Four => (['CurrNumberWaitingChats', 'TotalNumberChatsEntered', 'TotalNumberChatsDistributed', 'TotalNumberChatsAbandoned'] as const).map((stat) => core.value({ object: 'dn', id: 'RP1', stat }, T0)) as Four;
  const chat = (name: string, conn: string, extra: Record<string, unknown> = {}): TlibEvent => call(name, 'RP1', conn, { MediaType: 'Chat', ...extra });
  // Three chats: one waiting, one routed to 7001, one abandoned; plus one voice call still waiting.
  const mixed = [
    chat('EventQueued', 'h1'), chat('EventQueued', 'h2'), chat('EventQueued', 'h3'),
    chat('EventRouteUsed', 'h2', { OtherDN: '7001' }), chat('EventDiverted', 'h2', { OtherDN: '7001' }),
    chat('EventAbandoned', 'h3'),
    call('EventQueued', 'RP1', 'v1'),
  ];

  test('the …Chats… statistics count chats and the …Calls… ones only the voice call', () => {
    const core = new StatCore(config, T0);
    for (const ev of mixed) core.apply(ev, T0);
    assert.deepEqual(chats(core), [1, 3, 1, 1]);
    assert.deepEqual(calls(core), [1, 1, 0, 0]);
  });

  test('voice calls alone leave the chat statistics at zero', () => {
    const core = new StatCore(config, T0);
    for (const ev of [call('EventQueued', 'RP1', 'v1'), call('EventDiverted', 'RP1', 'v1', { OtherDN: '7001' })]) core.apply(ev, T0);
    assert.deepEqual(chats(core), [0, 0, 0, 0]);
    assert.deepEqual(calls(core), [0, 1, 1, 0]);
  });

  test('im-reporting: disabled keeps chats out of every statistic, voice still counts', () => {
    const core = new StatCore({ ...config, imReporting: 'disabled' }, T0);
    for (const ev of [login('7001', 'a1'), ...mixed, call('EventEstablished', '7001', 'h2', { MediaType: 'Chat' })]) core.apply(ev, T0);
    assert.deepEqual(chats(core), [0, 0, 0, 0]);
    assert.deepEqual(calls(core), [1, 1, 0, 0]);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'CurrentAgentState' }, T0), 'Ready', 'a chat does not make the agent Busy in the statistics');
  });

  test('with im-reporting default a chat makes the agent Busy', () => {
    const core = new StatCore(config, T0);
    for (const ev of [login('7001', 'a1'), call('EventEstablished', '7001', 'h2', { MediaType: 'Chat' })]) core.apply(ev, T0);
    assert.equal(core.value({ object: 'agent', id: 'a1', stat: 'CurrentAgentState' }, T0), 'Busy');
  });
});
