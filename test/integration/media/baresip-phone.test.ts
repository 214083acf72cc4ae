// The baresip test phone: two of them, no registrar; A (440 Hz) dials B (1000 Hz) directly over
// ctrl_tcp, B auto-answers, and each one's recording of what it received holds the other's tone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soxStat } from '../../support/audio.ts';
import { startBaresipPhone, type BaresipPhone } from '../../support/baresip.ts';
import { startKamailio } from '../../support/kamailio.ts';

test('baresip A dials baresip B directly: B records A\'s 440 Hz, A records B\'s 1000 Hz', async () => {
  const phones: BaresipPhone[] = [];
  try {
    const a = await startBaresipPhone({ user: 'alice', toneHz: 440 });
    phones.push(a);
    const b = await startBaresipPhone({ user: 'bob', toneHz: 1000 });
    phones.push(b);
    await a.dial(b.uri);
    const [estA, estB] = await Promise.all([a.waitEvent('CALL_ESTABLISHED'), b.waitEvent('CALL_ESTABLISHED')]);
    assert.equal(estA.direction, 'outgoing');
    assert.equal(estB.direction, 'incoming');
    assert.equal(estA.id, estB.id, 'one call, one Call-ID');
    await new Promise((r) => setTimeout(r, 2000));
    await a.hangup();
    await b.waitEvent('CALL_CLOSED');

    const heardByB = b.heardTone(440, { minSeconds: 1.5 });
    assert.ok(heardByB.ok, `B heard A: ${JSON.stringify(heardByB)}`);
    assert.ok(!b.heardTone(1000, { minSeconds: 0.25 }).ok, 'B\'s received audio is not its own tone');
    const heardByA = a.heardTone(1000, { minSeconds: 1.5 });
    assert.ok(heardByA.ok, `A heard B: ${JSON.stringify(heardByA)}`);
    const sox = soxStat(heardByB.file);
    assert.ok(sox.rmsAmplitude > 0.05 && Math.abs(sox.peakFrequency - 440) <= 15, `sox agrees: ${JSON.stringify(sox)}`);
  } finally {
    for (const p of phones) await p.stop();
  }
});

test('registered at Kamailio with digest, manual answer: A dials B\'s AOR through the proxy and they hear each other', async () => {
  const kam = await startKamailio();
  const phones: BaresipPhone[] = [];
  try {
    const a = await startBaresipPhone({ user: 'carol', toneHz: 700, register: { proxyPort: kam.port } });
    phones.push(a);
    const b = await startBaresipPhone({ user: 'dan', toneHz: 1000, register: { proxyPort: kam.port }, answerMode: 'manual' });
    phones.push(b);
    await a.dial('sip:dan@example.test');
    const incoming = await b.waitEvent('CALL_INCOMING');
    assert.match(incoming.peeruri ?? '', /^sip:carol@example\.test/);
    await b.answer();
    await Promise.all([a.waitEvent('CALL_ESTABLISHED'), b.waitEvent('CALL_ESTABLISHED')]);
    await new Promise((r) => setTimeout(r, 1500));
    await b.hangup();
    await a.waitEvent('CALL_CLOSED');
    const heardByB = b.heardTone(700, { minSeconds: 1 });
    const heardByA = a.heardTone(1000, { minSeconds: 1 });
    assert.ok(heardByB.ok, `B heard A: ${JSON.stringify(heardByB)}`);
    assert.ok(heardByA.ok, `A heard B: ${JSON.stringify(heardByA)}`);
  } finally {
    for (const p of phones) await p.stop();
    await kam.stop();
  }
});
