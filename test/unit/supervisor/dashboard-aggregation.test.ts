/** The dashboard's pure arithmetic: outcome rows, histogram, timelines, "today" counters, CSV. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DailyCounters, histogram, outcomeRows, reasonText, startOfLocalDay, stateTimelines } from '../../../src/supervisor/dashboard-aggregation.ts';
import { csvCell, csvText, reportCsv } from '../../../src/supervisor/report-csv.ts';
import type { AgentStateRow } from '../../../src/reporting/agent-state-history.ts';
import { ManualClock } from '../../../src/lib/clock.ts';

const row = (agentId: string, previousState: AgentStateRow['previousState'], state: AgentStateRow['state'], at: number): AgentStateRow =>
  ({ agentId, userName: agentId, dn: undefined, previousState, state, workMode: undefined, reasons: undefined, cause: 'EventAgentReady', at });

describe('outcomeRows', () => {
  test('pivots (key, outcome) totals into one row per key with the mean decision time of decided offers', () => {
    const rows = outcomeRows([
      { key: 'bob', userId: 'bob', outcome: 'accepted', count: 2, latencySumMs: 6000 },
      { key: 'alice', userId: 'alice', outcome: 'rejected', count: 1, latencySumMs: 1000 },
      { key: 'alice', userId: 'alice', outcome: 'timeout', count: 1, latencySumMs: 15000 },
      { key: 'alice', userId: 'alice', outcome: null, count: 3, latencySumMs: 0 },
    ]);
    assert.deepEqual(rows.map((r) => r.key), ['alice', 'bob']);
    assert.equal(rows[0]!.offered, 5);
    assert.equal(rows[0]!.counts.pending, 3);
    assert.equal(rows[0]!.counts.rejected, 1);
    assert.equal(rows[0]!.counts.timeout, 1);
    assert.equal(rows[0]!.meanDecisionMs, 8000);
    assert.equal(rows[0]!.userName, 'alice');
    assert.equal(rows[1]!.counts.accepted, 2);
    assert.equal(rows[1]!.meanDecisionMs, 3000);
  });

  test('a key with only undecided offers has no mean', () => {
    assert.equal(outcomeRows([{ key: '8000', userId: undefined, outcome: null, count: 1, latencySumMs: 0 }])[0]!.meanDecisionMs, null);
  });
});

describe('histogram', () => {
  test('places buckets, folds overflow into the last and negatives into the first', () => {
    const h = histogram([{ bucket: 0, count: 1 }, { bucket: 2, count: 3 }, { bucket: 9, count: 2 }, { bucket: 50, count: 1 }, { bucket: -1, count: 4 }], 1000, 5);
    assert.deepEqual(h, { bucketMs: 1000, counts: [5, 0, 3, 0, 3] });
  });
});

describe('stateTimelines', () => {
  const agents = [
    { agentId: 'a1', userName: 'alice', current: { state: 'Ready' as const, since: 500 } },
    { agentId: 'b1', userName: 'bob', current: { state: 'NotReady' as const, since: 10 } },
    { agentId: 'c1', userName: 'carol', current: null },
  ];

  test('rows cut the window; the stretch before the first row is its previous state; the last is open', () => {
    const t = stateTimelines([row('a1', 'LoggedOut', 'NotReady', 200), row('a1', 'NotReady', 'Ready', 500), row('x', 'Ready', 'Busy', 300)], agents, 100, 1000);
    assert.deepEqual(t[0], {
      userName: 'alice', agentId: 'a1',
      segments: [{ state: 'LoggedOut', from: 100, to: 200 }, { state: 'NotReady', from: 200, to: 500 }, { state: 'Ready', from: 500, to: null }],
    });
  });

  test('an agent without rows is in its current state the whole window; an unknown one LoggedOut', () => {
    const t = stateTimelines([], agents, 100, 1000);
    assert.deepEqual(t[1]!.segments, [{ state: 'NotReady', from: 100, to: null }]);
    assert.deepEqual(t[2]!.segments, [{ state: 'LoggedOut', from: 100, to: null }]);
  });

  test('rows outside the window are ignored; same-state rows (work mode changes) merge', () => {
    const t = stateTimelines([row('a1', 'Ready', 'NotReady', 50), row('a1', 'NotReady', 'NotReady', 300), row('a1', 'NotReady', 'Ready', 2000)], agents, 100, 1000);
    assert.deepEqual(t[0]!.segments, [{ state: 'NotReady', from: 100, to: null }]);
  });
});

describe('DailyCounters', () => {
  test('counts from 0 when started today, and restarts at local midnight from the last total seen', () => {
    const clock = new ManualClock(new Date(2026, 11, 7, 9, 0, 0).getTime());
    const c = new DailyCounters(clock.now());
    assert.equal(c.today('r:8000', 0, clock.now()), 0);
    clock.advance(3600_000);
    assert.equal(c.today('r:8000', 7, clock.now()), 7);
    clock.set(new Date(2026, 11, 8, 0, 0, 5).getTime());
    assert.equal(c.today('r:8000', 7, clock.now()), 0, 'a new day starts at 0');
    assert.equal(c.today('r:8000', 9, clock.now()), 2);
  });

  test('started before today: the first total seen is the baseline (the past cannot be split by day)', () => {
    const start = new Date(2026, 11, 6, 22, 0, 0).getTime();
    const c = new DailyCounters(start);
    const now = new Date(2026, 11, 7, 10, 0, 0).getTime();
    assert.equal(c.today('a:8000', 40, now), 0);
    assert.equal(c.today('a:8000', 41, now), 1);
  });

  test('a total that went down (statistics restarted) counts from 0', () => {
    const now = new Date(2026, 11, 7, 10, 0, 0).getTime();
    const c = new DailyCounters(startOfLocalDay(now) - 1);
    c.today('k', 10, now);
    assert.equal(c.today('k', 3, now), 3);
  });
});

test('reasonText joins reasons and bounds the length', () => {
  assert.equal(reasonText({ KW_UC_STATUS: 'Busy', ReasonCode: 3 }), 'KW_UC_STATUS=Busy, ReasonCode=3');
  const long = reasonText({ k: 'x'.repeat(500) }, 20);
  assert.equal(long.length, 20);
  assert.ok(long.endsWith('…'));
});

describe('CSV', () => {
  test('quotes commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(12), '12');
  });

  test('text that a spreadsheet would run as a formula gets an apostrophe, numbers do not', () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-2'), "'-2");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tcmd'), "'\tcmd");
    assert.equal(csvCell('\r=x'), `"'\r=x"`);
    assert.equal(csvCell(-3), '-3');
  });

  test('lines end with CRLF', () => {
    assert.equal(csvText([['a', 1], ['b', 2]]), 'a,1\r\nb,2\r\n');
  });

  test('reportCsv writes a header and one line per row', () => {
    const rows = outcomeRows([{ key: '=evil', userId: 'ev,il', outcome: 'accepted', count: 1, latencySumMs: 2500 }]);
    const text = reportCsv('agent', rows, Date.UTC(2026, 11, 7), Date.UTC(2026, 11, 8));
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'agent_id,user_name,period_from,period_to,offered,accepted,rejected,timeout,taken,cancelled,error,redirected,pending,mean_decision_ms');
    assert.equal(lines[1], `'=evil,"ev,il",2026-12-07T00:00:00.000Z,2026-12-08T00:00:00.000Z,1,1,0,0,0,0,0,0,0,2500`);
    assert.equal(lines.length, 3);
  });
});
