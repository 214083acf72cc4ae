import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type PreviewPort } from '../../../src/router/router.ts';
import { MemoryReservations } from '../../../src/store/memory-reservations.ts';
import type { Reservations } from '../../../src/store/reservations.ts';
import { compileStrategy, type RoutingStrategy } from '../../../src/router/routing-strategy.ts';
import type { PreviewInteractionResult, PreviewOutcome } from '../../../src/preview/preview-messages.ts';
import type { PreviewOfferInput, PreviewOfferMultipleInput } from '../../../src/preview/preview-transport.ts';
import type { AgentSnapshot, AvailableAgent } from '../../../src/stats/stat-types.ts';
import { agentOn, one, setup, type Setup, type TestClient } from '../tserver/harness.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';

/**
 * A scripted connector: records offers; the test settles each. Like the connector's preview
 * manager, it records the winner in the shared reservations before it answers `accepted` or
 * `redirected` (the store keeps the first winner; the router only reads it).
 */
class FakePreview implements PreviewPort {
  readonly offers: Array<{ input: PreviewOfferInput | PreviewOfferMultipleInput; settle: (r: PreviewOutcome, extra?: Partial<PreviewInteractionResult>, record?: boolean) => void; settled: boolean }> = [];
  readonly cancels: Array<{ connId: string; reason: string | undefined }> = [];
  constructor(private readonly res: Reservations) {}
  offer(input: PreviewOfferInput): Promise<PreviewInteractionResult> {
    return this.push(input);
  }
  offerMultiple(input: PreviewOfferMultipleInput): Promise<PreviewInteractionResult> {
    return this.push(input);
  }
  cancel(connId: string, reason?: string): boolean {
    this.cancels.push({ connId, reason });
    for (const o of this.offers) if (!o.settled && o.input.connId === connId) o.settle('cancelled');
    return true;
  }
  private push(input: PreviewOfferInput | PreviewOfferMultipleInput): Promise<PreviewInteractionResult> {
    return new Promise((resolve) => {
      const entry = {
        input,
        settled: false,
        /** `record: false` answers without recording the winner (a connector that did not decide). */
        settle: (r: PreviewOutcome, extra: Partial<PreviewInteractionResult> = {}, record = true) => {
          if (entry.settled) return;
          entry.settled = true;
          const answer = (): void => resolve({ message: 'PreviewInteractionResult', ReferenceID: 1, connId: input.connId, result: r, ...extra });
          const agent = extra.agent;
          if (record && (r === 'accepted' || r === 'redirected') && agent !== undefined) void this.res.decide(input.connId, agent, fenceOf(input, agent)).then(answer);
          else answer();
        },
      };
      this.offers.push(entry);
    });
  }
  /** Who the last offer went to. */
  lastTargets(): string {
    const o = this.offers.at(-1);
    if (!o) return '';
    return 'agent' in o.input ? o.input.agent : String(o.input.targets);
  }
}

/** The fence the router sent for `agent` in an offer. */
function fenceOf(input: PreviewOfferInput | PreviewOfferMultipleInput, agent: string): number | undefined {
  if ('agent' in input) return input.fence;
  const targets = typeof input.targets === 'string' ? input.targets.split('^') : [...input.targets];
  const fences = input.fences === undefined ? [] : typeof input.fences === 'string' ? input.fences.split('^').map(Number) : [...input.fences];
  return fences[targets.indexOf(agent)];
}

const KWS: Record<string, string> = { alice: '7001', bob: '7002', carol: '7003' };

class FakeStats {
  readonly ready = new Set(Object.keys(KWS));
  availableAgents(group: string): AvailableAgent[] {
    if (group !== 'Sales') return [];
    return [...this.ready].map((u, i) => ({ agentId: `a-${u}`, userName: u, dn: KWS[u]!, readySince: 1000 + i }));
  }
  agent(name: string): AgentSnapshot | undefined {
    const dn = KWS[name];
    if (!dn) return undefined;
    const ready = this.ready.has(name);
    return { agentId: `a-${name}`, userName: name, state: ready ? 'Ready' : 'NotReady', stateSince: 0, readySince: ready ? 0 : undefined, dn, calls: [], workMode: 'AutoIn' };
  }
}

