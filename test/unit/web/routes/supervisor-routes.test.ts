/**
 * The supervisor routes over the web harness: 401 without a session, 403 (and a security event)
 * for a Person without `[uc] role = supervisor` on every route and on the socket, the dashboard
 * and report for a supervisor, the CSV with its escaping, bad periods.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { harness, type Harness } from '../web-harness.ts';
import { reportPeriod, supervisorRoutes, supervisorSocketPath } from '../../../../src/web/routes/supervisor-routes.ts';
import type { DashboardSnapshot } from '../../../../src/supervisor/dashboard-types.ts';
import type { SnapshotListener } from '../../../../src/supervisor/supervisor-feed.ts';
import type { OutcomeTotal } from '../../../../src/reporting/offer-ledger.ts';

const snapshot = (now: number): DashboardSnapshot => ({
  now, groups: ['Sales'], kws: [], kwsTruncated: false, routingPoints: [], previews: [],
  charts: { dayStart: 0, outcomes: [], decisionTimes: { bucketMs: 1000, counts: [0] }, timelines: { from: 0, to: now, kws: [] }, at: now },
});

describe('supervisor routes', () => {
  let h: Harness;
  const supervisors = new Set(['alice']);
  const listeners = new Set<SnapshotListener>();
  const asked: Array<{ by: string; from: number; to: number }> = [];
  const totals: Record<string, OutcomeTotal[]> = {
    agent: [
      { key: 'alice', userId: 'alice', outcome: 'accepted', count: 2, latencySumMs: 3000 },
      { key: '=cmd|calc', userId: '@evil,"x"', outcome: 'rejected', count: 1, latencySumMs: 500 },
    ],
    'routing-point': [{ key: '8000', userId: undefined, outcome: 'timeout', count: 4, latencySumMs: 60000 }],
  };

  before(async () => {
    h = await harness({
      routesWithAuth: (auth) => [
        supervisorRoutes({
          auth,
          clock: { now: () => h.clock.now(), setTimer: () => ({ id: 0 }), cancel: () => undefined },
          roles: { isSupervisor: (u) => supervisors.has(u), isKnowledgeWorker: (u) => u === 'bob' },
          feed: {
            current: async () => snapshot(h.clock.now()),
            subscribe: (l) => {
              listeners.add(l);
              l(snapshot(h.clock.now()));
              return () => void listeners.delete(l);
            },
          },
          reports: {
            outcomeTotals: async (by, from, to) => {
              asked.push({ by, from, to });
              return totals[by]!;
            },
          },
        }),
      ],
    });
  });
  after(() => h.close());

  // A real listener: the socket is a real WebSocket handshake with the session cookie.
  let base: string | undefined;
  const connect = async (cookie?: string): Promise<WebSocket> => {
    base ??= (await h.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    return new WebSocket(`${base}${supervisorSocketPath}`, cookie ? { headers: { cookie } } : {});
  };

  const routes = ['/api/v1/supervisor/me', '/api/v1/supervisor/dashboard', '/api/v1/supervisor/report', '/api/v1/supervisor/report.csv'];

  test('without a session every route is 401', async () => {
    for (const url of routes) assert.equal((await h.app.inject({ url })).statusCode, 401, url);
  });

  test('a KW who is not a supervisor gets 403 on every route, logged as a security event', async () => {
    const { cookie } = await h.login('bob');
    for (const url of routes) {
      const r = await h.app.inject({ url, headers: { cookie } });
      assert.equal(r.statusCode, 403, url);
      assert.deepEqual(r.json(), { error: 'only a supervisor may use this' });
    }
    const refusals = h.logs.filter((l) => l['event'] === 'not-supervisor' && l['userName'] === 'bob');
    assert.deepEqual(refusals.map((l) => String(l['url']).split('?')[0]), routes.slice(1), 'every refusal but the client\'s /me probe is a security event');
  });

  test('a supervisor gets me, the dashboard and the report', async () => {
    const { cookie } = await h.login('alice');
    const me = await h.app.inject({ url: '/api/v1/supervisor/me', headers: { cookie } });
    assert.deepEqual(me.json(), { userName: 'alice', supervisor: true, knowledgeWorker: false });
    const d = await h.app.inject({ url: '/api/v1/supervisor/dashboard', headers: { cookie } });
    assert.equal(d.statusCode, 200);
    assert.equal(d.headers['cache-control'], 'no-store');
    assert.deepEqual((d.json() as DashboardSnapshot).groups, ['Sales']);
    const r = await h.app.inject({ url: '/api/v1/supervisor/report?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z', headers: { cookie } });
    assert.equal(r.statusCode, 200);
    const body = r.json() as { from: string; to: string; byKw: Array<{ key: string; offered: number; meanDecisionMs: number }>; byRoutingPoint: Array<{ key: string; counts: { timeout: number } }> };
    assert.equal(body.from, '2026-12-01T00:00:00.000Z');
    assert.deepEqual(body.byKw.map((k) => [k.key, k.offered, k.meanDecisionMs]), [['=cmd|calc', 1, 500], ['alice', 2, 1500]]);
    assert.equal(body.byRoutingPoint[0]!.counts.timeout, 4);
    assert.deepEqual(asked.slice(-2).map((a) => [a.by, a.from, a.to]), [['agent', Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)], ['routing-point', Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)]]);
  });

  test('the CSV is an attachment with escaped, formula-safe cells', async () => {
    const { cookie } = await h.login('alice');
    const r = await h.app.inject({ url: '/api/v1/supervisor/report.csv?from=2026-12-01&to=2026-12-02', headers: { cookie } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(r.headers['content-disposition'], 'attachment; filename="offers-by-kw-2026-12-01-2026-12-02.csv"');
    const lines = r.body.split('\r\n');
    assert.ok(lines[0]!.startsWith('agent_id,user_name,period_from,period_to,offered,accepted,rejected'));
    assert.ok(lines[1]!.startsWith(`'=cmd|calc,"'@evil,""x""",2026-12-01T00:00:00.000Z,2026-12-02T00:00:00.000Z,1,0,1,`), lines[1]);
    assert.ok(lines[2]!.startsWith('alice,alice,'));
    assert.equal(lines[3], '');
    const rp = await h.app.inject({ url: '/api/v1/supervisor/report.csv?from=2026-12-01&to=2026-12-02&by=routing-point', headers: { cookie } });
    assert.ok(rp.body.startsWith('routing_point,period_from'));
    assert.ok(rp.body.split('\r\n')[1]!.startsWith('8000,2026-12-01T00:00:00.000Z,2026-12-02T00:00:00.000Z,4,0,0,4,'));
  });

  test('bad periods are 400 with a reason', async () => {
    const { cookie } = await h.login('alice');
    const bad = async (q: string): Promise<string> => {
      const r = await h.app.inject({ url: `/api/v1/supervisor/report?${q}`, headers: { cookie } });
      assert.equal(r.statusCode, 400, q);
      return (r.json() as { error: string }).error;
    };
    assert.match(await bad('from=yesterday'), /from: not an ISO 8601/);
    assert.match(await bad('from=2026-12-02&to=2026-12-01'), /to must be after from/);
    assert.match(await bad('from=2020-01-01&to=2026-01-01'), /at most 366 days/);
    assert.equal((await h.app.inject({ url: `/api/v1/supervisor/report.csv?by=nope`, headers: { cookie } })).statusCode, 400);
    assert.equal((await h.app.inject({ url: `/api/v1/supervisor/report?from=${'9'.repeat(100)}`, headers: { cookie } })).statusCode, 400);
  });

  test('the default period is today up to now', () => {
    const now = new Date(2026, 11, 7, 15, 30).getTime();
    assert.deepEqual(reportPeriod({}, now), { from: new Date(2026, 11, 7).getTime(), to: now + 1 });
  });

  const closeOf = (ws: WebSocket): Promise<{ code: number; messages: string[] }> => {
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    return new Promise((resolve) => ws.on('close', (code) => resolve({ code, messages })));
  };

  test('the socket refuses a non-supervisor (4403) and anyone without a session (4401)', async () => {
    const { cookie } = await h.login('bob');
    const ws = await connect(cookie);
    const closed = await closeOf(ws);
    assert.equal(closed.code, 4403);
    assert.deepEqual(closed.messages, []);
    const anon = await connect();
    assert.equal((await closeOf(anon)).code, 4401);
  });

  test('the socket pushes snapshots to a supervisor, and closes when the role is taken away', async () => {
    const { cookie } = await h.login('alice');
    const ws = await connect(cookie);
    const got: Array<{ type: string; snapshot: DashboardSnapshot }> = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as { type: string; snapshot: DashboardSnapshot }));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(got[0]?.type, 'dashboard');
    assert.deepEqual(got[0]!.snapshot.groups, ['Sales']);
    supervisors.delete('alice');
    try {
      for (const l of listeners) l(snapshot(h.clock.now()));
      assert.equal(await closed, 4403);
      assert.equal(got.length, 1, 'nothing is sent once the role is gone');
    } finally {
      supervisors.add('alice');
    }
    for (let i = 0; i < 50 && listeners.size > 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(listeners.size, 0, 'the closed socket unsubscribed');
  });
});
