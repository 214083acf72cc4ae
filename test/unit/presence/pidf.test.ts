import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPidf, buildPidfPublication, parsePidf, parsePidfPresence, pidfDocumentForPublication, presenceFromPidf,
} from '../../../src/presence/pidf.ts';
import type { PidfDocument } from '../../../src/presence/pidf.ts';
import { availabilities } from '../../../src/presence/presence.ts';
import type { Presence } from '../../../src/presence/presence.ts';
import { fixture } from './fixtures.ts';

const T = Date.parse('2026-11-21T15:00:00Z');

function mustParse(path: string): Presence {
  const r = parsePidfPresence(fixture(path), T);
  if (!r.ok) assert.fail(`${path}: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('PIDF NOTIFY bodies captured from Kamailio 5.6 (protocol-notes V6)', () => {
  test('on-the-phone with a person note is busy 6500, instance p1', () => {
    const p = mustParse('pidf/kamailio-notify-on-the-phone.xml');
    assert.deepEqual(
      { uri: p.uri, source: p.source, basic: p.basic, availability: p.availability, code: p.availabilityCode, activity: p.activity, note: p.note, instance: p.version.instance, observedAt: p.observedAt },
      { uri: 'sip:alice@example.test', source: 'pidf', basic: 'open', availability: 'busy', code: 6500, activity: { token: 'on-the-phone', text: null }, note: { text: 'On a call', kind: 'other', lang: null }, instance: 'p1', observedAt: T },
    );
  });

  test('away with "Back at four" is away 15500', () => {
    const p = mustParse('pidf/kamailio-notify-away.xml');
    assert.deepEqual([p.availability, p.availabilityCode, p.activity?.token, p.note?.text], ['away', 15500, 'away', 'Back at four']);
  });

  test('the synthesized closed document after a PUBLISH removal is offline with no activity or note', () => {
    const p = mustParse('pidf/kamailio-notify-closed.xml');
    assert.deepEqual([p.basic, p.availability, p.availabilityCode, p.activity, p.note], ['closed', 'offline', 18500, null, null]);
  });

  test('the multi-line PUBLISH bodies of the probe parse to the same state as the NOTIFYs', () => {
    assert.equal(mustParse('pidf/kamailio-publish-on-the-phone.xml').activity?.token, 'on-the-phone');
    assert.equal(mustParse('pidf/kamailio-publish-away.xml').availability, 'away');
  });
});

describe('RPID variants real clients publish (protocol-notes 5.2)', () => {
  test('activities inside a tuple (Eyebeam style) with tuple note, contact and timestamp', () => {
    const p = mustParse('pidf/rpid-activities-in-tuple.xml');
    assert.deepEqual([p.availability, p.activity?.token, p.note, p.version.publishedAt, p.version.instance],
      ['busy', 'meeting', { text: 'In the weekly review', kind: 'other', lang: 'en' }, Date.parse('2026-11-21T14:53:24Z'), 'eyebeam-1']);
    const doc = parsePidf(fixture('pidf/rpid-activities-in-tuple.xml'));
    assert.ok(doc.ok);
    assert.deepEqual(doc.value.tuples[0]?.contact, { uri: 'sip:bob@10.0.0.7:5060', priority: 0.8 });
  });

  test('top-level activities with other prefixes (p:, r:), from/until, and a presence-level note with xml:lang', () => {
    const p = mustParse('pidf/rpid-top-level-vacation.xml');
    assert.deepEqual([p.availability, p.activity?.token, p.note?.text, p.note?.lang], ['away', 'vacation', 'En vacances', 'fr']);
    const doc = parsePidf(fixture('pidf/rpid-top-level-vacation.xml'));
    assert.ok(doc.ok);
    assert.equal(doc.value.activities?.until, Date.parse('2026-11-28T00:00:00Z'));
  });

  test('two publishers merged by the server: any open tuple is reachable, busy wins over away', () => {
    const p = mustParse('pidf/rpid-two-publishers.xml');
    assert.deepEqual([p.basic, p.availability, p.activity?.token, p.version.instance, p.version.publishedAt, p.note?.text],
      ['open', 'busy', 'on-the-phone', 'pb', Date.parse('2026-11-21T14:10:00Z'), 'Lunch']);
  });

  test('activities in the second tuple: that tuple is the instance and its timestamp the publish time', () => {
    const r = parsePidfPresence('<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:g@x"><tuple id="a"><status><basic>open</basic></status><timestamp>2026-11-21T10:00:00Z</timestamp></tuple><tuple id="b"><status><basic>open</basic></status><rpid:activities><rpid:busy/></rpid:activities><timestamp>2026-11-21T09:00:00Z</timestamp></tuple></presence>', T);
    assert.ok(r.ok);
    assert.deepEqual([r.value.availability, r.value.version.instance, r.value.version.publishedAt], ['busy', 'b', Date.parse('2026-11-21T09:00:00Z')]);
  });

  test('user-input idle is online-idle with lastActive from last-input', () => {
    const p = mustParse('pidf/rpid-idle-user-input.xml');
    assert.deepEqual([p.availability, p.availabilityCode, p.lastActive], ['online-idle', 4500, Date.parse('2026-11-21T13:40:00Z')]);
  });

  test('<rpid:other>Do Not Disturb</rpid:other> is do-not-disturb and the note unescapes & and <', () => {
    const p = mustParse('pidf/rpid-other-dnd.xml');
    assert.deepEqual([p.availability, p.activity, p.note?.text], ['do-not-disturb', { token: null, text: 'Do Not Disturb' }, 'Q&A <prep>']);
  });

  const variants: [string, string, string][] = [
    ['away', 'away', 'away'], ['busy', 'busy', 'busy'], ['on-the-phone', 'on-the-phone', 'busy'], ['meeting', 'meeting', 'busy'],
    ['vacation', 'vacation', 'away'], ['holiday', 'holiday', 'away'], ['appointment', 'appointment', 'busy'], ['sleeping', 'sleeping', 'away'],
    ['unknown', 'none', 'online'],
  ];
  for (const [element, token, availability] of variants) {
    test(`<rpid:${element}/> in dm:person is ${availability}`, () => {
      const body = `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:x@example.test"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:${element}/></rpid:activities></dm:person></presence>`;
      const r = parsePidfPresence(body, T);
      assert.ok(r.ok);
      assert.equal(r.value.availability, availability);
      assert.equal(r.value.activity?.token ?? 'none', token);
    });
  }
});

