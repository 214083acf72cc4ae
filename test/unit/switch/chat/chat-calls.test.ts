/**
 * Chat calls through the T-Server core and the chat switch (behind the MediaSwitch), on a
 * ManualClock: a customer chat arrives on a routing point with MediaType Chat, gets IM treatments,
 * is routed to a KW whose endpoint answers at once, relays messages both ways, is transferred
 * single-step to a second KW, and ends when either side leaves.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentOn, names, one, setup, type Setup } from '../../tserver/harness.ts';
import { ChatSwitch } from '../../../../src/switch/chat/chat-switch.ts';
import { MediaSwitch } from '../../../../src/switch/media-switch.ts';
import { EmulatedSwitch } from '../../../../src/switch/emulated/emulated-switch.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import type { ChatEndpoint, ChatEndReason, ChatLeg, ChatLegInfo, ChatMessage, TranscriptEntry } from '../../../../src/switch/chat/chat-endpoint.ts';

/** An endpoint that records what it is given. */
class Recorder implements ChatEndpoint {
  readonly messages: ChatMessage[] = [];
  readonly typings: Array<[string, boolean]> = [];
  ended: ChatEndReason | undefined;
  leg: ChatLeg | undefined;
  deliver(m: ChatMessage): void {
    this.messages.push(m);
  }
  typing(from: string, on: boolean): void {
    this.typings.push([from, on]);
  }
  end(reason: ChatEndReason): void {
    this.ended = reason;
  }
  texts(): string[] {
    return this.messages.map((m) => m.text);
  }
}

function build(opts: { options?: Record<string, string> } = {}) {
  const transcript: TranscriptEntry[] = [];
  const kws = new Map<string, Recorder>();
  const reachable = new Set<string>(['7001', '7002']);
  const chat = new ChatSwitch({
    clock: new ManualClock(),
    transcript: { append: (e) => transcript.push(e) },
    reach: {
      open(leg: ChatLeg, info: ChatLegInfo) {
        if (!reachable.has(info.dn)) return undefined;
        const r = new Recorder();
        r.leg = leg;
        kws.set(info.dn, r);
        return r;
      },
    },
  });
  const s: Setup = setup({ switch: new MediaSwitch(new EmulatedSwitch(), chat), extraDns: [{ name: 'chat', type: 'Trunk' }], ...(opts.options ? { options: opts.options } : {}) });
  return { s, chat, transcript, kws, reachable };
}

function customerChat(b: ReturnType<typeof build>) {
  const router = b.s.client();
  router.req({ message: 'RequestRegisterAddress', ThisDN: 'RP1' });
  const customer = new Recorder();
  const leg = b.chat.openCustomer({ routingPoint: 'RP1', trunk: 'chat', from: 'Ada', userData: [['Reason', 'Billing']] }, (l) => {
    customer.leg = l;
    return customer;
  });
  assert.ok(leg);
  return { router, customer, leg, connId: leg.connId };
}

