// The ledger's aggregate reads behind the supervisor charts and reports, on SQLite and PostgreSQL:
// totals per agent and per routing point in a period, and decision-time buckets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OfferLedger } from '../../../src/reporting/offer-ledger.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { forEachStore } from '../../support/for-each-store.ts';

forEachStore((name, makeStore) => {
  describe(`OfferLedger aggregates on ${name}`, () => {
    test('outcomeTotals by agent and by routing point; decisionTimeBuckets', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const ledger = new OfferLedger(store.db);
        const offer = async (connId: string, agentId: string, rp: string | undefined, at: number, outcome?: 'accepted' | 'rejected' | 'timeout', latency = 0) => {
          await ledger.recordOffer({ connId, agentId, userId: agentId.toLowerCase(), ...(rp ? { routingPoint: rp } : {}), offeredAt: at });
          if (outcome) await ledger.recordDecision({ connId, agentId, outcome, decidedAt: at + latency });
        };
        await offer('c1', 'A', '8000', 1000, 'accepted', 2500);
        await offer('c2', 'A', '8000', 2000, 'rejected', 900);
        await offer('c3', 'B', '8001', 3000, 'timeout', 15000);
        await offer('c4', 'B', undefined, 4000);
        await offer('c5', 'A', '8000', 99_000, 'accepted', 1200);

        const byAgent = await ledger.outcomeTotals('agent', 0, 10_000);
        const key = (t: { key: string; outcome: string | null }) => `${t.key}:${t.outcome}`;
        assert.deepEqual(byAgent.map((t) => [key(t), t.userId, t.count, t.latencySumMs]).sort(), [
          ['A:accepted', 'a', 1, 2500], ['A:rejected', 'a', 1, 900], ['B:null', 'b', 1, 0], ['B:timeout', 'b', 1, 15000],
        ]);
        const byRp = await ledger.outcomeTotals('routing-point', 0, 10_000);
        assert.deepEqual(byRp.map((t) => [key(t), t.count]).sort(), [['8000:accepted', 1], ['8000:rejected', 1], ['8001:timeout', 1], [':null', 1]]);
        assert.equal((await ledger.outcomeTotals('agent', 0, 1000)).length, 0, 'the end is exclusive');

        assert.deepEqual(await ledger.decisionTimeBuckets(0, 100_000, 1000, ['accepted', 'rejected']), [{ bucket: 0, count: 1 }, { bucket: 1, count: 1 }, { bucket: 2, count: 1 }]);
        assert.deepEqual(await ledger.decisionTimeBuckets(0, 10_000, 1000, ['timeout']), [{ bucket: 15, count: 1 }]);
        assert.deepEqual(await ledger.decisionTimeBuckets(0, 10_000, 1000, []), []);
      } finally {
        await fx.dispose();
      }
    });
  });
});
