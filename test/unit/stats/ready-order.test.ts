import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderCandidates } from '../../../src/router/agent-selection.ts';
import { ReadyOrder } from '../../../src/stats/ready-order.ts';
import { StatCore } from '../../../src/stats/stat-core.ts';
import type { AvailableAgent, StatConfig } from '../../../src/stats/stat-types.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';
import { prng } from '../../support/prng.ts';

const ids = (xs: Iterable<{ agentId: string }>): string[] => [...xs].map((x) => x.agentId);

describe('ReadyOrder: a group\'s Ready members, longest Ready first', () => {
  test('appending in clock order gives readySince order', () => {
    const o = new ReadyOrder();
    o.add({ agentId: 'c', readySince: 1 });
    o.add({ agentId: 'a', readySince: 2 });
    o.add({ agentId: 'b', readySince: 3 });
    assert.deepEqual(ids(o.ordered()), ['c', 'a', 'b']);
  });
  test('equal readySince: AgentID decides, whatever the arrival order', () => {
    const o = new ReadyOrder();
    o.add({ agentId: 'z', readySince: 1 });
    o.add({ agentId: 'c', readySince: 5 });
    o.add({ agentId: 'a', readySince: 5 });
    o.add({ agentId: 'b', readySince: 5 });
    o.add({ agentId: 'y', readySince: 6 });
    assert.deepEqual(ids(o.ordered()), ['z', 'a', 'b', 'c', 'y']);
  });
  test('leaving and re-entering Ready moves the agent to the back', () => {
    const o = new ReadyOrder();
    o.add({ agentId: 'a', readySince: 1 });
    o.add({ agentId: 'b', readySince: 2 });
    o.delete('a');
    assert.deepEqual(ids(o.ordered()), ['b']);
    o.add({ agentId: 'a', readySince: 3 });
    assert.deepEqual(ids(o.ordered()), ['b', 'a']);
    assert.equal(o.size, 2);
    // Re-added without leaving (no delete first): one entry, at its new place.
    o.add({ agentId: 'b', readySince: 4 });
    assert.deepEqual(ids(o.ordered()), ['a', 'b']);
  });
  test('a clock that went backwards: the next read sorts by readySince', () => {
    const o = new ReadyOrder();
    o.add({ agentId: 'a', readySince: 100 });
    o.add({ agentId: 'b', readySince: 50 });
    o.add({ agentId: 'c', readySince: 75 });
    assert.deepEqual(ids(o.ordered()), ['b', 'c', 'a']);
    // After the sort, appends in order stay in order.
    o.add({ agentId: 'd', readySince: 101 });
    assert.deepEqual(ids(o.ordered()), ['b', 'c', 'a', 'd']);
  });
  test('a crowd Ready in one millisecond, in reverse AgentID order, some leaving again: by AgentID', () => {
    const o = new ReadyOrder();
    o.add({ agentId: 'first', readySince: 1 });
    const names = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    for (const n of [...names].reverse()) o.add({ agentId: n, readySince: 7 });
    for (const n of names.filter((_, i) => i % 3 === 0)) o.delete(n);
    o.add({ agentId: 'k000', readySince: 7 });
    const want = ['first', ...names.filter((_, i) => i % 3 !== 0 || i === 0)];
    assert.deepEqual(ids(o.ordered()), want);
  });
  test('random adds, re-adds and deletes (ties, clock backwards): always the sorted order', () => {
    const rnd = prng(23);
    const o = new ReadyOrder();
    const ref = new Map<string, number>();
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      const id = `a${Math.floor(rnd() * 150)}`;
      const r = rnd();
      now += r < 0.5 ? 0 : r < 0.98 ? 1 : -3;
      if (rnd() < 0.35) {
        o.delete(id);
        ref.delete(id);
      } else {
        o.add({ agentId: id, readySince: now });
        ref.set(id, now);
      }
      if (i % 7 === 0) {
        const want = [...ref].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([k]) => k);
        assert.deepEqual(ids(o.ordered()), want, `step ${i}`);
        assert.equal(o.size, ref.size);
      }
    }
  });
  test('deleting an unknown agent is harmless; emptied, it starts over', () => {
    const o = new ReadyOrder();
    o.delete('nobody');
    o.add({ agentId: 'a', readySince: 100 });
    o.delete('a');
    o.add({ agentId: 'b', readySince: 10 });
    o.add({ agentId: 'c', readySince: 20 });
    assert.deepEqual(ids(o.ordered()), ['b', 'c']);
  });
});

// ------------------------------------------------------------------ StatCore with the index

