/**
 * PreviewReporter: the offer ledger on SQLite and PostgreSQL, and the reporting user events seen by
 * a T-Server observer registered on the KW's DN (seed 000 digest 8.2).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../support/for-each-store.ts';
import { agentOn, setup } from '../tserver/harness.ts';
import { PreviewReporter } from '../../../src/reporting/preview-reporter.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { previewReportingSettings, type RawPreviewReportingOptions } from '../../../src/reporting/preview-reporting-options.ts';
import type { PreviewOutcome } from '../../../src/reporting/preview-report.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';

const T0 = 1_700_000_000_000;
const CONN = '0000123400000001';

forEachStore((name, makeStore) => {
  describe(`offer ledger on ${name}`, () => {
    test('one row per KW offered; the decision sets outcome, decidedAt and the latency; a second decision changes nothing', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const log = memoryLogger();
        const r = new PreviewReporter({ db: store.db, logger: log });
        await Promise.all([
          r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', routingPoint: 'RP1', dn: '7001', offeredAt: T0 }),
          r.offered({ connId: CONN, agentId: 'a2', userId: 'bob', routingPoint: 'RP1', dn: '7002', offeredAt: T0 + 1 }),
          r.offered({ connId: CONN, agentId: 'a3', userId: 'carol', offeredAt: T0 + 2 }),
        ]);
        assert.equal((await r.ledger?.offers({ pending: true }))?.length, 3);
        await r.decided({ connId: CONN, agentId: 'a2', outcome: 'accepted', decidedAt: T0 + 1_501 });
        await r.decided({ connId: CONN, agentId: 'a1', outcome: 'taken', decidedAt: T0 + 1_510 });
        await r.decided({ connId: CONN, agentId: 'a2', outcome: 'rejected', decidedAt: T0 + 9_999 });
        const rows = (await r.ledger?.offers({ connId: CONN })) ?? [];
        assert.deepEqual(rows.map((x) => [x.agentId, x.userId, x.routingPoint ?? null, x.dn ?? null, x.offeredAt - T0, x.outcome ?? null, x.decidedAt === undefined ? null : x.decidedAt - T0, x.latencyMs ?? null]), [
          ['a1', 'alice', 'RP1', '7001', 0, 'taken', 1_510, 1_510],
          ['a2', 'bob', 'RP1', '7002', 1, 'accepted', 1_501, 1_500],
          ['a3', 'carol', null, null, 2, null, null, null],
        ]);
        assert.ok(log.lines.some((l) => l.level === 'warn' && l.outcome === 'rejected'), 'the second decision is logged');
        assert.deepEqual((await r.ledger?.offers({ agentId: 'a3' }))?.map((x) => x.agentId), ['a3']);
        assert.deepEqual((await r.ledger?.offers({ pending: false }))?.map((x) => x.agentId), ['a1', 'a2']);
        assert.deepEqual((await r.ledger?.offers({ since: T0 + 2 }))?.map((x) => x.agentId), ['a3']);
        assert.deepEqual(await r.ledger?.outcomeCounts(), [
          { outcome: 'accepted', count: 1, meanLatencyMs: 1_500 },
          { outcome: 'pending', count: 1, meanLatencyMs: undefined },
          { outcome: 'taken', count: 1, meanLatencyMs: 1_510 },
        ]);
        assert.equal(r.openOffers, 1);
      } finally {
        await fx.dispose();
      }
    });

    test('one turn of writes is one batch that keeps the order: offer, decision, offer again, decision of the same KW; 1,000 taken in one update', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const log = memoryLogger();
        const r = new PreviewReporter({ db: store.db, logger: log });
        const writes = [
          r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', offeredAt: T0 }),
          r.decided({ connId: CONN, agentId: 'a1', outcome: 'rejected', decidedAt: T0 + 10 }),
          r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', offeredAt: T0 + 20 }),
          r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 25 }),
        ];
        const many = 1000;
        for (let i = 0; i < many; i++) writes.push(r.offered({ connId: 'C2', agentId: `b${i}`, userId: `u${i}`, offeredAt: T0 }));
        await Promise.all(writes);
        const taken = Array.from({ length: many }, (_, i) => r.decided({ connId: 'C2', agentId: `b${i}`, outcome: 'taken', decidedAt: T0 + 7 }));
        await Promise.all(taken);
        const rows = (await r.ledger?.offers({ connId: CONN })) ?? [];
        assert.deepEqual(rows.map((x) => [x.offeredAt - T0, x.outcome, x.latencyMs]), [[0, 'rejected', 10], [20, 'accepted', 5]]);
        assert.deepEqual(await r.ledger?.outcomeCounts(), [
          { outcome: 'accepted', count: 1, meanLatencyMs: 5 },
          { outcome: 'rejected', count: 1, meanLatencyMs: 10 },
          { outcome: 'taken', count: many, meanLatencyMs: 7 },
        ]);
        assert.ok(!log.lines.some((l) => l.level === 'warn' || l.level === 'error'), 'every decision found its row');
        // A row the ledger lost (deleted behind the reporter's back) is reported per decision.
        await r.offered({ connId: 'C3', agentId: 'z1', userId: 'zed', offeredAt: T0 });
        await store.db.deleteFrom('rep_preview_offer' as never).where('conn_id' as never, '=', 'C3' as never).execute();
        await r.decided({ connId: 'C3', agentId: 'z1', outcome: 'timeout', decidedAt: T0 + 1 });
        assert.ok(log.lines.some((l) => l.level === 'warn' && String(l.msg).includes('no open ledger row') && l.agentId === 'z1'));
      } finally {
        await fx.dispose();
      }
    });

    test('a decision without an offer writes nothing; a store failure is logged and does not reject', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const log = memoryLogger();
        const r = new PreviewReporter({ db: store.db, logger: log });
        await r.decided({ connId: CONN, agentId: 'ghost', outcome: 'timeout', decidedAt: T0 });
        assert.deepEqual(await r.ledger?.offers(), []);
        await store.db.schema.dropTable('rep_preview_offer').execute();
        await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', offeredAt: T0 });
        assert.ok(log.lines.some((l) => l.level === 'error' && String(l.msg).includes('recording a preview offer')));
      } finally {
        await fx.dispose();
      }
    });
  });
});

type Ev = TlibEvent & Record<string, unknown>;

/** A T-Server with agent a1 on 7001 and an observer registered on 7001 that keeps the user events. */
function reportingWorld(): { s: ReturnType<typeof setup>; userEvents: Ev[]; close: () => Promise<void> } {
  const s = setup();
  agentOn(s, '7001', 'a1');
  const userEvents: Ev[] = [];
  const observer = s.server.attach((e) => {
    if (e.message === 'EventUserEvent') userEvents.push(e as Ev);
  });
  observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001' });
  return { s, userEvents, close: async () => { observer.close(); await s.server.close(); } };
}

