/**
 * The property test of issue 5: 10,000 randomised preview races with two router instances
 * contending, and no double winner. One test file per dialect calls `previewRaceSuite` (SQLite and
 * PostgreSQL then run as separate files, concurrently).
 *
 * Lean harness, so 10,000 races run in well under a minute per dialect on two cores:
 * - real: the T-Server (in process), two `Router` instances each with its OWN store connection
 *   (`ReservationStore`, as two processes would have), the store's atomic claim / decide SQL;
 * - scripted: the connector side. One `RaceConnector` answers both routers' offers the way the
 *   preview manager does — every target accepts, rejects, times out or errors after a random number
 *   of event-loop turns; an accept wins only through `decide(connId, kw, fence)` on the store (any
 *   connection), else `taken`; a cancel closes every open offer of the call;
 * - random timing: 12 calls are in flight at once on 16 KWs, outcomes land after 0-4 turns, and
 *   one call in eight is abandoned by the caller at a random turn. A seeded PRNG makes a failure
 *   reproducible (the seed is in the test name).
 *
 * Checked for every race: at most one KW is told `accepted` (no double winner); the call is routed
 * at most once and, on accept, to that KW's DN; a KW never has two open offers at once (the
 * reservation holds across both routers); and after every wave no claim is left.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.ts';
import type { PreviewInteractionResult, PreviewOutcome } from '../../src/preview/preview-messages.ts';
import type { PreviewOfferInput, PreviewOfferMultipleInput } from '../../src/preview/preview-transport.ts';
import { ReservationStore, routerMigrations } from '../../src/store/reservation-store.ts';
import { Router, type PreviewPort, type RouterStats } from '../../src/router/router.ts';
import { compileStrategies, type StrategyDn } from '../../src/router/routing-strategy.ts';
import type { AgentSnapshot, AvailableAgent } from '../../src/stats/stat-types.ts';
import type { TlibEvent, TlibRequest } from '../../src/tlib/index.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import { TServer } from '../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../src/tserver/tserver-config.ts';
import { makeFixture } from './for-each-store.ts';
import { prng as mulberry32 } from './prng.ts';

const RACES = Number(process.env.UCC_RACES ?? 10_000);
const IN_FLIGHT = 12;
const KWS = 16;
const SEED = 0x5eed_0005;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

const kwName = (i: number): string => `kw${i + 1}`;
const kwDn = (i: number): string => String(20001 + i);
const dnOfKw = new Map(Array.from({ length: KWS }, (_, i) => [kwName(i), kwDn(i)]));

/** The scripted connector side of both routers. */
class RaceConnector {
  /** KWs told `accepted`, per ConnID. */
  readonly acceptedTold = new Map<string, string[]>();
  readonly violations: string[] = [];
  private readonly openByKw = new Map<string, string>();
  private readonly openCalls = new Map<string, Set<() => void>>();
  offers = 0;

  constructor(
    private readonly rnd: () => number,
    private readonly deciders: ReservationStore[],
  ) {}

  port(): PreviewPort {
    return {
      offer: (i: PreviewOfferInput) => this.run(i.connId, [i.agent], i.fence === undefined ? [] : [i.fence]),
      offerMultiple: (i: PreviewOfferMultipleInput) => {
        const targets = typeof i.targets === 'string' ? i.targets.split('^') : [...i.targets];
        const fences = i.fences === undefined ? [] : typeof i.fences === 'string' ? i.fences.split('^').map(Number) : [...i.fences];
        return this.run(i.connId, targets, fences);
      },
      cancel: (connId: string) => {
        for (const close of [...(this.openCalls.get(connId) ?? [])]) close();
        return true;
      },
    };
  }

  get open(): number {
    return this.openByKw.size;
  }

