/**
 * Broadcast race (issue 5 proof): 1,000 KWs, each on its own WebSocket connection to the KW client
 * API (`/api/v1/kw-socket`), get one
 * PreviewInteractionMultiple and all accept at once. Exactly one wins, 999 get `taken`, the ledger
 * has 1,000 consistent rows and the call is routed once. The whole chain runs (T-Server, router,
 * framed preview protocol, preview manager, connector, statistics, reporting) on a SQLite store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { OfferLedger } from '../../../src/reporting/offer-ledger.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { ReservationStore, routerMigrations } from '../../../src/store/reservation-store.ts';
import { makeFixture } from '../../support/for-each-store.ts';
import { PreviewChain } from '../../support/preview-chain.ts';

const N = 1000;

test(`broadcast to ${N} KWs on ${N} WebSockets who all accept at once: one winner, ${N - 1} taken, ${N} ledger rows, routed once`, async () => {
  const fx = await makeFixture('sqlite');
  const clock = new ManualClock();
  const store = await fx.open({ migrations: [...routerMigrations, ...reportingMigrations] });
  const c = new PreviewChain({ clock, kws: N, reservations: [new ReservationStore(store.db, clock)], reportingDb: store.db, routingPoints: { RP1: { target: 'Sales', selection: 'broadcast' } }, transport: 'websocket' });
  try {
    await c.start();
    const conn = c.call('RP1');
    const kws = [...c.kws.values()];
    await c.until(() => kws.every((k) => k.previews().length === 1), 'a preview at every KW', 200_000);
    // Everyone sends accept on its socket in the same turn of the event loop.
    for (const k of kws) k.accept();
    await c.until(() => kws.every((k) => k.closed().length === 1), 'every preview closed', 200_000);
    await c.until(() => c.eventsOf('EventRinging', conn).length === 1, 'ringing');
    await c.settle();
    const outcomes = kws.map((k) => k.closed()[0]);
    const winners = kws.filter((_, i) => outcomes[i] === 'accepted');
    assert.equal(winners.length, 1, 'exactly one winner');
    assert.equal(outcomes.filter((o) => o === 'taken').length, N - 1);
    assert.equal(c.eventsOf('EventRouteUsed', conn).length, 1, 'routed once');
    // An accept that reaches the connector after the winner is known is refused `already-closed`:
    // that KW's preview had already closed `taken`.
    for (const k of kws) {
      for (const m of k.messages) if (m.type === 'error') assert.equal(m.code, 'already-closed', `${k.userName}: ${JSON.stringify(m)}`);
    }
    assert.equal(c.eventsOf('EventRinging', conn)[0]!.ThisDN, winners[0]!.dn, 'to the winner');
    const rows = await new OfferLedger(store.db).offers({ connId: conn, limit: 10_000 });
    assert.equal(rows.length, N);
    assert.equal(new Set(rows.map((r) => r.agentId)).size, N, 'one row per KW');
    assert.equal(rows.filter((r) => r.outcome === 'accepted').length, 1);
    assert.equal(rows.filter((r) => r.outcome === 'taken').length, N - 1);
    assert.equal(rows.find((r) => r.outcome === 'accepted')?.userId, winners[0]!.userName);
    for (const r of rows) {
      assert.ok(r.decidedAt !== undefined && r.decidedAt >= r.offeredAt && r.latencyMs === r.decidedAt - r.offeredAt, `consistent row ${JSON.stringify(r)}`);
      assert.equal(r.routingPoint, 'RP1');
    }
    assert.deepEqual(await new ReservationStore(store.db, clock).winner(conn), { agent: winners[0]!.userName, fence: 1 });
  } finally {
    await c.close();
    await fx.dispose();
  }
});
