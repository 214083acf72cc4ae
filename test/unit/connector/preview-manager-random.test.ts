/**
 * Exactly once under interleavings: random runs of accepts, rejects, accepts on the external
 * number, foreign attempts, cancels, countdown expiries, disconnects and reconnects, with the
 * winner decision answered asynchronously in random order by a simulated store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreviewOutcome } from '../../../src/preview/preview-messages.ts';
import { PreviewHarness, type FakeSession } from './support/preview-harness.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random interleavings: one result per request, one outcome per offer, at most one winner per call', async () => {
  const tally = new Map<string, number>();
  for (let run = 0; run < 300; run++) {
    const r = rng(run + 1);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const store = new Map<string, string>();
    const decisions: Array<() => void> = [];
    const h = new PreviewHarness({
      kws: 5,
      settings: (u) => ({ expirationTimeoutMs: 1000 + Math.floor(r() * 3000), redirectNumber: u === 'kw1' || u === 'kw2' ? '+1555' : null }),
      reservations: {
        decide: (connId: string, agent: string) =>
          new Promise<boolean>((resolve, reject) => {
            const userName = agent.replace(/^A700/, 'kw');
            decisions.push(() => {
              if (r() < 0.05) return reject(new Error('store hiccup'));
              if (!store.has(connId)) store.set(connId, userName);
              resolve(store.get(connId) === userName);
            });
          }),
      },
    });
    const closed = new Map<string, PreviewOutcome>();
    const closedTwice: string[] = [];
    h.manager.on('offerClosed', (o) => {
      if (closed.has(o.id)) closedTwice.push(o.id);
      closed.set(o.id, o.outcome);
    });
    const users = ['kw1', 'kw2', 'kw3', 'kw4', 'kw5'];
    const sessions: FakeSession[] = [];
    const allSessions: FakeSession[] = [];
    for (const u of users) if (r() < 0.9) sessions.push(h.connect(u));
    allSessions.push(...sessions);
    const refs: number[] = [];
    let conn = 0;
    const connIds: string[] = [];
    const newCall = (): void => {
      const connId = (++conn).toString(16).padStart(16, '0');
      connIds.push(connId);
      if (r() < 0.5) refs.push(h.request(pick(['A7001', 'A7002', 'kw3', 'A7004', 'A7005', 'ghost']), { connId }));
      else refs.push(h.multiple(users.filter(() => r() < 0.6).concat(r() < 0.1 ? ['ghost'] : []), { connId }));
    };
    for (let step = 0; step < 40; step++) {
      const x = r();
      const ids = [...new Set(allSessions.flatMap((s) => s.of('preview').map((p) => p.id)))];
      if (x < 0.15) newCall();
      else if (x < 0.45 && ids.length) {
        const who = pick(users);
        const id = pick(ids);
        const act = pick(['accept', 'reject', 'acceptExternal'] as const);
        h.manager[act](who, id);
      } else if (x < 0.55 && connIds.length) h.cancel(pick(connIds), 'abandoned');
      else if (x < 0.7) h.clock.advance(Math.floor(r() * 1500));
      else if (x < 0.8 && sessions.length) {
        const s = sessions.splice(Math.floor(r() * sessions.length), 1)[0];
        s?.remove();
      } else if (x < 0.85) {
        const s = h.connect(pick(users));
        sessions.push(s);
        allSessions.push(s);
      } else if (decisions.length) {
        decisions.splice(Math.floor(r() * decisions.length), 1)[0]?.();
        await Promise.resolve();
      }
    }
    // Drain: answer every decision (an accept that waited on a losing first one asks in turn),
    // run every countdown out, cancel the rest.
    do {
      while (decisions.length) {
        decisions.shift()?.();
        await Promise.resolve();
        await Promise.resolve();
      }
      await h.settle();
    } while (decisions.length);
    h.clock.advance(10_000);
    for (const c of connIds) h.cancel(c);
    await h.settle();

    const ctx = `run ${run}`;
    for (const o of closed.values()) tally.set(o, (tally.get(o) ?? 0) + 1);
    assert.deepEqual(closedTwice, [], `${ctx}: an offer closed twice`);
    const perRef = new Map<number, number>();
    for (const res of h.results) perRef.set(res.referenceId, (perRef.get(res.referenceId) ?? 0) + 1);
    for (const ref of refs) assert.equal(perRef.get(ref), 1, `${ctx}: request ${ref} got ${perRef.get(ref) ?? 0} results`);
    assert.equal(h.results.length, refs.length, `${ctx}: results for unknown requests`);
    const winners = new Map<string, number>();
    for (const res of h.results) if (res.result === 'accepted' || res.result === 'redirected') winners.set(res.connId, (winners.get(res.connId) ?? 0) + 1);
    for (const [c, n] of winners) assert.equal(n, 1, `${ctx}: ${c} has ${n} winners`);
    for (const [c, u] of store) {
      const res = h.results.find((x) => x.connId === c && (x.result === 'accepted' || x.result === 'redirected'));
      if (res) assert.equal(res.agent?.replace(/^A700/, 'kw'), u, `${ctx}: result winner differs from the store's`);
    }
    assert.equal(h.manager.openPreviews().length, 0, `${ctx}: offers left open`);
    assert.equal(h.decided.length, h.offered.length, `${ctx}: ledger decisions != offers`);
    assert.equal(new Set(h.decided.map((d) => `${d.connId}/${d.agentId}`)).size, h.decided.length, `${ctx}: two decisions for one offer`);
    for (const s of allSessions) {
      const ids = s.of('preview-closed').map((m) => m.id);
      assert.equal(new Set(ids).size, ids.length, `${ctx}: a session saw a preview close twice`);
    }
    const autos = h.autoStates.length;
    const expected = [...closed.values()].filter((o) => o === 'rejected' || o === 'timeout' || o === 'redirected').length;
    assert.equal(autos, expected, `${ctx}: auto-states do not match outcomes`);
    assert.equal(h.clock.pending, 0, `${ctx}: timers left`);
  }
  // The offers reach every outcome (so the invariants above were checked on each path).
  for (const o of ['accepted', 'rejected', 'timeout', 'taken', 'cancelled', 'error', 'redirected']) assert.ok((tally.get(o) ?? 0) > 0, `no run ended ${o}`);
});
