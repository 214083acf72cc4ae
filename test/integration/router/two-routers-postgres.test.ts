/**
 * Two router instances on PostgreSQL, each with its own store connection (as two processes), in
 * front of one connector: the whole chain with the real preview manager deciding through the
 * store. One router works each call; a KW under preview is not offered another call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { ReservationStore, routerMigrations } from '../../../src/store/reservation-store.ts';
import { makeFixture } from '../../support/for-each-store.ts';
import { PreviewChain } from '../../support/preview-chain.ts';

test('two routers on PostgreSQL: one works the broadcast, the reserved KWs are not offered a second call, the accept routes once', async () => {
  const fx = await makeFixture('postgres');
  const clock = new ManualClock();
  const migrations = [...routerMigrations, ...reportingMigrations];
  const a = await fx.open({ migrations });
  const b = await fx.open({ migrations });
  const c = new PreviewChain({
    clock,
    kws: 3,
    reservations: [new ReservationStore(a.db, clock, a.dialect), new ReservationStore(b.db, clock, b.dialect)],
    reportingDb: a.db,
    routingPoints: { RP1: { target: 'Sales', selection: 'broadcast' }, RP2: { target: 'Sales', selection: 'round-robin' } },
  });
  const ended: string[] = [];
  try {
    await c.start();
    for (const r of c.routers) r.on('ended', (e) => ended.push(`${e.connId}:${e.reason}`));
    const call1 = c.call('RP1');
    await c.until(() => [...c.kws.values()].every((k) => k.previews().length === 1), 'a preview at every KW');
    await c.until(() => ended.length === 1, 'the other router stands aside');
    assert.deepEqual(ended, [`${call1}:handled-by-another-router`]);
    const call2 = c.call('RP2');
    await c.until(() => c.eventsOf('EventDiverted', call2, 'RP2').length === 1, 'call 2 default-routed');
    assert.equal(c.eventsOf('EventDiverted', call2, 'RP2')[0]!.OtherDN, 'Q1', 'every KW is under preview: nobody available');
    assert.ok([...c.kws.values()].every((k) => k.previews().length === 1), 'no KW got a second preview');
    c.kw('kw2').accept();
    c.kw('kw3').accept();
    await c.until(() => c.eventsOf('EventRinging', call1).length === 1, 'call 1 rings');
    await c.until(() => [...c.kws.values()].every((k) => k.closed().length === 1), 'every preview closed');
    await c.settle();
    for (const r of c.routers) await r.whenIdle();
    assert.equal(c.eventsOf('EventRouteUsed', call1).length, 1);
    assert.equal(c.eventsOf('EventRinging', call1, '10002').length, 1);
    assert.deepEqual([...c.kws.values()].map((k) => k.closed()[0]), ['taken', 'accepted', 'taken']);
    const held = await a.db.selectFrom('router_reservation' as never).select('kw' as never).where('expires_at' as never, '>', clock.now() as never).execute();
    assert.deepEqual(held, [], 'every claim and lease released');
  } finally {
    await c.close();
    await fx.dispose();
  }
});