/** A router's T-Lib client: in process, as `ucc start` runs it (connect() it before use). */
const inProcessTlib = (s: Setup): TlibClient => new TlibClient({ target: { kind: 'memory', connect: () => s.server.connectInProcess() }, clock: s.clock });

async function connectedTlib(s: Setup): Promise<TlibClient> {
  const c = inProcessTlib(s);
  await c.connect();
  return c;
}

const kwsHeld = (r: MemoryReservations): string[] => r.held().filter((k) => !k.startsWith('call:'));

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

interface World {
  s: Setup;
  router: Router;
  preview: FakePreview;
  stats: FakeStats;
  res: MemoryReservations;
  agents: Record<string, TestClient>;
  routed: Array<{ connId: string; dn: string; how: string; kw?: string; attempts: number }>;
  ended: Array<{ connId: string; state: string; reason: string }>;
  call(rp?: string, userData?: Array<[string, string]>): Promise<string>;
  caller: TestClient;
}

function strategy(rp: string, section: Record<string, string | number | boolean>): RoutingStrategy {
  const r = compileStrategy(rp, section);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

async function world(strategies: RoutingStrategy[], tserverOptions: Record<string, string | number> = {}, reachable?: (kw: string) => boolean): Promise<World> {
  const s = setup({ agentLogins: ['a-alice', 'a-bob', 'a-carol'], options: tserverOptions });
  const agents: Record<string, TestClient> = {};
  for (const [u, dn] of Object.entries(KWS)) agents[u] = agentOn(s, dn, `a-${u}`);
  const res = new MemoryReservations(s.clock);
  const preview = new FakePreview(res);
  const stats = new FakeStats();
  const router = new Router({ tserver: await connectedTlib(s), preview, stats, reservations: res, strategies: new Map(strategies.map((x) => [x.routingPoint, x])), switchName: 'SW', clock: s.clock, defaultDnOf: () => 'Q1', ...(reachable ? { reachable } : {}) });
  const routed: World['routed'] = [];
  const ended: World['ended'] = [];
  router.on('routed', (e) => routed.push(e));
  router.on('ended', (e) => ended.push(e));
  await router.start();
  const caller = s.client();
  caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
  return {
    s, router, preview, stats, res, agents, routed, ended, caller,
    async call(rp = 'RP1', userData: Array<[string, string]> = [['Segment', 'gold']]) {
      const d = one(caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: rp, UserData: userData }), 'EventDialing');
      await flush();
      return d.ConnID as string;
    },
  };
}

