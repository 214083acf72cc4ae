import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { MemoryReservations } from '../../../src/store/memory-reservations.ts';
import { localWinnerStore, WinnerDecider, type DecisionRound } from '../../../src/connector/preview-winner.ts';

const round = (connId = 'c1'): DecisionRound => ({ connId, shortCut: undefined });

test('1,000 simultaneous accepts of one request: one winner and a single store decision', async () => {
  const res = new MemoryReservations(new ManualClock());
  let calls = 0;
  const counting = { decide: (c: string, a: string, f?: number) => (calls++, res.decide(c, a, f)) };
  const decider = new WinnerDecider(counting);
  const r = round();
  const out = await Promise.all(Array.from({ length: 1000 }, (_, i) => decider.decide(r, `kw${i}`)));
  assert.equal(out.filter(Boolean).length, 1);
  assert.equal(calls, 1);
  assert.deepEqual(await res.winner('c1'), { agent: 'kw0', fence: null });
});

test('when the first accept loses (stale fence), the next ones still ask the store and one can win', async () => {
  const clock = new ManualClock();
  const res = new MemoryReservations(clock);
  const a = await res.claim('kwA', 'r', 1000);
  const b = await res.claim('kwB', 'r', 1000);
  assert.ok(a.ok && b.ok);
  const decider = new WinnerDecider(res);
  const r = round();
  const [first, second] = await Promise.all([decider.decide(r, 'kwA', a.fence + 1), decider.decide(r, 'kwB', b.fence)]);
  assert.equal(first, false);
  assert.equal(second, true);
  assert.equal(await decider.decide(r, 'kwA', a.fence), false);
  assert.deepEqual(await res.winner('c1'), { agent: 'kwB', fence: b.fence });
});

test('another process already won: every accept here loses', async () => {
  const res = new MemoryReservations(new ManualClock());
  await res.decide('c1', 'elsewhere');
  const decider = new WinnerDecider(res);
  const r = round();
  assert.deepEqual(await Promise.all([decider.decide(r, 'x'), decider.decide(r, 'y')]), [false, false]);
});

test('the win is answered first; short-cut losses come on a later turn (after what the win scheduled)', async () => {
  const res = new MemoryReservations(new ManualClock());
  const decider = new WinnerDecider(res);
  const r = round();
  let losses = 0;
  let lossesWhenTheWinnersTickRan = -1;
  const all = Array.from({ length: 1000 }, (_, i) =>
    decider.decide(r, `kw${i}`).then((won) => {
      if (won) process.nextTick(() => (lossesWhenTheWinnersTickRan = losses));
      else losses++;
      return won;
    }),
  );
  const out = await Promise.all(all);
  assert.equal(out.filter(Boolean).length, 1);
  assert.equal(losses, 999);
  // A stream write of the winner's result is delivered on such a tick: no loss stood before it.
  assert.equal(lossesWhenTheWinnersTickRan, 0);
});

test('the short cut belongs to one request: a new request for the same ConnID (its decision cleared) asks the store again', async () => {
  const res = new MemoryReservations(new ManualClock());
  const decider = new WinnerDecider(res);
  assert.equal(await decider.decide(round(), 'kw1'), true);
  await res.clearDecision('c1');
  assert.equal(await decider.decide(round(), 'kw2'), true);
  assert.deepEqual(await res.winner('c1'), { agent: 'kw2', fence: null });
});

test('a store that fails fails every accept waiting on it', async () => {
  let calls = 0;
  const decider = new WinnerDecider({ decide: () => (calls++, Promise.reject(new Error('store down'))) });
  const r = round();
  const out = await Promise.allSettled([decider.decide(r, 'a'), decider.decide(r, 'b')]);
  assert.deepEqual(out.map((o) => o.status), ['rejected', 'rejected']);
  assert.equal(calls, 1);
});

test('without a shared store, the first accept of a ConnID in this process wins, within a bounded memory', async () => {
  const local = localWinnerStore(2);
  assert.equal(await local.decide('c1', 'a'), true);
  assert.equal(await local.decide('c1', 'b'), false);
  await local.decide('c2', 'a');
  await local.decide('c3', 'a');
  assert.equal(await local.decide('c1', 'c'), true, 'the oldest ConnID was forgotten');
});
