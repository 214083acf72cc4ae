import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { availabilities } from '../../../src/presence/presence.ts';
import type { Availability } from '../../../src/presence/presence.ts';
import { buildXmppPresence, parseXmppPresence, presenceFromXmpp } from '../../../src/presence/xmpp-presence.ts';

const T = 1_700_000_000_000;

describe('XMPP presence stanzas (RFC 6121 4.7)', () => {
  const table: [string, string, Availability | null, string | null][] = [
    ['no show is online', '<presence from="kw@example.test/desk"/>', 'online', null],
    ['show chat is online', '<presence from="kw@example.test/desk"><show>chat</show></presence>', 'online', 'chat'],
    ['show away is away', '<presence from="kw@example.test/desk"><show>away</show></presence>', 'away', 'away'],
    ['show xa is away', '<presence from="kw@example.test/desk"><show>xa</show></presence>', 'away', 'xa'],
    ['show dnd is do-not-disturb', '<presence from="kw@example.test/desk"><show>dnd</show></presence>', 'do-not-disturb', 'dnd'],
    ['type unavailable is offline', '<presence from="kw@example.test/desk" type="unavailable"/>', 'offline', null],
    ['a subscription request says nothing about availability', '<presence from="kw@example.test" type="subscribe"/>', null, null],
  ];
  for (const [name, stanza, availability, token] of table) {
    test(name, () => {
      const s = parseXmppPresence(stanza);
      assert.ok(s.ok);
      const p = presenceFromXmpp(s.value, T);
      assert.equal(p?.availability ?? null, availability);
      assert.equal(p?.activity?.token ?? null, token);
      if (p) assert.deepEqual([p.uri, p.source, p.observedAt], ['xmpp:kw@example.test', 'xmpp', T]);
    });
  }

  test('status in jabber:client with xml:lang, priority and a XEP-0203 delay', () => {
    const s = parseXmppPresence('<presence xmlns="jabber:client" from="kw@example.test/r"><show>away</show><status xml:lang="en">Back at 4 &amp; then &lt;free&gt;</status><priority>5</priority><delay xmlns="urn:xmpp:delay" stamp="2026-11-21T14:00:00Z"/></presence>');
    assert.ok(s.ok);
    assert.deepEqual([s.value.priority, s.value.delayedAt, s.value.statuses], [5, Date.parse('2026-11-21T14:00:00Z'), [{ text: 'Back at 4 & then <free>', lang: 'en' }]]);
    assert.equal(presenceFromXmpp(s.value, T)?.note?.text, 'Back at 4 & then <free>');
  });

  const bad: [string, string, string][] = [
    ['unknown show', '<presence><show>busy</show></presence>', 'invalid-value'],
    ['unknown type', '<presence type="online"/>', 'invalid-value'],
    ['priority out of range', '<presence><priority>300</priority></presence>', 'invalid-value'],
    ['a message stanza', '<message/>', 'unexpected-document'],
    ['a DOCTYPE', '<!DOCTYPE presence><presence/>', 'doctype-forbidden'],
  ];
  for (const [name, stanza, kind] of bad) test(`${name} is ${kind}`, () => {
    const r = parseXmppPresence(stanza);
    assert.equal(r.ok ? 'ok' : r.error.kind, kind);
  });

  const lossy: Partial<Record<Availability, Availability>> = { 'online-idle': 'away', 'be-right-back': 'away', busy: 'do-not-disturb', 'busy-idle': 'do-not-disturb', unknown: 'online' };
  for (const a of availabilities) {
    const expected = lossy[a] ?? a;
    test(`build → parse: ${a} reads back as ${expected}, note escaped`, () => {
      const s = parseXmppPresence(buildXmppPresence({ availability: a, note: 'R&D <lab>', from: 'kw@example.test/ucc', priority: 1 }));
      assert.ok(s.ok);
      const p = presenceFromXmpp(s.value, T);
      assert.equal(p?.availability, expected);
      assert.equal(p?.note?.text, 'R&D <lab>');
    });
  }
});
