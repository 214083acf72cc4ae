import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readMsPresNotification } from '../../../../src/uc/ms-pres/ms-pres-notification.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/presence/ms-pres/${name}`, import.meta.url));

describe('readMsPresNotification', () => {
  test('V2: a bare categories body gives its presentity and categories', () => {
    const r = readMsPresNotification(fixture('v2-benotify-categories.xml'), 'application/msrtc-event-categories+xml', 0);
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    assert.equal(r.value[0]!.uri, 'sip:alice@contoso.com');
    assert.ok(r.value[0]!.categories!.categories.some((c) => c.name === 'state'));
  });

  test('V1: the piggybacked multipart list gives alice with categories and john with a resubscribe instance', () => {
    const ct = fixture('v1-piggyback-200ok.content-type').toString().trim();
    const r = readMsPresNotification(fixture('v1-piggyback-200ok.body'), ct, 0);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const alice = r.value.find((i) => i.uri === 'sip:alice@contoso.com')!;
    const john = r.value.find((i) => i.uri === 'sip:john@contoso.com')!;
    assert.ok(alice.categories);
    assert.equal(john.categories, null);
    assert.equal(john.instance?.state, 'resubscribe');
    assert.equal(john.instance?.poolFqdn, 'pool2.contoso.com');
  });

  test('a document with two users gives both', () => {
    const r = readMsPresNotification(fixture('batch-two-users-state-note.xml'), 'application/msrtc-event-categories+xml', 0);
    assert.ok(r.ok);
    assert.ok(r.value.length >= 2);
  });

  test('an empty body gives nothing; an unknown type or bad XML is an error, never a throw', () => {
    assert.deepEqual(readMsPresNotification(Buffer.alloc(0), undefined, 0), { ok: true, value: [] });
    const t = readMsPresNotification(Buffer.from('hello'), 'text/plain', 0);
    assert.ok(!t.ok && t.error.kind === 'unsupported-content-type');
    const x = readMsPresNotification(Buffer.from('<categories'), 'application/msrtc-event-categories+xml', 0);
    assert.equal(x.ok, false);
    const m = readMsPresNotification(Buffer.from('--x\r\n'), 'multipart/related; boundary=x; type="application/rlmi+xml"', 0);
    assert.equal(m.ok, false);
  });
});
