/**
 * RequestChannel: the one owner of ReferenceIDs, pending requests, their timeouts (ManualClock) and
 * the close, shared by T-Lib's TlibChannel and the preview protocol's PreviewClient.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { err, ok } from '../../../../src/lib/result.ts';
import { maxReferenceId } from '../../../../src/lib/reference-id.ts';
import { RequestChannel, type RequestFailure } from '../../../../src/lib/framed-json/request-channel.ts';

interface Req {
  readonly message: string;
  readonly ReferenceID?: number;
}
interface Rep {
  readonly message: string;
  readonly ReferenceID?: number;
  readonly bad?: boolean;
}

class Failed extends Error {
  constructor(readonly failure: RequestFailure<Req>) {
    super(failure.kind);
  }
}

interface Options {
  limit?: number;
  first?: number;
  timeoutMs?: number;
  /** Settle failures by resolving with a local reply (the preview protocol's way) instead of rejecting. */
  resolveFailures?: boolean;
  send?: (r: Req) => void;
}

function setup(o: Options = {}): { clock: ManualClock; sent: Req[]; ch: RequestChannel<Req, Rep> } {
  const clock = new ManualClock();
  const sent: Req[] = [];
  const ch = new RequestChannel<Req, Rep>({
    clock,
    send: o.send ?? ((r) => void sent.push(r)),
    timeoutMs: o.timeoutMs ?? 1000,
    referenceIdLimit: o.limit,
    firstReferenceId: o.first,
    replyError: (rep, req) => (rep.bad ? new Error(`${req.message} refused`) : undefined),
    failure: (f) => (o.resolveFailures ? ok({ message: `local:${f.kind}`, ReferenceID: 'referenceId' in f ? f.referenceId : undefined }) : err(new Failed(f))),
  });
  return { clock, sent, ch };
}

const failedAs = (kind: string) => (e: unknown): boolean => e instanceof Failed && e.failure.kind === kind;
const req = (message: string): Req => ({ message });

