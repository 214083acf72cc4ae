import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isStalePresence, presenceStateEquals, unknownPresence } from '../../../src/presence/presence.ts';
import type { Presence, PresenceVersion } from '../../../src/presence/presence.ts';
import { parsePidfPresence } from '../../../src/presence/pidf.ts';
import { fixture } from './fixtures.ts';

const base = (version: Partial<PresenceVersion>, over: Partial<Presence> = {}): Presence => ({
  ...unknownPresence('sip:a@x', 'ms-pres', 1000),
  availability: 'online', availabilityCode: 3500,
  version: { publishedAt: null, sequence: null, instance: null, ...version },
  ...over,
});

describe('isStalePresence: the connector drops updates older than what it holds', () => {
  const table: [string, Presence, Presence, boolean][] = [
    ['earlier publishedAt is stale', base({ publishedAt: 200 }), base({ publishedAt: 100 }), true],
    ['later publishedAt is fresh', base({ publishedAt: 100 }), base({ publishedAt: 200 }), false],
    ['same publishedAt, lower sequence on the same instance is stale', base({ publishedAt: 100, sequence: 2, instance: '1' }), base({ publishedAt: 100, sequence: 1, instance: '1' }), true],
    ['lower sequence on another instance is not stale', base({ sequence: 2, instance: '1' }), base({ sequence: 1, instance: '0' }), false],
    ['missing versions are never stale', base({}), base({}), false],
    ['one side without publishedAt falls back to sequence', base({ publishedAt: 100, sequence: 5 }), base({ sequence: 4 }), true],
    ['another source is never stale', base({ publishedAt: 200 }), base({ publishedAt: 100 }, { source: 'pidf' }), false],
    ['another presentity is never stale', base({ publishedAt: 200 }), base({ publishedAt: 100 }, { uri: 'sip:b@x' }), false],
  ];
  for (const [name, current, incoming, stale] of table) test(name, () => assert.equal(isStalePresence(current, incoming), stale));
});

describe('presenceStateEquals: deduplicating repeated NOTIFYs', () => {
  test('Kamailio re-sends the same PIDF after a PUBLISH refresh: equal despite another observedAt', () => {
    const a = parsePidfPresence(fixture('pidf/kamailio-notify-on-the-phone.xml'), 1);
    const b = parsePidfPresence(fixture('pidf/kamailio-notify-on-the-phone.xml'), 2);
    assert.ok(a.ok && b.ok);
    assert.equal(presenceStateEquals(a.value, b.value), true);
    const c = parsePidfPresence(fixture('pidf/kamailio-notify-away.xml'), 3);
    assert.ok(c.ok);
    assert.equal(presenceStateEquals(a.value, c.value), false);
  });
  test('a note change alone is a change', () => {
    const a = base({}, { note: { text: 'x', kind: 'personal', lang: null } });
    assert.equal(presenceStateEquals(a, { ...a, note: { text: 'y', kind: 'personal', lang: null } }), false);
    assert.equal(presenceStateEquals(a, { ...a, observedAt: 5, version: { publishedAt: 9, sequence: 1, instance: '1' } }), true);
  });
  test('unknownPresence says nothing is known', () => {
    const u = unknownPresence('sip:a@x', 'pidf', 7);
    assert.deepEqual([u.availability, u.availabilityCode, u.activity, u.note, u.basic, u.observedAt], ['unknown', null, null, null, null, 7]);
  });
});
