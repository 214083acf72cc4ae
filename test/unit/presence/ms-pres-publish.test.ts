import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildMsPresCategoryPublish, connectorStateInstance, inAggregationContainers,
} from '../../../src/presence/ms-pres-category-publish.ts';
import type { MsPresPublication, MsPresStatePublication } from '../../../src/presence/ms-pres-category-publish.ts';
import { correctVersionsFromFault, parseMsrtcFault } from '../../../src/presence/ms-pres-fault.ts';
import { buildMsPresBatchSubscribe, parseMsPresBatchSubscribe } from '../../../src/presence/ms-pres-batch-subscribe.ts';
import { applyNotePolicy, hasLync2010UnsafeCharacters } from '../../../src/presence/note-policy.ts';
import { parseSafeXml } from '../../../src/presence/safe-xml.ts';
import { descendants } from '../../../src/presence/xml-element.ts';
import { fixtureText } from './fixtures.ts';

const onCall: Omit<MsPresStatePublication, 'container' | 'version'> = {
  kind: 'state', instance: '2294000001', expireType: 'time', expires: 3600, stateType: 'phoneState', manual: false,
  availability: 6500, activity: { token: 'on-the-phone', minAvailability: 6500, maxAvailability: 8999 },
};

function build(publications: MsPresPublication[], notePolicy?: 'escape' | 'reject' | 'strip') {
  return buildMsPresCategoryPublish({ uri: 'sip:alice@contoso.com', publications }, { notePolicy });
}

describe('category publish bodies match the protocol-notes examples', () => {
  test('V3: phoneState 6500 on-the-phone into containers 2 and 3, version 0, expires 3600', () => {
    const r = build(inAggregationContainers<MsPresStatePublication>(onCall));
    assert.deepEqual(r, { ok: true, value: fixtureText('ms-pres/v3-service-publish.xml') });
  });

  test('V5: clearing the on-call publication with the current version and expires="0"', () => {
    const r = build(inAggregationContainers({ kind: 'clear', categoryName: 'state', instance: 2294000001, expireType: 'time' }, { 2: 1, 3: 1 }));
    assert.deepEqual(r, { ok: true, value: fixtureText('ms-pres/v5-clear-publication.xml') });
  });

  test('section 2.1: a personal note into container 200, version 3, static', () => {
    const r = build([{ kind: 'note', instance: 0, container: 200, version: 3, expireType: 'static', text: 'On a contact-centre call' }]);
    assert.deepEqual(r, { ok: true, value: fixtureText('ms-pres/section-2.1-note-publish.xml') });
  });

  test('a userState with custom activity text and an LCID', () => {
    const r = build([{ kind: 'state', instance: 536870912, container: 2, version: 0, expireType: 'static', stateType: 'userState', manual: true, availability: 9500, activity: { custom: 'Interviewing', lcid: '1033' } }]);
    assert.ok(r.ok);
    assert.ok(r.value.includes('<activity><custom LCID="1033">Interviewing</custom></activity>'), r.value);
    assert.ok(r.value.includes('manual="true"'));
  });
});

describe('notes with & and < (seed 000: Lync 2010 rejects them unescaped)', () => {
  const note = 'Q&A <prep> & "more"';
  test('default policy escapes: the body is well-formed and the note reads back exactly', () => {
    const r = build([{ kind: 'note', instance: 0, container: 2, version: 0, text: note }]);
    assert.ok(r.ok);
    assert.ok(r.value.includes('Q&amp;A &lt;prep&gt; &amp; "more"'));
    const doc = parseSafeXml(r.value);
    assert.ok(doc.ok);
    assert.equal(descendants(doc.value, 'http://schemas.microsoft.com/2006/09/sip/note', 'body')[0]?.text, note);
  });
  test("policy 'reject' refuses with unsafe-note and names the publication", () => {
    const r = build([{ kind: 'note', instance: 0, container: 2, version: 0, text: note }], 'reject');
    assert.equal(r.ok ? 'ok' : r.error.kind, 'unsafe-note');
    assert.ok(!r.ok && r.error.message.includes('publication 1'));
  });
  test("policy 'strip' removes & and <", () => {
    assert.deepEqual(applyNotePolicy(note, 'strip'), { ok: true, value: 'QA prep> "more"' });
    assert.deepEqual(applyNotePolicy('Working after call', 'reject'), { ok: true, value: 'Working after call' });
  });
  test('hasLync2010UnsafeCharacters flags & and < only', () => {
    assert.deepEqual(['Working after call', 'Statutory pause', 'A & B', 'a < b', 'a > b'].map(hasLync2010UnsafeCharacters), [false, false, true, true, false]);
  });
});

