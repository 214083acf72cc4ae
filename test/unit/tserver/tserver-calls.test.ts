import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, errorCode, names, one, setup, type Setup, type TestClient } from './harness.ts';

/** Two registered extensions with a call 7001 -> 7002 answered; returns the clients and ConnID. */
function established(s: Setup, opts: { agents?: boolean } = {}): { a: TestClient; b: TestClient; connId: string } {
  const a = opts.agents ? agentOn(s, '7001', 'a1') : s.client();
  const b = opts.agents ? agentOn(s, '7002', 'a2') : s.client();
  if (!opts.agents) {
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
  }
  const dialing = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing');
  const connId = dialing.ConnID as string;
  b.take();
  b.req({ message: 'RequestAnswerCall', ThisDN: '7002', ConnID: connId });
  a.take();
  return { a, b, connId };
}

describe('T-Server calls', () => {
  test('make call: EventDialing on the origin, EventRinging on the destination, a 16-hex-digit ConnID', () => {
    const s = setup();
    const a = s.client();
    const b = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    const d = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002', UserData: [['k', 'v']] }), 'EventDialing');
    assert.match(String(d.ConnID), /^[0-9a-f]{16}$/);
    assert.equal(d.OtherDN, '7002');
    assert.equal(d.CallType, 'Internal');
    const r = one(b.take(), 'EventRinging');
    assert.equal(r.ConnID, d.ConnID);
    assert.equal(r.OtherDN, '7001');
    assert.deepEqual(r.UserData, [['k', 'v']]);
  });

  test('ConnIDs are unique', () => {
    const s = setup();
    const a = s.client();
    const ids = new Set<unknown>();
    for (let i = 0; i < 50; i++) ids.add(one(a.req({ message: 'RequestMakeCall', ThisDN: i % 2 ? '7001' : '7003', OtherDN: '7002' }), 'EventDialing').ConnID);
    assert.equal(ids.size, 50);
  });

  test('answer: EventEstablished to both parties; the agent\'s carries WrapUpTime, EventRinging does not', () => {
    const s = setup({ options: { 'wrap-up-time': 20 } });
    const a = agentOn(s, '7001', 'a1');
    const b = agentOn(s, '7002', 'a2');
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    assert.equal(one(b.take(), 'EventRinging').Extensions, undefined);
    const eb = one(b.req({ message: 'RequestAnswerCall', ThisDN: '7002', ConnID: connId }), 'EventEstablished');
    assert.deepEqual(eb.Extensions, [['WrapUpTime', 20]]);
    assert.equal(eb.OtherDN, '7001');
    assert.equal(one(a.take(), 'EventEstablished').OtherDN, '7002');
  });

  test('release: EventReleased to each party', () => {
    const s = setup();
    const { a, b, connId } = established(s);
    assert.deepEqual(names(a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId })), ['EventReleased']);
    assert.deepEqual(names(b.take()), ['EventReleased']);
    assert.equal(s.server.core.callCount, 0);
  });

  test('ACW order (seed 004, 3.8): EventAgentNotReady(AfterCallWork) comes before EventReleased; timed ACW then returns to Ready', () => {
    const s = setup({ options: { 'wrap-up-time': 30 } });
    const { a, b, connId } = established(s, { agents: true });
    const evs = a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.deepEqual(names(evs), ['EventAgentNotReady', 'EventReleased']);
    assert.equal(evs[0]?.AgentWorkMode, 'AfterCallWork');
    assert.deepEqual(evs[0]?.Extensions, [['WrapUpTime', 30]]);
    assert.deepEqual(names(b.take()), ['EventAgentNotReady', 'EventReleased']);
    s.clock.advance(29_999);
    assert.deepEqual(a.take(), []);
    s.clock.advance(1);
    assert.deepEqual(names(a.take()), ['EventAgentReady']);
    assert.deepEqual(names(b.take()), ['EventAgentReady']);
  });

  test('untimed ACW: EventAgentNotReady(AfterCallWork, untimed) before EventReleased, Ready only on request', () => {
    const s = setup({ options: { 'wrap-up-time': 'untimed' } });
    const { a, connId } = established(s, { agents: true });
    const evs = a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.deepEqual(names(evs), ['EventAgentNotReady', 'EventReleased']);
    assert.deepEqual(evs[0]?.Extensions, [['WrapUpTime', 'untimed']]);
    s.clock.advance(3_600_000);
    assert.deepEqual(a.take(), []);
    assert.deepEqual(names(a.req({ message: 'RequestAgentReady', ThisDN: '7001' })), ['EventAgentReady']);
  });

  test('wrap-up-time precedence: login WrapUpTime extension > Agent Login > DN > Application', () => {
    const s = setup({
      options: { 'wrap-up-time': 10 },
      agentLogins: [{ agentId: 'a2', options: { 'wrap-up-time': 30 } }],
      extraDns: [{ name: '7004', type: 'Extension', options: { 'wrap-up-time': 20 } }, { name: '7005', type: 'Extension', options: { 'wrap-up-time': 20 } }],
    });
    agentOn(s, '7001', 'a1');
    agentOn(s, '7004', 'a4');
    agentOn(s, '7005', 'a2');
    agentOn(s, '7003', 'a3', 'AutoIn', [['WrapUpTime', 'untimed']]);
    assert.equal(s.server.core.agentOn('7001')?.settings.wrapUpTime, 10);
    assert.equal(s.server.core.agentOn('7004')?.settings.wrapUpTime, 20);
    assert.equal(s.server.core.agentOn('7005')?.settings.wrapUpTime, 30);
    assert.equal(s.server.core.agentOn('7003')?.settings.wrapUpTime, 'untimed');
  });

  test('legal-guard-time after the business call postpones Ready', () => {
    const s = setup({ options: { 'legal-guard-time': 5 } });
    const { a, connId } = established(s, { agents: true });
    const evs = a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.deepEqual(names(evs), ['EventAgentNotReady', 'EventReleased']);
    assert.equal(evs[0]?.AgentWorkMode, 'LegalGuard');
    s.clock.advance(5_000);
    assert.deepEqual(names(a.take()), ['EventAgentReady']);
  });

  test('abandon: the caller releasing before an answer sends EventAbandoned to the ringing party', () => {
    const s = setup();
    const a = s.client();
    const b = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    b.take();
    assert.deepEqual(names(a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId })), ['EventReleased']);
    assert.deepEqual(names(b.take()), ['EventAbandoned']);
    assert.equal(s.server.core.callCount, 0);
  });

  test('no ACW after a call that was never answered', () => {
    const s = setup({ options: { 'wrap-up-time': 30 } });
    const a = agentOn(s, '7001', 'a1');
    const b = agentOn(s, '7002', 'a2');
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.deepEqual(names(b.take()), ['EventRinging', 'EventAbandoned']);
  });

  test('hold and retrieve: EventHeld / EventRetrieved; holding twice is 43', () => {
    const s = setup();
    const { a, connId } = established(s);
    assert.deepEqual(names(a.req({ message: 'RequestHoldCall', ThisDN: '7001', ConnID: connId })), ['EventHeld']);
    assert.equal(errorCode(a.req({ message: 'RequestHoldCall', ThisDN: '7001', ConnID: connId })), 43);
    assert.deepEqual(names(a.req({ message: 'RequestRetrieveCall', ThisDN: '7001', ConnID: connId })), ['EventRetrieved']);
  });

  test('error codes on call requests: 56 unknown ConnID, 237 released call, 470 party not on call, 563 no call, 71 invalid called DN, 58 out of service, 43 same state, 565 wrong state', () => {
    const s = setup();
    const { a, connId } = established(s);
    const c = s.client();
    assert.equal(errorCode(a.req({ message: 'RequestHoldCall', ThisDN: '7001', ConnID: '00000000deadbeef' })), 56);
    assert.equal(errorCode(c.req({ message: 'RequestHoldCall', ThisDN: '7003', ConnID: connId })), 470);
    assert.equal(errorCode(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: 'nowhere' })), 71);
    assert.equal(errorCode(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: 'vs' })), 71);
    assert.equal(errorCode(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: 'off' })), 58);
    assert.equal(errorCode(a.req({ message: 'RequestRetrieveCall', ThisDN: '7001', ConnID: connId })), 43);
    const other = one(c.req({ message: 'RequestMakeCall', ThisDN: '7003', OtherDN: '7001' }), 'EventDialing').ConnID as string;
    assert.equal(errorCode(c.req({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: other })), 565, 'the caller cannot answer its own call');
    c.req({ message: 'RequestReleaseCall', ThisDN: '7003', ConnID: other });
    a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.equal(errorCode(a.req({ message: 'RequestHoldCall', ThisDN: '7001', ConnID: connId })), 237);
    assert.equal(errorCode(a.req({ message: 'RequestAttachUserData', ThisDN: '7001', ConnID: connId, UserData: [['k', 'v']] })), 237);
    // 563: a request that names no call (ConnID empty) on a DN with no call; the wire requires ConnID, so this is the in-process path.
    assert.equal(errorCode(c.req({ message: 'RequestHoldCall', ThisDN: '7003' } as never)), 563);
  });

  test('user data: attach, update, delete pair, delete all — EventAttachedDataChanged to every party with the full list', () => {
    const s = setup();
    const { a, b, connId } = established(s);
    const ea = one(a.req({ message: 'RequestAttachUserData', ThisDN: '7001', ConnID: connId, UserData: [['k1', 'v1'], ['k2', 2]] }), 'EventAttachedDataChanged');
    assert.deepEqual(ea.UserData, [['k1', 'v1'], ['k2', 2]]);
    assert.equal(typeof ea.ReferenceID, 'number');
    const eb = one(b.take(), 'EventAttachedDataChanged');
    assert.deepEqual(eb.UserData, [['k1', 'v1'], ['k2', 2]]);
    assert.equal(eb.ReferenceID, undefined);
    assert.equal(eb.ThirdPartyDN, '7001');
    one(b.req({ message: 'RequestUpdateUserData', ThisDN: '7002', ConnID: connId, UserData: [['k1', 'new'], ['k3', 'x']] }), 'EventAttachedDataChanged');
    assert.deepEqual(one(a.take(), 'EventAttachedDataChanged').UserData, [['k1', 'new'], ['k2', 2], ['k3', 'x']]);
    one(a.req({ message: 'RequestDeletePair', ThisDN: '7001', ConnID: connId, Key: 'k2' }), 'EventAttachedDataChanged');
    assert.deepEqual(one(b.take(), 'EventAttachedDataChanged').UserData, [['k1', 'new'], ['k3', 'x']]);
    one(a.req({ message: 'RequestDeleteUserData', ThisDN: '7001', ConnID: connId }), 'EventAttachedDataChanged');
    assert.deepEqual(one(b.take(), 'EventAttachedDataChanged').UserData, []);
  });

  test('user data is bounded: an oversized update is refused with 53 and the call keeps its data', () => {
    const s = setup();
    const { a, connId } = established(s);
    a.req({ message: 'RequestAttachUserData', ThisDN: '7001', ConnID: connId, UserData: [['k', 'v']] });
    const big: Array<[string, string]> = Array.from({ length: 1001 }, (_, i) => [`k${i}`, 'v']);
    assert.equal(errorCode(a.req({ message: 'RequestAttachUserData', ThisDN: '7001', ConnID: connId, UserData: big })), 53);
    assert.deepEqual(s.server.core.call(connId)?.userData, [['k', 'v']]);
  });
});

