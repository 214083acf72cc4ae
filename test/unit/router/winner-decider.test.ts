import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { MemoryReservations } from '../../../src/router/memory-reservations.ts';
import { createWinnerDecider } from '../../../src/router/winner-decider.ts';

test('1,000 simultaneous accepts of one call: one winner and a single store decision', async () => {
  const res = new MemoryReservations(new ManualClock());
  let calls = 0;
  const counting = { decide: (c: string, a: string, f?: number) => (calls++, res.decide(c, a, f)) };
  const decide = createWinnerDecider(counting);
  const out = await Promise.all(Array.from({ length: 1000 }, (_, i) => decide({ connId: 'c1', agent: `kw${i}` })));
  assert.equal(out.filter((o) => o.won).length, 1);
  assert.equal(calls, 1);
  assert.deepEqual(await res.winner('c1'), { agent: 'kw0', fence: null });
});

test('when the first accept loses (stale fence), the next ones still ask the store and one can win', async () => {
  const clock = new ManualClock();
  const res = new MemoryReservations(clock);
  const a = await res.claim('kwA', 'r', 1000);
  const b = await res.claim('kwB', 'r', 1000);
  assert.ok(a.ok && b.ok);
  const decide = createWinnerDecider(res);
  const [first, second] = await Promise.all([decide({ connId: 'c1', agent: 'kwA', fence: a.fence + 1 }), decide({ connId: 'c1', agent: 'kwB', fence: b.fence })]);
  assert.deepEqual(first, { won: false, fence: a.fence + 1 });
  assert.deepEqual(second, { won: true, fence: b.fence });
  assert.deepEqual(await decide({ connId: 'c1', agent: 'kwA', fence: a.fence }), { won: false, fence: a.fence });
});

test('another process already won: every accept here loses', async () => {
  const res = new MemoryReservations(new ManualClock());
  await res.decide('c1', 'elsewhere');
  const decide = createWinnerDecider(res);
  const out = await Promise.all([decide({ connId: 'c1', agent: 'x' }), decide({ connId: 'c1', agent: 'y' })]);
  assert.deepEqual(out.map((o) => o.won), [false, false]);
});

test('the win is answered first; short-cut losses come on a later turn (after what the win scheduled)', async () => {
  const res = new MemoryReservations(new ManualClock());
  const decide = createWinnerDecider(res);
  let losses = 0;
  let lossesWhenTheWinnersTickRan = -1;
  const all = Array.from({ length: 1000 }, (_, i) =>
    decide({ connId: 'c1', agent: `kw${i}` }).then((d) => {
      if (d.won) process.nextTick(() => (lossesWhenTheWinnersTickRan = losses));
      else losses++;
      return d;
    }),
  );
  const out = await Promise.all(all);
  assert.equal(out.filter((o) => o.won).length, 1);
  assert.equal(losses, 999);
  // A stream write of the winner's result is delivered on such a tick: no loss stood before it.
  assert.equal(lossesWhenTheWinnersTickRan, 0);
});
