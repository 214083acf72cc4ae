import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import type { CallRun } from '../../../src/router/call-run.ts';
import { KwClaims } from '../../../src/router/kw-claims.ts';
import type { RouterStats } from '../../../src/router/router-ports.ts';
import { compileStrategy, type SelectionMode } from '../../../src/router/routing-strategy.ts';
import { StatCore } from '../../../src/stats/stat-core.ts';
import { MemoryReservations } from '../../../src/store/memory-reservations.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';
import { prng } from '../../support/prng.ts';

const T0 = 5_000_000;
const users = ['amy', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
const config = {
  agents: users.map((u) => ({ agentId: `id-${u}`, userName: u })),
  groups: [{ name: 'Sales', members: users }],
  dns: users.map((_, i) => `70${i}`),
};
const ev = (message: string, attrs: Record<string, unknown>): TlibEvent => ({ message, ...attrs }) as unknown as TlibEvent;

function run(selection: SelectionMode, connId: string, tried: string[] = []): CallRun {
  const s = compileStrategy('RP1', { target: 'Sales', selection });
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return { connId, routingPoint: 'RP1', strategy: s.value, userData: [], mediaType: 'voice', state: 'Selecting', attempts: 0, tried: new Set(tried), open: [], deadline: undefined };
}

/**
 * The same picks whether statistics order the candidates lazily (readyInOrder, roundRobinFrom) or
 * the router orders availableAgents itself: two routers, one over each, on one statistics core.
 */
describe('KwClaims: lazily ordered candidates pick what ordering availableAgents picks', () => {
  for (const selection of ['round-robin', 'longest-idle'] as const) {
    test(`${selection}: 300 picks with KWs going Busy and Ready, claims held and released`, async () => {
      const rnd = prng(selection === 'round-robin' ? 3 : 4);
      const clock = new ManualClock(T0);
      const core = new StatCore(config, T0);
      const lazy: RouterStats = { availableAgents: (g) => core.availableAgents(g), agent: (id) => core.agent(id), readyInOrder: (g) => core.readyInOrder(g), roundRobinFrom: (g, c) => core.roundRobinFrom(g, c) };
      const eager: RouterStats = { availableAgents: (g) => core.availableAgents(g), agent: (id) => core.agent(id) };
      const resLazy = new MemoryReservations(clock);
      const resEager = new MemoryReservations(clock);
      const a = new KwClaims(resLazy, lazy, 'r');
      const b = new KwClaims(resEager, eager, 'r');
      let now = T0;
      users.forEach((u, i) => core.apply(ev('EventAgentLogin', { ThisDN: `70${i}`, AgentID: `id-${u}`, AgentWorkMode: 'ManualIn' }), (now += rnd() < 0.5 ? 0 : 1)));
      const held: Array<{ kw: string; fenceA: number; fenceB: number }> = [];
      let picked = 0;
      for (let i = 0; i < 300; i++) {
        // A KW's phone takes or ends a call; sometimes the same millisecond.
        now += rnd() < 0.3 ? 0 : 1;
        const k = Math.floor(rnd() * users.length);
        core.apply(ev(rnd() < 0.5 ? 'EventRinging' : 'EventReleased', { ThisDN: `70${k}`, ConnID: `c${k}` }), now);
        const tried = users.filter(() => rnd() < 0.15);
        const [x, y] = await Promise.all([a.pick(run(selection, `call${i}`, tried), 60_000), b.pick(run(selection, `call${i}`, tried), 60_000)]);
        assert.deepEqual(x.map((c) => [c.kw, c.dn]), y.map((c) => [c.kw, c.dn]), `pick ${i}`);
        if (x[0] && y[0]) {
          picked++;
          held.push({ kw: x[0].kw, fenceA: x[0].fence, fenceB: y[0].fence });
        }
        // Claims end in another order than they began, so some Ready KWs stay claimed (skipped).
        while (held.length > 2 || (held.length > 0 && rnd() < 0.3)) {
          const h = held.splice(Math.floor(rnd() * held.length), 1)[0]!;
          await resLazy.release(h.kw, h.fenceA);
          await resEager.release(h.kw, h.fenceB);
        }
      }
      assert.ok(picked > 100, `picks made: ${picked}`);
    });
  }
});
