// Which MESSAGEs are customer chats: To's user part names a Routing Point with a [chat] section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sipChatRoutingPoints, sipUserOf } from '../../../src/app/sip-customer-chats.ts';
import type { DnObject } from '../../../src/config/config-objects.ts';

test('routing points with a [chat] section, with their Trunk', () => {
  const dns = [
    { type: 'Routing Point', number: '5000', annex: { chat: { trunk: 'T9' } } },
    { type: 'Routing Point', number: 'Sales', annex: { Chat: {} } },
    { type: 'Routing Point', number: '5001', annex: {} },
    { type: 'Extension', number: '7001', annex: { chat: {} } },
  ] as unknown as DnObject[];
  const rps = sipChatRoutingPoints(dns);
  assert.deepEqual([...rps.keys()], ['5000', 'sales']);
  assert.equal(rps.get('5000')?.trunk, 'T9');
  assert.equal(rps.get('sales')?.number, 'Sales');
  assert.equal(typeof rps.get('sales')?.trunk, 'string');
});

test('the user part of an address', () => {
  assert.equal(sipUserOf('"RP" <sip:Sales@host.test:5060;transport=udp>'), 'sales');
  assert.equal(sipUserOf('sip:5000@h'), '5000');
  assert.equal(sipUserOf('<tel:5000>'), undefined);
});