function reporterOn(w: ReturnType<typeof reportingWorld>, raw: RawPreviewReportingOptions, extra: { log?: ReturnType<typeof memoryLogger>; dnOf?: (a: string) => string | undefined } = {}): PreviewReporter {
  const sender = w.s.server.attach(() => undefined);
  return new PreviewReporter({ tlib: sender, settings: () => previewReportingSettings(raw, extra.log), logger: extra.log, dnOf: extra.dnOf });
}

const strip = (e: Ev): Record<string, unknown> => ({ ThisDN: e.ThisDN, ConnID: e.ConnID, AgentID: e.AgentID, UserData: e.UserData });

describe('reporting user events (enable-preview-reporting=true)', () => {
  test('default options: offer "+" with ConnId/AgentId/UserId and termination Reason then "-", on the KW DN', async () => {
    const w = reportingWorld();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', routingPoint: 'RP1', dn: '7001', offeredAt: T0 });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 100 });
      assert.deepEqual(w.userEvents.map(strip), [
        { ThisDN: '7001', ConnID: CONN, AgentID: 'a1', UserData: [['UCC_Preview', '+'], ['UCC_ConnId', `3721, ${CONN}`], ['UCC_AgentId', '3721, a1'], ['UCC_UserId', '3721, alice']] },
        { ThisDN: '7001', ConnID: CONN, AgentID: 'a1', UserData: [['UCC_Reason', '3721, Accepted'], ['UCC_Preview', '-']] },
      ]);
    } finally {
      await w.close();
    }
  });

  test('custom preview-info-keys and preview-state-name', async () => {
    const w = reportingWorld();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true, 'preview-info-keys': 'CID,UID,AID,WHY', 'preview-state-name': '3271,PV' });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'cancelled', decidedAt: T0 + 5 });
      assert.deepEqual(w.userEvents.map((e) => e.UserData), [
        [['PV', '+'], ['CID', `3271, ${CONN}`], ['AID', '3271, a1'], ['UID', '3271, alice']],
        [['WHY', '3271, Cancel'], ['PV', '-']],
      ]);
    } finally {
      await w.close();
    }
  });

  test('invalid options: the defaults are used and a warning is logged', async () => {
    const w = reportingWorld();
    const log = memoryLogger();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true, 'preview-info-keys': 'A,B', 'preview-state-name': 'Preview' }, { log });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
      assert.deepEqual(w.userEvents[0]?.UserData, [['UCC_Preview', '+'], ['UCC_ConnId', `3721, ${CONN}`], ['UCC_AgentId', '3721, a1'], ['UCC_UserId', '3721, alice']]);
      assert.deepEqual(log.lines.filter((l) => l.level === 'warn').map((l) => l.option).sort(), ['preview-info-keys', 'preview-state-name']);
    } finally {
      await w.close();
    }
  });

  test('every outcome has the seed\'s reason word (redirected reports Accepted)', async () => {
    const words: Record<PreviewOutcome, string> = { accepted: 'Accepted', rejected: 'Rejected', timeout: 'Timeout', taken: 'Taken', error: 'Error', cancelled: 'Cancel', redirected: 'Accepted' };
    const w = reportingWorld();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true });
      for (const [i, outcome] of (Object.keys(words) as PreviewOutcome[]).entries()) {
        const connId = `00001234000000${String(10 + i)}`;
        await r.offered({ connId, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
        await r.decided({ connId, agentId: 'a1', outcome, decidedAt: T0 + 1 });
      }
      const reasons = w.userEvents.filter((e) => (e.UserData as Array<[string, string]>)[1]?.[1] === '-').map((e) => (e.UserData as Array<[string, string]>)[0]?.[1]);
      assert.deepEqual(reasons, Object.values(words).map((x) => `3721, ${x}`));
    } finally {
      await w.close();
    }
  });

  test('exactly one termination per offer; none without an offer', async () => {
    const w = reportingWorld();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'timeout', decidedAt: T0 });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
      await Promise.all([
        r.decided({ connId: CONN, agentId: 'a1', outcome: 'timeout', decidedAt: T0 + 1 }),
        r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 2 }),
      ]);
      assert.deepEqual(w.userEvents.map((e) => (e.UserData as Array<[string, string]>)[0]), [['UCC_Preview', '+'], ['UCC_Reason', '3721, Timeout']]);
    } finally {
      await w.close();
    }
  });

  test('reporting off (the default): no user events', async () => {
    const w = reportingWorld();
    try {
      const r = reporterOn(w, {});
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 1 });
      assert.deepEqual(w.userEvents, []);
    } finally {
      await w.close();
    }
  });

  test('an offer without a DN takes it from dnOf (statistics); with no DN known nothing is sent and a warning is logged', async () => {
    const w = reportingWorld();
    const log = memoryLogger();
    try {
      const r = reporterOn(w, { 'enable-preview-reporting': true }, { log, dnOf: (a) => (a === 'a1' ? '7001' : undefined) });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', offeredAt: T0 });
      await r.offered({ connId: CONN, agentId: 'a9', userId: 'zed', offeredAt: T0 });
      await r.decided({ connId: CONN, agentId: 'a9', outcome: 'taken', decidedAt: T0 + 1 });
      assert.deepEqual(w.userEvents.map((e) => [e.ThisDN, e.AgentID]), [['7001', 'a1']]);
      assert.ok(log.lines.some((l) => l.level === 'warn' && l.agentId === 'a9'));
    } finally {
      await w.close();
    }
  });

  test('over a TlibClient (framed in-memory T-Lib); a refused event (unknown DN) is logged, not thrown', async () => {
    const w = reportingWorld();
    const log = memoryLogger();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => w.s.server.connectInMemory() }, clock: w.s.clock, reconnect: false });
    try {
      await client.connect();
      const r = new PreviewReporter({ tlib: client, settings: () => previewReportingSettings({ 'enable-preview-reporting': true }), logger: log });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'rejected', decidedAt: T0 + 1 });
      assert.deepEqual(w.userEvents.map((e) => (e.UserData as Array<[string, string]>)[0]), [['UCC_Preview', '+'], ['UCC_Reason', '3721, Rejected']]);
      await r.offered({ connId: CONN, agentId: 'a2', userId: 'bob', dn: 'no-such-dn', offeredAt: T0 });
      assert.ok(log.lines.some((l) => l.msg === 'the T-Server refused a preview reporting event' && l.dn === 'no-such-dn'));
    } finally {
      client.close();
      await w.close();
    }
  });
});
