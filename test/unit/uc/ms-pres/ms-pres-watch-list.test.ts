import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../../src/lib/logger.ts';
import type { Presence } from '../../../../src/presence/presence.ts';
import { MsPresBatchPlan } from '../../../../src/uc/ms-pres/ms-pres-batch-plan.ts';
import { readMsPresNotification } from '../../../../src/uc/ms-pres/ms-pres-notification.ts';
import { MsPresWatchList } from '../../../../src/uc/ms-pres/ms-pres-watch-list.ts';
import { categoriesBody } from '../../../support/fake-ms-front-end.ts';

const CT = 'application/msrtc-event-categories+xml';
const alice = { userName: 'alice', contact: 'sip:alice@contoso.com' };
const alice2 = { userName: 'alice-desk', contact: 'sip:Alice@contoso.com' };

function world() {
  const plan = new MsPresBatchPlan(100);
  const seen: Array<[string, Presence]> = [];
  const list = new MsPresWatchList(plan, (kw, p) => seen.push([kw.userName, p]), {}, silentLogger);
  const notify = (uri: string, availability: number, publishTime: string) => {
    const items = readMsPresNotification(Buffer.from(categoriesBody(uri, availability, { publishTime })), CT, 0);
    assert.ok(items.ok);
    list.apply(items.value, 0);
  };
  return { plan, seen, list, notify };
}

describe('MsPresWatchList', () => {
  test('a new address changes a batch; the same KW again does not; a second KW of the address gets what is known at once', () => {
    const w = world();
    assert.equal(w.list.add(alice), true);
    assert.equal(w.list.add(alice), false);
    w.notify(alice.contact, 3500, '2026-11-21T14:00:00.000');
    assert.deepEqual(w.seen.map(([u, p]) => [u, p.availability]), [['alice', 'online']]);
    assert.equal(w.list.add(alice2), false, 'the address (case-insensitive) is already in a batch');
    assert.deepEqual(w.seen.map(([u, p]) => [u, p.uri]), [['alice', 'sip:alice@contoso.com'], ['alice-desk', 'sip:Alice@contoso.com']]);
    assert.equal(w.plan.size, 1);
  });

  test('updates go to every KW of the address once per change; an older instance is dropped', () => {
    const w = world();
    w.list.add(alice);
    w.list.add(alice2);
    w.notify(alice.contact, 6500, '2026-11-21T14:05:00.000');
    w.notify(alice.contact, 6500, '2026-11-21T14:06:00.000');
    w.notify(alice.contact, 3500, '2026-11-21T13:00:00.000');
    assert.deepEqual(w.seen.map(([u, p]) => [u, p.availability]), [['alice', 'busy'], ['alice-desk', 'busy']]);
  });

  test('the address leaves its batch with its last KW; what was known is forgotten', () => {
    const w = world();
    w.list.add(alice);
    w.list.add(alice2);
    w.notify(alice.contact, 3500, '2026-11-21T14:00:00.000');
    assert.equal(w.list.remove(alice), false, 'alice-desk still watches it');
    assert.equal(w.list.remove({ userName: 'nobody', contact: 'sip:x@y' }), false);
    assert.equal(w.list.remove(alice2), true);
    assert.equal(w.plan.size, 0);
    assert.equal(w.list.kw('alice'), undefined);
    w.seen.length = 0;
    assert.equal(w.list.add(alice), true);
    assert.deepEqual(w.seen, [], 'no stale hand-over');
  });

  test('a KW moving to another address leaves the old batch and joins the new one', () => {
    const w = world();
    w.list.add(alice);
    assert.equal(w.list.add({ userName: 'alice', contact: 'sip:alice.new@contoso.com' }), true);
    assert.equal(w.plan.size, 1);
    assert.equal(w.list.kw('alice')?.contact, 'sip:alice.new@contoso.com');
  });
});
