/**
 * End-to-end outcome paths of the preview: T-Server ← router → preview protocol (framed, in
 * memory) → preview manager → KW client sessions, with the connector, statistics, reporting and the
 * store-backed reservation (SQLite). Time is a ManualClock. Every path runs twice: KW clients on real
 * WebSocket connections to the KW client API, and as in-process sessions.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OptionSections } from '../../../src/config/config-objects.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { OfferLedger } from '../../../src/reporting/offer-ledger.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { ReservationStore, routerMigrations } from '../../../src/store/reservation-store.ts';
import { makeFixture, type StoreFixture } from '../../support/for-each-store.ts';
import { PreviewChain, type PreviewChainOptions } from '../../support/preview-chain.ts';

// A fresh database per chain: ConnIDs restart with every T-Server, and decisions are per ConnID.
const fixtures: StoreFixture[] = [];
after(async () => {
  for (const f of fixtures) await f.dispose();
});

for (const transport of ['websocket', 'in-process'] as const) {
async function chain(opts: Partial<PreviewChainOptions> & Pick<PreviewChainOptions, 'routingPoints'>): Promise<{ c: PreviewChain; clock: ManualClock; ledger: OfferLedger }> {
  const clock = new ManualClock();
  const fx = await makeFixture('sqlite');
  fixtures.push(fx);
  const store = await fx.open({ migrations: [...routerMigrations, ...reportingMigrations] });
  const c = new PreviewChain({ clock, kws: 3, reservations: [new ReservationStore(store.db, clock)], reportingDb: store.db, transport, ...opts });
  await c.start();
  return { c, clock, ledger: new OfferLedger(store.db) };
}

const rr = { RP1: { target: 'Sales', selection: 'round-robin', 'max-attempts': 3 } };

describe(`preview end to end (KW clients: ${transport})`, () => {
  test('accept: the KW gets the preview, accepts, the call is routed once to its DN and rings there; ledger row accepted', async () => {
    const { c, ledger } = await chain({ routingPoints: rr });
    try {
      const conn = c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      const p = c.kw('kw1').previews()[0]!;
      assert.equal(p.connId, conn);
      assert.equal(p.dn, 'RP1');
      assert.deepEqual(p.userData, [['Customer', 'Anna']]);
      assert.deepEqual(c.kw('kw1').accept(), { ok: true });
      await c.until(() => c.eventsOf('EventRinging', conn, '10001').length === 1, 'ringing at 10001');
      await c.settle();
      assert.equal(c.eventsOf('EventRouteUsed', conn).length, 1, 'routed once');
      assert.deepEqual(c.kw('kw1').closed(), ['accepted']);
      const rows = await ledger.offers({ connId: conn });
      assert.deepEqual(rows.map((r) => [r.userId, r.outcome]), [['kw1', 'accepted']]);
    } finally {
      await c.close();
    }
  });

  test('reject: rejected, the preview-reject auto-state makes the KW NotReady until dnd-off-timeout; the next KW is offered', async () => {
    const { c, clock } = await chain({ routingPoints: rr, uccOptions: { 'dnd-off-timeout': 60000 } });
    try {
      const conn = c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      c.kw('kw1').reject();
      await c.until(() => c.kw('kw2').previews().length === 1, 'preview moves to kw2');
      await c.until(() => c.stats.agent('kw1')?.state === 'NotReady', 'kw1 NotReady (preview-reject)');
      assert.deepEqual(c.kw('kw1').closed(), ['rejected']);
      assert.equal(c.connector.knowledgeWorker('kw1')?.agentState, 'NotReady');
      c.kw('kw2').accept();
      await c.until(() => c.eventsOf('EventRinging', conn, '10002').length === 1, 'ringing at kw2');
      clock.advance(59_999);
      await c.settle();
      assert.equal(c.stats.agent('kw1')?.state, 'NotReady');
      clock.advance(1);
      await c.until(() => c.stats.agent('kw1')?.state === 'Ready', 'kw1 Ready again after dnd-off-timeout');
    } finally {
      await c.close();
    }
  });

  test('timeout: after preview-expiration-timeout the offer ends timeout (preview-timeout auto-state) and the next KW is offered', async () => {
    const { c, clock } = await chain({ routingPoints: rr, uccOptions: { 'preview-expiration-timeout': 8000 } });
    try {
      c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      assert.equal(c.kw('kw1').previews()[0]!.remaining, 8000);
      clock.advance(7999);
      await c.settle();
      assert.deepEqual(c.kw('kw1').closed(), []);
      clock.advance(1);
      await c.until(() => c.kw('kw2').previews().length === 1, 'preview moves to kw2');
      assert.deepEqual(c.kw('kw1').closed(), ['timeout']);
      await c.until(() => c.stats.agent('kw1')?.state === 'NotReady', 'kw1 NotReady (preview-timeout)');
    } finally {
      await c.close();
    }
  });

  test('cancel: the caller abandons during the preview; it closes cancelled, nothing is routed, the ledger says cancelled', async () => {
    const { c, ledger } = await chain({ routingPoints: rr });
    try {
      const conn = c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      c.hangUp(conn);
      await c.until(() => c.kw('kw1').closed().length === 1, 'preview closed');
      await c.settle();
      assert.deepEqual(c.kw('kw1').closed(), ['cancelled']);
      assert.equal(c.eventsOf('EventRouteUsed', conn).length, 0);
      c.kw('kw1').accept();
      await c.until(() => transport === 'in-process' || c.kw('kw1').messages.some((m) => m.type === 'error'), 'refusal');
      await c.settle();
      assert.equal(c.eventsOf('EventRouteUsed', conn).length, 0, 'a late accept routes nothing');
      assert.deepEqual((await ledger.offers({ connId: conn })).map((r) => r.outcome), ['cancelled']);
    } finally {
      await c.close();
    }
  });

  test('taken: broadcast to three KWs; the first accept wins, the others close taken; routed once', async () => {
    const { c } = await chain({ routingPoints: { RP1: { target: 'Sales', selection: 'broadcast' } } });
    try {
      const conn = c.call('RP1');
      await c.until(() => [...c.kws.values()].every((k) => k.previews().length === 1), 'preview at every KW');
      assert.deepEqual(c.kw('kw2').accept(), { ok: true });
      c.kw('kw3').accept();
      await c.until(() => c.eventsOf('EventRinging', conn).length === 1, 'ringing');
      await c.settle();
      assert.equal(c.eventsOf('EventRinging', conn, '10002').length, 1);
      assert.deepEqual([c.kw('kw1').closed(), c.kw('kw2').closed(), c.kw('kw3').closed()], [['taken'], ['accepted'], ['taken']]);
      assert.equal(c.eventsOf('EventRouteUsed', conn).length, 1);
    } finally {
      await c.close();
    }
  });

  test('redirect: accept on the external number routes the call to the redirect number', async () => {
    const { c } = await chain({
      routingPoints: { RP1: { 'target-type': 'kw', target: 'kw1' } },
      personAnnex: (u): OptionSections => (u === 'kw1' ? { 'uc-connector': { 'redirect-enabled': 'true', 'redirect-number': 'EXT1' } } : {}),
    });
    try {
      const conn = c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      assert.deepEqual(c.kw('kw1').acceptExternal(), { ok: true });
      await c.until(() => c.eventsOf('EventDiverted', conn, 'RP1').length === 1, 'diverted');
      assert.equal(c.eventsOf('EventDiverted', conn, 'RP1')[0]!.OtherDN, 'EXT1');
      await c.until(() => c.kw('kw1').closed().length === 1, 'preview closed');
      assert.deepEqual(c.kw('kw1').closed(), ['redirected']);
    } finally {
      await c.close();
    }
  });

  test('error: the KW client disconnects mid-preview; the offer ends error and the next KW is offered', async () => {
    const { c } = await chain({ routingPoints: rr });
    try {
      c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      c.kw('kw1').disconnect();
      await c.until(() => c.kw('kw2').previews().length === 1, 'preview moves to kw2');
      assert.deepEqual(c.kw('kw1').closed(), [], 'a disconnected client receives nothing more');
      const kw1Offer = c.reporter.ledger ? (await c.reporter.ledger.offers({ agentId: 'A10001' }))[0] : undefined;
      await c.settle();
      assert.equal(kw1Offer?.outcome ?? (await c.reporter.ledger!.offers({ agentId: 'A10001' }))[0]?.outcome, 'error');
    } finally {
      await c.close();
    }
  });

  test('round-robin skips a KW that is not Ready and keeps the order across calls', async () => {
    const { c } = await chain({ routingPoints: rr });
    try {
      c.uc.setPresence('kw2', 'busy');
      await c.until(() => c.stats.agent('kw2')?.state === 'NotReady', 'kw2 NotReady');
      const order: string[] = [];
      for (const k of c.kws.values()) k.autoAccept = true;
      for (let i = 0; i < 2; i++) {
        const conn = c.call('RP1');
        await c.until(() => c.eventsOf('EventRinging', conn).length === 1, `call ${i} ringing`);
        order.push(String(c.eventsOf('EventRinging', conn)[0]!.ThisDN));
        c.hangUp(conn);
        await c.settle();
      }
      assert.deepEqual(order, ['10001', '10003']);
    } finally {
      await c.close();
    }
  });

  test('default routing when nobody accepts: every attempt rejected, then default-dn', async () => {
    const { c } = await chain({ routingPoints: { RP1: { target: 'Sales', selection: 'longest-idle', 'max-attempts': 2, 'default-dn': 'Q1' } } });
    try {
      const conn = c.call('RP1');
      for (let i = 0; i < 2; i++) {
        await c.until(() => [...c.kws.values()].some((k) => k.previews().length === 1 && k.closed().length === 0), `offer ${i}`);
        const k = [...c.kws.values()].find((x) => x.previews().length === 1 && x.closed().length === 0)!;
        k.reject();
        await c.until(() => k.closed().length === 1, 'closed');
      }
      await c.until(() => c.eventsOf('EventDiverted', conn, 'RP1').length === 1, 'diverted');
      assert.equal(c.eventsOf('EventDiverted', conn, 'RP1')[0]!.OtherDN, 'Q1');
      assert.equal([...c.kws.values()].reduce((n, k) => n + k.previews().length, 0), 2);
    } finally {
      await c.close();
    }
  });

  test("router-timeout: the T-Server's router-timeout sends the call to default-dn while the preview is open; the preview closes cancelled", async () => {
    const { c, clock } = await chain({ routingPoints: rr, tserverOptions: { 'router-timeout': 10 } });
    try {
      const conn = c.call('RP1');
      await c.until(() => c.kw('kw1').previews().length === 1, 'preview at kw1');
      clock.advance(10_000);
      await c.until(() => c.kw('kw1').closed().length === 1, 'preview closed');
      assert.deepEqual(c.kw('kw1').closed(), ['cancelled']);
      assert.equal(c.eventsOf('EventDiverted', conn, 'RP1')[0]?.OtherDN, 'Q1');
      assert.equal(c.eventsOf('EventRouteUsed', conn).length, 0);
    } finally {
      await c.close();
    }
  });
});
}
