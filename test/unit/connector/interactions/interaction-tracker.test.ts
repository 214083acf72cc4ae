import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionTracker } from '../../../../src/connector/interactions/interaction-tracker.ts';
import type { InteractionChange } from '../../../../src/connector/interactions/interaction-machine.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import type { TlibEvent } from '../../../../src/tlib/messages/message-catalogue.ts';
import { FakeTlib } from './fake-tlib.ts';

function setup() {
  const tlib = new FakeTlib();
  const tracker = new InteractionTracker({ tlib, clock: new ManualClock() });
  const changes: Array<[string, InteractionChange]> = [];
  tracker.on('change', (u, c) => changes.push([u, c]));
  tracker.track('alice', '7001');
  return { tlib, tracker, changes };
}

describe('InteractionTracker', () => {
  test('events of the KW DN become changes of that KW; other DNs are not seen', () => {
    const { tlib, tracker, changes } = setup();
    tlib.emit('EventRinging', '7001', 'c1');
    tlib.emit('EventRinging', '7002', 'c2');
    assert.deepEqual(changes.map(([u, c]) => [u, c.type, c.interaction.connId]), [['alice', 'upsert', 'c1']]);
    assert.deepEqual(tracker.interactionsOf('alice')?.map((i) => i.state), ['ringing']);
    assert.equal(tracker.interactionsOf('bob'), undefined);
  });

  test('answer sends RequestAnswerCall as the KW DN', async () => {
    const { tlib, tracker } = setup();
    tlib.emit('EventRinging', '7001', 'c1');
    const r = await tracker.answer('alice', 'c1');
    assert.equal(r.ok, true);
    assert.deepEqual(tlib.requests, [{ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: 'c1' }]);
  });

  test('a DN the switch cannot answer from the desktop: no Answer action, and answer is refused without a request', async () => {
    const tlib = new FakeTlib();
    const tracker = new InteractionTracker({ tlib, clock: new ManualClock(), canAnswer: (dn) => dn === '7002' });
    tracker.track('alice', '7001');
    tracker.track('bob', '7002');
    assert.equal(tracker.canAnswer('alice'), false);
    assert.equal(tracker.canAnswer('bob'), true);
    assert.equal(tracker.canAnswer('nobody'), false);
    tlib.emit('EventRinging', '7001', 'c1');
    const r = await tracker.answer('alice', 'c1');
    assert.equal(!r.ok && r.error.kind, 'not-allowed');
    assert.equal(tlib.requests.length, 0);
    assert.equal((await tracker.release('alice', 'c1')).ok, true, 'the ringing call can still be released');
  });

  test('an action on an unknown call, or not valid in the state, sends nothing', async () => {
    const { tlib, tracker } = setup();
    assert.equal((await tracker.hold('alice', 'nope')).ok, false);
    tlib.emit('EventRinging', '7001', 'c1');
    const r = await tracker.hold('alice', 'c1');
    assert.equal(!r.ok && r.error.kind, 'not-allowed');
    assert.equal(tlib.requests.length, 0);
  });

  test('a T-Lib EventError comes back with its ErrorCode', async () => {
    const { tlib, tracker } = setup();
    tlib.emit('EventEstablished', '7001', 'c1');
    tlib.answer = () => 56;
    const r = await tracker.release('alice', 'c1');
    assert.deepEqual(!r.ok && { kind: r.error.kind, code: r.error.kind === 'tlib' ? r.error.code : undefined }, { kind: 'tlib', code: 56 });
  });

  test('transfer is single-step to the contact point', async () => {
    const { tlib, tracker } = setup();
    tlib.emit('EventEstablished', '7001', 'c1');
    await tracker.transfer('alice', 'c1', '5000');
    assert.deepEqual(tlib.requests[0], { message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: 'c1', OtherDN: '5000' });
  });

  test('notes: RequestUpdateUserData under the note key; too long is refused', async () => {
    const { tlib, tracker } = setup();
    tlib.emit('EventEstablished', '7001', 'c1');
    await tracker.saveNotes('alice', 'c1', 'KW_ITX_NOTES', 'called back <b>');
    assert.deepEqual(tlib.requests[0], { message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: 'c1', UserData: [['KW_ITX_NOTES', 'called back <b>']] });
    const r = await tracker.saveNotes('alice', 'c1', 'KW_ITX_NOTES', 'x'.repeat(4097));
    assert.equal(r.ok, false);
    assert.equal(tlib.requests.length, 1);
  });

  test('conference: initiate, then complete once the consultation is established at the DN', async () => {
    const { tlib, tracker } = setup();
    tlib.emit('EventEstablished', '7001', 'c1');
    tlib.answer = (r) => ({ message: 'EventDialing', ThisDN: '7001', ConnID: r.message === 'RequestInitiateConference' ? 'k1' : 'x' }) as unknown as TlibEvent;
    const r = await tracker.conference('alice', 'c1', '5000');
    assert.deepEqual(r.ok && r.value, { consultConnId: 'k1' });
    assert.equal(tlib.requests.length, 1);
    tlib.emit('EventDialing', '7001', 'k1');
    assert.equal(tlib.requests.length, 1, 'not complete while dialing');
    tlib.emit('EventEstablished', '7001', 'k1');
    assert.deepEqual(tlib.requests[1], { message: 'RequestCompleteConference', ThisDN: '7001', ConnID: 'c1', TransferConnID: 'k1' });
    tlib.emit('EventEstablished', '7001', 'k1');
    assert.equal(tlib.requests.length, 2, 'completed once');
  });

  test('untrack and stop remove the DN listeners', () => {
    const { tlib, tracker } = setup();
    assert.equal(tlib.listenerCount('7001'), 1);
    tracker.track('alice', '7001');
    assert.equal(tlib.listenerCount('7001'), 1, 'track is idempotent');
    tracker.stop();
    assert.equal(tlib.listenerCount('7001'), 0);
  });
});
