import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Presence } from '../../../../src/presence/presence.ts';
import { buildMsPresCategoryPublish } from '../../../../src/presence/ms-pres-category-publish.ts';
import type { MsPresPublication } from '../../../../src/presence/ms-pres-category-publish.ts';
import {
  acceptConnectorPublications, connectorInstances, connectorPublications, emptyConnectorPublication,
} from '../../../../src/uc/ms-pres/connector-publication.ts';

const uri = 'sip:alice@contoso.com';
const presence = (over: Partial<Presence> = {}): Presence => ({
  uri, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null }, note: null, device: null,
  source: 'ms-pres', version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: null, lastActive: null, ...over,
});
const summary = (p: readonly MsPresPublication[]) => p.map((x) => `${x.kind === 'clear' ? `clear-${x.categoryName}` : x.kind}/${x.container}/v${x.version}`);

describe('connector publication (push on-call / ACW to an MS-PRES pool)', () => {
  test('on-call: a phoneState 6500 on-the-phone on the connector instance, in containers 2 and 3, version 0, time expiry', () => {
    const r = connectorPublications(uri, presence(), emptyConnectorPublication, { expires: 3600 });
    assert.ok(r.ok);
    assert.deepEqual(summary(r.value), ['state/2/v0', 'state/3/v0']);
    const s = r.value[0]!;
    assert.ok(s.kind === 'state');
    assert.equal(s.instance, connectorInstances(uri).state);
    assert.equal(s.stateType, 'phoneState');
    assert.equal(s.manual, false);
    assert.equal(s.availability, 6500);
    assert.equal(s.expireType, 'time');
    assert.equal(s.expires, 3600);
    assert.deepEqual(s.activity, { token: 'on-the-phone', custom: null, minAvailability: 6000, maxAvailability: 7499 });
    assert.ok(buildMsPresCategoryPublish({ uri, publications: r.value }).ok);
  });

  test('the connector instances are not the user manual state instance (0x20000000)', () => {
    const ids = connectorInstances(uri);
    assert.notEqual(ids.state, String(0x20000000));
    assert.notEqual(ids.state, ids.note);
  });

  test('ACW with a note: the state and a note instance, both in 2 and 3; the availability number comes from the class when absent', () => {
    const r = connectorPublications(uri, presence({ availabilityCode: null, activity: null, note: { text: 'Working after call', kind: 'personal', lang: null } }), emptyConnectorPublication, { expires: 60, stateType: 'userState' });
    assert.ok(r.ok);
    assert.deepEqual(summary(r.value), ['state/2/v0', 'state/3/v0', 'note/2/v0', 'note/3/v0']);
    const s = r.value[0]!;
    assert.ok(s.kind === 'state' && s.availability === 6500 && s.stateType === 'userState' && s.activity === null);
    const n = r.value[2]!;
    assert.ok(n.kind === 'note' && n.text === 'Working after call' && n.noteType === 'personal');
  });

  test('accepted publications bump each (category, container) version; restore clears what is published with those versions', () => {
    const first = connectorPublications(uri, presence({ note: { text: 'On a call', kind: 'personal', lang: null } }), emptyConnectorPublication, { expires: 60 });
    assert.ok(first.ok);
    const rec = acceptConnectorPublications(emptyConnectorPublication, first.value);
    assert.deepEqual(rec, { state: { 2: 1, 3: 1 }, note: { 2: 1, 3: 1 }, statePublished: true, notePublished: true });
    const clear = connectorPublications(uri, null, rec, { expires: 60 });
    assert.ok(clear.ok);
    assert.deepEqual(summary(clear.value), ['clear-state/2/v1', 'clear-state/3/v1', 'clear-note/2/v1', 'clear-note/3/v1']);
    const after = acceptConnectorPublications(rec, clear.value);
    assert.equal(after.statePublished, false);
    assert.equal(after.notePublished, false);
    assert.deepEqual(connectorPublications(uri, null, after, { expires: 60 }), { ok: true, value: [] });
  });

  test('a new publication without a note clears the note published before', () => {
    const rec = { state: { 2: 3, 3: 4 }, note: { 2: 1, 3: 1 }, statePublished: true, notePublished: true };
    const r = connectorPublications(uri, presence(), rec, { expires: 60 });
    assert.ok(r.ok);
    assert.deepEqual(summary(r.value), ['state/2/v3', 'state/3/v4', 'clear-note/2/v1', 'clear-note/3/v1']);
  });

  test('an unknown availability cannot be published', () => {
    const r = connectorPublications(uri, presence({ availability: 'unknown', availabilityCode: null }), emptyConnectorPublication, { expires: 60 });
    assert.equal(r.ok, false);
  });
});
