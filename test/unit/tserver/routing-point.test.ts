import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideArrival, decideRouterTimeout, ROUTING_TRANSITIONS, RoutingState, transitionRouting, type ArrivalContext } from '../../../src/tserver/routing-point.ts';
import { InvalidStateTransitionError } from '../../../src/lib/errors.ts';

const states = Object.values(RoutingState);

describe('RoutingState transition table', () => {
  for (const from of states) {
    for (const to of states) {
      const legal = ROUTING_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        if (legal) assert.equal(transitionRouting(from, to), to);
        else assert.throws(() => transitionRouting(from, to), InvalidStateTransitionError);
      });
    }
  }
  test('Answered and Dropped are final', () => {
    assert.deepEqual(ROUTING_TRANSITIONS.Answered, []);
    assert.deepEqual(ROUTING_TRANSITIONS.Dropped, []);
  });
});

const base: ArrivalContext = { dnType: 'RoutingPoint', routingClients: 1, routerTimeout: 10, defaultDn: '7001', redirections: 0, redirectionLimit: 3 };

describe('routing decisions (seed 004, 3.1)', () => {
  const arrival: Array<[string, Partial<ArrivalContext>, ReturnType<typeof decideArrival>]> = [
    ['a routing client is registered: EventRouteRequest with the router-timeout timer', {}, { action: 'routeRequest', timerMs: 10_000 }],
    ['router-timeout 0: the router is waited for without a timer', { routerTimeout: 0 }, { action: 'routeRequest', timerMs: undefined }],
    ['no routing client: default-dn at once', { routingClients: 0 }, { action: 'defaultRoute', target: '7001' }],
    ['no routing client and no default-dn: wait', { routingClients: 0, defaultDn: undefined }, { action: 'wait' }],
    ['no routing client, redirection limit reached: wait', { routingClients: 0, redirections: 3 }, { action: 'wait' }],
    ['a queue only queues', { dnType: 'ACDQueue', routingClients: 0 }, { action: 'wait' }],
    ['a virtual queue only queues', { dnType: 'VirtualQueue' }, { action: 'wait' }],
  ];
  for (const [name, ctx, want] of arrival) test(`arrival: ${name}`, () => assert.deepEqual(decideArrival({ ...base, ...ctx }), want));

  const timeout: Array<[string, Partial<ArrivalContext>, ReturnType<typeof decideRouterTimeout>]> = [
    ['router-timeout expired: default-dn', {}, { action: 'defaultRoute', target: '7001' }],
    ['router-timeout expired under the limit: default-dn', { redirections: 2 }, { action: 'defaultRoute', target: '7001' }],
    ['router-timeout expired at the limit: wait', { redirections: 3 }, { action: 'wait' }],
    ['router-timeout expired with no default-dn: wait', { defaultDn: undefined }, { action: 'wait' }],
  ];
  for (const [name, ctx, want] of timeout) test(`timeout: ${name}`, () => assert.deepEqual(decideRouterTimeout({ ...base, ...ctx }), want));
});
