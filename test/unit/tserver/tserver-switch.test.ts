/**
 * The T-Server over the Switch port: what the core asks the Switch (offer with contact and UserData,
 * answer, hold, release, end) and what it makes of the Switch's events (inbound calls, failures,
 * far-end releases, events reported later as a SIP switch does).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, errorCode, names, one, setup, type Setup, type TestClient } from './harness.ts';
import { ScriptedSwitch } from './scripted-switch.ts';
import type { SwitchEvent } from '../../../src/tserver/switch-port.ts';
import type { EmulatedSwitch } from '../../../src/switch/emulated/emulated-switch.ts';

const INBOUND: Extract<SwitchEvent, { kind: 'inbound' }> = { kind: 'inbound', legRef: 'leg-1', from: '+33100000001', to: 'RP1', trunk: 'trunk', userData: [['CustomerSegment', 'gold']], mediaType: 'voice' };

/** A router registered on RP1 and a call from the network to RP1; returns its ConnID. */
function inboundCall(s: Setup, sw: ScriptedSwitch, to = 'RP1'): { router: TestClient; connId: string } {
  const router = s.client();
  router.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
  sw.report({ ...INBOUND, to });
  const accept = sw.sent('accept').at(-1);
  assert.ok(accept, 'the inbound leg is accepted');
  return { router, connId: accept.connId };
}

describe('T-Server inbound calls from the Switch', () => {
  test('an inbound call to a routing point: accepted on the Trunk, EventQueued then EventRouteRequest with ANI, DNIS and the UserData', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw });
    const { router, connId } = inboundCall(s, sw);
    assert.deepEqual(sw.sent('accept'), [{ kind: 'accept', legRef: 'leg-1', connId, dn: 'trunk' }]);
    const evs = router.take();
    assert.deepEqual(names(evs), ['EventQueued', 'EventRouteRequest']);
    const rr = evs[1] as Record<string, unknown>;
    assert.equal(rr.ConnID, connId);
    assert.equal(rr.ANI, '+33100000001');
    assert.equal(rr.DNIS, 'RP1');
    assert.equal(rr.OtherDN, 'trunk');
    assert.equal(rr.CallType, 'Inbound');
    assert.deepEqual(rr.UserData, [['CustomerSegment', 'gold']]);
    assert.equal(s.server.core.call(connId)?.mediaType, 'voice');
  });

  test('routed: RequestRouteCall offers the call to the agent with the DN contact and the UserData; its answer establishes it', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw, extraDns: [{ name: '7010', type: 'Extension', options: { contact: 'sip:7010@pc7010.example.test:5060' } }] });
    const agent = agentOn(s, '7010', 'a10');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7010', UserData: [['RTargetAgentSelected', 'a10']] });
    assert.deepEqual(sw.sent('offer'), [{
      kind: 'offer', connId, dn: '7010', from: 'trunk', contact: 'sip:7010@pc7010.example.test:5060', ani: '+33100000001',
      userData: [['CustomerSegment', 'gold'], ['RTargetAgentSelected', 'a10']], mediaType: 'voice',
    }]);
    assert.equal(one(agent.take(), 'EventRinging').ANI, '+33100000001');
    const est = one(agent.req({ message: 'RequestAnswerCall', ThisDN: '7010', ConnID: connId }), 'EventEstablished');
    assert.equal(typeof est.ReferenceID, 'number');
    assert.deepEqual(sw.sent('answer'), [{ kind: 'answer', connId, dn: '7010' }]);
  });

  test('refused: an unknown number, a DN in DND, an unknown trunk', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw });
    sw.report({ ...INBOUND, legRef: 'a', to: '9999' });
    const c = s.client();
    c.req({ message: 'RequestSetDNDOn', ThisDN: '7001' });
    sw.report({ ...INBOUND, legRef: 'b', to: '7001' });
    sw.report({ ...INBOUND, legRef: 'c', trunk: '7002' });
    sw.report({ ...INBOUND, legRef: 'd', to: 'x'.repeat(300) });
    assert.deepEqual(sw.sent('refuse'), [
      { kind: 'refuse', legRef: 'a', cause: 'unknownNumber' },
      { kind: 'refuse', legRef: 'b', cause: 'busy' },
      { kind: 'refuse', legRef: 'c', cause: 'rejected' },
      { kind: 'refuse', legRef: 'd', cause: 'error' },
    ]);
    assert.equal(s.server.core.callCount, 0);
  });

  test('an inbound chat goes to an Extension directly: EventRinging there, mediaType chat in the offer', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    sw.report({ ...INBOUND, to: '7001', mediaType: 'chat' });
    const ring = one(agent.take(), 'EventRinging');
    assert.equal(ring.DNIS, '7001');
    assert.equal(sw.sent('offer')[0]?.mediaType, 'chat');
  });
});

