/**
 * The pure call reducer (and the completion step): inputs to effects, in order, without any DN,
 * client or Switch. The T-Server tests check the same rules end to end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCall, type Call } from '../../../src/tserver/call.ts';
import { reduceCall, type CallEffect, type CallInput } from '../../../src/tserver/call-reducer.ts';
import { reduceCompletion } from '../../../src/tserver/call-completion.ts';
import { InvalidStateTransitionError } from '../../../src/lib/errors.ts';

const by = { client: 'c1', ref: 7 };

/** Applies inputs in turn; returns the last call and every effect. */
function run(call: Call, ...inputs: CallInput[]): { call: Call | undefined; effects: CallEffect[] } {
  let cur: Call | undefined = call;
  const effects: CallEffect[] = [];
  for (const i of inputs) {
    if (!cur) throw new Error('the call ended before ' + i.type);
    const s = reduceCall(cur, i);
    cur = s.call;
    effects.push(...s.effects);
  }
  return { call: cur, effects };
}

/** A compact view of effects: `Event@dn`, `switch:kind@dn`, `left:dn`, `timer+name` ... */
function trace(effects: CallEffect[]): string[] {
  return effects.map((e) => {
    switch (e.type) {
      case 'event': return `${e.name}@${e.party.dn}`;
      case 'switch': return `switch:${e.command.kind}${'dn' in e.command ? `@${e.command.dn}` : ''}`;
      case 'joined': return `joined:${e.key}`;
      case 'left': return `left:${e.key}${e.established === undefined ? '' : e.established ? '(answered)' : '(unanswered)'}`;
      case 'agentActivity': return `activity:${e.key}`;
      case 'startTimer': return `timer+${e.name}`;
      case 'cancelTimer': return `timer-${e.name}`;
      case 'reroute': return `reroute:${e.rpKey}`;
      case 'ended': return 'ended';
    }
  });
}

function eventAttrs(effects: CallEffect[], name: string, dn: string): Record<string, unknown> {
  const e = effects.find((x) => x.type === 'event' && x.name === name && x.party.dn === dn);
  if (!e || e.type !== 'event') throw new Error(`no ${name} for ${dn}`);
  return { ...e.attrs, requester: e.requester };
}

function fresh(userData: Array<[string, string]> = []): Call {
  return createCall({ connId: '000000000000abcd', callType: 'Internal', originKey: '7001', userData });
}

const dial: CallInput = { type: 'dial', key: '7001', dn: '7001', otherDn: '7002', by };
const offer: CallInput = { type: 'offer', key: '7002', dn: '7002', from: '7001', contact: 'sip:7002@pc.example.test' };

/** 7001 -> 7002 answered. */
function answered(): Call {
  const s = run(fresh([['k', 'v']]), dial, offer, { type: 'ringing', key: '7002' }, { type: 'answered', key: '7002' });
  if (!s.call) throw new Error('ended');
  return s.call;
}

