// Every edge of every UA state machine: for each (from, to) pair, drive a fresh machine to `from`
// along legal edges, then check that transition(to) is accepted exactly when the table lists it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { InvalidStateTransitionError } from '../../../../src/lib/errors.ts';
import { silentLogger } from '../../../../src/lib/logger.ts';
import { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { NotifierSubscription, NOTIFIER_SUBSCRIPTION_TRANSITIONS } from '../../../../src/sip/ua/notifier-subscription.ts';
import { Publisher, PUBLICATION_TRANSITIONS } from '../../../../src/sip/ua/publisher.ts';
import { RegistrationClient } from '../../../../src/sip/ua/registration-client.ts';
import { REGISTRATION_TRANSITIONS } from '../../../../src/sip/ua/registration-state.ts';
import { RequestDispatcher } from '../../../../src/sip/ua/request-dispatcher.ts';
import { Subscriber } from '../../../../src/sip/ua/subscriber.ts';
import { SUBSCRIBER_TRANSITIONS } from '../../../../src/sip/ua/subscriber-state.ts';
import { FakeTransactionUser, buildRequest } from '../support/fake-transaction-user.ts';

interface Machine<S extends string> {
  state: S;
  transition(to: S, cause: string): void;
  on(event: 'stateChange', l: (s: S, p: S, c: string) => void): unknown;
}

/** Shortest legal path from `start` to `target` in `table`. */
function pathTo<S extends string>(table: Record<S, readonly S[]>, start: S, target: S): S[] | undefined {
  const prev = new Map<S, S>();
  const queue: S[] = [start];
  const seen = new Set<S>([start]);
  while (queue.length) {
    const s = queue.shift()!;
    if (s === target) {
      const path: S[] = [];
      for (let c: S | undefined = s; c !== undefined && c !== start; c = prev.get(c)) path.unshift(c);
      return path;
    }
    for (const n of table[s]) if (!seen.has(n)) { seen.add(n); prev.set(n, s); queue.push(n); }
  }
  return undefined;
}

function checkAllEdges<S extends string>(name: string, table: Record<S, readonly S[]>, make: () => Machine<S>): void {
  describe(`${name}: every edge of the transition table`, () => {
    const states = Object.keys(table) as S[];
    const initial = make().state;
    for (const from of states) {
      const path = pathTo(table, initial, from);
      for (const to of states) {
        if (to === from) continue; // same-state calls are documented no-ops
        const legal = table[from].includes(to);
        test(`${from} -> ${to} ${legal ? 'is allowed and emits stateChange' : 'throws InvalidStateTransitionError'}`, () => {
          assert.ok(path, `${from} is reachable from ${initial}`);
          const m = make();
          for (const step of path) m.transition(step, 'setup');
          assert.equal(m.state, from);
          const seen: string[] = [];
          m.on('stateChange', (s, p) => seen.push(`${p}->${s}`));
          if (legal) {
            m.transition(to, 'test');
            assert.deepEqual(seen, [`${from}->${to}`]);
          } else {
            assert.throws(() => m.transition(to, 'test'), InvalidStateTransitionError);
            assert.equal(m.state, from);
            assert.deepEqual(seen, []);
          }
        });
      }
    }
  });
}

const clock = new ManualClock(0);
const tu = new FakeTransactionUser();

checkAllEdges('Subscriber', SUBSCRIBER_TRANSITIONS, () => new Subscriber({
  tu, dispatcher: RequestDispatcher.of(tu), clock, aor: 'sip:a@x', target: 'sip:b@x', event: 'presence', contact: 'sip:a@127.0.0.1',
}));
checkAllEdges('RegistrationClient', REGISTRATION_TRANSITIONS, () => new RegistrationClient({ tu, clock, aor: 'sip:a@x', contact: 'sip:a@127.0.0.1' }));
checkAllEdges('Publisher', PUBLICATION_TRANSITIONS, () => new Publisher({ tu, clock, aor: 'sip:a@x', event: 'presence' }));
checkAllEdges('NotifierSubscription', NOTIFIER_SUBSCRIPTION_TRANSITIONS, () => {
  const subscribe = buildRequest('SUBSCRIBE', 'sip:b@x', {
    From: '<sip:a@x>;tag=1', To: '<sip:b@x>', 'Call-ID': 'st', CSeq: '1 SUBSCRIBE', Contact: '<sip:a@127.0.0.1>', Event: 'presence',
  });
  return new NotifierSubscription({
    tu, clock: new ManualClock(0), dialog: Dialog.createUas(subscribe, 't'), eventPackage: { name: 'presence', contentTypes: ['application/pidf+xml'], defaultExpires: 60 },
    event: 'presence', subscribe, expires: 60, state: 'pending', logger: silentLogger, onEnd: () => undefined,
  });
});
