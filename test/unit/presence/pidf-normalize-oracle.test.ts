// presenceFromPidf (plain loops) must give the Presence the version before it gave
// (reference-pidf.ts) for every document: several tuples, persons and devices, activities at every
// level, notes, user input and timestamps in any combination.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { buildPidf, parsePidf, presenceFromPidf } from '../../../src/presence/pidf.ts';
import type { PidfDevice, PidfDocument, PidfNote, PidfPerson, PidfTuple, RpidActivities, RpidUserInput } from '../../../src/presence/pidf.ts';
import { parseSafeXml } from '../../../src/presence/safe-xml.ts';
import { descendants, firstDescendant } from '../../../src/presence/xml-element.ts';
import type { XmlElement } from '../../../src/presence/xml-element.ts';
import { ns } from '../../../src/presence/xml-namespaces.ts';
import { prng } from '../../support/prng.ts';
import { fixture } from './fixtures.ts';
import { referencePresenceFromPidf } from './reference-pidf.ts';

function randomDocument(next: () => number): PidfDocument {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const some = <T>(max: number, make: (k: number) => T): T[] => Array.from({ length: Math.floor(next() * (max + 1)) }, (_, k) => make(k));
  const time = (): number | null => (next() < 0.5 ? null : Date.UTC(2026, 10, 21, 14, Math.floor(next() * 60)));
  const notes = (): PidfNote[] => some(2, () => ({ text: pick(['On a call', 'Back at 4 & then <free>', 'Weg', 'x']), lang: pick([null, 'en', 'de']) }));
  const activities = (): RpidActivities | null => (next() < 0.4 ? null : {
    activities: some(3, () => pick(['busy', 'away', 'on-the-phone', 'meeting', 'vacation', 'sleeping', 'tv', 'working'])),
    other: some(2, () => pick(['dnd', 'Be Right Back', 'lunch', 'do-not-disturb', ' brb ', 'Working from home'])),
    notes: notes(), from: null, until: null,
  });
  const userInput = (): RpidUserInput | null => (next() < 0.5 ? null : { value: pick(['active', 'idle'] as const), idleThreshold: null, lastInput: time() });
  const tuples = some(3, (k): PidfTuple => ({
    id: `t${k}`, basic: pick(['open', 'closed', null] as const), contact: null, notes: notes(), timestamp: time(),
    deviceId: null, activities: activities(), userInput: userInput(),
  }));
  const persons = some(3, (k): PidfPerson => ({ id: `p${k}`, activities: activities(), userInput: userInput(), notes: notes(), timestamp: time() }));
  const devices = some(2, (k): PidfDevice => ({ id: `d${k}`, deviceId: `mac:${k}`, userInput: userInput(), notes: notes(), timestamp: time() }));
  return { entity: 'sip:a@example.test', tuples, persons, devices, notes: notes(), activities: activities() };
}

describe('presenceFromPidf agrees with the version before it', () => {
  test('3000 seeded random documents, as objects and through build → parse', () => {
    const next = prng(0x9e3779b9);
    const availabilities = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const doc = randomDocument(next);
      const expected = referencePresenceFromPidf(doc, i);
      assert.deepStrictEqual(presenceFromPidf(doc, i), expected, `document ${i}: ${JSON.stringify(doc)}`);
      availabilities.add(expected.availability);
      const parsed = parsePidf(buildPidf(doc));
      assert.ok(parsed.ok, `document ${i} builds to a parsable body`);
      assert.deepStrictEqual(presenceFromPidf(parsed.value, i), referencePresenceFromPidf(parsed.value, i), `document ${i} parsed`);
    }
    // Every class that PIDF can express must have been generated, or the corpus is too narrow.
    assert.deepEqual([...availabilities].sort(), ['away', 'be-right-back', 'busy', 'busy-idle', 'do-not-disturb', 'offline', 'online', 'online-idle', 'unknown']);
  });

  test('every PIDF fixture', () => {
    for (const file of readdirSync(new URL('../../fixtures/presence/pidf/', import.meta.url))) {
      const doc = parsePidf(fixture(`pidf/${file}`));
      assert.ok(doc.ok, file);
      assert.deepStrictEqual(presenceFromPidf(doc.value, 1), referencePresenceFromPidf(doc.value, 1), file);
    }
  });
});

test('firstDescendant is descendants()[0]: document order, the element itself excluded', () => {
  const r = parseSafeXml(`<presence xmlns="${ns.pidf}" xmlns:r="${ns.rpid}" entity="e"><tuple id="a"><status><r:activities id="1"><r:activities id="2"/></r:activities></status>`
    + `<r:activities id="3"/></tuple><r:activities id="4"/><r:activities id="5"><r:activities id="6"/></r:activities></presence>`);
  assert.ok(r.ok);
  const all: XmlElement[] = [r.value, ...descendants(r.value, ns.rpid, 'activities'), ...descendants(r.value, ns.pidf, 'tuple'), ...descendants(r.value, ns.pidf, 'status')];
  for (const el of all) {
    for (const [u, local] of [[ns.rpid, 'activities'], [ns.pidf, 'status'], [ns.pidf, 'missing'], [ns.pidf, 'activities']] as const) {
      assert.equal(firstDescendant(el, u, local), descendants(el, u, local)[0]);
    }
  }
  assert.equal(firstDescendant(r.value, ns.rpid, 'activities')?.attributes[0]?.value, '1');
});
