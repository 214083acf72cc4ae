/**
 * StatService against a real T-Server (ManualClock) through a TlibClient, in process as `ucc start`
 * runs it and over framed in-memory T-Lib: the statistics follow what the T-Server does and
 * subscriptions notify on change.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, setup, type Setup } from '../tserver/harness.ts';
import { settle } from '../../support/virtual-time.ts';
import { StatService } from '../../../src/stats/stat-service.ts';
import { statConfigFromObjects } from '../../../src/stats/stat-config.ts';
import type { StatConfig, StatNotification } from '../../../src/stats/stat-types.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';

const statConfig: StatConfig = {
  agents: [
    { agentId: 'a1', userName: 'alice' },
    { agentId: 'a2', userName: 'bob' },
    { agentId: 'a3', userName: 'carol' },
  ],
  groups: [{ name: 'Sales', members: ['alice', 'bob', 'carol'] }],
  dns: ['7001', '7002', '7003', 'RP1', 'Q1'],
};

type World = Setup & {
  stats: StatService;
  /** Lets the events of what was just done reach the statistics (no time passes). */
  sync(): Promise<void>;
  close(): Promise<void>;
};

/** A T-Lib client over an in-process pipe, as `ucc start` connects the statistics. */
const inProcessTlib = (s: Setup): TlibClient => new TlibClient({ target: { kind: 'memory', connect: () => s.server.connectInProcess() }, clock: s.clock });

const sync = (s: Setup): Promise<void> => settle(s.clock, 5);

async function world(options: Record<string, string | number> = {}): Promise<World> {
  const s = setup({ options: { 'wrap-up-time': 5, ...options } });
  const stats = new StatService({ config: statConfig, clock: s.clock });
  const tlib = inProcessTlib(s);
  await stats.connect(tlib);
  return {
    ...s,
    stats,
    sync: () => sync(s),
    async close() {
      stats.close();
      tlib.close();
      await s.server.close();
    },
  };
}

/** A trunk call to RP1 routed to `dn` by a router client; returns the ConnID. */
function routedCall(w: Setup, router: ReturnType<Setup['client']>, dn: string): string {
  const caller = w.client();
  caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
  const dial = caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1' });
  const connId = String(dial[0]?.ConnID);
  router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: dn, RouteType: 'Default' });
  return connId;
}

describe('StatService over an in-process T-Lib client', () => {
  test('an agent through login, a routed call, ACW (wrap-up-time) and back to Ready', async () => {
    const w = await world();
    try {
      const router = w.client();
      router.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
      const a1 = agentOn(w, '7001', 'a1');
      await w.sync();
      assert.equal(w.stats.agent('alice')?.state, 'Ready');
      assert.equal(w.stats.agent('a1')?.dn, '7001');
      w.clock.advance(1000);
      const connId = routedCall(w, router, '7001');
      await w.sync();
      assert.equal(w.stats.value({ object: 'agent', id: 'a1', stat: 'CurrentAgentState' }), 'Busy');
      assert.deepEqual(w.stats.agent('a1')?.calls, [connId]);
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'TotalNumberCallsDistributed' }), 1);
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'CurrNumberWaitingCalls' }), 0);
      a1.req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
      await w.sync();
      w.clock.advance(2000);
      a1.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
      await w.sync();
      assert.equal(w.stats.agent('a1')?.state, 'AfterCallWork');
      w.clock.advance(3000);
      assert.equal(w.stats.value({ object: 'agent', id: 'a1', stat: 'TimeInCurrentState' }), 3000);
      w.clock.advance(2000);
      await w.sync();
      assert.equal(w.stats.agent('a1')?.state, 'Ready', 'timed ACW ended at wrap-up-time');
      assert.equal(w.stats.agent('a1')?.readySince, w.clock.now());
      a1.req({ message: 'RequestAgentLogout', ThisDN: '7001' });
      await w.sync();
      assert.equal(w.stats.agent('a1')?.state, 'LoggedOut');
    } finally {
      await w.close();
    }
  });

  test('waiting calls and abandons on a routing point', async () => {
    const w = await world();
    try {
      const router = w.client();
      router.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
      const caller = w.client();
      caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
      const c1 = String(caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1' })[0]?.ConnID);
      caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1' });
      await w.sync();
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'CurrNumberWaitingCalls' }), 2);
      caller.req({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: c1 });
      await w.sync();
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'CurrNumberWaitingCalls' }), 1);
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'TotalNumberCallsAbandoned' }), 1);
      assert.equal(w.stats.value({ object: 'dn', id: 'RP1', stat: 'TotalNumberCallsEntered' }), 2);
    } finally {
      await w.close();
    }
  });

  test('availableAgents: longest idle first; Busy, NotReady and ACW agents are left out', async () => {
    const w = await world();
    try {
      const router = w.client();
      router.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
      const a2 = agentOn(w, '7002', 'a2');
      await w.sync();
      w.clock.advance(10);
      agentOn(w, '7003', 'a3');
      await w.sync();
      w.clock.advance(10);
      agentOn(w, '7001', 'a1');
      await w.sync();
      assert.deepEqual(w.stats.availableAgents('Sales').map((a) => [a.agentId, a.userName, a.dn]), [['a2', 'bob', '7002'], ['a3', 'carol', '7003'], ['a1', 'alice', '7001']]);
      routedCall(w, router, '7003');
      a2.req({ message: 'RequestAgentNotReady', ThisDN: '7002', AgentWorkMode: 'AuxWork' });
      await w.sync();
      assert.deepEqual(w.stats.availableAgents('Sales').map((a) => a.agentId), ['a1']);
      w.clock.advance(10);
      a2.req({ message: 'RequestAgentReady', ThisDN: '7002' });
      await w.sync();
      assert.deepEqual(w.stats.availableAgents('Sales').map((a) => a.agentId), ['a1', 'a2'], 'a2 is Ready again, but since later than a1');
      assert.equal(w.stats.value({ object: 'group', id: 'Sales', stat: 'CurrNumberBusyStatuses' }), 1);
    } finally {
      await w.close();
    }
  });

  test('notify-on-change: state changes notify, repeats do not; unsubscribe stops; a throwing listener is contained', async () => {
    const w = await world();
    const log = memoryLogger();
    const stats = new StatService({ config: statConfig, clock: w.clock, logger: log });
    const tlib = inProcessTlib(w);
    await stats.connect(tlib);
    try {
      const seen: Array<[string, unknown]> = [];
      const push = (n: StatNotification): void => void seen.push([n.ref.stat, n.value]);
      const offState = stats.subscribe({ object: 'agent', id: 'alice', stat: 'CurrentAgentState' }, push);
      stats.subscribe({ object: 'group', id: 'Sales', stat: 'CurrNumberReadyStatuses' }, push);
      stats.subscribe({ object: 'agent', id: 'a1', stat: 'TimeInCurrentState' }, push);
      stats.subscribe({ object: 'dn', id: 'RP1', stat: 'CurrNumberWaitingCalls' }, () => { throw new Error('boom'); });
      const a1 = agentOn(w, '7001', 'a1', 'AuxWork');
      await w.sync();
      w.clock.advance(500);
      a1.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork' });
      a1.req({ message: 'RequestAgentReady', ThisDN: '7001' });
      a1.req({ message: 'RequestAgentReady', ThisDN: '7001' });
      await w.sync();
      assert.deepEqual(seen, [
        ['TimeInCurrentState', 0], ['CurrentAgentState', 'NotReady'],
        ['TimeInCurrentState', 0], ['CurrentAgentState', 'Ready'], ['CurrNumberReadyStatuses', 1],
      ]);
      offState();
      seen.length = 0;
      a1.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork' });
      await w.sync();
      assert.deepEqual(seen, [['TimeInCurrentState', 0], ['CurrNumberReadyStatuses', 0]]);
      const caller = w.client();
      caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
      caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1' });
      await w.sync();
      assert.ok(log.lines.some((l) => l.msg === 'a statistics subscriber threw'));
      assert.equal(stats.value({ object: 'dn', id: 'RP1', stat: 'CurrNumberWaitingCalls' }), 1, 'statistics go on after a listener threw');
    } finally {
      stats.close();
      tlib.close();
      await w.close();
    }
  });

  test('start-up: agents already logged in are picked up from EventRegistered', async () => {
    const s = setup({ options: { 'wrap-up-time': 5 } });
    try {
      agentOn(s, '7001', 'a1');
      const a2 = agentOn(s, '7002', 'a2', 'AuxWork');
      a2.req({ message: 'RequestAgentNotReady', ThisDN: '7002', AgentWorkMode: 'AfterCallWork' });
      s.clock.advance(100);
      const stats = new StatService({ config: statConfig, clock: s.clock });
      const tlib = inProcessTlib(s);
      await stats.connect(tlib);
      assert.equal(stats.agent('a1')?.state, 'Ready');
      assert.equal(stats.agent('a2')?.state, 'AfterCallWork');
      assert.equal(stats.agent('a3')?.state, 'LoggedOut');
      stats.close();
      tlib.close();
    } finally {
      await s.server.close();
    }
  });
});