describe('call reducer: dialing, offers, ringing, answer', () => {
  test('dial: the origin joins Dialing; EventDialing answers the request', () => {
    const s = run(fresh(), dial);
    assert.deepEqual(trace(s.effects), ['joined:7001', 'EventDialing@7001']);
    assert.deepEqual(eventAttrs(s.effects, 'EventDialing', '7001'), { ReferenceID: 7, OtherDN: '7002', TransferConnID: undefined, ThisDNRole: 'Origination', requester: 'c1' });
    assert.equal(s.call?.parties.get('7001')?.state, 'Dialing');
  });

  test('offer: a Switch offer with contact and UserData; nothing rings until the Switch says so', () => {
    const s = run(fresh([['k', 'v']]), dial, offer);
    const cmd = s.effects.find((e) => e.type === 'switch');
    assert.deepEqual(cmd, { type: 'switch', command: { kind: 'offer', connId: '000000000000abcd', dn: '7002', from: '7001', contact: 'sip:7002@pc.example.test', userData: [['k', 'v']], mediaType: 'voice' } });
    assert.equal(s.call?.parties.has('7002'), false);
    assert.equal(s.call?.offers.has('7002'), true);
  });

  test('ringing: the offered DN joins Ringing; EventRinging names the origin; agent activity', () => {
    const s = run(fresh(), dial, offer, { type: 'ringing', key: '7002' });
    assert.deepEqual(trace(s.effects).slice(-3), ['joined:7002', 'EventRinging@7002', 'activity:7002']);
    assert.equal(eventAttrs(s.effects, 'EventRinging', '7002').OtherDN, '7001');
    assert.equal(s.call?.offers.size, 0);
  });

  test('answered: EventEstablished to the answering DN (with the ReferenceID of the answer request), then to the dialing origin', () => {
    const s = run(fresh(), dial, offer, { type: 'ringing', key: '7002' }, { type: 'answered', key: '7002', by: { client: 'c2', ref: 9 } });
    assert.deepEqual(trace(s.effects).slice(-2), ['EventEstablished@7002', 'EventEstablished@7001']);
    assert.deepEqual(eventAttrs(s.effects, 'EventEstablished', '7002'), { ReferenceID: 9, OtherDN: '7001', ThisDNRole: 'Destination', requester: 'c2' });
    assert.deepEqual(eventAttrs(s.effects, 'EventEstablished', '7001'), { OtherDN: '7002', ThisDNRole: 'Origination', requester: undefined });
    assert.deepEqual([...(s.call?.parties.values() ?? [])].map((p) => `${p.dn}:${p.state}`), ['7001:Established', '7002:Established']);
  });

  test('answered without a ringing first rings, then establishes', () => {
    const s = run(fresh(), dial, offer, { type: 'answered', key: '7002' });
    assert.deepEqual(trace(s.effects).slice(-5), ['joined:7002', 'EventRinging@7002', 'activity:7002', 'EventEstablished@7002', 'EventEstablished@7001']);
  });

  test('late or unknown inputs change nothing', () => {
    const call = answered();
    for (const i of [{ type: 'ringing', key: '7002' }, { type: 'answered', key: '7002' }, { type: 'ringing', key: '7009' }, { type: 'retrieved', key: '7001' }, { type: 'release', key: '7009' }] as CallInput[]) {
      const s = reduceCall(call, i);
      assert.deepEqual(s.effects, [], i.type);
      assert.deepEqual(s.call, call);
    }
  });

  test('the reducer is pure: the call given is never changed', () => {
    const call = answered();
    const before = structuredClone({ ...call, parties: [...call.parties], offers: [...call.offers] });
    reduceCall(call, { type: 'held', key: '7001' });
    reduceCall(call, { type: 'release', key: '7001' });
    reduceCall(call, { type: 'setUserData', userData: [] });
    assert.deepEqual({ ...call, parties: [...call.parties], offers: [...call.offers] }, before);
  });
});

describe('call reducer: hold, retrieve, release', () => {
  test('held / retrieved: EventHeld / EventRetrieved with the other party; only from the right state', () => {
    const held = reduceCall(answered(), { type: 'held', key: '7001', by });
    assert.deepEqual(trace(held.effects), ['EventHeld@7001']);
    assert.equal(eventAttrs(held.effects, 'EventHeld', '7001').OtherDN, '7002');
    assert.deepEqual(reduceCall(held.call as Call, { type: 'held', key: '7001' }).effects, []);
    assert.deepEqual(trace(reduceCall(held.call as Call, { type: 'retrieved', key: '7001' }).effects), ['EventRetrieved@7001']);
  });

  test('release of an answered two-party call: each leg released at the Switch, the agent hears before EventReleased, the call ends', () => {
    const s = reduceCall(answered(), { type: 'release', key: '7001', by });
    assert.deepEqual(trace(s.effects), [
      'switch:release@7001', 'left:7001(answered)', 'EventReleased@7001',
      'switch:release@7002', 'left:7002(answered)', 'EventReleased@7002',
      'timer-router', 'timer-noanswer', 'switch:end', 'ended',
    ]);
    assert.equal(eventAttrs(s.effects, 'EventReleased', '7001').CallState, 'Ok');
    assert.equal(s.call, undefined);
  });

  test('a release the Switch reported sends no release back for that leg', () => {
    const s = reduceCall(answered(), { type: 'release', key: '7001', fromSwitch: true });
    assert.deepEqual(trace(s.effects).filter((t) => t.startsWith('switch:')), ['switch:release@7002', 'switch:end']);
  });

  test('abandon: the origin hanging up before an answer; EventAbandoned where it rang; offers still out withdrawn', () => {
    const ringing = run(fresh(), dial, offer, { type: 'ringing', key: '7002' }, { type: 'offer', key: '7003', dn: '7003', from: '7001' }).call as Call;
    const s = reduceCall(ringing, { type: 'release', key: '7001', by });
    assert.deepEqual(trace(s.effects), [
      'switch:release@7001', 'left:7001(unanswered)', 'EventReleased@7001',
      'switch:release@7002', 'left:7002', 'EventAbandoned@7002',
      'switch:release@7003', 'timer-router', 'timer-noanswer', 'switch:end', 'ended',
    ]);
    assert.equal(eventAttrs(s.effects, 'EventReleased', '7001').CallState, 'Abandoned');
  });

  test('a three-party call: one leaving sends EventPartyDeleted to the others, the call stays', () => {
    const call = run(answered(), { type: 'offer', key: '7003', dn: '7003', from: '7001' }, { type: 'ringing', key: '7003' }, { type: 'answered', key: '7003' }).call as Call;
    const s = reduceCall(call, { type: 'release', key: '7002' });
    assert.deepEqual(trace(s.effects), ['switch:release@7002', 'left:7002(answered)', 'EventReleased@7002', 'EventPartyDeleted@7001', 'EventPartyDeleted@7003']);
    assert.ok(s.call);
  });

  test('offerFailed outside routing: the caller is released with the failure state, the call ends', () => {
    const offered = run(fresh(), dial, offer).call as Call;
    const s = reduceCall(offered, { type: 'offerFailed', key: '7002', callState: 'Busy' });
    assert.deepEqual(trace(s.effects), ['switch:release@7001', 'left:7001(unanswered)', 'EventReleased@7001', 'timer-router', 'timer-noanswer', 'switch:end', 'ended']);
    assert.equal(eventAttrs(s.effects, 'EventReleased', '7001').CallState, 'Busy');
    assert.equal(s.call, undefined);
  });
});