describe('RequestChannel', () => {
  test('stamps each request with a fresh ReferenceID (replacing the caller\'s) and matches replies in any order', async () => {
    const { sent, ch } = setup();
    const a = ch.request({ message: 'a', ReferenceID: 77 });
    const b = ch.request(req('b'));
    assert.deepEqual(sent, [{ message: 'a', ReferenceID: 1 }, { message: 'b', ReferenceID: 2 }]);
    assert.equal(ch.handleReply({ message: 'rb', ReferenceID: 2 }), true);
    assert.equal(ch.handleReply({ message: 'ra', ReferenceID: 1 }), true);
    assert.equal((await a).message, 'ra');
    assert.equal((await b).message, 'rb');
    assert.equal(ch.pendingCount, 0);
  });

  test('a reply without a ReferenceID, or with an unknown one, matches nothing', () => {
    const { ch } = setup();
    void ch.request(req('a')).catch(() => undefined);
    assert.equal(ch.handleReply({ message: 'x' }), false);
    assert.equal(ch.handleReply({ message: 'x', ReferenceID: 9 }), false);
    assert.equal(ch.pendingCount, 1);
    ch.close();
  });

  test('replyError turns a reply into a rejection', async () => {
    const { ch } = setup();
    const p = ch.request(req('login'));
    ch.handleReply({ message: 'error', ReferenceID: 1, bad: true });
    await assert.rejects(p, /login refused/);
  });

  test('ReferenceIDs wrap around from the protocol maximum to 1', async () => {
    const { sent, ch } = setup({ first: maxReferenceId - 1 });
    const ps = [ch.request(req('a')), ch.request(req('b')), ch.request(req('c'))].map((p) => p.catch(() => undefined));
    assert.deepEqual(sent.map((m) => m.ReferenceID), [maxReferenceId - 1, maxReferenceId, 1]);
    ch.close();
    await Promise.all(ps);
  });

  test('wrapping around skips ids still pending, and nextReferenceId does too', async () => {
    const { sent, ch } = setup({ limit: 3 });
    const held = ch.request(req('held')); // 1 stays pending
    const p2 = ch.request(req('b')); // 2
    const p3 = ch.request(req('c')); // 3
    ch.handleReply({ message: 'r', ReferenceID: 2 });
    ch.handleReply({ message: 'r', ReferenceID: 3 });
    await Promise.all([p2, p3]);
    const p4 = ch.request(req('d')); // wraps: 1 is pending, so 2
    assert.deepEqual(sent.map((m) => m.ReferenceID), [1, 2, 3, 2]);
    assert.equal(ch.nextReferenceId(), 3, 'an id for a message without reply: 1 and 2 are pending');
    ch.handleReply({ message: 'held', ReferenceID: 1 });
    assert.equal((await held).message, 'held');
    ch.handleReply({ message: 'd', ReferenceID: 2 });
    await p4;
  });

  test('when every ReferenceID is pending a request is refused at once (exhausted), not looped on', async () => {
    const { sent, ch } = setup({ limit: 2 });
    const ps = [ch.request(req('a')), ch.request(req('b'))].map((p) => p.catch(() => undefined));
    await assert.rejects(ch.request(req('c')), failedAs('exhausted'));
    assert.equal(ch.nextReferenceId(), undefined);
    assert.equal(sent.length, 2);
    ch.close();
    await Promise.all(ps);
  });

  test('a request times out on the injected clock, not a millisecond early, and its timer is the only one', async () => {
    const { clock, ch } = setup({ timeoutMs: 500 });
    const p = ch.request(req('a'));
    assert.equal(clock.pending, 1);
    clock.advance(499);
    assert.equal(ch.pendingCount, 1);
    clock.advance(1);
    await assert.rejects(p, (e: unknown) => e instanceof Failed && e.failure.kind === 'timeout' && e.failure.referenceId === 1 && e.failure.timeoutMs === 500);
    assert.equal(ch.pendingCount, 0);
    assert.equal(clock.pending, 0);
  });

  test('a per-request timeout overrides the default; a reply cancels the timer', async () => {
    const { clock, ch } = setup({ timeoutMs: 10_000 });
    const short = ch.request(req('a'), 50);
    const answered = ch.request(req('b'));
    ch.handleReply({ message: 'rb', ReferenceID: 2 });
    await answered;
    assert.equal(clock.pending, 1, 'only the unanswered request keeps a timer');
    clock.advance(50);
    await assert.rejects(short, failedAs('timeout'));
  });

  test('a late reply after the timeout is ignored: it matches nothing and the outcome stays the timeout', async () => {
    const { clock, ch } = setup({ timeoutMs: 100, resolveFailures: true });
    const p = ch.request(req('a'));
    clock.advance(100);
    assert.deepEqual(await p, { message: 'local:timeout', ReferenceID: 1 });
    assert.equal(ch.handleReply({ message: 'late', ReferenceID: 1 }), false);
    assert.equal(ch.pendingCount, 0);
  });

  test('close settles every pending request as abandoned with the reason, and later requests at once as closed', async () => {
    const { clock, ch, sent } = setup();
    const ps = [ch.request(req('1')), ch.request(req('2')), ch.request(req('3'))];
    ch.close('link lost');
    assert.ok(ch.closed);
    assert.equal(ch.pendingCount, 0);
    assert.equal(clock.pending, 0, 'every timer cancelled');
    for (const [i, p] of ps.entries()) {
      await assert.rejects(p, (e: unknown) => e instanceof Failed && e.failure.kind === 'abandoned' && e.failure.reason === 'link lost' && e.failure.referenceId === i + 1);
    }
    await assert.rejects(ch.request(req('4')), (e: unknown) => e instanceof Failed && e.failure.kind === 'closed' && e.failure.reason === 'link lost');
    assert.equal(sent.length, 3, 'nothing is sent after close');
    assert.equal(ch.handleReply({ message: 'r', ReferenceID: 1 }), false, 'a reply after close matches nothing');
  });

  test('failures may resolve instead of reject (the preview protocol): close resolves every pending request', async () => {
    const { ch } = setup({ resolveFailures: true });
    const ps = [ch.request(req('1')), ch.request(req('2'))];
    ch.close('gone');
    assert.deepEqual(await Promise.all(ps), [{ message: 'local:abandoned', ReferenceID: 1 }, { message: 'local:abandoned', ReferenceID: 2 }]);
  });

  test('a send that throws settles as not-sent and leaves nothing pending', async () => {
    const { clock, ch } = setup({ send: () => { throw new Error('socket gone'); } });
    await assert.rejects(ch.request(req('a')), (e: unknown) => e instanceof Failed && e.failure.kind === 'not-sent' && (e.failure.error as Error).message === 'socket gone');
    assert.equal(ch.pendingCount, 0);
    assert.equal(clock.pending, 0);
  });

  test('a second reply with the same ReferenceID is not matched', async () => {
    const { ch } = setup();
    const p = ch.request(req('a'));
    assert.equal(ch.handleReply({ message: 'first', ReferenceID: 1 }), true);
    assert.equal(ch.handleReply({ message: 'second', ReferenceID: 1 }), false);
    assert.equal((await p).message, 'first');
  });
});