describe('StatService over a TlibClient (framed in-memory T-Lib)', () => {
  test('registers every configured DN in ModeMonitor and follows the agents', async () => {
    const w = setup();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => w.server.connectInMemory() }, clock: w.clock, reconnect: false });
    const stats = new StatService({ config: statConfig, clock: w.clock });
    try {
      await stats.connect(client);
      assert.deepEqual(client.registeredDns().sort(), ['7001', '7002', '7003', 'Q1', 'RP1']);
      const a1 = agentOn(w, '7001', 'a1');
      for (let i = 0; i < 100 && stats.agent('a1')?.state !== 'Ready'; i++) await new Promise((r) => setImmediate(r));
      assert.equal(stats.agent('a1')?.state, 'Ready');
      a1.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork' });
      for (let i = 0; i < 100 && stats.agent('a1')?.state !== 'NotReady'; i++) await new Promise((r) => setImmediate(r));
      assert.equal(stats.agent('a1')?.state, 'NotReady');
    } finally {
      stats.close();
      client.close();
      await w.server.close();
    }
  });
});

describe('statConfigFromObjects', () => {
  test('agents from Persons, groups, and the watched in-service DNs of the switch', () => {
    const o = emptyObjects();
    o.switches.push({ name: 'SW', annex: {} }, { name: 'OTHER', annex: {} });
    o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'a1' }, { switch: 'OTHER', loginCode: 'x1' }], annex: {} });
    o.agentGroups.push({ name: 'Sales', members: ['alice'], annex: {} });
    o.dns.push(
      { switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} },
      { switch: 'SW', number: 'RP1', type: 'Routing Point', register: true, annex: {} },
      { switch: 'SW', number: 'Q1', type: 'ACD Queue', register: false, annex: {} },
      { switch: 'SW', number: 'off', type: 'Extension', register: false, annex: {} },
      { switch: 'SW', number: 'trunk', type: 'Trunk', register: true, annex: {} },
      { switch: 'OTHER', number: '9001', type: 'Extension', register: true, annex: {} },
    );
    assert.deepEqual(statConfigFromObjects(o, 'SW'), { agents: [{ agentId: 'a1', userName: 'alice' }], groups: [{ name: 'Sales', members: ['alice'] }], dns: ['7001', 'RP1', 'Q1'] });
  });
});