describe('T-Server transfers and conferences', () => {
  function consult(s: Setup, kind: 'Transfer' | 'Conference'): { a: TestClient; b: TestClient; c: TestClient; main: string; cons: string } {
    const { a, b, connId } = established(s);
    const c = s.client();
    c.req({ message: 'RequestRegisterAddress', ThisDN: '7003' });
    a.req({ message: 'RequestAttachUserData', ThisDN: '7001', ConnID: connId, UserData: [['case', '42']] });
    b.take();
    const evs = a.req({ message: `RequestInitiate${kind}`, ThisDN: '7001', ConnID: connId, OtherDN: '7003' });
    assert.deepEqual(names(evs), ['EventHeld', 'EventDialing']);
    const d = evs[1] as Record<string, unknown>;
    assert.equal(d.TransferConnID, connId);
    assert.equal(d.CallType, 'Consult');
    const cons = d.ConnID as string;
    const ring = one(c.take(), 'EventRinging');
    assert.deepEqual(ring.UserData, [['case', '42']], 'the consultation call starts with the main call\'s UserData');
    c.req({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: cons });
    a.take();
    return { a, b, c, main: connId, cons };
  }

  test('two-step transfer: InitiateTransfer holds and dials; CompleteTransfer: EventReleased on the transferrer, EventPartyChanged to the others', () => {
    const s = setup();
    const { a, b, c, main, cons } = consult(s, 'Transfer');
    const evs = a.req({ message: 'RequestCompleteTransfer', ThisDN: '7001', ConnID: main, TransferConnID: cons });
    assert.deepEqual(names(evs), ['EventReleased', 'EventReleased']);
    assert.equal(evs[0]?.ConnID, main);
    assert.equal(typeof evs[0]?.ReferenceID, 'number');
    const pb = one(b.take(), 'EventPartyChanged');
    assert.equal(pb.OtherDN, '7003');
    assert.equal(pb.ThirdPartyDN, '7001');
    const pc = one(c.take(), 'EventPartyChanged');
    assert.equal(pc.ConnID, main);
    assert.equal(pc.PreviousConnID, cons);
    assert.equal(pc.OtherDN, '7002');
    const call = s.server.core.call(main);
    assert.deepEqual([...(call?.parties.keys() ?? [])], ['7002', '7003']);
    assert.equal(s.server.core.call(cons), undefined);
  });

  test('CompleteTransfer before the consultation is answered: 98; on a released main call: 237; a second InitiateTransfer: 291', () => {
    const s = setup();
    const { a, connId } = established(s);
    const cons = one(a.req({ message: 'RequestInitiateTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7003' }), 'EventDialing').ConnID as string;
    assert.equal(errorCode(a.req({ message: 'RequestCompleteTransfer', ThisDN: '7001', ConnID: connId, TransferConnID: cons })), 98);
    assert.equal(errorCode(a.req({ message: 'RequestInitiateTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7003' })), 291);
    const b = s.client();
    b.req({ message: 'RequestReleaseCall', ThisDN: '7002', ConnID: connId });
    assert.equal(errorCode(a.req({ message: 'RequestCompleteTransfer', ThisDN: '7001', ConnID: connId, TransferConnID: cons })), 237);
  });

  test('two-step conference: EventReleased (consultation), EventRetrieved, EventPartyAdded, EventPartyChanged; a party leaving sends EventPartyDeleted', () => {
    const s = setup();
    const { a, b, c, main, cons } = consult(s, 'Conference');
    const evs = a.req({ message: 'RequestCompleteConference', ThisDN: '7001', ConnID: main, TransferConnID: cons });
    assert.deepEqual(names(evs), ['EventReleased', 'EventRetrieved', 'EventPartyAdded']);
    assert.equal(evs[0]?.ConnID, cons);
    assert.equal(evs[2]?.ThirdPartyDN, '7003');
    assert.equal(one(b.take(), 'EventPartyAdded').ThirdPartyDN, '7003');
    assert.equal(one(c.take(), 'EventPartyChanged').PreviousConnID, cons);
    assert.deepEqual([...(s.server.core.call(main)?.parties.keys() ?? [])], ['7001', '7002', '7003']);
    // UserData changes reach all three parties.
    b.req({ message: 'RequestUpdateUserData', ThisDN: '7002', ConnID: main, UserData: [['x', '1']] });
    one(a.take(), 'EventAttachedDataChanged');
    one(c.take(), 'EventAttachedDataChanged');
    // 7003 leaves: the others see EventPartyDeleted; the call goes on.
    assert.deepEqual(names(c.req({ message: 'RequestReleaseCall', ThisDN: '7003', ConnID: main })), ['EventReleased']);
    assert.equal(one(a.take(), 'EventPartyDeleted').ThirdPartyDN, '7003');
    assert.equal(one(b.take(), 'EventPartyDeleted').ThirdPartyDN, '7003');
    // Then 7002 leaves: the last party is released too.
    b.req({ message: 'RequestReleaseCall', ThisDN: '7002', ConnID: main });
    assert.deepEqual(names(a.take()), ['EventReleased']);
    assert.equal(s.server.core.callCount, 0);
  });

  test('single-step transfer: the recipient rings; EventReleased on the transferrer only once the recipient answers', () => {
    const s = setup();
    const { a, b, connId } = established(s);
    const c = s.client();
    c.req({ message: 'RequestRegisterAddress', ThisDN: '7003' });
    assert.deepEqual(a.req({ message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7003' }), []);
    const ring = one(c.take(), 'EventRinging');
    assert.equal(ring.ThirdPartyDN, '7001');
    assert.equal(ring.OtherDN, '7002');
    assert.deepEqual(names(c.req({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: connId })), ['EventEstablished']);
    const rel = one(a.take(), 'EventReleased');
    assert.equal(typeof rel.ReferenceID, 'number', 'the deferred EventReleased answers the transfer request');
    assert.equal(rel.CallState, 'Transferred');
    assert.equal(one(b.take(), 'EventPartyChanged').OtherDN, '7003');
  });

  test('ACW goes to the transferring agent only once the last of its calls is released', () => {
    const s = setup({ options: { 'wrap-up-time': 10 } });
    const { a, connId } = established(s, { agents: true });
    const c = agentOn(s, '7003', 'a3');
    const cons = one(a.req({ message: 'RequestInitiateTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7003' }), 'EventDialing').ConnID as string;
    c.req({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: cons });
    a.take();
    const evs = a.req({ message: 'RequestCompleteTransfer', ThisDN: '7001', ConnID: connId, TransferConnID: cons });
    assert.deepEqual(names(evs), ['EventReleased', 'EventAgentNotReady', 'EventReleased']);
  });
});
