import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isStaleMsPresCategory, mergeMsPresCategories, msPresCategoryKey, parseMsPresCategories, parseMsPresPresence, presenceFromMsPresCategories,
} from '../../../src/presence/ms-pres-categories.ts';
import type { MsPresCategories, MsPresCategory } from '../../../src/presence/ms-pres-categories.ts';
import { fixture } from './fixtures.ts';

const T = Date.parse('2026-11-21T15:00:00Z');

function presences(path: string) {
  const r = parseMsPresPresence(fixture(path), T);
  if (!r.ok) assert.fail(`${path}: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('MS-PRES categories bodies (protocol-notes 1.7, V2)', () => {
  test('V2 BENOTIFY: aggregateState 6500 on-the-phone, personal note with & unescaped, timeZone/delimiter ignored', () => {
    const [alice] = presences('ms-pres/v2-benotify-categories.xml');
    assert.deepEqual(
      { ...alice, version: { ...alice!.version } },
      {
        uri: 'sip:alice@contoso.com', availability: 'busy', availabilityCode: 6500,
        activity: { token: 'on-the-phone', text: null },
        note: { text: 'Back at 4 & then free', kind: 'personal', lang: null },
        device: 'computer', source: 'ms-pres',
        version: { publishedAt: Date.parse('2026-11-21T14:05:10.120Z'), sequence: null, instance: '1' },
        observedAt: T, basic: null, lastActive: null,
      },
    );
  });

  test('V2b: availability 9500 with only custom activity text is do-not-disturb, token null', () => {
    const [p] = presences('ms-pres/v2b-custom-activity.xml');
    assert.deepEqual([p?.availability, p?.activity], ['do-not-disturb', { token: null, text: 'Interviewing' }]);
  });

  test('V2c: availability 18000 with lastActive (no zone → UTC) is offline', () => {
    const [p] = presences('ms-pres/v2c-offline-last-active.xml');
    assert.deepEqual([p?.availability, p?.lastActive, p?.version.instance], ['offline', Date.parse('2012-07-12T13:58:54Z'), '0']);
  });

  test('a document carrying several users and several categories gives one Presence per user', () => {
    const [alice, bob] = presences('ms-pres/batch-two-users-state-note.xml');
    assert.deepEqual([alice?.uri, alice?.availability, alice?.note?.text], ['sip:alice@contoso.com', 'be-right-back', 'Coffee <5 min>']);
    // bob: two aggregateState instances → the latest publishTime (instance 1, off-work); notes → the latest (personal).
    assert.deepEqual([bob?.uri, bob?.availability, bob?.activity?.token, bob?.version.instance, bob?.note?.kind, bob?.note?.text],
      ['sip:bob@contoso.com', 'away', 'off-work', '1', 'personal', 'Personal note']);
  });

  test("notePreference 'oof-first' picks the OOF note even when a personal note is newer", () => {
    const docs = parseMsPresCategories(fixture('ms-pres/batch-two-users-state-note.xml'));
    assert.ok(docs.ok);
    const bob = presenceFromMsPresCategories(docs.value[1]!, T, { notePreference: 'oof-first' });
    assert.deepEqual(bob.note, { text: 'On leave until 28 Nov', kind: 'oof', lang: null });
    const oof = docs.value[1]!.categories.find((c) => c.instance === '1073741828');
    assert.equal(oof?.notes[0]?.endTime, Date.parse('2026-11-28T00:00:00Z'));
  });

  test('instance ids above 2^31 stay exact decimal strings', () => {
    const r = parseMsPresCategories('<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:a@b"><category name="state" instance="2294000001"/><category name="state" instance="18446744073709551615"/></categories>');
    assert.ok(r.ok);
    assert.deepEqual(r.value[0]!.categories.map((c) => c.instance), ['2294000001', '18446744073709551615']);
  });

  test('roaming-self attributes (container, version, expireType, expires) and a userState are read', () => {
    const r = parseMsPresCategories('<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:a@b"><category name="state" instance="536870912" container="2" version="4" expireType="static" publishTime="2026-11-21T10:00:00Z"><state xmlns="http://schemas.microsoft.com/2006/09/sip/state" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" manual="true" xsi:type="userState"><availability>6500</availability></state></category></categories>');
    assert.ok(r.ok);
    const c = r.value[0]!.categories[0]!;
    assert.deepEqual([c.container, c.version, c.expireType, c.state?.type, c.state?.manual], [2, 4, 'static', 'userState', true]);
    // A non-aggregate state is still used when no aggregateState is known.
    assert.equal(presenceFromMsPresCategories(r.value[0]!, T).availability, 'busy');
  });

  const bad: [string, string, string][] = [
    ['wrong root', '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"/>', 'unexpected-document'],
    ['categories without uri', '<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories"/>', 'missing-field'],
    ['category without name', '<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:a@b"><category instance="1"/></categories>', 'missing-field'],
    ['negative instance', '<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:a@b"><category name="state" instance="-1"/></categories>', 'invalid-value'],
  ];
  for (const [name, body, kind] of bad) test(`${name} is ${kind}`, () => {
    const r = parseMsPresCategories(body);
    assert.equal(r.ok ? 'ok' : r.error.kind, kind);
  });

  test('the https:// form of the namespaces (seen in the Lync docs) is accepted', () => {
    const r = parseMsPresPresence('<categories xmlns="https://schemas.microsoft.com/2006/09/sip/categories" uri="sip:a@b"><category name="state" instance="1"><state xmlns="https://schemas.microsoft.com/2006/09/sip/state"><availability>15500</availability></state></category></categories>', T);
    assert.ok(r.ok);
    assert.equal(r.value[0]?.availability, 'away');
  });
});

describe('stale MS-PRES updates are dropped (instance / publishTime / version)', () => {
  const cat = (over: Partial<MsPresCategory>): MsPresCategory => ({
    name: 'state', instance: '1', publishTime: null, version: null, container: null, expireType: null, expires: null, state: null, notes: [], empty: true, ...over,
  });
  const t0 = Date.parse('2026-11-21T14:00:00Z');
  const table: [string, MsPresCategory | undefined, MsPresCategory, boolean][] = [
    ['nothing known: never stale', undefined, cat({ publishTime: t0 }), false],
    ['earlier publishTime is stale', cat({ publishTime: t0 }), cat({ publishTime: t0 - 1 }), true],
    ['later publishTime is fresh', cat({ publishTime: t0 }), cat({ publishTime: t0 + 1 }), false],
    ['same publishTime, lower version is stale', cat({ publishTime: t0, version: 3 }), cat({ publishTime: t0, version: 2 }), true],
    ['same publishTime, same version is a duplicate, not stale', cat({ publishTime: t0, version: 3 }), cat({ publishTime: t0, version: 3 }), false],
    ['later publishTime wins over a lower version', cat({ publishTime: t0, version: 3 }), cat({ publishTime: t0 + 1, version: 1 }), false],
    ['no publishTime: lower version is stale', cat({ version: 5 }), cat({ version: 4 }), true],
    ['no times and no versions: not stale', cat({}), cat({}), false],
  ];
  for (const [name, known, incoming, stale] of table) test(name, () => assert.equal(isStaleMsPresCategory(known, incoming), stale));

  test('merge keeps the latest instance per key, drops stale ones, and an empty note category clears the note', () => {
    const docs = parseMsPresCategories(fixture('ms-pres/v2-benotify-categories.xml'));
    assert.ok(docs.ok);
    let state = mergeMsPresCategories(undefined, docs.value[0]!).presentity;
    assert.equal(presenceFromMsPresCategories(state, T).note?.text, 'Back at 4 & then free');

    const older: MsPresCategories = { uri: 'sip:alice@contoso.com', categories: [{ ...state.categories[0]!, publishTime: Date.parse('2026-11-21T14:00:00Z'), state: { ...state.categories[0]!.state!, availability: 3500 } }] };
    const m1 = mergeMsPresCategories(state, older);
    assert.deepEqual([m1.accepted.length, m1.stale.length], [0, 1]);
    assert.equal(presenceFromMsPresCategories(m1.presentity, T).availabilityCode, 6500, 'the stale 3500 was dropped');

    const cleared = parseMsPresCategories('<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:alice@contoso.com"><category name="note" instance="0" publishTime="2026-11-21T14:10:00.000"/></categories>');
    assert.ok(cleared.ok);
    const m2 = mergeMsPresCategories(m1.presentity, cleared.value[0]!);
    state = m2.presentity;
    const p = presenceFromMsPresCategories(state, T);
    assert.deepEqual([p.note, p.availabilityCode, m2.accepted.length], [null, 6500, 1], 'the note is cleared, the state is kept');
    assert.equal(new Set(state.categories.map(msPresCategoryKey)).size, state.categories.length);
  });
});