const T0 = 1_000_000;
const baseAgents = [
  { agentId: 'a1', userName: 'alice' },
  { agentId: 'a2', userName: 'bob' },
  { agentId: 'a3', userName: 'carol' },
  { agentId: 'a4', userName: 'dave' },
  // Two logins of one Person: equal KW names in round-robin.
  { agentId: 'a5', userName: 'erin' },
  { agentId: 'a6', userName: 'erin' },
];
const configA: StatConfig = {
  agents: baseAgents,
  groups: [
    { name: 'Sales', members: ['alice', 'bob', 'erin'] },
    { name: 'All', members: ['alice', 'bob', 'carol', 'dave', 'erin'] },
  ],
  dns: ['7001', '7002', '7003', '7004', '7005', '7006'],
};
/** Membership changed: bob and erin leave Sales, carol joins; a new group; All is gone. */
const configB: StatConfig = {
  agents: baseAgents,
  groups: [
    { name: 'Sales', members: ['carol', 'alice'] },
    { name: 'Night', members: ['dave', 'bob', 'erin'] },
  ],
  dns: configA.dns,
};

const ev = (message: string, attrs: Record<string, unknown>): TlibEvent => ({ message, ...attrs }) as unknown as TlibEvent;
const login = (dn: string, id: string): TlibEvent => ev('EventAgentLogin', { ThisDN: dn, AgentID: id, AgentWorkMode: 'ManualIn' });
const ready = (dn: string, id: string): TlibEvent => ev('EventAgentReady', { ThisDN: dn, AgentID: id, AgentWorkMode: 'Unknown' });
const notReady = (dn: string, id: string): TlibEvent => ev('EventAgentNotReady', { ThisDN: dn, AgentID: id, AgentWorkMode: 'AuxWork' });

/** What availableAgents must be, from the agents' snapshots: Ready members by (readySince, AgentID). */
function reference(core: StatCore, config: StatConfig, group: string): AvailableAgent[] {
  const g = config.groups.find((x) => x.name === group);
  if (!g) return [];
  const out: AvailableAgent[] = [];
  for (const a of config.agents) {
    if (!g.members.includes(a.userName)) continue;
    const s = core.agent(a.agentId);
    if (s && s.state === 'Ready' && s.dn !== undefined && s.readySince !== undefined) out.push({ agentId: s.agentId, userName: s.userName, dn: s.dn, readySince: s.readySince });
  }
  return out.sort((x, y) => x.readySince - y.readySince || (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0));
}

