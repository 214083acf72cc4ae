import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, errorCode, names, one, setup } from './harness.ts';

describe('T-Server registration and DNs', () => {
  test('RequestRegisterAddress answers EventRegistered to the requester only, with PresenceType and im-reporting', () => {
    const s = setup();
    const a = s.client();
    const b = s.client();
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    const evs = a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    const r = one(evs, 'EventRegistered');
    assert.equal(r.ThisDN, '7001');
    assert.equal(r.DNType, 'Extension');
    assert.equal(r.AgentState, 'LoggedOut');
    assert.deepEqual(r.Extensions, [['PresenceType', 'local'], ['im-reporting', 'default']]);
    assert.deepEqual(b.take(), [], 'the other registered client gets nothing');
  });

  test('DN names compare case-insensitively and events use the configured name', () => {
    const s = setup();
    const a = s.client();
    const r = one(a.req({ message: 'RequestRegisterAddress', ThisDN: 'SIP:alice@LAB' }), 'EventRegistered');
    assert.equal(r.ThisDN, 'sip:Alice@lab');
  });

  test('an unconfigured DN is refused with 59 TERR_NOT_CONFIGURED', () => {
    const s = setup();
    assert.equal(errorCode(s.client().req({ message: 'RequestRegisterAddress', ThisDN: '9999' })), 59);
  });

  test('a DN with register = false is out of service: 58 TERR_OUT_OF_SERVICE', () => {
    const s = setup();
    assert.equal(errorCode(s.client().req({ message: 'RequestRegisterAddress', ThisDN: 'off' })), 58);
  });

  test('RequestUnregisterAddress: EventUnregistered; 41 when not registered; no more events after', () => {
    const s = setup();
    const a = s.client();
    assert.equal(errorCode(a.req({ message: 'RequestUnregisterAddress', ThisDN: '7001' })), 41);
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    assert.deepEqual(names(a.req({ message: 'RequestUnregisterAddress', ThisDN: '7001' })), ['EventUnregistered']);
    const b = s.client();
    b.req({ message: 'RequestSetDNDOn', ThisDN: '7001' });
    assert.deepEqual(a.take(), []);
  });

  test('every client registered on a DN gets its events (fan-out)', () => {
    const s = setup();
    const c1 = s.client();
    const c2 = s.client();
    const other = s.client();
    c1.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    c2.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    other.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    const evs = c1.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', AgentWorkMode: 'AutoIn' });
    assert.deepEqual(names(evs), ['EventAgentLogin', 'EventAgentReady']);
    const seen = c2.take();
    assert.deepEqual(names(seen), ['EventAgentLogin', 'EventAgentReady']);
    assert.equal(seen[0]?.ReferenceID, undefined, 'ReferenceIDs are per client: only the requester\'s copy carries it');
    assert.deepEqual(other.take(), []);
    assert.ok(typeof evs[0]?.ReferenceID === 'number', 'the reply carries the ReferenceID');
    assert.equal(evs[1]?.ReferenceID, undefined, 'only the first event carries it');
  });

  test('RequestQueryAddress answers EventAddressInfo with the agent and DND status', () => {
    const s = setup();
    agentOn(s, '7001', 'a1', 'AuxWork');
    const q = s.client();
    const info = one(q.req({ message: 'RequestQueryAddress', ThisDN: '7001' }), 'EventAddressInfo');
    assert.equal(info.AgentID, 'a1');
    assert.equal(info.AgentState, 'NotReady');
    assert.equal(info.AgentWorkMode, 'AuxWork');
    assert.equal(info.DNDState, 'Off');
    assert.equal(info.AddressInfoType, 'DNStatus');
  });

  test('DND on/off: EventDNDOn / EventDNDOff to the DN\'s clients; a DND DN cannot be called (93)', () => {
    const s = setup();
    const a = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    assert.deepEqual(names(a.req({ message: 'RequestSetDNDOn', ThisDN: '7002' })), ['EventDNDOn']);
    assert.equal(errorCode(s.client().req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' })), 93);
    assert.deepEqual(names(a.req({ message: 'RequestSetDNDOff', ThisDN: '7002' })), ['EventDNDOff']);
  });

  test('RequestDistributeUserEvent: EventUserEvent to every client registered on the DN, EventACK to the requester', () => {
    const s = setup();
    const r1 = s.client();
    const r2 = s.client();
    const sender = s.client();
    r1.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
    r2.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
    const evs = sender.req({ message: 'RequestDistributeUserEvent', ThisDN: 'RP1', UserData: [['OfferResult', 'accepted']] });
    assert.deepEqual(names(evs), ['EventACK']);
    for (const c of [r1, r2]) {
      const e = one(c.take(), 'EventUserEvent');
      assert.deepEqual(e.UserData, [['OfferResult', 'accepted']]);
      assert.equal(e.ThisDN, 'RP1');
    }
  });
});

describe('T-Server emulated agents', () => {
  test('login, ready, not ready with work mode and reasons, logout', () => {
    const s = setup();
    const c = s.client();
    c.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    assert.deepEqual(names(c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', ThisQueue: 'Q1' })), ['EventAgentLogin', 'EventAgentNotReady']);
    const ready = one(c.req({ message: 'RequestAgentReady', ThisDN: '7001' }), 'EventAgentReady');
    assert.equal(ready.AgentID, 'a1');
    assert.equal(ready.ThisQueue, 'Q1');
    const nr = one(c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork', Reasons: [['KW_UC_STATUS', 'Busy']], Extensions: [['x', '1']] }), 'EventAgentNotReady');
    assert.equal(nr.AgentWorkMode, 'AuxWork');
    assert.deepEqual(nr.Reasons, [['KW_UC_STATUS', 'Busy']]);
    assert.deepEqual(nr.Extensions, [['x', '1']], 'the request\'s Extensions are carried into the event');
    assert.deepEqual(names(c.req({ message: 'RequestAgentLogout', ThisDN: '7001' })), ['EventAgentLogout']);
    assert.equal(s.server.core.agentOn('7001'), undefined);
  });

  const modes = ['AuxWork', 'AfterCallWork', 'LegalGuard', 'WalkAway', 'NoCallDisconnect', 'Unknown'] as const;
  for (const m of modes) {
    test(`NotReady with work mode ${m} is reported with that mode`, () => {
      const s = setup();
      const c = agentOn(s, '7001', 'a1');
      assert.equal(one(c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: m }), 'EventAgentNotReady').AgentWorkMode, m);
    });
  }

  test('free seating: an agent logs in on whatever DN the login arrives on', () => {
    const s = setup();
    agentOn(s, '7002', 'a1');
    assert.equal(s.server.core.agentOn('7002')?.agentId, 'a1');
  });

  test('a second login is refused with 1706 (same DN or same AgentID elsewhere)', () => {
    const s = setup();
    const c = agentOn(s, '7001', 'a1');
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a2' })), 1706);
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'a1' })), 1706);
  });

  const notLoggedIn = ['RequestAgentReady', 'RequestAgentNotReady', 'RequestAgentLogout'] as const;
  for (const m of notLoggedIn) {
    test(`${m} when no agent is logged in: 1707`, () => {
      const s = setup();
      assert.equal(errorCode(s.client().req({ message: m, ThisDN: '7001' })), 1707);
    });
  }

  test('agent-strict-id: only configured Agent Logins may log in (1703)', () => {
    const s = setup({ agentLogins: ['a1'], options: { 'agent-strict-id': true } });
    const c = s.client();
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'ghost' })), 1703);
    // c has not registered 7001: it gets the reply (the ReferenceID event) only.
    assert.deepEqual(names(c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1' })), ['EventAgentLogin']);
  });

  test('a request naming another agent than the one logged in: 1703', () => {
    const s = setup();
    const c = agentOn(s, '7001', 'a1');
    assert.equal(errorCode(c.req({ message: 'RequestAgentReady', ThisDN: '7001', AgentID: 'a2' })), 1703);
  });

  test('login on a routing point is refused (1140); on an unknown DN 59; on an out-of-service DN 58', () => {
    const s = setup();
    const c = s.client();
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: 'RP1', AgentID: 'a1' })), 1140);
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: 'nope', AgentID: 'a1' })), 59);
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: 'off', AgentID: 'a1' })), 58);
  });

  test('an invalid WrapUpTime extension is refused with 53', () => {
    const s = setup();
    const c = agentOn(s, '7001', 'a1');
    assert.equal(errorCode(c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AfterCallWork', Extensions: [['WrapUpTime', 'soon']] })), 53);
  });

  test('logout-on-disconnect: the client that logged the agent in closing logs the agent out', () => {
    const s = setup({ options: { 'logout-on-disconnect': true } });
    const loginClient = agentOn(s, '7001', 'a1');
    const watcher = s.client();
    watcher.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    loginClient.close();
    assert.deepEqual(names(watcher.take()), ['EventAgentLogout']);
    assert.equal(s.server.core.agentOn('7001'), undefined);
  });

  test('with logout-on-disconnect false the agent stays logged in when its client closes', () => {
    const s = setup({ options: { 'logout-on-disconnect': false } });
    agentOn(s, '7001', 'a1').close();
    assert.equal(s.server.core.agentOn('7001')?.agentId, 'a1');
  });

  test('the LogoutOnDisconnect extension on RequestRegisterAddress enables it per client; unregistering also logs out', () => {
    const s = setup({ options: { 'logout-on-disconnect': false } });
    const c = s.client();
    c.req({ message: 'RequestRegisterAddress', ThisDN: '7001', Extensions: [['LogoutOnDisconnect', 'true']] });
    c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1' });
    const watcher = s.client();
    watcher.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    c.req({ message: 'RequestUnregisterAddress', ThisDN: '7001' });
    assert.deepEqual(names(watcher.take()), ['EventAgentLogout']);
  });

  test('a client other than the login client closing does not log the agent out', () => {
    const s = setup({ options: { 'logout-on-disconnect': true } });
    agentOn(s, '7001', 'a1');
    const other = s.client();
    other.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    other.close();
    assert.equal(s.server.core.agentOn('7001')?.agentId, 'a1');
  });

  test('auto-logout-timeout (minutes): an agent left NotReady is logged out after that long', () => {
    const s = setup({ options: { 'auto-logout-timeout': 1 } });
    const c = agentOn(s, '7001', 'a1');
    c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork' });
    s.clock.advance(59_000);
    assert.deepEqual(c.take(), []);
    s.clock.advance(1_000);
    assert.deepEqual(names(c.take()), ['EventAgentLogout']);
  });

  test('auto-logout restarts on each agent request', () => {
    const s = setup({ options: { 'auto-logout-timeout': 1 } });
    const c = agentOn(s, '7001', 'a1', 'AuxWork');
    s.clock.advance(50_000);
    c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'WalkAway' });
    s.clock.advance(50_000);
    assert.deepEqual(c.take(), []);
    s.clock.advance(10_000);
    assert.deepEqual(names(c.take()), ['EventAgentLogout']);
  });

  test('ACW in idle through RequestAgentNotReady(AfterCallWork) with WrapUpTime, back to Ready on the timer', () => {
    const s = setup();
    const c = agentOn(s, '7001', 'a1');
    const nr = one(c.req({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AfterCallWork', Extensions: [['WrapUpTime', 15]] }), 'EventAgentNotReady');
    assert.deepEqual(nr.Extensions, [['WrapUpTime', 15]]);
    s.clock.advance(15_000);
    assert.deepEqual(names(c.take()), ['EventAgentReady']);
    assert.equal(s.server.pendingTimers, 0);
  });
});

describe('T-Server reconfiguration', () => {
  test('options take effect at once: new DNs come into service, removed DNs go out of service (58), new values apply to the next login', async () => {
    const { createTServerConfig } = await import('../../../src/tserver/tserver-config.ts');
    const s = setup({ dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }], options: { 'wrap-up-time': 10 } });
    agentOn(s, '7001', 'a1');
    s.server.reconfigure(createTServerConfig({ dns: [{ name: '7001', type: 'Extension' }, { name: '7009', type: 'Extension' }], options: { 'wrap-up-time': 'untimed', 'agent-strict-id': true }, agentLogins: ['a9'] }));
    const c = s.client();
    assert.equal(errorCode(c.req({ message: 'RequestRegisterAddress', ThisDN: '7002' })), 58);
    assert.deepEqual(names(c.req({ message: 'RequestRegisterAddress', ThisDN: '7009' })), ['EventRegistered']);
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: '7009', AgentID: 'a2' })), 1703);
    c.req({ message: 'RequestAgentLogin', ThisDN: '7009', AgentID: 'a9' });
    assert.equal(s.server.core.agentOn('7009')?.settings.wrapUpTime, 'untimed');
    assert.equal(s.server.core.agentOn('7001')?.settings.wrapUpTime, 10, 'a logged-in agent keeps the settings of its login');
  });
});