describe('category publish validation', () => {
  const base = { kind: 'state', instance: 1, container: 2, version: 0, stateType: 'userState', availability: 3500 } as const;
  const table: [string, MsPresPublication[], string][] = [
    ['duplicate name + container + instance', [base, { ...base, availability: 6500 }], 'invalid-value'],
    ['negative version', [{ ...base, version: -1 }], 'invalid-value'],
    ['fractional availability', [{ ...base, availability: 3500.5 }], 'invalid-value'],
    ['instance that is not a number', [{ ...base, instance: '0x20000000' }], 'invalid-value'],
    ['instance above 2^64', [{ ...base, instance: '18446744073709551616' }], 'invalid-value'],
    ['expireType time without expires', [{ ...base, expireType: 'time' }], 'missing-field'],
    ['empty state type', [{ ...base, stateType: ' ' }], 'missing-field'],
    ['no publications', [], 'missing-field'],
  ];
  for (const [name, pubs, kind] of table) test(`${name} is ${kind}`, () => {
    const r = build(pubs);
    assert.equal(r.ok ? 'ok' : r.error.kind, kind);
  });
  test('the same instance in containers 2 and 3 is not a duplicate', () => assert.ok(build(inAggregationContainers(base)).ok));
});

describe('409 WrongDelta fault (V4)', () => {
  test('parses the fault and corrects the version of the publication it names (index 2 → container 3)', () => {
    const fault = parseMsrtcFault(fixtureText('ms-pres/v4-fault-wrong-delta.xml'));
    assert.ok(fault.ok);
    assert.deepEqual(fault.value, { faultCode: 'Client.BadCall.WrongDelta', operations: [{ index: 2, version: 0, curVersion: 1 }] });
    const pubs = inAggregationContainers<MsPresStatePublication>(onCall);
    const fixed = correctVersionsFromFault(pubs, fault.value);
    assert.deepEqual(fixed?.map((p) => [p.container, p.version]), [[2, 0], [3, 1]]);
  });
  test('other fault codes or out-of-range indexes give up (undefined)', () => {
    const pubs = inAggregationContainers<MsPresStatePublication>(onCall);
    assert.equal(correctVersionsFromFault(pubs, { faultCode: 'Server.Busy', operations: [] }), undefined);
    assert.equal(correctVersionsFromFault(pubs, { faultCode: 'Client.BadCall.WrongDelta', operations: [{ index: 3, version: 0, curVersion: 1 }] }), undefined);
  });
  test('a body that is not a Fault is unexpected-document', () => {
    const r = parseMsrtcFault('<publish/>');
    assert.equal(r.ok ? 'ok' : r.error.kind, 'unexpected-document');
  });
});

describe('connector-owned state instance (protocol-notes 2.3)', () => {
  test('is 0x8XXXXXXX, stable per user and owner, case-insensitive in the URI', () => {
    const a = connectorStateInstance('sip:alice@contoso.com');
    assert.equal(BigInt(a) >> 28n, 0x8n);
    assert.equal(connectorStateInstance('sip:Alice@Contoso.com'), a);
    assert.notEqual(connectorStateInstance('sip:bob@contoso.com'), a);
    assert.notEqual(connectorStateInstance('sip:alice@contoso.com', 'acw'), a);
  });
});

describe('batch subscribe body (protocol-notes 1.4, V1)', () => {
  test('builds V1 exactly: two resources, note and state categories, action id 63792024', () => {
    const r = buildMsPresBatchSubscribe({ watcherUri: 'sip:ucc@contoso.com', resources: ['sip:alice@contoso.com', 'sip:john@contoso.com'] });
    assert.deepEqual(r, { ok: true, value: fixtureText('ms-pres/v1-batch-subscribe.xml') });
  });
  test('parses what it builds (the fake Front End side), dropping duplicates', () => {
    const body = buildMsPresBatchSubscribe({ watcherUri: 'sip:ucc@contoso.com', resources: ['sip:a@x', 'sip:b@x', 'sip:a@x'], categories: ['state', 'note', 'calendarData'], actionId: '7' });
    assert.ok(body.ok);
    assert.deepEqual(parseMsPresBatchSubscribe(body.value), { ok: true, value: { watcherUri: 'sip:ucc@contoso.com', resources: ['sip:a@x', 'sip:b@x'], categories: ['state', 'note', 'calendarData'], actionId: '7' } });
  });
  test('no resources is missing-field; a URI with & is escaped', () => {
    const none = buildMsPresBatchSubscribe({ watcherUri: 'sip:ucc@contoso.com', resources: [] });
    assert.equal(none.ok ? 'ok' : none.error.kind, 'missing-field');
    const amp = buildMsPresBatchSubscribe({ watcherUri: 'sip:ucc@contoso.com', resources: ['sip:a@x;p=1&2'] });
    assert.ok(amp.ok && amp.value.includes('uri="sip:a@x;p=1&amp;2"'));
    assert.ok(amp.ok && parseSafeXml(amp.value).ok);
  });
});
