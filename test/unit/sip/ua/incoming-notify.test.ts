import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIncomingNotify, eventId, eventType } from '../../../../src/sip/ua/incoming-notify.ts';
import { buildRequest } from '../support/fake-transaction-user.ts';

const notify = (headers: Record<string, string>) => buildRequest('NOTIFY', 'sip:ucc@h', { 'Call-ID': 'n', CSeq: '1 NOTIFY', ...headers });

test('Event type and id: the package name in lower case, the id parameter', () => {
  assert.equal(eventType(' Presence ;id=7'), 'presence');
  assert.equal(eventId('presence; id = 7;x=1'), '7');
  assert.equal(eventId('presence'), undefined);
});

const rows: Array<{ name: string; subscribed: string; headers: Record<string, string>; expect: number | 'ok' }> = [
  { name: 'same Event text', subscribed: 'presence', headers: { Event: 'presence', 'Subscription-State': 'active;expires=60' }, expect: 'ok' },
  { name: 'same type, other case and spacing', subscribed: 'presence;id=1', headers: { Event: 'Presence ; id=1', 'Subscription-State': 'pending' }, expect: 'ok' },
  { name: 'other package → 489', subscribed: 'presence', headers: { Event: 'dialog', 'Subscription-State': 'active' }, expect: 489 },
  { name: 'other id → 489', subscribed: 'presence;id=1', headers: { Event: 'presence;id=2', 'Subscription-State': 'active' }, expect: 489 },
  { name: 'no Event → 489', subscribed: 'presence', headers: { 'Subscription-State': 'active' }, expect: 489 },
  { name: 'no Subscription-State → 400', subscribed: 'presence', headers: { Event: 'presence' }, expect: 400 },
  { name: 'unreadable Subscription-State → 400', subscribed: 'presence', headers: { Event: 'presence', 'Subscription-State': ';;' }, expect: 400 },
];
for (const row of rows) {
  test(`checkIncomingNotify: ${row.name}`, () => {
    const r = checkIncomingNotify(notify(row.headers), row.subscribed);
    if (row.expect === 'ok') assert.ok(r.ok);
    else assert.deepEqual(r.ok ? 'ok' : r.status, row.expect);
  });
}