describe('T-Server failures reported by the Switch', () => {
  test('a routed offer failing busy goes back to the routing point: EventError to the router, EventQueued, EventRouteRequest again', () => {
    const sw = new ScriptedSwitch((cmd) => (cmd.kind === 'offer' && cmd.dn === '7001' ? [{ kind: 'failed', connId: cmd.connId, dn: cmd.dn, cause: 'busy' }] : undefined));
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.take();
    const evs = router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    assert.deepEqual(names(evs), ['EventRouteUsed', 'EventDiverted', 'EventError', 'EventQueued', 'EventRouteRequest']);
    const err = evs[2] as Record<string, unknown>;
    assert.equal(err.ErrorCode, 93);
    assert.equal(err.ConnID, connId);
    assert.equal(err.OtherDN, '7001');
    assert.equal(err.ReferenceID, undefined, 'the routing request was answered by EventRouteUsed');
    assert.deepEqual(agent.take(), [], 'the agent never rang: no event for it');
    assert.equal(s.server.core.agentOn('7001')?.state, 'Ready', 'busy is not a no-answer: no-answer-action does not apply');
    assert.deepEqual(s.server.core.callsOn('RP1'), [connId]);
    assert.equal(s.server.pendingTimers, 1, 'only the router timer: no-answer supervision stopped');
  });

  test('a failed routed offer with no router goes to default-dn', () => {
    const sw = new ScriptedSwitch((cmd) => (cmd.kind === 'offer' && cmd.dn === '7001' ? [{ kind: 'failed', connId: cmd.connId, dn: cmd.dn, cause: 'notFound' }] : undefined));
    const s = setup({ switch: sw, options: { 'default-dn': '7001', 'default-redirection-limit': 3 }, extraDns: [{ name: 'RP5', type: 'RoutingPoint', options: { 'default-dn': '7002' } }] });
    agentOn(s, '7001', 'a1');
    const a2 = agentOn(s, '7002', 'a2');
    sw.report({ ...INBOUND, to: 'RP5' });
    assert.deepEqual(sw.sent('offer').map((o) => o.dn), ['7002']);
    one(a2.take(), 'EventRinging');
  });

  test('a failure after ringing: EventReleased where it rang, no-answer-action for noAnswer', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw, options: { 'no-answer-action': 'notready' } });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    agent.take();
    sw.report({ kind: 'failed', connId, dn: '7001', cause: 'noAnswer' });
    const evs = agent.take();
    assert.deepEqual(names(evs), ['EventError', 'EventReleased', 'EventAgentNotReady']);
    assert.equal(evs[1]?.CallState, 'NoAnswer');
    assert.deepEqual(names(router.take()).slice(-2), ['EventQueued', 'EventRouteRequest']);
  });

  test('a direct call the Switch cannot deliver ends: EventReleased (Busy) to the caller', () => {
    const sw = new ScriptedSwitch((cmd) => (cmd.kind === 'offer' ? [{ kind: 'failed', connId: cmd.connId, dn: cmd.dn, cause: 'busy' }] : undefined));
    const s = setup({ switch: sw });
    const a = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    const evs = a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' });
    assert.deepEqual(names(evs), ['EventDialing', 'EventReleased']);
    assert.equal(evs[1]?.CallState, 'Busy');
    assert.equal(s.server.core.callCount, 0);
    assert.deepEqual(sw.sent('end').map((e) => e.connId), [evs[0]?.ConnID]);
  });

  test('a single-step transfer the Switch cannot deliver: EventError answers the request, the call stays', () => {
    const sw = new ScriptedSwitch((cmd) => (cmd.kind === 'offer' && cmd.dn === '7003' ? [{ kind: 'failed', connId: cmd.connId, dn: cmd.dn, cause: 'notFound' }] : undefined));
    const s = setup({ switch: sw });
    const a = s.client();
    const b = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    b.req({ message: 'RequestAnswerCall', ThisDN: '7002', ConnID: connId });
    const err = a.req({ message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7003' });
    assert.equal(errorCode(err), 415);
    assert.equal(typeof err[0]?.ReferenceID, 'number');
    assert.deepEqual([...(s.server.core.call(connId)?.parties.keys() ?? [])], ['7001', '7002']);
    assert.equal(s.server.core.call(connId)?.singleStep, undefined);
  });

  test('a hold the Switch cannot do: EventError with the ReferenceID, the party stays established', () => {
    const sw = new ScriptedSwitch((cmd) => (cmd.kind === 'hold' ? [{ kind: 'failed', connId: cmd.connId, dn: cmd.dn, cause: 'error', of: 'hold' }] : undefined));
    const s = setup({ switch: sw });
    const a = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    s.client().req({ message: 'RequestAnswerCall', ThisDN: '7002', ConnID: connId });
    const evs = a.req({ message: 'RequestHoldCall', ThisDN: '7001', ConnID: connId });
    assert.equal(errorCode(evs), 57);
    assert.equal(typeof evs[0]?.ReferenceID, 'number');
    assert.equal(s.server.core.call(connId)?.parties.get('7001')?.state, 'Established');
  });
});

