import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, errorCode, names, one, setup, type Setup, type TestClient } from './harness.ts';

/** A router registered on RP1 and a customer call from the trunk with UserData; returns the ConnID. */
function inbound(s: Setup, opts: { router?: boolean; rp?: string } = {}): { router: TestClient | undefined; caller: TestClient; connId: string } {
  const rp = opts.rp ?? 'RP1';
  let router: TestClient | undefined;
  if (opts.router !== false) {
    router = s.client();
    router.req({ message: 'RequestRegisterAddress', ThisDN: rp });
  }
  const caller = s.client();
  caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
  const d = one(caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: rp, UserData: [['CustomerSegment', 'gold']] }), 'EventDialing');
  assert.equal(d.CallType, 'Inbound');
  return { router, caller, connId: d.ConnID as string };
}

describe('T-Server routing points', () => {
  test('a call arriving at a routing point: EventQueued then EventRouteRequest with the UserData to the routing client', () => {
    const s = setup();
    const { router, connId } = inbound(s);
    const evs = router?.take() ?? [];
    assert.deepEqual(names(evs), ['EventQueued', 'EventRouteRequest']);
    assert.equal(evs[1]?.ConnID, connId);
    assert.equal(evs[1]?.OtherDN, 'trunk');
    assert.deepEqual(evs[1]?.UserData, [['CustomerSegment', 'gold']]);
  });

  test('RequestRouteCall (Default): EventRouteUsed + EventDiverted on the RP, EventRinging on the target; answer establishes both', () => {
    const s = setup();
    const agent = agentOn(s, '7001', 'a1');
    const { router, caller, connId } = inbound(s);
    router?.take();
    const evs = router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001', RouteType: 'Default' }) ?? [];
    assert.deepEqual(names(evs), ['EventRouteUsed', 'EventDiverted']);
    assert.equal(evs[0]?.OtherDN, '7001');
    const ring = one(agent.take(), 'EventRinging');
    assert.equal(ring.ThirdPartyDN, 'RP1');
    assert.deepEqual(ring.UserData, [['CustomerSegment', 'gold']]);
    agent.req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
    assert.equal(one(caller.take(), 'EventEstablished').OtherDN, '7001');
    assert.deepEqual(s.server.core.callsOn('RP1'), []);
  });

  test('RequestRouteCall with UserData updates the call\'s UserData before it rings', () => {
    const s = setup();
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inbound(s);
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001', UserData: [['RTargetAgentSelected', 'a1']] });
    assert.deepEqual(one(agent.take(), 'EventRinging').UserData, [['CustomerSegment', 'gold'], ['RTargetAgentSelected', 'a1']]);
  });

  const drops = [['Reject', 'Busy'], ['CallDisconnect', 'Cleared']] as const;
  for (const [type, state] of drops) {
    test(`RouteType ${type}: EventRouteUsed on the RP and the caller is released (${state})`, () => {
      const s = setup();
      const { router, caller, connId } = inbound(s);
      router?.take();
      caller.take();
      assert.deepEqual(names(router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, RouteType: type }) ?? []), ['EventRouteUsed']);
      assert.equal(one(caller.take(), 'EventReleased').CallState, state);
      assert.equal(s.server.core.callCount, 0);
    });
  }

  test('route errors: 481 agent not signed in, 71 invalid target, 470 call not on this RP, 291 already routed, 56 unknown ConnID', () => {
    const s = setup();
    agentOn(s, '7002', 'a2');
    const { router, connId } = inbound(s);
    const r = router as TestClient;
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' })), 481);
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: 'nowhere' })), 71);
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId })), 71);
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP2', ConnID: connId, OtherDN: '7002' })), 470);
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: 'ffffffffffffffff', OtherDN: '7002' })), 56);
    names(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7002' }));
    assert.equal(errorCode(r.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7002' })), 291);
  });

  test('no routing client registered: the call goes to default-dn at once (EventDiverted)', () => {
    const s = setup({ options: { 'default-dn': '7001' } });
    const agent = agentOn(s, '7001', 'a1');
    const watcher = s.client();
    const { connId } = inbound(s, { router: false });
    watcher.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
    assert.equal(one(agent.take(), 'EventRinging').ConnID, connId);
    assert.deepEqual(s.server.core.callsOn('RP1'), []);
  });

  test('a client registered in ModeMonitor (Stat Server) sees the call but is not a routing client: default-dn at once', () => {
    const s = setup({ options: { 'default-dn': '7001', 'router-timeout': 10 } });
    const agent = agentOn(s, '7001', 'a1');
    const stats = s.client();
    stats.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1', RegisterMode: 'ModeMonitor' });
    stats.take();
    const { connId } = inbound(s, { router: false });
    assert.equal(one(agent.take(), 'EventRinging').ConnID, connId);
    assert.deepEqual(names(stats.take()), ['EventQueued', 'EventDiverted'], 'no route request: nobody would answer it');
  });

  test('router-timeout: no route within the timeout sends the call to default-dn; the RP option overrides the Application', () => {
    const s = setup({ options: { 'default-dn': '7001', 'router-timeout': 10 }, extraDns: [{ name: 'RP3', type: 'RoutingPoint', options: { 'router-timeout': 3, 'default-dn': '7002' } }] });
    const a1 = agentOn(s, '7001', 'a1');
    const a2 = agentOn(s, '7002', 'a2');
    const { router } = inbound(s);
    s.clock.advance(9_999);
    assert.deepEqual(a1.take(), []);
    s.clock.advance(1);
    one(a1.take(), 'EventRinging');
    assert.deepEqual(names(router?.take() ?? []), ['EventQueued', 'EventRouteRequest', 'EventDiverted']);
    inbound(s, { rp: 'RP3' });
    s.clock.advance(3_000);
    one(a2.take(), 'EventRinging');
  });

  test('a route arriving in time cancels the router timer', () => {
    const s = setup({ options: { 'default-dn': '7002', 'router-timeout': 5, 'no-answer-timeout': 0 } });
    agentOn(s, '7001', 'a1');
    const a2 = agentOn(s, '7002', 'a2');
    const { router, connId } = inbound(s);
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    s.clock.advance(60_000);
    assert.deepEqual(a2.take(), []);
  });

  test('default-redirection-limit: redirections to default-dn stop at the limit and the call stays queued', () => {
    // RP1 defaults to RP2 and RP2 to RP1, neither has a router: a loop the limit breaks.
    const s = setup({
      dns: [
        { name: 'RPA', type: 'RoutingPoint', options: { 'default-dn': 'RPB' } },
        { name: 'RPB', type: 'RoutingPoint', options: { 'default-dn': 'RPA' } },
        { name: 'trunk', type: 'Trunk' },
      ],
      options: { 'default-redirection-limit': 3 },
    });
    const caller = s.client();
    const connId = one(caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RPA' }), 'EventDialing').ConnID as string;
    const call = s.server.core.call(connId);
    assert.equal(call?.routing?.redirections, 3);
    assert.deepEqual(s.server.core.callsOn('RPB'), [connId], 'A -> B -> A -> B, then it stays');
  });

  test('no default-dn: with no router the call waits on the routing point', () => {
    const s = setup();
    const { connId } = inbound(s, { router: false });
    assert.deepEqual(s.server.core.callsOn('RP1'), [connId]);
  });

  const actions = [
    { action: 'none', after: 'Ready', events: [] as string[] },
    { action: 'notready', after: 'NotReady', events: ['EventAgentNotReady'] },
    { action: 'logout', after: undefined, events: ['EventAgentLogout'] },
  ] as const;
  for (const c of actions) {
    test(`no-answer supervision, no-answer-action ${c.action}: EventError, EventReleased at the target, the agent action, and the call is routable again`, () => {
      const s = setup({ options: { 'no-answer-timeout': 12, 'no-answer-action': c.action } });
      const agent = agentOn(s, '7001', 'a1');
      const { router, connId } = inbound(s);
      router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
      agent.take();
      s.clock.advance(11_999);
      assert.deepEqual(agent.take(), []);
      s.clock.advance(1);
      const evs = agent.take();
      assert.deepEqual(names(evs), ['EventError', 'EventReleased', ...c.events]);
      assert.equal(evs[0]?.ErrorCode, 236);
      assert.match(String(evs[0]?.ErrorMessage), /TERR_DN_NO_ANSWER/);
      assert.equal(evs[1]?.CallState, 'NoAnswer');
      assert.equal(s.server.core.agentOn('7001')?.state, c.after);
      const r = router?.take() ?? [];
      assert.deepEqual(names(r), ['EventError', 'EventQueued', 'EventRouteRequest']);
      assert.equal(r[2]?.ConnID, connId);
      assert.deepEqual(s.server.core.callsOn('RP1'), [connId]);
    });
  }

  test('no-answer-action precedence: RouteCall NO_ANSWER_ACTION > Agent Login > Extension DN > Application; NO_ANSWER_TIMEOUT overrides, 0 is ignored', () => {
    const s = setup({
      options: { 'no-answer-timeout': 10, 'no-answer-action': 'none' },
      agentLogins: [{ agentId: 'a1', options: { 'no-answer-action': 'logout' } }],
      extraDns: [{ name: '7009', type: 'Extension', options: { 'no-answer-action': 'not ready' } }],
    });
    agentOn(s, '7009', 'a9');
    agentOn(s, '7001', 'a1');
    assert.equal(s.server.core.agentOn('7009')?.settings.noAnswerAction, 'notready');
    assert.equal(s.server.core.agentOn('7001')?.settings.noAnswerAction, 'logout');
    const { router, connId } = inbound(s);
    // Timeout 0 in the request is ignored: the Application's 10 s applies; the request's action wins.
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001', Extensions: [['NO_ANSWER_TIMEOUT', 0], ['NO_ANSWER_ACTION', 'not ready']] });
    s.clock.advance(10_000);
    assert.equal(s.server.core.agentOn('7001')?.state, 'NotReady');
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7009', Extensions: [['NO_ANSWER_TIMEOUT', '3']] });
    s.clock.advance(3_000);
    assert.equal(s.server.core.agentOn('7009')?.state, 'NotReady');
  });

  test('an answer before the no-answer timeout stops supervision', () => {
    const s = setup({ options: { 'no-answer-timeout': 5, 'no-answer-action': 'logout' } });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inbound(s);
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    agent.req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
    s.clock.advance(60_000);
    assert.equal(s.server.core.agentOn('7001')?.state, 'Ready');
    assert.equal(s.server.pendingTimers, 0);
  });

  test('default routing is supervised too: no answer at default-dn goes back to the RP and counts a redirection', () => {
    const s = setup({ options: { 'default-dn': '7001', 'no-answer-timeout': 5, 'default-redirection-limit': 2 } });
    const agent = agentOn(s, '7001', 'a1');
    const { connId } = inbound(s, { router: false });
    s.clock.advance(5_000);
    s.clock.advance(5_000);
    assert.deepEqual(names(agent.take()).filter((n) => n === 'EventRinging'), ['EventRinging', 'EventRinging']);
    assert.deepEqual(s.server.core.callsOn('RP1'), [connId], 'after 2 redirections the call stays on the RP');
  });

  test('the agent rejecting a routed call (release while ringing) sends it back to the routing point', () => {
    const s = setup();
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inbound(s);
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    assert.deepEqual(names(agent.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId })), ['EventReleased']);
    assert.deepEqual(names(router?.take() ?? []), ['EventQueued', 'EventRouteRequest']);
  });

  test('abandon while queued on the routing point: EventAbandoned on the RP, timers cancelled', () => {
    const s = setup({ options: { 'router-timeout': 30, 'default-dn': '7001' } });
    const { router, caller, connId } = inbound(s);
    router?.take();
    caller.req({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId });
    assert.equal(one(router?.take() ?? [], 'EventAbandoned').ConnID, connId);
    assert.equal(s.server.pendingTimers, 0);
    assert.equal(s.server.core.callCount, 0);
  });

  test('abandon while ringing at the routed agent: EventAbandoned to the agent', () => {
    const s = setup();
    const agent = agentOn(s, '7001', 'a1');
    const { router, caller, connId } = inbound(s);
    router?.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    agent.take();
    caller.req({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId });
    assert.deepEqual(names(agent.take()), ['EventAbandoned']);
    assert.equal(s.server.pendingTimers, 0);
  });

  test('an ACD queue queues the call (EventQueued) without a route request', () => {
    const s = setup();
    const q = s.client();
    q.req({ message: 'RequestRegisterAddress', ThisDN: 'Q1' });
    inbound(s, { router: false, rp: 'Q1' });
    assert.deepEqual(names(q.take()), ['EventQueued']);
  });
});
