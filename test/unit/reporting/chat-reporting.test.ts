/**
 * Chat in reporting (issue 13): the offer ledger's `media_type` and the `rep_chat_transcript`
 * table on SQLite and PostgreSQL (migrations included), and the `UCC_MediaType=chat` pair of the
 * offer user event (voice offers keep the seed's four pairs).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../support/for-each-store.ts';
import { agentOn, setup } from '../tserver/harness.ts';
import { ChatTranscripts } from '../../../src/reporting/chat-transcripts.ts';
import { PreviewReporter } from '../../../src/reporting/preview-reporter.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { previewReportingSettings } from '../../../src/reporting/preview-reporting-options.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';

const T0 = 1_700_000_000_000;
const CONN = '0000123400000009';

forEachStore((name, makeStore) => {
  describe(`chat reporting on ${name}`, () => {
    test('the offer ledger keeps media_type: chat for a chat offer, voice when none is given', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const r = new PreviewReporter({ db: store.db });
        await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', routingPoint: 'RP1', dn: '7001', offeredAt: T0, mediaType: 'chat' });
        await r.offered({ connId: '0000123400000010', agentId: 'a2', userId: 'bob', offeredAt: T0 + 1 });
        await r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 40 });
        const rows = (await r.ledger?.offers({})) ?? [];
        assert.deepEqual(rows.map((x) => [x.agentId, x.mediaType, x.outcome ?? null]).sort(), [['a1', 'chat', 'accepted'], ['a2', 'voice', null]]);
      } finally {
        await fx.dispose();
      }
    });

    test('rep_chat_transcript: rows in seq order per chat, text kept as sent (markup, quotes, non-ASCII), 450 rows in batches', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const t = new ChatTranscripts(store.db);
        const text = `<b>"Ada"</b> 'ü' ${'é'.repeat(10)} ${'x'.repeat(3000)}`;
        t.append({ connId: CONN, seq: 1, kind: 'event', from: 'system', sender: '', text: 'joined 7001', at: T0 });
        t.append({ connId: CONN, seq: 2, kind: 'message', from: 'customer', sender: 'Ada', text, at: T0 + 5 });
        t.append({ connId: 'other', seq: 1, kind: 'message', from: 'agent', sender: 'alice', text: 'not mine', at: T0 + 6 });
        for (let i = 3; i <= 450; i++) t.append({ connId: CONN, seq: i, kind: 'message', from: i % 2 ? 'agent' : 'customer', sender: 's', text: `m${i}`, at: T0 + i });
        await t.flush();
        const rows = await t.transcript(CONN);
        assert.equal(rows.length, 450);
        assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 450 }, (_, i) => i + 1));
        assert.deepEqual(rows[1], { connId: CONN, seq: 2, kind: 'message', from: 'customer', sender: 'Ada', text, at: T0 + 5 });
        assert.equal(typeof rows[0]!.at, 'number', 'the BIGINT time comes back as a number');
        assert.equal(await t.handledBy(CONN, '7001'), true);
        assert.equal(await t.handledBy(CONN, '7002'), false);
        assert.equal(await t.handledBy('other', '7001'), false);
      } finally {
        await fx.dispose();
      }
    });
  });
});

type Ev = TlibEvent & { ThisDN?: string; ConnID?: string; UserData?: unknown };

describe('reporting user event of a chat offer', () => {
  test('a chat offer adds UCC_MediaType=chat to the "+" event; a voice offer does not', async () => {
    const s = setup();
    agentOn(s, '7001', 'a1');
    const userEvents: Ev[] = [];
    const observer = s.server.attach((e) => {
      if (e.message === 'EventUserEvent') userEvents.push(e as Ev);
    });
    observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    try {
      const sender = s.server.attach(() => undefined);
      const r = new PreviewReporter({ tlib: sender, settings: () => previewReportingSettings({ 'enable-preview-reporting': true }) });
      await r.offered({ connId: CONN, agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0, mediaType: 'chat' });
      await r.decided({ connId: CONN, agentId: 'a1', outcome: 'accepted', decidedAt: T0 + 10 });
      await r.offered({ connId: '0000123400000010', agentId: 'a1', userId: 'alice', dn: '7001', offeredAt: T0 + 20, mediaType: 'voice' });
      assert.deepEqual(userEvents.map((e) => e.UserData), [
        [['UCC_Preview', '+'], ['UCC_ConnId', `3721, ${CONN}`], ['UCC_AgentId', '3721, a1'], ['UCC_UserId', '3721, alice'], ['UCC_MediaType', 'chat']],
        [['UCC_Reason', '3721, Accepted'], ['UCC_Preview', '-']],
        [['UCC_Preview', '+'], ['UCC_ConnId', '3721, 0000123400000010'], ['UCC_AgentId', '3721, a1'], ['UCC_UserId', '3721, alice']],
      ]);
    } finally {
      observer.close();
      await s.server.close();
    }
  });
});