describe('StatCore Ready index: availableAgents, readyInOrder and roundRobinFrom', () => {
  test('leave and re-enter Ready: back of the order; Busy leaves it while the call lasts', () => {
    const core = new StatCore(configA, T0);
    core.apply(login('7001', 'a1'), T0 + 1);
    core.apply(login('7002', 'a2'), T0 + 2);
    core.apply(login('7003', 'a3'), T0 + 3);
    assert.deepEqual(ids(core.readyInOrder('All')), ['a1', 'a2', 'a3']);
    core.apply(notReady('7001', 'a1'), T0 + 4);
    core.apply(ev('EventRinging', { ThisDN: '7002', ConnID: 'c1' }), T0 + 5);
    assert.deepEqual(ids(core.readyInOrder('All')), ['a3']);
    core.apply(ready('7001', 'a1'), T0 + 6);
    core.apply(ev('EventReleased', { ThisDN: '7002', ConnID: 'c1' }), T0 + 7);
    assert.deepEqual(core.availableAgents('All').map((a) => [a.agentId, a.readySince - T0]), [['a3', 3], ['a1', 6], ['a2', 7]]);
    assert.deepEqual(ids(core.readyInOrder('Sales')), ['a1', 'a2']);
  });

  test('same millisecond: AgentID decides; the Ready DN is the current one', () => {
    const core = new StatCore(configA, T0);
    core.apply(login('7004', 'a4'), T0);
    core.apply(login('7003', 'a3'), T0);
    core.apply(login('7001', 'a1'), T0);
    // a3 moves to another DN while Ready: same place, new DN.
    core.apply(ready('7005', 'a3'), T0 + 9);
    assert.deepEqual(core.availableAgents('All').map((a) => `${a.agentId}@${a.dn}`), ['a1@7001', 'a3@7005', 'a4@7004']);
  });

  test('a configuration with other members: each group rebuilt in readySince order, Ready agents kept', () => {
    const core = new StatCore(configA, T0);
    core.apply(login('7004', 'a4'), T0 + 10);
    core.apply(login('7002', 'a2'), T0 + 20);
    core.apply(login('7003', 'a3'), T0 + 30);
    core.apply(login('7001', 'a1'), T0 + 40);
    core.apply(login('7005', 'a5'), T0 + 50);
    assert.deepEqual(ids(core.readyInOrder('Sales')), ['a2', 'a1', 'a5']);
    core.setConfig(configB, T0 + 60);
    assert.deepEqual(ids(core.readyInOrder('Sales')), ['a3', 'a1']);
    assert.deepEqual(ids(core.readyInOrder('Night')), ['a4', 'a2', 'a5']);
    assert.deepEqual(core.availableAgents('All'), [], 'a removed group has no members');
    // Changes after the reload follow the new membership.
    core.apply(notReady('7003', 'a3'), T0 + 70);
    core.apply(login('7006', 'a6'), T0 + 80);
    assert.deepEqual(ids(core.readyInOrder('Sales')), ['a1']);
    assert.deepEqual(ids(core.readyInOrder('Night')), ['a4', 'a2', 'a5', 'a6']);
    assert.deepEqual(ids(core.roundRobinFrom('Night', 'bob')), ['a4', 'a5', 'a6', 'a2']);
  });

  test('round-robin: by KW name after the cursor, wrapping; one name with two logins longest Ready first', () => {
    const core = new StatCore(configA, T0);
    core.apply(login('7006', 'a6'), T0 + 1);
    core.apply(login('7005', 'a5'), T0 + 2);
    core.apply(login('7002', 'a2'), T0 + 3);
    core.apply(login('7001', 'a1'), T0 + 4);
    assert.deepEqual(ids(core.roundRobinFrom('Sales', undefined)), ['a1', 'a2', 'a6', 'a5']);
    assert.deepEqual(ids(core.roundRobinFrom('Sales', 'alice')), ['a2', 'a6', 'a5', 'a1']);
    assert.deepEqual(ids(core.roundRobinFrom('Sales', 'bz')), ['a6', 'a5', 'a1', 'a2'], 'a cursor KW gone: the next name');
    assert.deepEqual(ids(core.roundRobinFrom('Sales', 'erin')), ['a1', 'a2', 'a6', 'a5'], 'after the last name: wraps');
    assert.deepEqual(ids(core.roundRobinFrom('Nope', undefined)), []);
  });

  test('read lazily: an agent that leaves Ready while the caller is between steps is not given', () => {
    const core = new StatCore(configA, T0);
    core.apply(login('7001', 'a1'), T0 + 1);
    core.apply(login('7002', 'a2'), T0 + 2);
    core.apply(login('7003', 'a3'), T0 + 3);
    const it = core.readyInOrder('All')[Symbol.iterator]();
    assert.equal(it.next().value?.agentId, 'a1');
    core.apply(notReady('7002', 'a2'), T0 + 4);
    assert.equal(it.next().value?.agentId, 'a3');
    const rr = core.roundRobinFrom('All', undefined)[Symbol.iterator]();
    assert.equal(rr.next().value?.agentId, 'a1');
    core.apply(notReady('7003', 'a3'), T0 + 5);
    assert.equal(rr.next().done, true);
  });

  test('5,000 random events with ties, a clock that goes backwards and reloads: the same lists as sorting from scratch', () => {
    const rnd = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    let config = configA;
    const core = new StatCore(config, T0);
    const dns = configA.dns;
    const agentIds = baseAgents.map((a) => a.agentId);
    let now = T0;
    for (let i = 0; i < 5000; i++) {
      // Mostly forward, often the same millisecond, sometimes backwards.
      const r = rnd();
      now += r < 0.4 ? 0 : r < 0.95 ? 1 + Math.floor(rnd() * 5) : -Math.floor(rnd() * 20);
      const kind = pick(['login', 'ready', 'notready', 'logout', 'ring', 'release', 'reload'] as const);
      const dn = pick(dns);
      if (kind === 'reload') {
        config = config === configA ? configB : configA;
        core.setConfig(config, now);
      } else if (kind === 'ring' || kind === 'release') {
        core.apply(ev(kind === 'ring' ? 'EventRinging' : 'EventReleased', { ThisDN: dn, ConnID: `c${Math.floor(rnd() * 3)}` }), now);
      } else {
        const id = pick(agentIds);
        core.apply(kind === 'login' ? login(dn, id) : kind === 'ready' ? ready(dn, id) : kind === 'notready' ? notReady(dn, id) : ev('EventAgentLogout', { ThisDN: dn, AgentID: id }), now);
      }
      for (const g of ['Sales', 'All', 'Night']) {
        const want = reference(core, config, g);
        assert.deepEqual(core.availableAgents(g), want, `event ${i}: ${g}`);
        assert.deepEqual([...core.readyInOrder(g)], want, `event ${i}: ${g} lazily`);
        for (const cursor of [undefined, 'alice', 'bob', 'c', 'erin', 'zed']) {
          const rr = orderCandidates('round-robin', want, new Set(), cursor);
          assert.deepEqual([...core.roundRobinFrom(g, cursor)], rr, `event ${i}: ${g} round-robin after ${cursor}`);
        }
        const top = want[0];
        assert.equal(core.value({ object: 'group', id: g, stat: 'MaxTimeInReadyState' }, now + 1000), config.groups.some((x) => x.name === g) ? (top === undefined ? 0 : now + 1000 - top.readySince) : undefined);
      }
    }
  });
});