  private run(connId: string, targets: string[], fences: number[]): Promise<PreviewInteractionResult> {
    this.offers++;
    for (const kw of targets) {
      const other = this.openByKw.get(kw);
      if (other !== undefined) this.violations.push(`${kw} offered ${connId} while its offer for ${other} is open`);
      this.openByKw.set(kw, connId);
    }
    return new Promise((resolve) => {
      let done = false;
      let remaining = targets.length;
      let last: PreviewOutcome = 'error';
      const closers = this.openCalls.get(connId) ?? new Set<() => void>();
      this.openCalls.set(connId, closers);
      const finish = (result: PreviewOutcome, agent?: string, fence?: number): void => {
        if (done) return;
        done = true;
        for (const kw of targets) if (this.openByKw.get(kw) === connId) this.openByKw.delete(kw);
        closers.delete(cancel);
        if (closers.size === 0) this.openCalls.delete(connId);
        resolve({ message: 'PreviewInteractionResult', ReferenceID: 1, connId, result, ...(agent ? { agent, dn: dnOfKw.get(agent) } : {}), ...(fence !== undefined ? { fence } : {}) });
      };
      const cancel = (): void => finish('cancelled');
      closers.add(cancel);
      targets.forEach((kw, i) => {
        const r = this.rnd();
        const action: PreviewOutcome = r < 0.45 ? 'accepted' : r < 0.7 ? 'rejected' : r < 0.9 ? 'timeout' : 'error';
        const delay = Math.floor(this.rnd() * 5);
        const decider = this.deciders[Math.floor(this.rnd() * this.deciders.length)]!;
        void (async () => {
          await turns(delay);
          if (done) return;
          if (action === 'accepted') {
            const won = await decider.decide(connId, kw, fences[i]);
            // A decision that lands after a cancel is harmless: the KW is told `cancelled`, never `accepted`.
            if (done) return;
            if (won) {
              const told = this.acceptedTold.get(connId) ?? [];
              told.push(kw);
              this.acceptedTold.set(connId, told);
              finish('accepted', kw, fences[i]);
              return;
            }
            last = 'taken';
          } else {
            last = action;
          }
          if (--remaining === 0) finish(last, targets.length === 1 ? kw : undefined);
        })();
      });
    });
  }
}

/** Statistics as the router sees them: every KW available, longest idle by a rotating offset. */
class RaceStats implements RouterStats {
  tick = 0;
  availableAgents(group: string): AvailableAgent[] {
    if (group !== 'Sales') return [];
    this.tick++;
    return Array.from({ length: KWS }, (_, i) => ({ agentId: `A${kwDn(i)}`, userName: kwName(i), dn: kwDn(i), readySince: (i * 7 + this.tick) % KWS }));
  }
  agent(name: string): AgentSnapshot | undefined {
    const dn = dnOfKw.get(name);
    return dn ? { agentId: `A${dn}`, userName: name, state: 'Ready', stateSince: 0, readySince: 0, dn, calls: [], workMode: 'AutoIn' } : undefined;
  }
}