describe('Router', () => {
  test('round-robin offers consecutively: a reject moves to the next KW, an accept routes to its DN, the next call continues after it', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', selection: 'round-robin' })]);
    const c1 = await w.call();
    assert.equal(w.preview.lastTargets(), 'alice');
    const first = w.preview.offers[0]!.input as PreviewOfferInput;
    assert.equal(first.dn, 'RP1');
    assert.equal(first.switch, 'SW');
    assert.deepEqual(first.userData, [['Segment', 'gold']]);
    w.preview.offers[0]!.settle('rejected', { agent: 'alice' });
    await flush();
    assert.equal(w.preview.lastTargets(), 'bob');
    w.preview.offers[1]!.settle('accepted', { agent: 'bob', dn: '7002' });
    await flush();
    assert.deepEqual(w.routed, [{ connId: c1, routingPoint: 'RP1', dn: '7002', how: 'preview', kw: 'bob', attempts: 2 }]);
    assert.equal(one(w.agents.bob!.take(), 'EventRinging').ConnID, c1);
    assert.deepEqual(await w.res.winner(c1), { agent: 'bob', fence: 1 }, 'the winner as the connector recorded it, under the offer\'s claim');
    assert.deepEqual(kwsHeld(w.res), [], 'every claim is released');
    assert.equal(w.router.trackedCalls, 0, 'a routed call is forgotten');
    await w.call();
    assert.equal(w.preview.lastTargets(), 'carol', 'the group cursor continues after bob');
    await w.router.stop();
    assert.equal(w.router.trackedCalls, 0, 'stop() cancels and forgets every run');
  });

  test('round-robin skips a KW reserved by another router and a KW that is not available', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', selection: 'round-robin' })]);
    await w.res.claim('alice', 'other-router', 60_000);
    w.stats.ready.delete('bob');
    await w.call();
    assert.equal(w.preview.lastTargets(), 'carol');
    await w.router.stop();
  });

  test('a KW a preview cannot reach (no web client, no IM path) is not selected and uses up no attempt', async () => {
    const unreachable = new Set(['alice']);
    const w = await world([strategy('RP1', { target: 'Sales', selection: 'round-robin', 'max-attempts': 1 })], {}, (kw) => !unreachable.has(kw));
    const c = await w.call();
    assert.equal(w.preview.lastTargets(), 'bob', 'alice is left out, bob gets the one attempt');
    w.preview.offers[0]!.settle('accepted', { agent: 'bob', dn: '7002' });
    await flush();
    assert.deepEqual(w.routed.map((r) => [r.connId, r.kw, r.attempts]), [[c, 'bob', 1]]);
    assert.deepEqual(kwsHeld(w.res), [], 'alice was never claimed');
    await w.router.stop();
  });

  test('broadcast leaves unreachable KWs out; nobody reachable is default routing at once; a direct route needs no reachability', async () => {
    const reachable = new Set(['carol']);
    const w = await world([
      strategy('RP1', { target: 'Sales', selection: 'broadcast' }),
      strategy('RP2', { target: 'Sales', selection: 'round-robin' }),
    ], {}, (kw) => reachable.has(kw));
    await w.call('RP1');
    const b = w.preview.offers[0]!.input as PreviewOfferMultipleInput;
    assert.deepEqual(String(b.targets).split('^'), ['carol']);
    w.preview.offers[0]!.settle('rejected', { agent: 'carol' });
    await flush();
    reachable.clear();
    const c2 = await w.call('RP2');
    assert.equal(w.preview.offers.length, 1, 'no offer to anyone unreachable');
    assert.deepEqual(w.routed.filter((r) => r.connId === c2).map((r) => [r.dn, r.how]), [['Q1', 'default-dn']]);
    await w.router.stop();
    const direct = await world([strategy('RP1', { target: 'Sales', selection: 'round-robin', preview: false })], {}, () => false);
    const c3 = await direct.call('RP1');
    assert.deepEqual(direct.routed.map((r) => [r.connId, r.how, r.kw]), [[c3, 'direct', 'alice']]);
    await direct.router.stop();
  });

  test('after max-attempts without an accept the call goes to default-dn', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', selection: 'longest-idle', 'max-attempts': 2, 'default-dn': 'Q1' })]);
    const c = await w.call();
    w.preview.offers[0]!.settle('timeout');
    await flush();
    w.preview.offers[1]!.settle('rejected');
    await flush();
    assert.equal(w.preview.offers.length, 2);
    assert.deepEqual(w.routed, [{ connId: c, routingPoint: 'RP1', dn: 'Q1', how: 'default-dn', attempts: 2 }]);
    assert.deepEqual(w.s.server.core.callsOn('Q1'), [c]);
    await w.router.stop();
  });

  test('nobody available: default routing at once (the Routing Point default-dn)', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })]);
    w.stats.ready.clear();
    const c = await w.call();
    assert.equal(w.preview.offers.length, 0);
    assert.deepEqual(w.routed.map((r) => [r.connId, r.dn, r.how]), [[c, 'Q1', 'default-dn']]);
    await w.router.stop();
  });

  test('no-accept-action wait leaves the call on the Routing Point', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', 'no-accept-action': 'wait', 'max-attempts': 1 })]);
    const c = await w.call();
    w.preview.offers[0]!.settle('rejected');
    await flush();
    assert.deepEqual(w.routed, []);
    assert.deepEqual(w.ended, [{ connId: c, routingPoint: 'RP1', state: 'Waiting', reason: 'max-attempts' }]);
    assert.deepEqual(w.s.server.core.callsOn('RP1'), [c]);
    await w.router.stop();
  });

  test('the caller abandons during the preview: PreviewInteractionCancel (abandoned) and the claim is released', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })]);
    const c = await w.call();
    assert.deepEqual(kwsHeld(w.res), ['alice']);
    w.caller.req({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: c });
    await flush();
    assert.deepEqual(w.preview.cancels, [{ connId: c, reason: 'abandoned' }]);
    assert.deepEqual(w.ended, [{ connId: c, routingPoint: 'RP1', state: 'Cancelled', reason: 'abandoned' }]);
    assert.deepEqual(kwsHeld(w.res), []);
    assert.deepEqual(w.routed, []);
    await w.router.stop();
  });

  test("the strategy's router-timeout cancels the open preview and routes to default-dn", async () => {
    const w = await world([strategy('RP1', { target: 'Sales', 'router-timeout': 5 })], { 'router-timeout': 10 });
    const c = await w.call();
    w.s.clock.advance(4999);
    await flush();
    assert.deepEqual(w.preview.cancels, []);
    w.s.clock.advance(1);
    await flush();
    assert.deepEqual(w.preview.cancels, [{ connId: c, reason: 'router-timeout' }]);
    assert.deepEqual(w.routed.map((r) => [r.dn, r.how]), [['Q1', 'default-dn']]);
    assert.deepEqual(kwsHeld(w.res), []);
    await w.router.stop();
  });

  test("the T-Server's router-timeout diverts the call first: the router cancels its preview (routed-elsewhere)", async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })], { 'router-timeout': 3, 'default-dn': 'Q1' });
    const c = await w.call();
    w.s.clock.advance(3000);
    await flush();
    assert.deepEqual(w.preview.cancels, [{ connId: c, reason: 'routed-elsewhere' }]);
    assert.deepEqual(w.routed, []);
    assert.deepEqual(w.s.server.core.callsOn('Q1'), [c]);
    assert.deepEqual(kwsHeld(w.res), []);
    await w.router.stop();
  });

  test('broadcast offers every available KW in one PreviewInteractionMultiple; the winner is routed and every claim released', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', selection: 'broadcast' })]);
    const c = await w.call();
    assert.equal(w.preview.offers.length, 1);
    assert.deepEqual((w.preview.offers[0]!.input as PreviewOfferMultipleInput).targets, ['alice', 'bob', 'carol']);
    assert.deepEqual(kwsHeld(w.res).sort(), ['alice', 'bob', 'carol']);
    w.preview.offers[0]!.settle('accepted', { agent: 'carol', dn: '7003' });
    await flush();
    assert.deepEqual(w.routed.map((r) => [r.connId, r.dn, r.kw]), [[c, '7003', 'carol']]);
    assert.deepEqual(kwsHeld(w.res), []);
    await w.router.stop();
  });

  test('preview off routes to the selected KW at once', async () => {
    const w = await world([strategy('RP1', { target: 'Sales', preview: false })]);
    const c = await w.call();
    assert.equal(w.preview.offers.length, 0);
    assert.deepEqual(w.routed.map((r) => [r.connId, r.dn, r.how]), [[c, '7001', 'direct']]);
    await w.router.stop();
  });

  test('a KW named by a UserData key is targeted', async () => {
    const w = await world([strategy('RP1', { 'target-type': 'userdata', target: 'KW' })]);
    await w.call('RP1', [['KW', 'bob']]);
    assert.equal(w.preview.lastTargets(), 'bob');
    await w.router.stop();
  });

  test('redirected routes to the redirect number the connector gives', async () => {
    const w = await world([strategy('RP1', { 'target-type': 'kw', target: 'alice' })]);
    const c = await w.call();
    w.preview.offers[0]!.settle('redirected', { agent: 'alice', dn: 'Q1' });
    await flush();
    assert.deepEqual(w.routed.map((r) => [r.connId, r.dn, r.how]), [[c, 'Q1', 'redirect']]);
    await w.router.stop();
  });

  test('taken, or an accept whose decision belongs to another KW, never routes', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' }), strategy('RP2', { target: 'Sales' })]);
    const c1 = await w.call('RP1');
    w.preview.offers[0]!.settle('taken');
    await flush();
    const c2 = await w.call('RP2');
    await w.res.decide(c2, 'someone-else');
    w.preview.offers[1]!.settle('accepted', { agent: 'bob' });
    await flush();
    assert.deepEqual(w.routed, []);
    assert.deepEqual(w.ended.map((e) => [e.connId, e.state, e.reason]), [[c1, 'Cancelled', 'taken'], [c2, 'Cancelled', 'taken']]);
    assert.deepEqual(kwsHeld(w.res), []);
    await w.router.stop();
  });

  test('the router reads the winner and never records one: an accept not recorded, or recorded under another claim, does not route', async () => {
    const w = await world([strategy('RP1', { 'target-type': 'kw', target: 'alice' })]);
    const c1 = await w.call();
    w.preview.offers[0]!.settle('accepted', { agent: 'alice', dn: '7001' }, false);
    await flush();
    assert.equal(await w.res.winner(c1), undefined, 'the router decided nothing');
    const c2 = await w.call();
    const fence = (w.preview.offers[1]!.input as PreviewOfferInput).fence!;
    // The store names alice, but under an older claim of hers (an accept of an earlier offer).
    const winner = w.res.winner.bind(w.res);
    w.res.winner = async (connId) => (connId === c2 ? { agent: 'alice', fence: fence - 1 } : winner(connId));
    w.preview.offers[1]!.settle('accepted', { agent: 'alice', dn: '7001' }, false);
    await flush();
    assert.deepEqual(w.routed, []);
    assert.deepEqual(w.ended.map((e) => [e.connId, e.reason]), [[c1, 'taken'], [c2, 'taken']]);
    assert.deepEqual(kwsHeld(w.res), []);
    await w.router.stop();
  });

  test('a KW that does not answer: the call comes back and the router may decide it again', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })], { 'no-answer-timeout': 5 });
    const c = await w.call();
    w.preview.offers[0]!.settle('accepted', { agent: 'alice' });
    await flush();
    assert.equal(w.routed.length, 1);
    w.s.clock.advance(5000);
    await flush();
    assert.equal(w.preview.offers.length, 2, 'offered again after the no-answer');
    assert.equal(await w.res.winner(c), undefined);
    w.preview.offers[1]!.settle('accepted', { agent: w.preview.lastTargets() });
    await flush();
    assert.equal(w.routed.length, 2);
    await w.router.stop();
  });

  test("a routed call's decision row is deleted once past its retention (the call ends at the KW, out of the router's sight)", async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })], { 'no-answer-timeout': 0 });
    const c = await w.call();
    w.preview.offers[0]!.settle('accepted', { agent: 'alice' });
    await flush();
    assert.equal(w.routed.length, 1);
    w.s.clock.advance(60_000);
    await flush();
    assert.deepEqual(await w.res.winner(c), { agent: 'alice', fence: 1 }, 'kept within the retention (1 hour)');
    for (let minute = 0; minute < 60; minute++) {
      w.s.clock.advance(60_000);
      await flush();
    }
    assert.equal(await w.res.winner(c), undefined, 'deleted by the sweep after the retention');
    await w.router.stop();
  });

  test('a call abandoned on the Routing Point after its accept was recorded leaves no decision row', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })]);
    const c = await w.call();
    // The connector recorded the accept, but the caller hangs up before the result reaches the router.
    assert.equal(await w.res.decide(c, 'alice', fenceOf(w.preview.offers[0]!.input, 'alice')), true);
    one(w.caller.req({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: c }), 'EventReleased');
    await flush();
    assert.equal(await w.res.winner(c), undefined);
    assert.equal(w.router.trackedCalls, 0);
    await w.router.stop();
  });

  test('two routers on one Routing Point: one takes the call lease and offers, the other stands aside; the lease is released at the end', async () => {
    const w = await world([strategy('RP1', { target: 'Sales' })]);
    const second = new Router({ tserver: await connectedTlib(w.s), preview: w.preview, stats: w.stats, reservations: w.res, strategies: new Map([['RP1', strategy('RP1', { target: 'Sales' })]]), switchName: 'SW', clock: w.s.clock, instanceId: 'second' });
    const ended: string[] = [];
    second.on('ended', (e) => ended.push(e.reason));
    await second.start();
    const c = await w.call();
    assert.equal(w.preview.offers.length, 1, 'offered once');
    assert.deepEqual(ended, ['handled-by-another-router']);
    assert.deepEqual(w.res.held().sort(), ['alice', `call:${c}`]);
    w.preview.offers[0]!.settle('accepted', { agent: 'alice' });
    await flush();
    assert.equal(w.routed.length, 1);
    assert.deepEqual(w.res.held(), []);
    await second.stop();
    await w.router.stop();
  });

  test('timeoutWarnings: a T-Server router-timeout shorter than one offer is reported, unless the strategy has an earlier own deadline', () => {
    const s = setup();
    const mk = (sections: Record<string, Record<string, string | number | boolean>>, t: number): Router =>
      new Router({ tserver: inProcessTlib(s), preview: new FakePreview(new MemoryReservations(s.clock)), stats: new FakeStats(), reservations: new MemoryReservations(s.clock), strategies: new Map(Object.entries(sections).map(([rp, x]) => [rp, strategy(rp, x)])), switchName: 'SW', clock: s.clock, tserverRouterTimeoutOf: () => t });
    assert.deepEqual(mk({ RP1: { target: 'Sales' } }, 10).timeoutWarnings().map((w) => w.routingPoint), ['RP1'], '10 s < 15 s preview + 9 s arrival');
    assert.deepEqual(mk({ RP1: { target: 'Sales' } }, 30).timeoutWarnings(), []);
    assert.deepEqual(mk({ RP1: { target: 'Sales' } }, 0).timeoutWarnings(), [], '0 = no T-Server timeout');
    assert.deepEqual(mk({ RP1: { target: 'Sales', 'router-timeout': 8 } }, 10).timeoutWarnings(), [], 'the router gives up first and routes to default-dn itself');
    assert.deepEqual(mk({ RP1: { target: 'Sales', preview: false } }, 10).timeoutWarnings(), []);
  });

  test('over a real TlibClient (framed in-memory T-Lib): registers the Routing Point, offers, routes on accept', async () => {
    const s = setup({ agentLogins: ['a-alice', 'a-bob', 'a-carol'] });
    for (const [u, dn] of Object.entries(KWS)) agentOn(s, dn, `a-${u}`);
    const tlib = new TlibClient({ target: { kind: 'memory', connect: () => s.server.connectInMemory() }, clock: s.clock });
    await tlib.connect();
    const reservations = new MemoryReservations(s.clock);
    const preview = new FakePreview(reservations);
    const router = new Router({ tserver: tlib, preview, stats: new FakeStats(), reservations, strategies: new Map([['RP1', strategy('RP1', { target: 'Sales' })]]), switchName: 'SW', clock: s.clock });
    const routed: string[] = [];
    router.on('routed', (e) => routed.push(e.dn));
    try {
      await router.start();
      const caller = s.client();
      caller.req({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
      caller.req({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1' });
      for (let i = 0; i < 200 && preview.offers.length === 0; i++) await flush();
      assert.equal(preview.lastTargets(), 'alice');
      preview.offers[0]!.settle('accepted', { agent: 'alice', dn: '7001' });
      for (let i = 0; i < 200 && routed.length === 0; i++) await flush();
      assert.deepEqual(routed, ['7001']);
    } finally {
      await router.stop();
      tlib.close();
      await s.server.close();
    }
  });
});
