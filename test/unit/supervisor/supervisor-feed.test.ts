/** The supervisor feed over fakes, on a ManualClock: what a snapshot holds, coalescing, chart refresh bounds, detach. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import type { Interaction } from '../../../src/connector/interactions/interaction-machine.ts';
import type { PreviewOfferView } from '../../../src/connector/preview-manager-api.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';
import type { AgentSnapshot, StatRef, StatValue } from '../../../src/stats/stat-types.ts';
import type { DashboardSnapshot } from '../../../src/supervisor/dashboard-types.ts';
import { SupervisorFeed, type FeedReportsPort } from '../../../src/supervisor/supervisor-feed.ts';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function view(userName: string, over: Partial<KnowledgeWorkerView> = {}): KnowledgeWorkerView {
  return {
    userName, dn: `sip:${userName}@x`, agentId: `A-${userName}`, agentState: 'Ready', workMode: null, reasons: {}, presence: null,
    connectorDnd: false, autoState: null, registration: 'Registered', monitoring: true, sessions: 1, afterCallWork: 'none', onCall: false,
    published: null, staleDropped: 0, ...over,
  };
}

class Fakes {
  readonly clock = new ManualClock(new Date(2026, 11, 7, 10, 0, 0).getTime());
  readonly connector = Object.assign(new TypedEmitter<{ kwChange: (v: KnowledgeWorkerView) => void }>(), {
    views: new Map<string, KnowledgeWorkerView>([
      ['alice', view('alice', { reasons: { KW_UC_STATUS: 'Available' }, presence: { availability: 'online', availabilityCode: 3500, activity: 'busy', note: '<b>x</b>', source: 'standalone', observedAt: '2026-12-07T09:00:00.000Z' } })],
      ['bob', view('bob', { agentState: 'NotReady' })],
    ]),
    knowledgeWorkers(): string[] {
      return [...this.views.keys()];
    },
    knowledgeWorker(u: string) {
      return this.views.get(u);
    },
  });
  readonly statValues = new Map<string, number>([['8000:CurrNumberWaitingCalls', 2], ['8000:CurrMaxCallWaitingTime', 4200], ['8000:TotalNumberCallsDistributed', 0], ['8000:TotalNumberCallsAbandoned', 0]]);
  subscribed = 0;
  readonly stats = Object.assign(new TypedEmitter<{ agentStateChange: () => void }>(), {
    agent: (id: string): AgentSnapshot | undefined =>
      id === 'A-alice' ? { agentId: id, userName: 'alice', state: 'Busy', stateSince: this.clock.now() - 65_000, readySince: undefined, dn: 'sip:alice@x', calls: ['c1'], workMode: undefined } : undefined,
    value: (ref: StatRef): StatValue | undefined => this.statValues.get(`${ref.id}:${ref.stat}`),
    subscribe: (_ref: StatRef, _l: () => void) => {
      this.subscribed++;
      return () => void this.subscribed--;
    },
  });
  readonly interactions = Object.assign(new TypedEmitter<{ change: () => void }>(), {
    interactionsOf: (u: string): Interaction[] | undefined =>
      u === 'alice' ? [{ connId: '00000000000000c1', state: 'established', otherDn: 'trunk', parties: [], userData: [], callType: null, startedAt: this.clock.now() - 5000, updatedAt: this.clock.now() }] : [],
  });
  open: PreviewOfferView[] = [];
  readonly previews = Object.assign(new TypedEmitter<{ offerOpened: () => void; offerClosed: () => void }>(), { openPreviews: () => this.open });
  chartReads = 0;
  readonly reports: FeedReportsPort = {
    outcomeTotals: async () => {
      this.chartReads++;
      return [{ key: 'A-alice', userId: 'alice', outcome: 'accepted', count: this.chartReads, latencySumMs: 1000 * this.chartReads }];
    },
    decisionTimeBuckets: async () => [{ bucket: 1, count: 2 }],
    historyAll: async () => [],
  };
  readonly snapshots: DashboardSnapshot[] = [];

  feed(over: { minIntervalMs?: number } = {}): SupervisorFeed {
    return new SupervisorFeed({
      clock: this.clock, connector: this.connector, stats: this.stats, interactions: this.interactions, previews: this.previews, reports: this.reports,
      directory: {
        displayName: (u) => (u === 'alice' ? 'Alice Archer' : u),
        groups: () => [{ name: 'Sales', members: ['alice'] }, { name: 'All', members: ['alice', 'bob'] }],
        routingPoints: () => [{ dn: '8000', displayName: 'Sales line' }],
      },
      histogramBuckets: 4,
      ...over,
    });
  }
}

describe('SupervisorFeed', () => {
  test('a subscriber gets a snapshot at once: KW rows, routing points, previews, charts', async () => {
    const f = new Fakes();
    f.open = [
      { id: 'p2', connId: 'c2', userName: 'bob', agentId: 'A-bob', state: 'offered', deadline: f.clock.now() + 9000, routingPoint: '8000', offeredAt: f.clock.now() - 1000 },
      { id: 'p1', connId: 'c1', userName: 'alice', agentId: 'A-alice', state: 'offered', deadline: f.clock.now() + 3000, routingPoint: '8000', offeredAt: f.clock.now() - 2000 },
    ];
    const feed = f.feed();
    feed.subscribe((s) => f.snapshots.push(s));
    await settle();
    assert.equal(f.snapshots.length, 1);
    const s = f.snapshots[0]!;
    assert.deepEqual(s.groups, ['Sales', 'All']);
    const alice = s.kws.find((k) => k.userName === 'alice')!;
    assert.equal(alice.displayName, 'Alice Archer');
    assert.deepEqual(alice.groups, ['Sales', 'All']);
    assert.equal(alice.agentState, 'Busy', 'statistics state wins over the T-Server-confirmed view');
    assert.equal(alice.stateSince, f.clock.now() - 65_000);
    assert.equal(alice.reason, 'KW_UC_STATUS=Available');
    assert.deepEqual(alice.presence, { availability: 'online', activity: 'busy', note: '<b>x</b>', source: 'standalone', observedAt: '2026-12-07T09:00:00.000Z' });
    assert.deepEqual(alice.interaction, { connId: '00000000000000c1', state: 'established', otherDn: 'trunk', since: f.clock.now() - 5000 });
    const bob = s.kws.find((k) => k.userName === 'bob')!;
    assert.equal(bob.agentState, 'NotReady', 'unknown to statistics: the view state');
    assert.equal(bob.stateSince, null);
    assert.deepEqual(s.routingPoints, [{ dn: '8000', displayName: 'Sales line', waiting: 2, longestWaitMs: 4200, routedToday: 0, abandonedToday: 0 }]);
    assert.deepEqual(s.previews.map((p) => p.id), ['p1', 'p2'], 'soonest deadline first');
    assert.equal(s.previews[0]!.offeredAt, f.clock.now() - 2000);
    assert.equal(s.charts.outcomes[0]!.counts.accepted, 1);
    assert.deepEqual(s.charts.decisionTimes, { bucketMs: 1000, counts: [0, 2, 0, 0] });
    assert.equal(s.charts.timelines.kws.length, 2);
    feed.stop();
  });

  test('a burst of changes is coalesced: at most one snapshot per minIntervalMs', async () => {
    const f = new Fakes();
    const feed = f.feed({ minIntervalMs: 250 });
    feed.subscribe((s) => f.snapshots.push(s));
    await settle();
    f.snapshots.length = 0;
    f.clock.advance(1000);
    for (let i = 0; i < 100; i++) f.connector.safeEmit('kwChange', view('alice'));
    await settle();
    assert.equal(f.snapshots.length, 1, 'the first change after a quiet second goes out at once');
    for (let i = 0; i < 100; i++) f.connector.safeEmit('kwChange', view('alice'));
    await settle();
    assert.equal(f.snapshots.length, 1, 'nothing more inside the interval');
    f.clock.advance(249);
    await settle();
    assert.equal(f.snapshots.length, 1);
    f.clock.advance(1);
    await settle();
    assert.equal(f.snapshots.length, 2, 'one snapshot for the whole burst');
    f.clock.advance(5000);
    await settle();
    assert.equal(f.snapshots.length, 2, 'and nothing while nothing changes');
    assert.equal(f.clock.pending, 0);
    feed.stop();
  });

  test('charts are read from the store at most once per chartIntervalMs, and only while a change they show settles', async () => {
    const f = new Fakes();
    const feed = f.feed();
    feed.subscribe((s) => f.snapshots.push(s));
    await settle();
    assert.equal(f.chartReads, 1);
    f.clock.advance(10_000);
    f.connector.safeEmit('kwChange', view('alice'));
    await settle();
    assert.equal(f.chartReads, 1, 'a KW change does not re-read the charts');
    f.previews.safeEmit('offerClosed');
    f.clock.advance(250);
    await settle();
    assert.equal(f.chartReads, 2);
    for (let i = 0; i < 20; i++) {
      f.previews.safeEmit('offerClosed');
      f.clock.advance(100);
      await settle();
    }
    // 2 s of offers: at most one read per second.
    assert.ok(f.chartReads <= 5, `read ${f.chartReads} times`);
    const before = f.chartReads;
    for (let i = 0; i < 10; i++) {
      f.clock.advance(1000);
      await settle();
    }
    assert.ok(f.chartReads > before, 'the reads go on while the ledger settles');
    assert.ok(f.chartReads <= before + 4, `settled after chartSettleMs (read ${f.chartReads - before} more times)`);
    assert.equal(f.clock.pending, 0, 'then no timer is left');
    const last = f.snapshots[f.snapshots.length - 1]!;
    assert.equal(last.charts.outcomes[0]!.counts.accepted, f.chartReads, 'the last snapshot holds the last read');
    feed.stop();
  });

  test('routed today follows the running total; unsubscribing detaches every watch', async () => {
    const f = new Fakes();
    const feed = f.feed();
    const off = feed.subscribe((s) => f.snapshots.push(s));
    await settle();
    assert.equal(f.subscribed, 4, 'four statistics of the routing point');
    assert.equal(f.connector.listenerCount('kwChange'), 1);
    f.statValues.set('8000:TotalNumberCallsDistributed', 3);
    f.clock.advance(1000);
    f.interactions.safeEmit('change');
    await settle();
    assert.equal(f.snapshots[f.snapshots.length - 1]!.routingPoints[0]!.routedToday, 3);
    off();
    assert.equal(f.subscribed, 0);
    assert.equal(f.connector.listenerCount('kwChange'), 0);
    assert.equal(f.previews.listenerCount('offerClosed'), 0);
    assert.equal(f.stats.listenerCount('agentStateChange'), 0);
    assert.equal(f.clock.pending, 0);
  });

  test('a store failure keeps the last charts and still sends the live part', async () => {
    const f = new Fakes();
    const feed = f.feed();
    feed.subscribe((s) => f.snapshots.push(s));
    await settle();
    f.reports.outcomeTotals = async () => {
      throw new Error('store down');
    };
    f.clock.advance(2000);
    f.open = [{ id: 'p9', connId: 'c9', userName: 'alice', agentId: 'A-alice', state: 'offered', deadline: f.clock.now() + 5000 }];
    f.previews.safeEmit('offerOpened');
    f.clock.advance(300);
    await settle();
    const last = f.snapshots[f.snapshots.length - 1]!;
    assert.equal(last.previews[0]!.id, 'p9');
    assert.equal(last.charts.outcomes[0]!.counts.accepted, 1);
    feed.stop();
    assert.equal(f.clock.pending, 0);
  });
});