describe('PIDF errors', () => {
  test('a document that is not PIDF presence is unexpected-document', () => {
    const r = parsePidf('<presence xmlns="urn:other" entity="sip:a@b"/>');
    assert.equal(r.ok ? 'ok' : r.error.kind, 'unexpected-document');
  });
  test('presence without entity is missing-field', () => {
    const r = parsePidf('<presence xmlns="urn:ietf:params:xml:ns:pidf"/>');
    assert.equal(r.ok ? 'ok' : r.error.kind, 'missing-field');
  });
  test('an empty presence (no tuples) is unknown, not offline', () => {
    const r = parsePidfPresence('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"/>', T);
    assert.ok(r.ok);
    assert.equal(r.value.availability, 'unknown');
  });
});

describe('PIDF build → parse round trip (PUBLISH bodies)', () => {
  for (const availability of availabilities) {
    test(`publication of ${availability} reads back as ${availability}`, () => {
      const body = buildPidfPublication({ entity: 'sip:kw@example.test', availability, note: 'Working after call' });
      const r = parsePidfPresence(body, T);
      assert.ok(r.ok, body);
      assert.equal(r.value.availability, availability);
      assert.equal(r.value.note?.text, 'Working after call');
    });
  }

  test('on-call push: busy + on-the-phone + note gives the V6 shape', () => {
    const doc = pidfDocumentForPublication({ entity: 'sip:alice@example.test', availability: 'busy', activity: { token: 'on-the-phone', text: null }, note: 'On a call' });
    assert.deepEqual(doc.persons[0]?.activities?.activities, ['on-the-phone']);
    assert.equal(doc.tuples[0]?.basic, 'open');
    const p = presenceFromPidf(doc, T);
    assert.deepEqual([p.availability, p.activity, p.note?.text], ['busy', { token: 'on-the-phone', text: null }, 'On a call']);
  });

  test('an MS-PRES token is published as its RPID activity; an unknown one as <rpid:other>', () => {
    const meeting = parsePidfPresence(buildPidfPublication({ entity: 'sip:a@b', availability: 'busy', activity: { token: 'in-a-meeting', text: null } }), T);
    assert.ok(meeting.ok);
    assert.equal(meeting.value.activity?.token, 'meeting');
    const custom = parsePidfPresence(buildPidfPublication({ entity: 'sip:a@b', availability: 'busy', activity: { token: 'urgent-interruptions-only', text: null } }), T);
    assert.ok(custom.ok);
    assert.deepEqual(custom.value.activity, { token: 'busy', text: 'urgent-interruptions-only' });
  });

  const notes = ['Back at 4 & then free', '<lunch>', 'R&D < 5 min', 'a]]>b', '"quoted" & \'apostrophes\''];
  for (const note of notes) {
    test(`note ${JSON.stringify(note)} is escaped when built and unescaped when parsed`, () => {
      const body = buildPidfPublication({ entity: 'sip:a@b', availability: 'away', note, timestamp: T });
      assert.ok(!body.includes(note) || !/[&<]/.test(note), 'raw & or < must not appear in the body');
      const r = parsePidfPresence(body, T);
      assert.ok(r.ok);
      assert.equal(r.value.note?.text, note);
      assert.equal(r.value.version.publishedAt, T);
    });
  }

  test('a full document with tuples, persons, devices and notes survives buildPidf → parsePidf', () => {
    const doc: PidfDocument = {
      entity: 'sip:alice@example.test',
      tuples: [{ id: 't1', basic: 'open', contact: { uri: 'sip:alice@pc.example.test', priority: 0.5 }, notes: [{ text: 'tuple & note', lang: 'en' }], timestamp: T, deviceId: 'urn:dev:1', activities: null, userInput: null }],
      persons: [{ id: 'p1', activities: { activities: ['meeting'], other: ['standup'], notes: [{ text: 'act note', lang: null }], from: T, until: T + 3600_000 }, userInput: { value: 'idle', idleThreshold: 300, lastInput: T - 600_000 }, notes: [{ text: 'person <note>', lang: null }], timestamp: T }],
      devices: [{ id: 'd1', deviceId: 'urn:dev:1', userInput: { value: 'active', idleThreshold: null, lastInput: null }, notes: [], timestamp: null }],
      notes: [{ text: 'top', lang: 'de' }],
      activities: null,
    };
    const r = parsePidf(buildPidf(doc));
    assert.ok(r.ok);
    assert.deepEqual(r.value, doc);
  });
});