/** Defines the race suite on one dialect. */
export function previewRaceSuite(dialect: 'sqlite' | 'postgres'): void {
  const makeStore = (): ReturnType<typeof makeFixture> => makeFixture(dialect);
  describe(`preview races on ${dialect}`, () => {
    test(`${RACES} randomised races with two routers contending: no double winner (seed ${SEED.toString(16)})`, async () => {
      const fx = await makeStore();
      const clock = new ManualClock();
      const rnd = mulberry32(SEED);
      const dns: StrategyDn[] = [
        ...Array.from({ length: KWS }, (_, i) => ({ number: kwDn(i), type: 'Extension', annex: {} })),
        { number: 'RP1', type: 'Routing Point', annex: { router: { target: 'Sales', selection: 'broadcast' } } },
        { number: 'RP2', type: 'Routing Point', annex: { router: { target: 'Sales', selection: 'round-robin', 'max-attempts': 3 } } },
        { number: 'RP3', type: 'Routing Point', annex: { router: { target: 'Sales', selection: 'longest-idle', 'max-attempts': 2 } } },
        { number: 'Q1', type: 'ACD Queue', annex: {} },
        { number: 'trunk', type: 'Trunk', annex: {} },
      ];
      const server = new TServer({ clock, config: createTServerConfig({ switchName: 'SW', dns: dns.map((d) => ({ name: d.number, type: d.type.replace(/ /g, '') as 'Extension' })), agentLogins: Array.from({ length: KWS }, (_, i) => `A${kwDn(i)}`), options: { 'default-dn': 'Q1', 'router-timeout': 0, 'no-answer-timeout': 0 } }) });
      const events: Array<TlibEvent & Record<string, unknown>> = [];
      const observer = server.attach((e) => events.push(e as TlibEvent & Record<string, unknown>));
      let ref = 1;
      const send = (r: Record<string, unknown>): void => observer.request({ ...r, ReferenceID: ref++ } as TlibRequest);
      for (const d of dns) send({ message: 'RequestRegisterAddress', ThisDN: d.number });
      for (let i = 0; i < KWS; i++) send({ message: 'RequestAgentLogin', ThisDN: kwDn(i), AgentID: `A${kwDn(i)}`, AgentWorkMode: 'AutoIn' });
      const stores = [await fx.open({ migrations: routerMigrations }), await fx.open({ migrations: routerMigrations })];
      const reservations = stores.map((s) => new ReservationStore(s.db, clock, s.dialect));
      const connector = new RaceConnector(rnd, reservations);
      const stats = new RaceStats();
      const { strategies, issues } = compileStrategies(dns);
      assert.deepEqual(issues, []);
      // Each router holds its own T-Lib client, in process, as `ucc start` runs it.
      const ports = reservations.map(() => new TlibClient({ target: { kind: 'memory', connect: () => server.connectInProcess() }, clock }));
      for (const p of ports) await p.connect();
      const routers = reservations.map((r, i) => new Router({ tserver: ports[i]!, preview: connector.port(), stats, reservations: r, strategies, switchName: 'SW', clock, instanceId: `router-${i + 1}`, defaultDnOf: () => 'Q1' }));
      for (const r of routers) await r.start();
      const routedTo = new Map<string, string[]>();
      for (const e of events.splice(0)) void e;
      const byConn = (connId: string): string[] => routedTo.get(connId) ?? [];
      ports[0]!.onEvent((e) => {
        if (e.message === 'EventRouteUsed' && typeof e.ConnID === 'string') routedTo.set(e.ConnID, [...byConn(e.ConnID), String((e as { OtherDN?: string }).OtherDN)]);
      });
      const started = Date.now();
      let done = 0;
      let winners = 0;
      let abandoned = 0;
      try {
        while (done < RACES) {
          const wave = Math.min(IN_FLIGHT, RACES - done);
          const calls: string[] = [];
          const hangups: Array<Promise<void>> = [];
          for (let i = 0; i < wave; i++) {
            const rp = `RP${1 + Math.floor(rnd() * 3)}`;
            const before = events.length;
            send({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: rp });
            const d = events.slice(before).find((e) => e.message === 'EventDialing');
            assert.ok(d, 'call made');
            const connId = d.ConnID as string;
            calls.push(connId);
            if (rnd() < 0.125) {
              abandoned++;
              const at = Math.floor(rnd() * 6);
              hangups.push(turns(at).then(() => send({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId })));
            }
          }
          await Promise.all(hangups);
          for (const r of routers) await r.whenIdle();
          assert.equal(connector.open, 0, 'every offer closed');
          for (const connId of calls) {
            const told = connector.acceptedTold.get(connId) ?? [];
            assert.ok(told.length <= 1, `double winner for ${connId}: ${told.join(', ')}`);
            const routes = byConn(connId);
            assert.ok(routes.length <= 1, `${connId} routed ${routes.length} times`);
            if (told.length === 1 && routes.length === 1) assert.ok(routes[0] === dnOfKw.get(told[0]!), `${connId} accepted by ${told[0]} but routed to ${routes[0]}`);
            winners += told.length;
            // The call is over: the caller hangs up wherever it is (no-op when already gone).
            send({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId });
            connector.acceptedTold.delete(connId);
            routedTo.delete(connId);
          }
          events.length = 0;
          assert.deepEqual(connector.violations, []);
          done += wave;
        }
        const { rows } = await fx.open({ migrations: routerMigrations }).then((s) => s.db.selectFrom('router_reservation' as never).select(['kw' as never]).where('expires_at' as never, '>', clock.now() as never).execute().then((r) => ({ rows: r })));
        assert.deepEqual(rows, [], 'no claim left after the races');
        assert.deepEqual(routers.map((r) => r.trackedCalls), [0, 0], 'no run left in the routers');
        const ms = Date.now() - started;
        console.log(`# ${dialect}: ${RACES} races (${abandoned} abandoned), ${connector.offers} offers, ${winners} winners, ${ms} ms`);
        assert.ok(winners > RACES / 4, 'the races do produce winners');
      } finally {
        for (const r of routers) await r.stop();
        for (const p of ports) p.close();
        observer.close();
        await server.close();
        await fx.dispose();
      }
    });
  });
}