describe('chat calls', () => {
  test('a customer chat queues on the routing point with MediaType Chat and is routed to a KW who answers at once', () => {
    const b = build();
    const agent = agentOn(b.s, '7001', 'a1');
    const { router, customer, leg, connId } = customerChat(b);
    const evs = router.take();
    assert.deepEqual(names(evs), ['EventQueued', 'EventRouteRequest']);
    assert.equal(evs[1]?.MediaType, 'Chat');
    assert.equal(evs[1]?.ANI, 'Ada');
    assert.deepEqual(evs[1]?.UserData, [['Reason', 'Billing']]);
    assert.equal(b.s.server.core.call(connId)?.mediaType, 'chat');

    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    const at7001 = agent.take();
    assert.deepEqual(names(at7001).filter((n) => n.startsWith('EventR') || n === 'EventEstablished'), ['EventRinging', 'EventEstablished']);
    assert.ok(at7001.every((e) => !('ConnID' in e) || e.MediaType === 'Chat'), 'every call event carries MediaType Chat');
    const kw = b.kws.get('7001')!;
    assert.deepEqual(customer.texts(), ['7001 joined the chat.']);

    assert.equal(leg.send('Hello, my bill is wrong').ok, true);
    assert.deepEqual(kw.texts(), ['Hello, my bill is wrong']);
    assert.equal(kw.leg!.send('Let me look at it').ok, true);
    assert.equal(customer.messages.at(-1)?.text, 'Let me look at it');
    assert.equal(customer.messages.at(-1)?.from, 'agent');
    leg.typing(true);
    assert.deepEqual(kw.typings, [['customer', true]]);

    leg.leave();
    assert.equal(kw.ended, 'released');
    assert.equal(b.s.server.core.call(connId), undefined, 'the call ended');
    assert.equal(b.chat.chatCount, 0);
    const messages = b.transcript.filter((e) => e.kind === 'message').map((e) => `${e.from}:${e.text}`);
    assert.deepEqual(messages, ['customer:Hello, my bill is wrong', 'agent:Let me look at it']);
    assert.ok(b.transcript.some((e) => e.kind === 'event' && e.text === 'joined 7001'));
    assert.ok(b.transcript.some((e) => e.kind === 'event' && e.text === 'ended'));
  });

  test('IM treatments: PlayAnnouncement sends the PROMPT TEXTs in order; CollectDigits takes the reply; TOTAL_TIMEOUT ends it without digits', () => {
    const b = build();
    const { router, customer, leg, connId } = customerChat(b);
    router.take();
    const prompt: Array<[string, Array<[string, string]>]> = [['2', [['TEXT', 'Please enter 1 for sales']]], ['1', [['TEXT', 'Hi!']]]];
    const played = router.req({ message: 'RequestApplyTreatment', ThisDN: 'RP1', ConnID: connId, TreatmentType: 'PlayAnnouncementAndDigits', TreatmentParms: [['PROMPT', prompt], ['TOTAL_TIMEOUT', 15]] });
    assert.deepEqual(names(played), ['EventTreatmentApplied']);
    assert.deepEqual(customer.texts(), ['Hi!', 'Please enter 1 for sales']);
    assert.ok(customer.messages.every((m) => m.from === 'system' && m.phase === 'treatment'));
    leg.send(' 1 ');
    const end = one(router.take(), 'EventTreatmentEnd');
    assert.equal(end.CollectedDigits, '1');
    assert.equal(end.MediaType, 'Chat');
    // The next reply is not digits any more, and the TOTAL_TIMEOUT timer is gone.
    leg.send('hello?');
    assert.deepEqual(router.take(), []);
    assert.equal(b.s.server.pendingTimers, 1, 'only the router-timeout of the routing point runs');

    router.req({ message: 'RequestApplyTreatment', ThisDN: 'RP1', ConnID: connId, TreatmentType: 'CollectDigits', TreatmentParms: [['TOTAL_TIMEOUT', '5']] });
    b.s.clock.advance(5000);
    const timedOut = one(router.take(), 'EventTreatmentEnd');
    assert.equal(timedOut.CollectedDigits, undefined);
  });

  test('treatments are refused for voice calls and bad PROMPTs; pass-transcript-to-agent=false hides the treatment phase from the KW', () => {
    const b = build();
    agentOn(b.s, '7001', 'a1');
    const { router, leg, connId } = customerChat(b);
    router.take();
    const bad = router.req({ message: 'RequestApplyTreatment', ThisDN: 'RP1', ConnID: connId, TreatmentType: 'PlayAnnouncement', TreatmentParms: [['PROMPT', [['1', [['NOTEXT', 'x']]]]]] });
    assert.equal(one(bad, 'EventTreatmentNotApplied').ErrorCode, 223);
    router.req({ message: 'RequestApplyTreatment', ThisDN: 'RP1', ConnID: connId, TreatmentType: 'PlayAnnouncement', TreatmentParms: [['PROMPT', [['1', [['TEXT', 'Welcome']]]]]] });
    leg.send('my account is 1234');
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001', Extensions: [['pass-transcript-to-agent', 'false']] });
    const kw = b.kws.get('7001')!;
    assert.deepEqual(kw.leg!.history().map((m) => m.text), ['7001 joined the chat.']);
    leg.send('are you there?');
    assert.deepEqual(kw.texts(), ['are you there?']);
  });

  test('single-step transfer to a second KW: the second KW sees the transcript so far, the first leaves, the customer stays', () => {
    const b = build();
    const a1 = agentOn(b.s, '7001', 'a1');
    agentOn(b.s, '7002', 'a2');
    const { router, customer, leg, connId } = customerChat(b);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    leg.send('first question');
    const kw1 = b.kws.get('7001')!;
    kw1.leg!.send('I will transfer you');
    a1.take();
    a1.req({ message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: connId, OtherDN: '7002' });
    const kw2 = b.kws.get('7002')!;
    assert.equal(kw1.ended, 'released');
    assert.deepEqual(kw2.leg!.history().filter((m) => m.from !== 'system').map((m) => m.text), ['first question', 'I will transfer you']);
    leg.send('hello again');
    assert.equal(kw2.messages.at(-1)?.text, 'hello again');
    assert.deepEqual(kw1.messages.filter((m) => m.from !== 'system').map((m) => m.text), ['first question'], 'the first KW hears nothing more');
    assert.ok(customer.texts().includes('7002 joined the chat.'));
    assert.ok(customer.texts().includes('7001 left the chat.'));
  });

  test('the KW leaves mid-chat: the customer is told and the chat ends; the customer leaving mid-route abandons', () => {
    const b = build();
    const agent = agentOn(b.s, '7001', 'a1');
    const first = customerChat(b);
    first.router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: first.connId, OtherDN: '7001' });
    b.kws.get('7001')!.leg!.leave();
    assert.equal(first.customer.messages.at(-1)?.text, '7001 left the chat.');
    assert.equal(first.customer.ended, 'released');
    assert.equal(b.s.server.core.call(first.connId), undefined);
    agent.take();

    const second = customerChat(b);
    second.router.take();
    second.leg.leave();
    assert.ok(names(second.router.take()).includes('EventAbandoned'));
  });

  test('an unreachable KW: the routed offer fails and the call goes back to the routing point', () => {
    const b = build();
    agentOn(b.s, '7001', 'a1');
    b.reachable.delete('7001');
    const { router, connId } = customerChat(b);
    router.take();
    const evs = router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    assert.ok(names(evs).includes('EventError'));
    assert.ok(names(router.take().concat(evs)).includes('EventRouteRequest'), 'routed again');
  });

  test('hostile text: control characters stripped, too long and invalid UTF-8 refused, nothing relayed', () => {
    const b = build();
    agentOn(b.s, '7001', 'a1');
    const { router, leg, connId } = customerChat(b);
    router.req({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' });
    const kw = b.kws.get('7001')!;
    const r = leg.send('<script>alert(1)</script>\u0000\u0007\u202E ok');
    assert.ok(r.ok);
    assert.equal(kw.messages.at(-1)?.text, '<script>alert(1)</script> ok', 'kept as text, controls removed');
    const big = leg.send('x'.repeat(1024 * 1024));
    assert.deepEqual(big.ok ? 'sent' : big.code, 'too-large');
    const utf = leg.send(Buffer.from([0x61, 0xff, 0xfe]));
    assert.deepEqual(utf.ok ? 'sent' : utf.code, 'invalid-utf8');
    const lone = leg.send('a\uD800b');
    assert.deepEqual(lone.ok ? 'sent' : lone.code, 'invalid-utf8');
    assert.equal(kw.messages.length, 1);
  });

  test('im-reporting is in EventRegistered', () => {
    const b = build({ options: { 'im-reporting': 'disabled' } });
    const c = b.s.client();
    const reg = one(c.req({ message: 'RequestRegisterAddress', ThisDN: '7001' }), 'EventRegistered');
    assert.deepEqual(reg.Extensions, [['PresenceType', 'local'], ['im-reporting', 'disabled']]);
  });
});
