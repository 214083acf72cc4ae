import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { previewSettingsFromOptions } from '../../../src/connector/preview-manager.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { MemoryReservations } from '../../../src/store/memory-reservations.ts';
import { CONN, PreviewHarness } from './support/preview-harness.ts';

const redirectSettings = (u: string): { expirationTimeoutMs: number; redirectNumber: string | null } => ({ expirationTimeoutMs: 15000, redirectNumber: u === 'kw1' ? '+15550001' : null });

describe('preview manager: outcome paths', () => {
  test('accept: the preview reaches the KW with its deadline; accept answers accepted with the KW DN, closes the window, records offer and decision', async () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    const ref = h.request('A7001');
    const p = s.of('preview')[0];
    assert.ok(p);
    assert.equal(p.connId, CONN);
    assert.equal(p.deadline, h.clock.now() + 15000);
    assert.equal(p.remaining, 15000);
    assert.equal(p.canRedirect, false);
    assert.deepEqual(p.userData, [['Customer', 'Анна']]);
    assert.deepEqual(h.manager.accept('kw1', p.id), { ok: true });
    await h.nextResult();
    assert.deepEqual(h.results, [{ referenceId: ref, connId: CONN, result: 'accepted', agent: 'A7001', dn: '7001' }]);
    assert.deepEqual(s.of('preview-closed'), [{ type: 'preview-closed', id: p.id, outcome: 'accepted' }]);
    assert.equal(h.offered.length, 1);
    assert.deepEqual({ ...h.offered[0] }, { connId: CONN, agentId: 'A7001', userId: 'kw1', routingPoint: '5000', dn: '7001', offeredAt: h.clock.now(), mediaType: 'voice' });
    assert.deepEqual(h.decided.map((d) => [d.agentId, d.outcome]), [['A7001', 'accepted']]);
    assert.deepEqual(h.autoStates, []);
    assert.equal(h.clock.pending, 0, 'the countdown timer is cancelled');
  });

  test('the agent may be named by Person user name as well as AgentID', async () => {
    const h = new PreviewHarness();
    const s = h.connect('kw2');
    h.request('kw2');
    h.manager.accept('kw2', h.previewId(s));
    await h.nextResult();
    assert.equal(h.results[0]?.result, 'accepted');
    assert.equal(h.results[0]?.dn, '7002');
  });

  test('reject: rejected, and the preview-reject auto-state is applied', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001');
    h.manager.reject('kw1', h.previewId(s));
    assert.equal(h.results[0]?.result, 'rejected');
    assert.deepEqual(h.autoStates, [{ userName: 'kw1', kind: 'preview-reject' }]);
    assert.equal(s.of('preview-closed')[0]?.outcome, 'rejected');
    assert.equal(h.decided[0]?.outcome, 'rejected');
  });

  test('timeout: nothing before preview-expiration-timeout; at it, timeout and the preview-timeout auto-state', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001');
    h.clock.advance(14_999);
    assert.equal(h.results.length, 0);
    h.clock.advance(1);
    assert.equal(h.results[0]?.result, 'timeout');
    assert.deepEqual(h.autoStates, [{ userName: 'kw1', kind: 'preview-timeout' }]);
    assert.equal(s.of('preview-closed')[0]?.outcome, 'timeout');
    const id = s.of('preview')[0]?.id ?? '';
    assert.equal(h.manager.accept('kw1', id).ok, false, 'an accept after the timeout changes nothing');
    assert.equal(h.results.length, 1);
  });

  test('the request timeout overrides preview-expiration-timeout', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001', { timeout: 3000 });
    assert.equal(s.of('preview')[0]?.remaining, 3000);
    h.clock.advance(3000);
    assert.equal(h.results[0]?.result, 'timeout');
  });

  test('cancel: every open preview of the ConnID closes cancelled, with the reason', () => {
    const h = new PreviewHarness();
    const s1 = h.connect('kw1');
    const s2 = h.connect('kw2');
    h.multiple(['A7001', 'A7002']);
    h.cancel(CONN, 'abandoned');
    assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['cancelled', 'abandoned']]);
    assert.deepEqual(s1.of('preview-closed').map((m) => [m.outcome, m.reason]), [['cancelled', 'abandoned']]);
    assert.equal(s2.of('preview-closed')[0]?.outcome, 'cancelled');
    assert.deepEqual(h.autoStates, []);
    assert.equal(h.clock.pending, 0);
  });

  test('cancel for a ConnID with nothing open changes nothing', () => {
    const h = new PreviewHarness();
    h.connect('kw1');
    h.request('A7001');
    h.cancel('00000000000000ff');
    assert.equal(h.results.length, 0);
    assert.equal(h.manager.openPreviews().length, 1);
  });

  test('taken: in a broadcast the first accept wins and every other open offer closes taken', async () => {
    const h = new PreviewHarness();
    const [s1, s2, s3] = ['kw1', 'kw2', 'kw3'].map((u) => h.connect(u));
    h.multiple(['A7001', 'A7002', 'A7003']);
    h.manager.accept('kw2', h.previewId(s2!));
    await h.nextResult();
    assert.deepEqual(h.results.map((r) => [r.result, r.agent, r.dn]), [['accepted', 'A7002', '7002']]);
    // The result goes first; the other offers close on the next turn.
    assert.deepEqual(h.manager.openPreviews(), [], 'no offer of a won call is shown as open');
    assert.equal(s1!.of('preview-closed').length, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(s1!.of('preview-closed')[0]?.outcome, 'taken');
    assert.equal(s3!.of('preview-closed')[0]?.outcome, 'taken');
    assert.deepEqual(h.decided.map((d) => `${d.agentId}:${d.outcome}`).sort(), ['A7001:taken', 'A7002:accepted', 'A7003:taken']);
    assert.equal(h.manager.accept('kw1', h.previewId(s1!)).ok, false, 'a late accept of a taken preview is refused');
    assert.equal(h.results.length, 1);
  });

  test('taken: before the other offers of a won call are closed, whatever comes for them ends them taken (no reject, timeout, cancel or error, no auto-state)', async () => {
    const h = new PreviewHarness({ kws: 5 });
    const [s1, s2, s3, s4, s5] = ['kw1', 'kw2', 'kw3', 'kw4', 'kw5'].map((u) => h.connect(u));
    h.multiple(['A7001', 'A7002', 'A7003', 'A7004', 'A7005']);
    h.manager.accept('kw2', h.previewId(s2!));
    await h.nextResult();
    assert.deepEqual(h.manager.reject('kw1', h.previewId(s1!)), { ok: false, refusal: { code: 'already-closed', message: `preview ${h.previewId(s1!)} already ended (taken)` } });
    assert.equal(h.manager.accept('kw3', h.previewId(s3!)).ok, false);
    s4!.remove(); // kw4's last session
    h.cancel();
    h.clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    for (const s of [s1, s3, s5]) assert.deepEqual(s!.of('preview-closed').map((m) => m.outcome), ['taken'], s!.userName);
    assert.deepEqual(h.decided.map((d) => `${d.agentId}:${d.outcome}`).sort(), ['A7001:taken', 'A7002:accepted', 'A7003:taken', 'A7004:taken', 'A7005:taken']);
    assert.deepEqual(h.autoStates, []);
    assert.equal(h.results.length, 1);
  });

  test('broadcast where nobody accepts answers with the outcome of the last open offer', () => {
    const h = new PreviewHarness();
    const [s1, s2] = ['kw1', 'kw2'].map((u) => h.connect(u));
    h.multiple(['A7001', 'A7002']);
    h.manager.reject('kw1', h.previewId(s1!));
    assert.equal(h.results.length, 0, 'one offer still open');
    h.clock.advance(15000);
    assert.deepEqual(h.results.map((r) => [r.result, r.agent]), [['timeout', 'A7002']]);
    void s2;
  });

  test('a KW named twice in targets is offered once', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.multiple(['A7001', 'kw1']);
    assert.equal(s.of('preview').length, 1);
    assert.equal(h.offered.length, 1);
  });

  test('redirect: accept on external number answers redirected with the redirect number and applies preview-redirect', async () => {
    const h = new PreviewHarness({ settings: redirectSettings });
    const s = h.connect('kw1');
    h.request('A7001');
    const p = s.of('preview')[0];
    assert.equal(p?.canRedirect, true);
    assert.deepEqual(h.manager.acceptExternal('kw1', p?.id ?? ''), { ok: true });
    await h.nextResult();
    assert.deepEqual(h.results.map((r) => [r.result, r.dn]), [['redirected', '+15550001']]);
    assert.deepEqual(s.of('preview-closed'), [{ type: 'preview-closed', id: p?.id, outcome: 'redirected', dn: '+15550001' }]);
    assert.deepEqual(h.autoStates, [{ userName: 'kw1', kind: 'preview-redirect' }]);
  });

  test('accept on external number is refused for a KW without an enabled redirect number', () => {
    const h = new PreviewHarness({ settings: redirectSettings });
    const s = h.connect('kw2');
    h.request('A7002');
    const r = h.manager.acceptExternal('kw2', h.previewId(s));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.refusal.code, 'cannot-redirect');
    assert.equal(h.results.length, 0);
    assert.equal(h.manager.openPreviews('kw2').length, 1);
  });

  test('error: the KW\'s only client disconnecting mid-preview ends it in error', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001');
    s.remove();
    assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['error', 'client-disconnected']]);
    assert.equal(h.decided[0]?.outcome, 'error');
    assert.deepEqual(h.autoStates, []);
  });

  test('a KW with no client session, or an agent the connector does not know, is answered error at once', () => {
    const h = new PreviewHarness();
    h.request('A7001');
    h.request('nobody');
    assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['error', 'no-client-session'], ['error', 'unknown-agent']]);
    assert.equal(h.offered.length, 1, 'the known KW is in the ledger; the unknown agent is not');
  });

  test('a broadcast with one unknown target still offers the others', async () => {
    const h = new PreviewHarness();
    const s2 = h.connect('kw2');
    h.multiple(['nobody', 'A7002']);
    assert.equal(h.results.length, 0);
    h.manager.accept('kw2', h.previewId(s2));
    await h.nextResult();
    assert.deepEqual(h.results.map((r) => r.result), ['accepted']);
  });

  test('a KW can act only on its own previews: another KW\'s attempt is refused, logged, and resolves nothing', async () => {
    const h = new PreviewHarness();
    const s1 = h.connect('kw1');
    h.connect('kw2');
    h.request('A7001');
    const id = h.previewId(s1);
    for (const act of [h.manager.accept, h.manager.reject, h.manager.acceptExternal]) {
      const r = act.call(h.manager, 'kw2', id);
      assert.equal(!r.ok && r.refusal.code, 'not-your-preview');
    }
    assert.equal(h.results.length, 0);
    assert.equal(h.manager.openPreviews('kw1').length, 1);
    assert.ok(h.logger.lines.some((l) => String(l['msg']).includes('refused') && l['userName'] === 'kw2' && l['owner'] === 'kw1'));
    h.manager.accept('kw1', id);
    await h.nextResult();
    assert.equal(h.results[0]?.result, 'accepted');
    const late = h.manager.reject('kw2', id);
    assert.equal(!late.ok && late.refusal.code, 'not-your-preview', 'still foreign after it closed');
  });

  test('an unknown preview id and a second action are refused', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001');
    const r0 = h.manager.accept('kw1', 'p999');
    assert.equal(!r0.ok && r0.refusal.code, 'unknown-preview');
    h.manager.reject('kw1', h.previewId(s));
    const r = h.manager.accept('kw1', h.previewId(s));
    assert.equal(!r.ok && r.refusal.code, 'already-closed');
    assert.equal(h.results.length, 1);
  });
});