describe('T-Server releases and supervision through the Switch', () => {
  test('the caller hanging up before an answer (Switch released) is an abandon: EventAbandoned to the ringing agent, its leg released, the call ended', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    agent.take();
    sw.report({ kind: 'released', connId, dn: 'trunk', cause: 'normal' });
    const evs = agent.take();
    assert.deepEqual(names(evs), ['EventAbandoned']);
    assert.equal(evs[0]?.OtherDN, 'trunk');
    assert.deepEqual(sw.sent('release'), [{ kind: 'release', connId, dn: '7001', cause: 'normal' }], 'the agent leg is released, not the caller\'s (already gone)');
    assert.deepEqual(sw.sent('end').map((e) => e.connId), [connId]);
    assert.equal(s.server.core.callCount, 0);
    assert.equal(s.server.pendingTimers, 0);
  });

  test('the caller hanging up while queued: EventAbandoned on the routing point', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw });
    const { router, connId } = inboundCall(s, sw);
    router.take();
    sw.report({ kind: 'released', connId, dn: 'trunk', cause: 'normal' });
    assert.equal(one(router.take(), 'EventAbandoned').ConnID, connId);
    assert.deepEqual(sw.sent('release'), [], 'a routing point holds no leg');
  });

  test('the far end hanging up an established call: EventReleased to both, ACW for the agent', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw, options: { 'wrap-up-time': 10 } });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    agent.req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
    sw.report({ kind: 'released', connId, dn: 'trunk', cause: 'normal' });
    assert.deepEqual(names(agent.take()), ['EventAgentNotReady', 'EventReleased']);
    assert.deepEqual(sw.sent('release').map((r) => r.dn), ['7001']);
  });

  test('the no-answer timer releases the ringing leg at the Switch (cause noAnswer)', () => {
    const sw = new ScriptedSwitch();
    const s = setup({ switch: sw, options: { 'no-answer-timeout': 5 } });
    agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    assert.deepEqual(sw.sent('release'), []);
    s.clock.advance(5_000);
    assert.deepEqual(sw.sent('release'), [{ kind: 'release', connId, dn: '7001', cause: 'noAnswer' }]);
  });
});

