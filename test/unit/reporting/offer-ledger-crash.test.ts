// A run that died (kill -9) leaves offers undecided; the next run of the same instance closes them
// with the documented outcome (docs/reporting.md), and leaves other instances' and its own alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CRASH_CLOSE, OfferLedger } from '../../../src/reporting/offer-ledger.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { forEachStore } from '../../support/for-each-store.ts';

forEachStore((name, makeStore) => {
  describe(`OfferLedger.closeDeadRuns on ${name}`, () => {
    test('closes the open offers of the instance\'s earlier runs and the unnamed old ones, nothing else', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const offer = (connId: string, offeredAt: number) => ({ connId, agentId: 'A1', userId: 'alice', offeredAt });
        await new OfferLedger(store.db).recordOffer(offer('legacy', 10));
        await new OfferLedger(store.db, 'UCC#1').recordOffer(offer('dead', 100));
        const decided = new OfferLedger(store.db, 'UCC#1');
        await decided.recordOffer(offer('done', 100));
        await decided.recordDecision({ connId: 'done', agentId: 'A1', outcome: 'accepted', decidedAt: 150 });
        await new OfferLedger(store.db, 'OTHER#4').recordOffer(offer('other', 100));
        const current = new OfferLedger(store.db, 'UCC#2');
        await current.recordOffer(offer('live', 1000));

        assert.equal(await current.closeDeadRuns('UCC#', 'UCC#2', 900), 2);
        const rows = new Map((await current.offers()).map((r) => [r.connId, r]));
        assert.deepEqual([rows.get('dead')?.outcome, rows.get('dead')?.reason, rows.get('dead')?.decidedAt, rows.get('dead')?.latencyMs], [CRASH_CLOSE.outcome, CRASH_CLOSE.reason, 900, 800]);
        assert.equal(rows.get('legacy')?.outcome, CRASH_CLOSE.outcome);
        assert.equal(rows.get('done')?.outcome, 'accepted', 'a decided offer keeps its outcome');
        assert.equal(rows.get('other')?.outcome, undefined, 'another instance\'s offer stays open');
        assert.equal(rows.get('live')?.outcome, undefined, 'this run\'s offer stays open');
        assert.equal(await current.closeDeadRuns('UCC#', 'UCC#2', 900), 0, 'nothing twice');
      } finally {
        await fx.dispose();
      }
    });
  });
});