describe('preview manager: several sessions of one KW', () => {
  test('a KW with two sessions gets the preview on both, and an accept on one closes it on the other', async () => {
    const h = new PreviewHarness();
    const a = h.connect('kw1');
    const b = h.connect('kw1');
    h.request('A7001');
    assert.equal(a.of('preview').length, 1);
    assert.equal(b.of('preview').length, 1);
    assert.equal(a.of('preview')[0]?.id, b.of('preview')[0]?.id);
    h.manager.accept('kw1', h.previewId(b));
    await h.nextResult();
    assert.equal(a.of('preview-closed')[0]?.outcome, 'accepted');
    assert.equal(b.of('preview-closed')[0]?.outcome, 'accepted');
  });

  test('one of two sessions closing leaves the preview open; the last one closing ends it in error', () => {
    const h = new PreviewHarness();
    const a = h.connect('kw1');
    const b = h.connect('kw1');
    h.request('A7001');
    a.remove();
    assert.equal(h.results.length, 0);
    b.remove();
    assert.equal(h.results[0]?.result, 'error');
  });

  test('a session opened mid-preview gets it with the time left', () => {
    const h = new PreviewHarness();
    h.connect('kw1');
    h.request('A7001');
    h.clock.advance(4000);
    const late = h.connect('kw1');
    assert.equal(late.of('preview')[0]?.remaining, 11000);
  });
});

