import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFor, canTransition, initialInteractions, interactionTransitions, maxInteractionsPerDn, stepInteractions, type InteractionState, type InteractionsState } from '../../../../src/connector/interactions/interaction-machine.ts';
import type { TlibEvent } from '../../../../src/tlib/messages/message-catalogue.ts';

const ev = (message: string, connId: string, extra: Record<string, unknown> = {}): TlibEvent => ({ message, ThisDN: '7001', ConnID: connId, ...extra }) as unknown as TlibEvent;
const run = (events: TlibEvent[], start: InteractionsState = initialInteractions()) => {
  let s = start;
  let last;
  for (const [i, e] of events.entries()) {
    last = stepInteractions(s, e, 1000 + i);
    s = last.state;
  }
  return { state: s, last: last! };
};

describe('interaction machine', () => {
  const cases: Array<{ rule: string; events: TlibEvent[]; expect: InteractionState | 'gone'; ignored?: boolean }> = [
    { rule: 'EventRinging creates a ringing call', events: [ev('EventRinging', 'c1')], expect: 'ringing' },
    { rule: 'EventDialing creates a dialing call', events: [ev('EventDialing', 'c1')], expect: 'dialing' },
    { rule: 'ringing → established on EventEstablished', events: [ev('EventRinging', 'c1'), ev('EventEstablished', 'c1')], expect: 'established' },
    { rule: 'established → held on EventHeld', events: [ev('EventRinging', 'c1'), ev('EventEstablished', 'c1'), ev('EventHeld', 'c1')], expect: 'held' },
    { rule: 'held → established on EventRetrieved', events: [ev('EventRinging', 'c1'), ev('EventEstablished', 'c1'), ev('EventHeld', 'c1'), ev('EventRetrieved', 'c1')], expect: 'established' },
    { rule: 'EventReleased closes the call', events: [ev('EventRinging', 'c1'), ev('EventEstablished', 'c1'), ev('EventReleased', 'c1')], expect: 'gone' },
    { rule: 'EventAbandoned closes a ringing call', events: [ev('EventRinging', 'c1'), ev('EventAbandoned', 'c1')], expect: 'gone' },
    { rule: 'EventHeld while ringing is ignored', events: [ev('EventRinging', 'c1'), ev('EventHeld', 'c1')], expect: 'ringing', ignored: true },
    { rule: 'EventRetrieved while established is a no-op stay', events: [ev('EventEstablished', 'c1'), ev('EventRetrieved', 'c1')], expect: 'established' },
    { rule: 'a call first seen established is adopted', events: [ev('EventEstablished', 'c1')], expect: 'established' },
    { rule: 'released for an unknown call is ignored', events: [ev('EventReleased', 'c1')], expect: 'gone', ignored: true },
    { rule: 'EventRinging after established is ignored (no way back)', events: [ev('EventEstablished', 'c1'), ev('EventRinging', 'c1')], expect: 'established', ignored: true },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const { state, last } = run(c.events);
      assert.equal(state.get('c1')?.state ?? 'gone', c.expect);
      assert.equal(last.ignored !== undefined, c.ignored ?? false);
    });
  }

  test('the transition table: released is terminal, staying is allowed, ringing cannot be held', () => {
    assert.deepEqual(interactionTransitions.released, []);
    assert.equal(canTransition('held', 'held'), true);
    assert.equal(canTransition('ringing', 'held'), false);
    assert.equal(canTransition('released', 'established'), false);
  });

  test('changes: upsert on each state change, closed on release with the last known data', () => {
    let s = initialInteractions();
    const a = stepInteractions(s, ev('EventRinging', 'c1', { OtherDN: '5000', UserData: [['custname', 'Анна']], CallType: 'Inbound' }), 1);
    assert.equal(a.changes[0]?.type, 'upsert');
    s = a.state;
    const r = stepInteractions(s, ev('EventReleased', 'c1'), 2);
    assert.equal(r.changes[0]?.type, 'closed');
    assert.equal(r.changes[0]?.interaction.otherDn, '5000');
    assert.deepEqual(r.changes[0]?.interaction.userData, [['custname', 'Анна']]);
    assert.equal(r.state.size, 0);
  });

  test('EventAttachedDataChanged replaces the UserData; an event without UserData keeps it', () => {
    const { state } = run([ev('EventRinging', 'c1', { UserData: [['a', '1']] }), ev('EventAttachedDataChanged', 'c1', { UserData: [['a', '1'], ['KW_ITX_NOTES', 'hi']] }), ev('EventEstablished', 'c1')]);
    assert.deepEqual(state.get('c1')?.userData, [['a', '1'], ['KW_ITX_NOTES', 'hi']]);
  });

  test('EventPartyChanged renames the call from PreviousConnID and keeps its state', () => {
    const { state, last } = run([ev('EventEstablished', 'old'), ev('EventPartyChanged', 'new', { PreviousConnID: 'old', OtherDN: '7002' })]);
    assert.equal(state.has('old'), false);
    assert.equal(state.get('new')?.state, 'established');
    assert.equal(state.get('new')?.otherDn, '7002');
    assert.equal(last.changes[0]?.type === 'upsert' && last.changes[0].previousConnId, 'old');
  });

  test('EventPartyAdded / EventPartyDeleted keep the conference parties', () => {
    const added = run([ev('EventEstablished', 'c1'), ev('EventPartyAdded', 'c1', { ThirdPartyDN: '7003' }), ev('EventPartyAdded', 'c1', { ThirdPartyDN: '7003' })]);
    assert.deepEqual(added.state.get('c1')?.parties, ['7003']);
    const deleted = stepInteractions(added.state, ev('EventPartyDeleted', 'c1', { ThirdPartyDN: '7003' }), 9);
    assert.deepEqual(deleted.state.get('c1')?.parties, []);
  });

  test('non-call events leave the state unchanged', () => {
    const s = initialInteractions();
    const r = stepInteractions(s, { message: 'EventAgentReady', ThisDN: '7001' } as TlibEvent, 1);
    assert.equal(r.state, s);
    assert.deepEqual(r.changes, []);
  });

  test('the step never mutates its input state', () => {
    const { state } = run([ev('EventRinging', 'c1')]);
    stepInteractions(state, ev('EventEstablished', 'c1'), 5);
    assert.equal(state.get('c1')?.state, 'ringing');
  });

  test(`at most ${maxInteractionsPerDn} calls per DN`, () => {
    const { state, last } = run(Array.from({ length: maxInteractionsPerDn + 1 }, (_, i) => ev('EventRinging', `c${i}`)));
    assert.equal(state.size, maxInteractionsPerDn);
    assert.equal(last.ignored, 'too many calls on the DN');
  });

  test('actions per state', () => {
    assert.deepEqual(actionsFor('ringing'), ['answer', 'release']);
    assert.deepEqual(actionsFor('ringing', { answer: false }), ['release'], 'a phone the switch cannot answer answers itself');
    assert.deepEqual(actionsFor('established', { answer: false }), actionsFor('established'));
    assert.ok(actionsFor('established').includes('transfer'));
    assert.ok(actionsFor('held').includes('retrieve'));
    assert.deepEqual(actionsFor('released'), []);
  });
});