describe('call reducer: routing points and no answer', () => {
  function routed(): Call {
    const trunk = createCall({ connId: '000000000000beef', callType: 'Inbound', originKey: 'trunk', userData: [], ani: '+331', dnis: 'RP1' });
    const s = run(trunk, { type: 'dial', key: 'trunk', dn: 'trunk', otherDn: 'RP1' }, { type: 'queue', key: 'rp1', dn: 'RP1' }, { type: 'unqueue', key: 'rp1', target: '7001', by }, { type: 'offer', key: '7001', dn: '7001', from: 'trunk', thirdPartyDn: 'RP1', routed: { noAnswerMs: 5000 } });
    return s.call as Call;
  }

  test('queue, route: EventQueued, EventRouteUsed (answering the router), EventDiverted; the offer carries the ANI', () => {
    const trunk = createCall({ connId: '000000000000beef', callType: 'Inbound', originKey: 'trunk', userData: [], ani: '+331', dnis: 'RP1' });
    const s = run(trunk, { type: 'dial', key: 'trunk', dn: 'trunk', otherDn: 'RP1' }, { type: 'queue', key: 'rp1', dn: 'RP1' }, { type: 'unqueue', key: 'rp1', target: '7001', by }, { type: 'offer', key: '7001', dn: '7001', from: 'trunk', thirdPartyDn: 'RP1', routed: { noAnswerMs: 5000 } });
    assert.deepEqual(trace(s.effects), ['joined:trunk', 'EventDialing@trunk', 'joined:rp1', 'EventQueued@RP1', 'timer-router', 'EventRouteUsed@RP1', 'left:rp1', 'EventDiverted@RP1', 'switch:offer@7001']);
    assert.equal(eventAttrs(s.effects, 'EventRouteUsed', 'RP1').requester, 'c1');
    const cmd = s.effects.at(-1);
    assert.equal(cmd?.type === 'switch' && cmd.command.kind === 'offer' ? cmd.command.ani : undefined, '+331');
    assert.equal(s.call?.routing?.state, 'Ringing');
    assert.equal(s.call?.routing?.ringingKey, '7001');
  });

  test('no-answer supervision starts when the routed DN rings and stops on its answer', () => {
    const ring = reduceCall(routed(), { type: 'ringing', key: '7001' });
    assert.deepEqual(trace(ring.effects), ['joined:7001', 'EventRinging@7001', 'activity:7001', 'timer+noanswer']);
    assert.equal(eventAttrs(ring.effects, 'EventRinging', '7001').ThirdPartyDN, 'RP1');
    const ans = reduceCall(ring.call as Call, { type: 'answered', key: '7001' });
    assert.deepEqual(trace(ans.effects).slice(0, 1), ['timer-noanswer']);
    assert.equal(ans.call?.routing?.state, 'Answered');
  });

  test('a routed DN refusing while ringing: released, and the call goes back to the routing point', () => {
    const ring = reduceCall(routed(), { type: 'ringing', key: '7001' }).call as Call;
    const s = reduceCall(ring, { type: 'release', key: '7001', by });
    assert.deepEqual(trace(s.effects), ['timer-noanswer', 'switch:release@7001', 'left:7001(unanswered)', 'EventReleased@7001', 'reroute:rp1']);
  });

  test('noAnswer: the ringing leg is released at the Switch with cause noAnswer; EventReleased(NoAnswer); the agent is not told of a release', () => {
    const ring = reduceCall(routed(), { type: 'ringing', key: '7001' }).call as Call;
    const s = reduceCall(ring, { type: 'noAnswer', key: '7001', callState: 'NoAnswer', cause: 'noAnswer', fromSwitch: false });
    assert.deepEqual(trace(s.effects), ['switch:release@7001', 'left:7001', 'EventReleased@7001']);
    const cmd = s.effects[0];
    assert.equal(cmd?.type === 'switch' && cmd.command.kind === 'release' ? cmd.command.cause : undefined, 'noAnswer');
    assert.equal(s.call?.routing?.ringingKey, undefined);
  });

  test('noAnswer for an offer that never rang withdraws it; a failure the Switch reported withdraws nothing more', () => {
    assert.deepEqual(trace(reduceCall(routed(), { type: 'noAnswer', key: '7001', callState: 'NoAnswer', cause: 'noAnswer', fromSwitch: false }).effects), ['switch:release@7001']);
    const s = reduceCall(routed(), { type: 'noAnswer', key: '7001', callState: 'Busy', cause: 'busy', fromSwitch: true });
    assert.deepEqual(s.effects, []);
    assert.equal(s.call?.offers.size, 0);
  });

  test('routing-point guard: a second route while ringing is an illegal routing transition', () => {
    assert.throws(() => reduceCall(routed(), { type: 'offer', key: '7002', dn: '7002', from: 'trunk', routed: {} }), InvalidStateTransitionError);
  });
});

