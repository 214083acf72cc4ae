import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatedSwitch } from '../../../src/switch/emulated/emulated-switch.ts';
import type { SwitchEvent } from '../../../src/tserver/switch-port.ts';

const connId = '0000000000000001';

test('every command succeeds at once: offer rings, answer answers, hold holds, retrieve retrieves; the rest report nothing', () => {
  const sw = new EmulatedSwitch();
  assert.deepEqual(sw.execute({ kind: 'offer', connId, dn: '7002', from: '7001', userData: [], mediaType: 'voice' }), [{ kind: 'ringing', connId, dn: '7002' }]);
  assert.deepEqual(sw.execute({ kind: 'answer', connId, dn: '7002' }), [{ kind: 'answered', connId, dn: '7002' }]);
  assert.deepEqual(sw.execute({ kind: 'hold', connId, dn: '7001' }), [{ kind: 'held', connId, dn: '7001' }]);
  assert.deepEqual(sw.execute({ kind: 'retrieve', connId, dn: '7001' }), [{ kind: 'retrieved', connId, dn: '7001' }]);
  assert.deepEqual(sw.execute({ kind: 'accept', legRef: 'x', connId, dn: 'trunk' }), []);
  assert.deepEqual(sw.execute({ kind: 'refuse', legRef: 'y', cause: 'busy' }), []);
  assert.deepEqual(sw.execute({ kind: 'release', connId, dn: '7002', cause: 'normal' }), []);
  assert.deepEqual(sw.execute({ kind: 'end', connId }), []);
  assert.equal(sw.name, 'emulated');
  assert.equal(sw.capabilities.media, false);
});

test('it records legs: offers add the caller and the callee, moves carry a leg to another call, release and end free them', () => {
  const sw = new EmulatedSwitch();
  const consult = '0000000000000002';
  sw.execute({ kind: 'accept', legRef: 'l1', connId, dn: 'trunk' });
  sw.execute({ kind: 'offer', connId, dn: '7001', from: 'trunk', userData: [], mediaType: 'voice' });
  sw.execute({ kind: 'offer', connId: consult, dn: '7002', from: '7001', userData: [], mediaType: 'voice' });
  assert.deepEqual(sw.legsOf(connId).sort(), ['7001', 'trunk']);
  sw.execute({ kind: 'move', connId: consult, toConnId: connId, dn: '7002' });
  assert.deepEqual(sw.legsOf(connId).sort(), ['7001', '7002', 'trunk']);
  assert.deepEqual(sw.legsOf(consult), ['7001']);
  sw.execute({ kind: 'release', connId: consult, dn: '7001', cause: 'normal' });
  assert.equal(sw.callCount, 1, 'a call with no leg left is forgotten');
  sw.execute({ kind: 'end', connId });
  assert.equal(sw.callCount, 0);
});

test('inject() hands network events to the listener of start(); after stop() nothing is delivered', async () => {
  const sw = new EmulatedSwitch();
  const got: SwitchEvent[] = [];
  await sw.start((e) => got.push(e));
  const inbound: SwitchEvent = { kind: 'inbound', legRef: 'l1', from: '+331', to: 'RP1', trunk: 'trunk', userData: [], mediaType: 'voice' };
  sw.inject(inbound);
  assert.deepEqual(got, [inbound]);
  await sw.stop();
  sw.inject(inbound);
  assert.equal(got.length, 1);
});