describe('preview manager: the winner decision', () => {
  test('accept waits for the store\'s decision; the store saying no makes it taken', async () => {
    const asked: Array<[string, string, number | undefined]> = [];
    let answer!: (won: boolean) => void;
    const h = new PreviewHarness({
      reservations: {
        decide: (connId, agent, fence) => {
          asked.push([connId, agent, fence]);
          return new Promise<boolean>((r) => (answer = r));
        },
      },
    });
    const s = h.connect('kw1');
    h.request('A7001', { fence: 42 });
    h.clock.advance(14_000);
    h.manager.accept('kw1', h.previewId(s));
    assert.deepEqual(asked, [[CONN, 'A7001', 42]]);
    h.clock.advance(5_000); // past the countdown's deadline
    assert.equal(h.results.length, 0, 'the countdown does not end an offer being decided');
    answer(false);
    await h.nextResult();
    assert.deepEqual(h.results.map((r) => r.result), ['taken']);
  });

  test('the fence of the request goes into the accepted result (none without one)', async () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001', { fence: 3 });
    h.manager.accept('kw1', h.previewId(s));
    await h.nextResult();
    assert.equal(h.results[0]?.fence, 3);
    const h2 = new PreviewHarness();
    const s2 = h2.connect('kw1');
    h2.request('A7001');
    h2.manager.accept('kw1', h2.previewId(s2));
    await h2.nextResult();
    assert.equal(h2.results[0]?.result, 'accepted');
    assert.equal('fence' in h2.results[0]!, false);
  });

  test('multiple fences map to targets in order', () => {
    const asked: Array<number | undefined> = [];
    const h = new PreviewHarness({ reservations: { decide: (_c, _a, fence) => (asked.push(fence), Promise.resolve(true)) } });
    const s3 = h.connect('kw3');
    h.connect('kw1');
    h.multiple(['A7001', 'A7003'], { fences: '11^13' });
    h.manager.accept('kw3', h.previewId(s3));
    assert.deepEqual(asked, [13]);
  });

  test('cancel while deciding ends the offer cancelled; the late decision is ignored', async () => {
    let answer!: (won: boolean) => void;
    const h = new PreviewHarness({ reservations: { decide: () => new Promise<boolean>((r) => (answer = r)) } });
    const s = h.connect('kw1');
    h.request('A7001');
    h.manager.accept('kw1', h.previewId(s));
    h.cancel();
    answer(true);
    await h.settle();
    assert.deepEqual(h.results.map((r) => r.result), ['cancelled']);
    assert.deepEqual(s.of('preview-closed').map((m) => m.outcome), ['cancelled']);
  });

  test('two accepts of one broadcast: the second waits for the first\'s decision; the first losing (stale fence), the second asks the store and wins', async () => {
    const pending: Array<{ agent: string; r: (won: boolean) => void }> = [];
    const h = new PreviewHarness({ reservations: { decide: (_c, agent) => new Promise<boolean>((r) => pending.push({ agent, r })) } });
    const [s1, s2] = ['kw1', 'kw2'].map((u) => h.connect(u));
    h.multiple(['A7001', 'A7002']);
    h.manager.accept('kw1', h.previewId(s1!));
    h.manager.accept('kw2', h.previewId(s2!));
    assert.deepEqual(pending.map((p) => p.agent), ['A7001'], 'one store query while the first is pending');
    pending[0]?.r(false);
    await h.settle();
    assert.deepEqual(pending.map((p) => p.agent), ['A7001', 'A7002']);
    pending[1]?.r(true);
    await h.settle();
    assert.deepEqual(h.results.map((r) => [r.result, r.agent]), [['accepted', 'A7002']]);
    assert.equal(s1!.of('preview-closed')[0]?.outcome, 'taken');
  });

  test('a store that says yes twice for one call cannot make two winners', async () => {
    // The first accept loses (its fence was stale); the two waiting behind it then ask the store
    // together, and a broken store says yes to both.
    const answers = [false, true, true];
    const h = new PreviewHarness({ reservations: { decide: () => Promise.resolve(answers.shift() ?? true) } });
    const [s1, s2, s3] = ['kw1', 'kw2', 'kw3'].map((u) => h.connect(u));
    h.multiple(['A7001', 'A7002', 'A7003']);
    for (const s of [s1!, s2!, s3!]) h.manager.accept(s.userName, h.previewId(s));
    await h.settle();
    assert.equal(answers.length, 0, 'all three asked the store');
    assert.deepEqual(h.results.map((r) => [r.result, r.agent]), [['accepted', 'A7002']]);
    assert.deepEqual([s1!, s3!].map((s) => s.of('preview-closed')[0]?.outcome), ['taken', 'taken']);
    assert.ok(h.logger.lines.some((l) => String(l['msg']).includes('second accept') && l['userName'] === 'kw3'));
  });

  test('a store that fails ends the offer in error', async () => {
    const h = new PreviewHarness({ reservations: { decide: () => Promise.reject(new Error('store down')) } });
    const s = h.connect('kw1');
    h.request('A7001');
    h.manager.accept('kw1', h.previewId(s));
    await h.settle();
    assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['error', 'decision failed']]);
  });

  test('a call offered again in a new request (it came back to the Routing Point) can be won again', async () => {
    const store = new MemoryReservations(new ManualClock());
    const h = new PreviewHarness({ reservations: store });
    const s = h.connect('kw1');
    h.request('A7001');
    h.manager.accept('kw1', h.previewId(s));
    assert.equal((await h.nextResult()).result, 'accepted');
    await store.clearDecision(CONN); // the router: no answer at the KW, the call is back
    h.request('A7001');
    h.manager.accept('kw1', h.previewId(s));
    assert.equal((await h.nextResult()).result, 'accepted');
  });

  test('the router connection closing cancels its open previews', () => {
    const h = new PreviewHarness();
    const s = h.connect('kw1');
    h.request('A7001');
    h.routerGone();
    assert.equal(s.of('preview-closed')[0]?.outcome, 'cancelled');
    assert.equal(h.manager.openPreviews().length, 0);
  });
});

