import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ManualClock } from '../../../src/lib/clock.ts';
import { ReservationStore, routerMigrations } from '../../../src/store/reservation-store.ts';
import { forEachStore } from '../../support/for-each-store.ts';

forEachStore((name, makeStore) => {
  describe(`ReservationStore on ${name}`, () => {
    async function setup(): Promise<{ a: ReservationStore; b: ReservationStore; clock: ManualClock; dispose: () => Promise<void> }> {
      const fx = await makeStore();
      const clock = new ManualClock();
      const s1 = await fx.open({ migrations: routerMigrations });
      const s2 = await fx.open({ migrations: routerMigrations });
      return { a: new ReservationStore(s1.db, clock, s1.dialect), b: new ReservationStore(s2.db, clock, s2.dialect), clock, dispose: () => fx.dispose() };
    }

    test('a claimed KW cannot be claimed by another router until released; fences grow per KW', async () => {
      const { a, b, dispose } = await setup();
      try {
        assert.deepEqual(await a.claim('kw1', 'router-a', 1000), { ok: true, fence: 1 });
        assert.deepEqual(await b.claim('kw1', 'router-b', 1000), { ok: false });
        assert.deepEqual(await b.claim('kw2', 'router-b', 1000), { ok: true, fence: 1 });
        assert.equal(await b.release('kw1', 2), false, 'a wrong fence does not release');
        assert.equal(await a.release('kw1', 1), true);
        assert.equal(await a.release('kw1', 1), false, 'releasing twice is a no-op');
        assert.deepEqual(await b.claim('kw1', 'router-b', 1000), { ok: true, fence: 2 });
      } finally {
        await dispose();
      }
    });

    test('a claim expires after its TTL (a crashed router) and the next claim gets a higher fence', async () => {
      const { a, b, clock, dispose } = await setup();
      try {
        assert.deepEqual(await a.claim('kw1', 'router-a', 500), { ok: true, fence: 1 });
        clock.advance(499);
        assert.deepEqual(await b.claim('kw1', 'router-b', 500), { ok: false });
        assert.equal(await a.renew('kw1', 1, 500), true);
        clock.advance(499);
        assert.deepEqual(await b.claim('kw1', 'router-b', 500), { ok: false });
        clock.advance(1);
        assert.deepEqual(await b.claim('kw1', 'router-b', 500), { ok: true, fence: 2 });
        assert.equal(await a.release('kw1', 1), false, 'the stale holder cannot release the new claim');
        assert.equal(await a.renew('kw1', 1, 500), false, 'nor renew it');
      } finally {
        await dispose();
      }
    });

    test('decide records exactly one winner per ConnID, across instances', async () => {
      const { a, b, dispose } = await setup();
      try {
        assert.equal(await a.decide('c1', 'kw1'), true);
        assert.equal(await b.decide('c1', 'kw2'), false);
        assert.equal(await a.decide('c1', 'kw1'), false, 'the same accept twice does not win twice');
        assert.deepEqual(await b.winner('c1'), { agent: 'kw1', fence: null });
        await b.clearDecision('c1');
        assert.equal(await b.decide('c1', 'kw2'), true, 'a call back on the routing point may be decided again');
      } finally {
        await dispose();
      }
    });

    test('pruneDecisions deletes the decisions recorded before a time, and only those', async () => {
      const { a, b, clock, dispose } = await setup();
      try {
        assert.equal(await a.decide('old', 'kw1'), true);
        clock.advance(10_000);
        const cut = clock.now();
        assert.equal(await a.decide('new', 'kw2'), true);
        assert.equal(await b.pruneDecisions(cut), 1);
        assert.equal(await a.winner('old'), undefined);
        assert.deepEqual(await a.winner('new'), { agent: 'kw2', fence: null });
        assert.equal(await b.pruneDecisions(cut), 0, 'nothing more is that old');
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from router_decision`.execute(a['db']);
        assert.equal(Number(rows[0]!.n), 1);
      } finally {
        await dispose();
      }
    });

    test('decide with a fence needs the KW claim to be current and unexpired', async () => {
      const { a, b, clock, dispose } = await setup();
      try {
        const c = await a.claim('kw1', 'router-a', 100);
        assert.ok(c.ok);
        assert.equal(await b.decide('c1', 'kw1', c.fence + 1), false, 'wrong fence');
        clock.advance(100);
        assert.equal(await b.decide('c1', 'kw1', c.fence), false, 'expired claim');
        const c2 = await b.claim('kw1', 'router-b', 100);
        assert.ok(c2.ok);
        assert.equal(await a.decide('c1', 'kw1', c.fence), false, 'stale fence after a re-claim');
        assert.equal(await a.decide('c1', 'kw1', c2.fence), true);
        assert.deepEqual(await a.winner('c1'), { agent: 'kw1', fence: c2.fence });
      } finally {
        await dispose();
      }
    });

    test('claimMany takes the free KWs in one go and skips the held ones; releaseMany frees only current fences', async () => {
      const { a, b, dispose } = await setup();
      try {
        await b.claim('kw2', 'router-b', 1000);
        const kws = Array.from({ length: 1200 }, (_, i) => `kw${i}`);
        const got = await a.claimMany([...kws, 'kw1'], 'router-a', 1000);
        assert.equal(got.size, 1199, 'every KW but the one held by router-b (a duplicate counts once)');
        assert.equal(got.has('kw2'), false);
        assert.equal(got.get('kw1'), 1);
        assert.deepEqual(await b.claimMany(['kw1', 'kw2', 'kw5'], 'router-b', 1000), new Map());
        const claims = [...got].map(([kw, fence]) => ({ kw, fence }));
        assert.equal(await b.releaseMany([...claims, { kw: 'kw2', fence: 99 }]), 1199, 'a wrong fence is not released');
        assert.equal(await a.releaseMany(claims), 0, 'releasing twice is a no-op');
        assert.deepEqual(await b.claim('kw1', 'router-b', 1000), { ok: true, fence: 2 });
        assert.deepEqual(await b.claim('kw2', 'router-b', 1000), { ok: false });
      } finally {
        await dispose();
      }
    });

    test('concurrent claimMany of overlapping KW sets from two instances never gives one KW to both', async () => {
      const { a, b, dispose } = await setup();
      try {
        const kws = Array.from({ length: 300 }, (_, i) => `kw${i}`);
        const [x, y] = await Promise.all([a.claimMany(kws, 'router-a', 1000), b.claimMany([...kws].reverse(), 'router-b', 1000)]);
        for (const kw of kws) assert.ok(x.has(kw) !== y.has(kw), `${kw} taken exactly once`);
      } finally {
        await dispose();
      }
    });

    test('a call\'s lease row is deleted when its run releases it: the table does not grow per call', async () => {
      const { a, dispose } = await setup();
      try {
        const count = async (): Promise<number> => Number((await sql<{ n: number | string }>`select count(*) as n from router_reservation`.execute(a['db'])).rows[0]!.n);
        for (let i = 0; i < 20; i++) {
          const lease = await a.claim(`call:c${i}`, 'UCC#1', 10_000);
          assert.ok(lease.ok);
          assert.equal(await a.release(`call:c${i}`, lease.fence), true);
        }
        const kw = await a.claim('kw1', 'UCC#1', 10_000);
        assert.ok(kw.ok);
        assert.equal(await a.release('kw1', kw.fence), true);
        assert.equal(await count(), 1, 'only the KW row stays (its fence must stay monotonic)');
        const batch = await a.claimMany(['call:x', 'kw2'], 'UCC#1', 10_000);
        assert.equal(await a.releaseMany([...batch].map(([k, fence]) => ({ kw: k, fence }))), 2);
        assert.equal(await count(), 2, 'a batch release deletes the lease row too');
      } finally {
        await dispose();
      }
    });

    test('releaseHolders frees a dead run\'s claims at once, not the current run\'s or another instance\'s; fences stay monotonic', async () => {
      const { a, b, dispose } = await setup();
      try {
        assert.deepEqual(await a.claim('kw1', 'UCC#1', 30_000), { ok: true, fence: 1 });
        assert.ok((await a.claim('call:c1', 'UCC#1', 30_000)).ok);
        assert.ok((await b.claim('kw2', 'UCC#2', 30_000)).ok);
        assert.ok((await b.claim('kw3', 'OTHER#1', 30_000)).ok);
        assert.ok((await b.claim('kw4', 'UCC#10', 30_000)).ok);
        assert.deepEqual(await b.claim('kw1', 'UCC#2', 30_000), { ok: false }, 'the dead run still holds kw1');
        assert.equal(await b.releaseHolders('UCC#', 'UCC#2'), 3, 'kw1, call:c1 and kw4 (runs 1 and 10)');
        assert.deepEqual(await b.claim('kw1', 'UCC#2', 30_000), { ok: true, fence: 2 }, 'at once, with the next fence');
        assert.deepEqual(await b.claim('call:c1', 'UCC#2', 30_000), { ok: true, fence: 1 });
        assert.deepEqual(await a.claim('kw2', 'UCC#1', 30_000), { ok: false }, 'the current run keeps its claims');
        assert.deepEqual(await a.claim('kw3', 'UCC#1', 30_000), { ok: false }, 'another instance keeps its claims');
        assert.equal(await a.release('kw1', 1), false, 'the dead run\'s fence is stale');
      } finally {
        await dispose();
      }
    });

    test('200 concurrent claims of one KW from two instances: exactly one succeeds', async () => {
      const { a, b, dispose } = await setup();
      try {
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).claim('hot', `r${i}`, 10_000)));
        assert.equal(results.filter((r) => r.ok).length, 1);
        const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).decide('hot-call', `kw${i}`)));
        assert.equal(decisions.filter(Boolean).length, 1);
      } finally {
        await dispose();
      }
    });
  });
});