describe('call reducer: transfers', () => {
  test('single-step transfer: the recipient rings (no agent activity), the transferring DN is released only once it answers', () => {
    const call = answered();
    const ring = run(call, { type: 'singleStep', fromKey: '7001', fromDn: '7001', key: '7003', dn: '7003', by }, { type: 'ringing', key: '7003' });
    assert.deepEqual(trace(ring.effects), ['switch:offer@7003', 'joined:7003', 'EventRinging@7003']);
    assert.deepEqual(eventAttrs(ring.effects, 'EventRinging', '7003'), { OtherDN: '7002', ThirdPartyDN: '7001', ThisDNRole: 'Destination', requester: undefined });
    const ans = reduceCall(ring.call as Call, { type: 'answered', key: '7003' });
    assert.deepEqual(trace(ans.effects), ['EventEstablished@7003', 'switch:release@7001', 'left:7001(answered)', 'EventReleased@7001', 'EventPartyChanged@7002']);
    assert.deepEqual(eventAttrs(ans.effects, 'EventReleased', '7001'), { ReferenceID: 7, CallState: 'Transferred', OtherDN: '7003', requester: 'c1' });
  });

  test('two-step transfer completion: the consulted party moves, the transferrer leaves both calls, the consultation ends', () => {
    const main = reduceCall(answered(), { type: 'held', key: '7001' }).call as Call;
    const consult = run(createCall({ connId: '000000000000c0de', callType: 'Consult', originKey: '7001', userData: [] }),
      { type: 'dial', key: '7001', dn: '7001', otherDn: '7003' }, { type: 'offer', key: '7003', dn: '7003', from: '7001' }, { type: 'answered', key: '7003' }).call as Call;
    const s = reduceCompletion(main, consult, { kind: 'transfer', key: '7001', by });
    assert.deepEqual(trace(s.effects), [
      'switch:move@7003', 'left:7003', 'joined:7003',
      'switch:release@7001', 'left:7001(answered)', 'EventReleased@7001',
      'switch:release@7001', 'left:7001(answered)', 'EventReleased@7001',
      'timer-router', 'timer-noanswer', 'switch:end', 'ended',
      'EventPartyChanged@7002', 'EventPartyChanged@7003',
    ]);
    assert.deepEqual([...s.main.parties.keys()], ['7002', '7003']);
    assert.equal(s.consult, undefined);
  });

  test('two-step conference completion: the held conferencer is retrieved through the Switch before EventPartyAdded', () => {
    const main = reduceCall(answered(), { type: 'held', key: '7001' }).call as Call;
    const consult = run(createCall({ connId: '000000000000c0de', callType: 'Consult', originKey: '7001', userData: [] }),
      { type: 'dial', key: '7001', dn: '7001', otherDn: '7003' }, { type: 'offer', key: '7003', dn: '7003', from: '7001' }, { type: 'answered', key: '7003' }).call as Call;
    const s = reduceCompletion(main, consult, { kind: 'conference', key: '7001', by });
    assert.deepEqual(trace(s.effects).slice(3), [
      'switch:release@7001', 'left:7001(answered)', 'EventReleased@7001',
      'timer-router', 'timer-noanswer', 'switch:end', 'ended',
      'switch:retrieve@7001', 'EventPartyAdded@7001', 'EventPartyAdded@7002', 'EventPartyChanged@7003',
    ]);
    assert.deepEqual([...s.main.parties.keys()], ['7001', '7002', '7003']);
  });
});