describe('preview manager: settings from the options', () => {
  test('preview-expiration-timeout on the Person annex overrides the Application; redirect needs redirect-enabled and a number', () => {
    const o = emptyObjects();
    o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'preview-expiration-timeout': 9000 } } });
    o.persons.push({ userName: 'kw1', agentLogins: [], annex: { 'uc-connector': { 'preview-expiration-timeout': '4000', 'redirect-enabled': 'true', 'redirect-number': '+15550001' } } });
    o.persons.push({ userName: 'kw2', agentLogins: [], annex: { 'uc-connector': { 'redirect-number': '+15550002' } } });
    const settings = previewSettingsFromOptions(new OptionResolver({ view: new ConfigIndex(o), application: 'UCC' }));
    assert.deepEqual(settings('kw1'), { expirationTimeoutMs: 4000, redirectNumber: '+15550001' });
    assert.deepEqual(settings('kw2'), { expirationTimeoutMs: 9000, redirectNumber: null });
    const h = new PreviewHarness({ settings });
    const s = h.connect('kw1');
    h.request('A7001');
    assert.equal(s.of('preview')[0]?.remaining, 4000);
    h.clock.advance(4000);
    assert.equal(h.results[0]?.result, 'timeout');
  });
});

describe('preview manager: a broadcast to 1,000 KWs', () => {
  test('everyone accepts at once: one winner, 999 taken, one result, 1,000 ledger decisions', async () => {
    const store = new Set<string>();
    let queries = 0;
    const h = new PreviewHarness({
      kws: 1000,
      // A store-like decision: answered later, first insert per ConnID wins.
      reservations: {
        decide: async (connId) => {
          queries++;
          await Promise.resolve();
          if (store.has(connId)) return false;
          store.add(connId);
          return true;
        },
      },
    });
    const sessions = h.kws.map((k) => h.connect(k.userName));
    h.multiple(h.kws.map((k) => k.agentId));
    for (const s of sessions) assert.deepEqual(h.manager.accept(s.userName, h.previewId(s)), { ok: true });
    await h.settle();
    assert.equal(queries, 1, 'one store query for the whole broadcast');
    assert.equal(h.results.length, 1);
    assert.equal(h.results[0]?.result, 'accepted');
    const outcomes = sessions.map((s) => s.of('preview-closed')).map((c) => (c.length === 1 ? c[0]?.outcome : `closed ${c.length} times`));
    assert.equal(outcomes.filter((o) => o === 'accepted').length, 1);
    assert.equal(outcomes.filter((o) => o === 'taken').length, 999);
    assert.equal(h.offered.length, 1000);
    assert.equal(h.decided.length, 1000);
    assert.equal(h.clock.pending, 0);
  });
});

test('preview manager: a decision that never comes ends the offer in error after decideTimeoutMs', () => {
  const h = new PreviewHarness({ reservations: { decide: () => new Promise<boolean>(() => undefined) } });
  const s = h.connect('kw1');
  h.request('A7001');
  h.manager.accept('kw1', h.previewId(s));
  h.clock.advance(9_999);
  assert.equal(h.results.length, 0);
  h.clock.advance(1);
  assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['error', 'decision failed']]);
  assert.equal(h.clock.pending, 0);
});
