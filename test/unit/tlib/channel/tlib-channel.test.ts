import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import { TlibChannel, CtiError, maxReferenceId } from '../../../../src/tlib/index.ts';
import type { TlibRequest, TlibEvent } from '../../../../src/tlib/index.ts';

function setup(opts: { firstReferenceId?: number; timeout?: number } = {}): { clock: ManualClock; sent: TlibRequest[]; ch: TlibChannel } {
  const clock = new ManualClock();
  const sent: TlibRequest[] = [];
  const ch = new TlibChannel({ clock, send: (m) => sent.push(m), requestTimeoutMs: opts.timeout ?? 1000, firstReferenceId: opts.firstReferenceId });
  return { clock, sent, ch };
}

const ready = (dn: string): TlibRequest => ({ message: 'RequestAgentReady', ThisDN: dn });
const isCode = (code: string) => (e: unknown): boolean => e instanceof UccError && e.code === code;

describe('TlibChannel', () => {
  test('replies are matched to requests by ReferenceID, in any order', async () => {
    const { sent, ch } = setup();
    const a = ch.request(ready('5001'));
    const b = ch.request(ready('5002'));
    assert.deepEqual(sent.map((m) => m.ReferenceID), [1, 2]);
    assert.equal(ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5002', ReferenceID: 2 }), true);
    assert.equal(ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 1 }), true);
    assert.deepEqual(await a, { message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 1 });
    assert.equal(((await b) as { ThisDN: string }).ThisDN, '5002');
    assert.equal(ch.pendingCount, 0);
  });

  test('an event without a matching ReferenceID is not consumed', () => {
    const { ch } = setup();
    void ch.request(ready('5001')).catch(() => undefined);
    assert.equal(ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5001' }), false);
    assert.equal(ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 99 }), false);
    assert.equal(ch.pendingCount, 1);
    ch.close();
  });

  test('EventError rejects with CtiError carrying the T-Library code', async () => {
    const { ch } = setup();
    const p = ch.request({ message: 'RequestAgentLogout', ThisDN: '5001' });
    ch.handleEvent({ message: 'EventError', ErrorCode: 1707, ErrorMessage: 'Agent has not logged in.', ReferenceID: 1 });
    await assert.rejects(p, (e: unknown) => e instanceof CtiError && e.code === 1707 && e.tlibName === 'TERR_SOFT_AGENT_NOT_LOGGED_IN' && e.request === 'RequestAgentLogout');
  });

  test('a request times out on the injected clock, and a late reply is then an ordinary event', async () => {
    const { clock, ch } = setup({ timeout: 500 });
    const p = ch.request(ready('5001'));
    clock.advance(499);
    assert.equal(ch.pendingCount, 1);
    clock.advance(1);
    await assert.rejects(p, isCode('UCC_ERR_TLIB_TIMEOUT'));
    assert.equal(ch.pendingCount, 0);
    assert.equal(ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 1 }), false);
  });

  test('a per-request timeout overrides the default', async () => {
    const { clock, ch } = setup({ timeout: 10_000 });
    const p = ch.request(ready('5001'), 50);
    clock.advance(50);
    await assert.rejects(p, isCode('UCC_ERR_TLIB_TIMEOUT'));
  });

  test('a reply cancels the timeout timer', async () => {
    const { clock, ch } = setup();
    const p = ch.request(ready('5001'));
    assert.equal(clock.pending, 1);
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 1 });
    await p;
    assert.equal(clock.pending, 0);
  });

  test('close rejects every pending request with UCC_ERR_TLIB_CLOSED, and later requests at once', async () => {
    const { clock, ch, sent } = setup();
    const ps = [ch.request(ready('1')), ch.request(ready('2')), ch.request(ready('3'))];
    ch.close('link lost');
    for (const p of ps) await assert.rejects(p, isCode('UCC_ERR_TLIB_CLOSED'));
    assert.equal(clock.pending, 0);
    await assert.rejects(ch.request(ready('4')), isCode('UCC_ERR_TLIB_CLOSED'));
    assert.equal(sent.length, 3);
    assert.ok(ch.closed);
  });

  test('ReferenceIDs wrap around to 1 after 2147483647 and skip ids still in flight', async () => {
    const { sent, ch } = setup({ firstReferenceId: maxReferenceId - 1 });
    const first = ch.request(ready('a'));
    void ch.request(ready('b')).catch(() => undefined);
    // Wrap: 2147483646, 2147483647, then 1.
    void ch.request(ready('c')).catch(() => undefined);
    assert.deepEqual(sent.map((m) => m.ReferenceID), [maxReferenceId - 1, maxReferenceId, 1]);
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: 'a', ReferenceID: maxReferenceId - 1 });
    await first;
    ch.close();
  });

  test('an id still pending is skipped when the counter comes round to it', async () => {
    const clock = new ManualClock();
    const sent: TlibRequest[] = [];
    const ch = new TlibChannel({ clock, send: (m) => sent.push(m), referenceIdLimit: 3 });
    const held = ch.request(ready('held')); // 1, stays pending
    const p2 = ch.request(ready('b')); // 2
    const p3 = ch.request(ready('c')); // 3
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: 'b', ReferenceID: 2 });
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: 'c', ReferenceID: 3 });
    await Promise.all([p2, p3]);
    const p4 = ch.request(ready('d')); // wraps: 1 is in flight, so 2
    assert.deepEqual(sent.map((m) => m.ReferenceID), [1, 2, 3, 2]);
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: 'held', ReferenceID: 1 });
    assert.equal(((await held) as { ThisDN: string }).ThisDN, 'held');
    ch.handleEvent({ message: 'EventAgentReady', ThisDN: 'd', ReferenceID: 2 });
    await p4;
  });

  test('when every ReferenceID is in flight a new request is refused, not looped on', async () => {
    const clock = new ManualClock();
    const ch = new TlibChannel({ clock, send: () => undefined, referenceIdLimit: 2 });
    const a = ch.request(ready('a')).catch(() => undefined);
    const b = ch.request(ready('b')).catch(() => undefined);
    await assert.rejects(ch.request(ready('c')), isCode('UCC_ERR_TLIB_CLOSED'));
    ch.close();
    await Promise.all([a, b]);
  });

  test('the caller\'s ReferenceID is replaced by the channel\'s', () => {
    const { sent, ch } = setup();
    void ch.request({ message: 'RequestAgentReady', ThisDN: '1', ReferenceID: 777 }).catch(() => undefined);
    assert.equal(sent[0]?.ReferenceID, 1);
    ch.close();
  });

  test('a send that throws rejects with UCC_ERR_TLIB_CLOSED and leaves nothing pending', async () => {
    const clock = new ManualClock();
    const ch = new TlibChannel({ clock, send: () => { throw new Error('socket gone'); } });
    await assert.rejects(ch.request(ready('1')), isCode('UCC_ERR_TLIB_CLOSED'));
    assert.equal(ch.pendingCount, 0);
    assert.equal(clock.pending, 0);
  });

  test('a second event with the same ReferenceID (multi-site follow-up) is not matched', async () => {
    const { ch } = setup();
    const p = ch.request({ message: 'RequestMakeCall', ThisDN: '1', OtherDN: '2' });
    const dialing: TlibEvent = { message: 'EventDialing', ThisDN: '1', ConnID: '0000000000000001', ReferenceID: 1 };
    assert.equal(ch.handleEvent(dialing), true);
    assert.equal(ch.handleEvent({ ...dialing, message: 'EventRinging' }), false);
    assert.equal((await p).message, 'EventDialing');
  });
});