describe('T-Server with a Switch that reports later (as the SIP switch does)', () => {
  /** Offers, answers and holds are acknowledged by nothing at once; the test reports the events. */
  const later = (): ScriptedSwitch => new ScriptedSwitch((cmd) => (cmd.kind === 'offer' || cmd.kind === 'answer' || cmd.kind === 'hold' ? [] : undefined));

  test('EventRinging waits for the Switch\'s ringing; EventEstablished for its answered, answering RequestAnswerCall', () => {
    const sw = later();
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    assert.deepEqual(agent.take(), []);
    assert.equal(errorCode(router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' })), 291, 'the offer is out: already routed');
    sw.report({ kind: 'ringing', connId, dn: '7001' });
    one(agent.take(), 'EventRinging');
    assert.deepEqual(agent.req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId }), [], 'nothing until the Switch answers');
    sw.report({ kind: 'answered', connId, dn: '7001' });
    const est = one(agent.take(), 'EventEstablished');
    assert.equal(typeof est.ReferenceID, 'number', 'the late EventEstablished answers the request');
    assert.equal(s.server.core.call(connId)?.routing?.state, 'Answered');
  });

  test('answered without ringing first (a 200 without 180): EventRinging then EventEstablished', () => {
    const sw = later();
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    sw.report({ kind: 'answered', connId, dn: '7001' });
    assert.deepEqual(names(agent.take()), ['EventRinging', 'EventEstablished']);
  });

  test('no-answer supervision counts from the ringing; on expiry the leg is released at the Switch and the call routed again', () => {
    const sw = later();
    const s = setup({ switch: sw, options: { 'no-answer-timeout': 4 } });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    s.clock.advance(60_000);
    assert.deepEqual(agent.take(), [], 'no ringing yet, no supervision yet');
    assert.equal(s.server.pendingTimers, 0);
    sw.report({ kind: 'ringing', connId, dn: '7001' });
    one(agent.take(), 'EventRinging');
    router.take();
    s.clock.advance(4_000);
    assert.deepEqual(names(router.take()), ['EventError', 'EventQueued', 'EventRouteRequest']);
    assert.deepEqual(names(agent.take()), ['EventError', 'EventReleased']);
    assert.deepEqual(sw.sent('release'), [{ kind: 'release', connId, dn: '7001', cause: 'noAnswer' }]);
    sw.report({ kind: 'answered', connId, dn: '7001' });
    assert.deepEqual(agent.take(), [], 'a late answer for a released leg changes nothing');
  });

  test('a failure before ringing: EventError to the router only, no EventReleased (the DN never rang)', () => {
    const sw = later();
    const s = setup({ switch: sw });
    const agent = agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    sw.report({ kind: 'failed', connId, dn: '7001', cause: 'error', detail: 'no response' });
    assert.deepEqual(names(router.take()), ['EventError', 'EventQueued', 'EventRouteRequest']);
    assert.deepEqual(agent.take(), []);
    assert.deepEqual(sw.sent('release'), [], 'the Switch reported the failure: nothing to release');
  });

  test('the caller hanging up while the offer is out: the offer is withdrawn at the Switch', () => {
    const sw = later();
    const s = setup({ switch: sw });
    agentOn(s, '7001', 'a1');
    const { router, connId } = inboundCall(s, sw);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    sw.report({ kind: 'released', connId, dn: 'trunk', cause: 'normal' });
    assert.deepEqual(sw.sent('release'), [{ kind: 'release', connId, dn: '7001', cause: 'normal' }]);
    assert.equal(s.server.core.callCount, 0);
  });

  test('events for unknown calls or legs are ignored', () => {
    const sw = later();
    const s = setup({ switch: sw });
    const c = s.client();
    c.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    for (const kind of ['ringing', 'answered', 'held', 'retrieved'] as const) sw.report({ kind, connId: '00000000deadbeef', dn: '7001' });
    sw.report({ kind: 'failed', connId: '00000000deadbeef', dn: '7001', cause: 'busy' });
    sw.report({ kind: 'released', connId: '00000000deadbeef', dn: '7001', cause: 'normal' });
    assert.deepEqual(c.take(), []);
  });
});

describe('T-Server and the emulated switch', () => {
  test('every call the core ends is ended at the switch: no leg is left', () => {
    const s = setup();
    const a = s.client();
    const b = s.client();
    a.req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    b.req({ message: 'RequestRegisterAddress', ThisDN: '7002' });
    const connId = one(a.req({ message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' }), 'EventDialing').ConnID as string;
    const emulated = s.server.switch as EmulatedSwitch;
    assert.deepEqual(emulated.legsOf(connId).sort(), ['7001', '7002']);
    b.req({ message: 'RequestAnswerCall', ThisDN: '7002', ConnID: connId });
    a.req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
    assert.equal(emulated.callCount, 0);
    assert.equal(s.server.switch.name, 'emulated');
  });
});
