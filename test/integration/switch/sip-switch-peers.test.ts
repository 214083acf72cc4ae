// The SIP switch between real peers, driven as the T-Server core drives it (test/integration/
// switch/switch-driver.ts): SIPp or baresip as the carrier's caller, Kamailio as the registrar and
// proxy, baresip as the KWs' phones registered there, SIPp as phones reached by `contact`.
// Signalling only (no media relay): media flows end to end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaresipPhone, type BaresipPhone } from '../../support/baresip.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { waitFor } from '../../support/peer-process.ts';
import { countMessages, startSipp, type SippRun } from '../../support/sipp.ts';
import { SwitchDriver, voiceConfig } from './switch-driver.ts';

const ALICE = 'sip:alice@example.test';
const AMY = 'sip:amy@example.test';

describe('SIP switch with Kamailio, baresip and SIPp (UDP)', () => {
  let kam: KamailioPeer;
  let port: number;
  const stops: Array<() => Promise<void>> = [];
  let alice: BaresipPhone;
  let amy: BaresipPhone;

  before(async () => {
    kam = await startKamailio();
    stops.push(() => kam.stop());
    alice = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, toneHz: 1000, sipTrace: true });
    stops.push(() => alice.stop());
    amy = await startBaresipPhone({ user: 'amy', register: { proxyPort: kam.port }, answerMode: 'manual', sipTrace: true });
    stops.push(() => amy.stop());
  });

  after(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  });

  /** A switch on `port` for one test (stopped after it). */
  async function startSwitch(over: Parameters<typeof voiceConfig>[2] = {}): Promise<SwitchDriver> {
    port = await freePort();
    const d = new SwitchDriver(voiceConfig(port, kam.port, over));
    await d.start();
    stops.push(() => d.sw.stop());
    return d;
  }

  function sipp(o: Omit<Parameters<typeof startSipp>[0], 'transport' | 'localPort'> & { localPort: number }): SippRun {
    const run = startSipp({ ...o, transport: 'udp' });
    stops.push(() => run.stop());
    return run;
  }

  test('SIPp calls in, alice\'s baresip rings through Kamailio and answers: ringing, answered; the caller withholds its ACK (our 200 is retransmitted), then hangs up: released', async () => {
    const d = await startSwitch();
    const carrier = sipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${port}`, service: '8000', localPort: await freePort(), pauseMs: 1200 });
    const inbound = await d.wait('inbound');
    assert.ok(inbound.kind === 'inbound' && inbound.to === '8000' && inbound.from === 'sipp' && inbound.trunk === '9000');
    const connId = d.calls[0]!;
    d.execute({ kind: 'offer', connId, dn: ALICE, from: '9000', userData: [['CustomerName', 'Anna']], mediaType: 'voice' });
    await d.wait('ringing', ALICE);
    await d.wait('answered', ALICE);
    await alice.waitEvent('CALL_ESTABLISHED');
    assert.match(alice.log(), /INVITE sip:alice[^\n]*\n[\s\S]*?From: <sip:sipp@example\.test>/, 'alice\'s phone shows the caller\'s number');
    assert.match(alice.log(), /X-Genesys-CustomerName: Anna/);
    await d.wait('released', '9000');
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.ok(countMessages(carrier.messages(), 'SIP/2.0 200 OK') >= 2, 'the 200 was retransmitted while the ACK was withheld (UDP)');
    d.execute({ kind: 'release', connId, dn: ALICE, cause: 'normal' });
    await alice.waitEvent('CALL_CLOSED');
    d.execute({ kind: 'end', connId });
    assert.equal(d.sw.legCount, 0);
    assert.deepEqual(d.kinds(), ['inbound', `ringing ${ALICE}`, `answered ${ALICE}`, 'released 9000']);
  });

  test('the KW hangs up on its phone: released; the core releases the caller, whose SIPp gets the BYE', async () => {
    alice.ctrl.events.length = 0;
    const d = await startSwitch();
    const carrier = sipp({ scenario: 'switch/carrier-wait-bye.xml', remote: `127.0.0.1:${port}`, service: '8000', localPort: await freePort() });
    await d.wait('inbound');
    const connId = d.calls[0]!;
    d.execute({ kind: 'offer', connId, dn: ALICE, from: '9000', userData: [], mediaType: 'voice' });
    await d.wait('answered', ALICE);
    await alice.waitEvent('CALL_ESTABLISHED');
    await alice.hangup();
    await d.wait('released', ALICE);
    d.execute({ kind: 'release', connId, dn: '9000', cause: 'normal' });
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    d.execute({ kind: 'end', connId });
    assert.equal(d.sw.legCount, 0);
  });

  test('no answer → release → the CANCEL reaches the phone; busy (SIPp 486) → failed busy; the caller abandons → released', async () => {
    const d = await startSwitch();
    const carrier = sipp({ scenario: 'switch/carrier-cancel.xml', remote: `127.0.0.1:${port}`, service: '8000', localPort: await freePort(), pauseMs: 5000 });
    await d.wait('inbound');
    const connId = d.calls[0]!;
    d.execute({ kind: 'offer', connId, dn: AMY, from: '9000', userData: [], mediaType: 'voice' });
    await d.wait('ringing', AMY);
    await amy.waitEvent('CALL_INCOMING');
    // The T-Server's no-answer-timeout would do this: release the ringing leg.
    d.execute({ kind: 'release', connId, dn: AMY, cause: 'noAnswer' });
    await amy.waitEvent('CALL_CLOSED');
    await waitFor('the CANCEL in amy\'s SIP trace', () => /CANCEL sip:amy/.test(amy.log()), 5000);
    // Alternate routing: a busy phone reached by its contact.
    const busyPort = await freePort();
    const busy = sipp({ scenario: 'switch/kw-busy.xml', localPort: busyPort });
    await new Promise((r) => setTimeout(r, 300));
    d.execute({ kind: 'offer', connId, dn: '7001', from: '9000', contact: `sip:7001@127.0.0.1:${busyPort}`, userData: [], mediaType: 'voice' });
    const failed = await d.wait('failed', '7001');
    assert.ok(failed.kind === 'failed' && failed.cause === 'busy', JSON.stringify(failed));
    assert.equal(await busy.exitCode, 0, busy.process.output());
    // The caller gives up while waiting.
    const released = await d.wait('released', '9000');
    assert.ok(released.kind === 'released' && released.cause === 'normal');
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.deepEqual(d.kinds(), ['inbound', `ringing ${AMY}`, 'failed 7001', 'released 9000']);
    d.execute({ kind: 'end', connId });
    assert.equal(d.sw.legCount, 0);
  });

  test('hold and retrieve: the phone (SIPp) gets re-INVITEs with a=inactive then a=sendrecv, the caller (SIPp) a=sendonly then a=sendrecv; the phone answering late makes us retransmit the INVITE', async () => {
    const d = await startSwitch();
    const carrier = sipp({ scenario: 'switch/carrier-held.xml', remote: `127.0.0.1:${port}`, service: '8000', localPort: await freePort() });
    const kwPort = await freePort();
    const kw = sipp({ scenario: 'switch/kw-held.xml', localPort: kwPort, pauseMs: 1200 });
    const inbound = await d.wait('inbound');
    assert.deepEqual(inbound.kind === 'inbound' && inbound.userData, [['CustomerName', 'Anna']]);
    const connId = d.calls[0]!;
    await new Promise((r) => setTimeout(r, 300));
    d.execute({ kind: 'offer', connId, dn: '7002', from: '9000', contact: `sip:kw@127.0.0.1:${kwPort}`, userData: [], mediaType: 'voice' });
    await d.wait('answered', '7002');
    d.execute({ kind: 'hold', connId, dn: '7002' });
    await d.wait('held', '7002');
    d.execute({ kind: 'retrieve', connId, dn: '7002' });
    await d.wait('retrieved', '7002');
    d.execute({ kind: 'release', connId, dn: '7002', cause: 'normal' });
    d.execute({ kind: 'release', connId, dn: '9000', cause: 'normal' });
    assert.equal(await kw.exitCode, 0, kw.process.output());
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.ok(countMessages(kw.messages(), 'INVITE sip:kw@') >= 4, 'the first INVITE was retransmitted over UDP while the phone paused (2 re-INVITEs follow)');
    assert.deepEqual(d.kinds(), ['inbound', 'ringing 7002', 'answered 7002', 'held 7002', 'retrieved 7002']);
    d.execute({ kind: 'end', connId });
  });

  test('desktop answer: a phone that honours answer-after (SIPp) is CANCELled and called again with Call-Info answer-after=0, and answers', async () => {
    const d = await startSwitch({ desktopAnswer: ['7003'] });
    assert.equal(d.sw.capabilities.answer, true);
    const carrier = sipp({ scenario: 'switch/carrier-wait-bye.xml', remote: `127.0.0.1:${port}`, service: '8000', localPort: await freePort() });
    const kwPort = await freePort();
    const kw = sipp({ scenario: 'switch/kw-answer-after.xml', localPort: kwPort });
    await d.wait('inbound');
    const connId = d.calls[0]!;
    await new Promise((r) => setTimeout(r, 300));
    d.execute({ kind: 'offer', connId, dn: '7003', from: '9000', contact: `sip:kw@127.0.0.1:${kwPort}`, userData: [], mediaType: 'voice' });
    await d.wait('ringing', '7003');
    d.execute({ kind: 'answer', connId, dn: '7003' });
    await d.wait('answered', '7003');
    d.execute({ kind: 'end', connId });
    assert.equal(await kw.exitCode, 0, kw.process.output());
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.deepEqual(d.kinds(), ['inbound', 'ringing 7003', 'answered 7003']);
  });

  test('RFC 4733 DTMF passes through: a customer\'s baresip calls in, presses 1 5 9 #, alice\'s baresip receives the digits', async () => {
    alice.ctrl.events.length = 0;
    const d = await startSwitch();
    const customer = await startBaresipPhone({ user: 'customer', sipTrace: true });
    stops.push(() => customer.stop());
    await customer.dial(`sip:8000@127.0.0.1:${port}`);
    await d.wait('inbound');
    const connId = d.calls[0]!;
    d.execute({ kind: 'offer', connId, dn: ALICE, from: '9000', userData: [], mediaType: 'voice' });
    await d.wait('answered', ALICE);
    await customer.waitEvent('CALL_ESTABLISHED');
    await alice.waitEvent('CALL_ESTABLISHED');
    assert.match(alice.log(), /telephone-event\/8000/, 'the offer alice got keeps telephone-event');
    await new Promise((r) => setTimeout(r, 500));
    await customer.ctrl.command('sndcode', '159#');
    await waitFor('alice to receive 4 digits', () => alice.ctrl.events.filter((e) => e.type === 'CALL_DTMF_START').length >= 4, 8000);
    assert.equal(alice.ctrl.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param).join(''), '159#');
    await customer.hangup();
    await d.wait('released', '9000');
    d.execute({ kind: 'end', connId });
    await alice.waitEvent('CALL_CLOSED');
  });
});

describe('SIP switch over TCP', () => {
  test('SIPp calls in over TCP; the switch reaches tina\'s baresip through Kamailio over TCP; hang-ups both ways', async () => {
    const stops: Array<() => Promise<void>> = [];
    try {
      const kam = await startKamailio();
      stops.push(() => kam.stop());
      const tina = await startBaresipPhone({ user: 'tina', register: { proxyPort: kam.port, transport: 'tcp' }, sipTrace: true });
      stops.push(() => tina.stop());
      const port = await freePort();
      const d = new SwitchDriver(voiceConfig(port, kam.port, { proxy: `sip:127.0.0.1:${kam.port};transport=tcp` }));
      await d.start();
      stops.push(() => d.sw.stop());
      const carrier = startSipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${port}`, service: '8000', transport: 'tcp', localPort: await freePort(), pauseMs: 500 });
      stops.push(() => carrier.stop());
      await d.wait('inbound');
      const connId = d.calls[0]!;
      d.execute({ kind: 'offer', connId, dn: 'sip:tina@example.test', from: '9000', userData: [], mediaType: 'voice' });
      await d.wait('answered', 'sip:tina@example.test');
      await tina.waitEvent('CALL_ESTABLISHED');
      assert.match(tina.log(), new RegExp(`INVITE sip:tina[^\\n]*\\n[\\s\\S]*?Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${port};`), 'our INVITE went over TCP');
      await d.wait('released', '9000');
      assert.equal(await carrier.exitCode, 0, carrier.process.output());
      assert.equal(countMessages(carrier.messages(), 'SIP/2.0 200 OK'), 2, 'one 200 for the INVITE (no retransmission over TCP) and one for the BYE');
      d.execute({ kind: 'end', connId });
      await tina.waitEvent('CALL_CLOSED');
      assert.match(tina.log(), /BYE sip:tina/);
      assert.equal(d.sw.legCount, 0);
    } finally {
      for (const s of stops.reverse()) await s().catch(() => {});
    }
  });
});
