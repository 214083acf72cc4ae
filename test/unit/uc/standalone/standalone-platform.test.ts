import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import type { Availability, Presence } from '../../../../src/presence/presence.ts';
import { isStalePresence } from '../../../../src/presence/presence.ts';
import { StandalonePlatform } from '../../../../src/uc/standalone/standalone-platform.ts';
import type { UcConnectionState, UcKnowledgeWorker } from '../../../../src/uc/uc-platform.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@example.test' };

function world() {
  const clock = new ManualClock(1_000);
  const platform = new StandalonePlatform({ clock, maxNoteLength: 20 });
  const presences: Array<[string, Presence]> = [];
  const states: UcConnectionState[] = [];
  platform.on('presence', (kw, p) => presences.push([kw.userName, p]));
  platform.on('connectionState', (s) => states.push(s));
  return { clock, platform, presences, states };
}

describe('StandalonePlatform', () => {
  test('start/stop report connected and stopped', async () => {
    const w = world();
    assert.equal(w.platform.connectionState, 'stopped');
    await w.platform.start();
    await w.platform.stop();
    assert.deepEqual(w.states, ['connected', 'stopped']);
    assert.equal(w.platform.kind, 'standalone');
  });

  test('setPresence emits a standalone Presence for a subscribed KW, with the MS-PRES number of the class and an increasing sequence', async () => {
    const w = world();
    await w.platform.start();
    w.platform.subscribe(alice);
    const first = w.platform.setPresence('alice', 'busy', 'In a meeting');
    w.clock.advance(5);
    const second = w.platform.setPresence('alice', 'online');
    assert.equal(w.presences.length, 2);
    const [user, p] = w.presences[0]!;
    assert.equal(user, 'alice');
    assert.equal(p, first);
    assert.equal(p.source, 'standalone');
    assert.equal(p.uri, alice.contact);
    assert.equal(p.availability, 'busy');
    assert.equal(p.availabilityCode, 6500);
    assert.deepEqual(p.note, { text: 'In a meeting', kind: 'personal', lang: null });
    assert.equal(p.observedAt, 1_000);
    assert.equal(second.note, null);
    assert.equal(second.observedAt, 1_005);
    assert.equal(isStalePresence(second, first), true, 'the earlier update is stale against the later one');
  });

  test('every availability class maps to its MS-PRES number and basic status', () => {
    const w = world();
    const table: Array<[Availability, number | null, 'open' | 'closed' | null]> = [
      ['online', 3500, 'open'], ['online-idle', 4500, 'open'], ['busy', 6500, 'open'], ['busy-idle', 7500, 'open'],
      ['do-not-disturb', 9500, 'open'], ['be-right-back', 12500, 'open'], ['away', 15500, 'open'], ['offline', 18500, 'closed'], ['unknown', null, null],
    ];
    for (const [availability, code, basic] of table) {
      const p = w.platform.setPresence('bob', availability);
      assert.equal(p.availabilityCode, code, availability);
      assert.equal(p.basic, basic, availability);
    }
  });

  test('a presence set before subscribe is emitted at subscribe (like a first NOTIFY); nothing for unsubscribed KWs', () => {
    const w = world();
    w.platform.setPresence('alice', 'away');
    assert.equal(w.presences.length, 0);
    w.platform.subscribe(alice);
    assert.equal(w.presences.length, 1);
    assert.equal(w.presences[0]![1].availability, 'away');
    assert.equal(w.presences[0]![1].uri, alice.contact);
    w.platform.subscribe(alice);
    assert.equal(w.presences.length, 1, 'subscribe is idempotent');
    w.platform.unsubscribe(alice);
    w.platform.setPresence('alice', 'online');
    assert.equal(w.presences.length, 1);
  });

  test('publish stores the pushed presence (the effective one) without emitting; null restores what the KW set', async () => {
    const w = world();
    w.platform.subscribe(alice);
    const own = w.platform.setPresence('alice', 'online');
    const pushed: Presence = { ...own, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null } };
    await w.platform.publish(alice, pushed);
    assert.equal(w.presences.length, 1, 'the connector is not fed its own push');
    assert.deepEqual(w.platform.presenceOf('alice'), { own, pushed, effective: pushed });
    await w.platform.publish(alice, null);
    assert.deepEqual(w.platform.presenceOf('alice'), { own, pushed: null, effective: own });
    assert.deepEqual(w.platform.presenceOf('nobody'), { own: null, pushed: null, effective: null });
  });

  test('an unknown availability or an oversized note is refused with UCC_ERR_UC_PRESENCE_INVALID', () => {
    const w = world();
    const invalid = (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PRESENCE_INVALID';
    assert.throws(() => w.platform.setPresence('alice', 'sleepy' as Availability), invalid);
    assert.throws(() => w.platform.setPresence('alice', 'online', 'x'.repeat(21)), invalid);
    assert.equal(w.platform.presenceOf('alice').own, null);
  });
});