describe('T-Server session settings through the option resolver', () => {
  test('legal-guard-time: the LegalGuardTime login Extension > Agent Login > Application; an unusable Extension is ignored; a DN value is not read', () => {
    const s = setup({
      options: { 'legal-guard-time': 4 },
      agentLogins: [{ agentId: 'a2', options: { 'legal-guard-time': 6 } }, 'a1', 'a3', 'a4'],
      extraDns: [{ name: '7004', type: 'Extension', options: { 'legal-guard-time': 9 } }],
    });
    agentOn(s, '7001', 'a1', 'AutoIn', [['LegalGuardTime', 2]]);
    agentOn(s, '7002', 'a2');
    agentOn(s, '7003', 'a3', 'AutoIn', [['LegalGuardTime', 'soon']]);
    agentOn(s, '7004', 'a4');
    assert.equal(s.server.core.agentOn('7001')?.settings.legalGuardTime, 2);
    assert.equal(s.server.core.agentOn('7002')?.settings.legalGuardTime, 6);
    assert.equal(s.server.core.agentOn('7003')?.settings.legalGuardTime, 4);
    assert.equal(s.server.core.agentOn('7004')?.settings.legalGuardTime, 4, 'the option table declares legal-guard-time on Agent Logins and the Application only');
  });

  test('an invalid NO_ANSWER_ACTION login Extension is refused with 53; T-Library spellings of not ready are read', () => {
    const s = setup();
    const c = s.client();
    assert.equal(errorCode(c.req({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', Extensions: [['NO_ANSWER_ACTION', 'sleep']] })), 53);
    agentOn(s, '7001', 'a1', 'AutoIn', [['NO_ANSWER_ACTION', 'NOT_READY']]);
    assert.equal(s.server.core.agentOn('7001')?.settings.noAnswerAction, 'notready');
  });
});
