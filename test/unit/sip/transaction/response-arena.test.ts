import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { CompletedNonInviteTable } from '../../../../src/sip/transaction/completed-non-invite-table.ts';
import { ResponseArena } from '../../../../src/sip/transaction/response-arena.ts';
import { PreparedResponse } from '../../../../src/sip/transport/transport-layer.ts';
import type { Transport } from '../../../../src/sip/transport/transport.ts';

const udp = { protocol: 'udp', reliable: false } as unknown as Transport;
const remote = { protocol: 'udp' as const, host: '192.0.2.1', port: 5060 };

describe('ResponseArena', () => {
  test('small copies share one slab in order, keep their bytes, and do not alias the original', () => {
    const arena = new ResponseArena(64);
    const a = Buffer.from('SIP/2.0 200 OK\r\n');
    const b = Buffer.from('SIP/2.0 481 No\r\n');
    const ca = arena.copy(a);
    const cb = arena.copy(b);
    assert.deepEqual(ca, a);
    assert.deepEqual(cb, b);
    assert.equal(ca.buffer, cb.buffer, 'one slab');
    assert.equal(cb.byteOffset, ca.byteOffset + a.length, 'packed in order');
    assert.equal(ca.buffer.byteLength, 64, 'the slab is the arena\'s own, not a pool slab');
    a.fill(0);
    assert.equal(ca.toString(), 'SIP/2.0 200 OK\r\n');
  });

  test('a copy that does not fit starts a new slab; one over a quarter slab gets its own buffer', () => {
    const arena = new ResponseArena(64);
    const first = arena.copy(Buffer.alloc(15, 1));
    const second = arena.copy(Buffer.alloc(15, 2));
    const third = arena.copy(Buffer.alloc(15, 3));
    const fourth = arena.copy(Buffer.alloc(15, 4));
    const fifth = arena.copy(Buffer.alloc(15, 5)); // 75 > 64
    assert.equal(first.buffer, fourth.buffer);
    assert.notEqual(fifth.buffer, first.buffer);
    assert.deepEqual([...second], Array(15).fill(2));
    assert.deepEqual([...third], Array(15).fill(3));
    const big = arena.copy(Buffer.alloc(17, 9));
    assert.notEqual(big.buffer, fifth.buffer);
    assert.deepEqual([...big], Array(17).fill(9));
  });
});

describe('CompletedNonInviteTable', () => {
  test('a response entering Completed keeps its bytes in the arena, and is forgotten after Timer J', () => {
    const clock = new ManualClock(0);
    const table = new CompletedNonInviteTable(clock);
    const bytes = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    const response = new PreparedResponse(udp, bytes, remote, undefined, remote.host, remote.port);
    table.add({ key: 'k1', method: 'NOTIFY', response }, 32_000);
    const kept = table.get('k1')?.response.data;
    assert.ok(kept);
    assert.deepEqual(kept, bytes);
    assert.notEqual(kept.buffer, bytes.buffer, 'not the serializer\'s pool slab');
    clock.advance(32_100);
    assert.equal(table.get('k1'), undefined);
    table.clear();
  });
});
