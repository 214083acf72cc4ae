import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { StreamListeners } from '../../../../src/lib/framed-json/stream-listeners.ts';
import type { ClosableSession } from '../../../../src/lib/framed-json/stream-listeners.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';

const text = { handshakeFailed: 'hs failed', listenerError: 'listener error', listening: 'test listening' };

describe('StreamListeners', () => {
  test('a TCP listener on port 0 hands each socket over as tcp with its remote address, and logs its line', async () => {
    const log = memoryLogger();
    const listeners = new StreamListeners(log, text);
    const accepted: string[] = [];
    const sockets: net.Socket[] = [];
    const addr = await listeners.listen({}, (sock, kind, remote) => {
      sockets.push(sock);
      accepted.push(`${kind} ${remote.startsWith('127.0.0.1:') ? 'loopback' : remote}`);
    });
    assert.ok(addr.port > 0);
    assert.ok(log.lines.some((l) => l['msg'] === 'test listening' && l['port'] === addr.port && l['tls'] === false));
    const client = net.connect(addr.port, addr.host);
    await new Promise<void>((r) => client.once('connect', () => r()));
    while (sockets.length === 0) await new Promise((r) => setImmediate(r));
    assert.deepEqual(accepted, ['tcp loopback']);
    client.destroy();
    for (const s of sockets) s.destroy();
    await listeners.closeAll([], 'test over', new ManualClock(), 1000);
  });

  test('closeAll closes every session with the reason and cancels the grace once the listeners have closed', async () => {
    const clock = new ManualClock();
    const listeners = new StreamListeners(memoryLogger(), text);
    await listeners.listen({}, (sock) => sock.destroy());
    const events: string[] = [];
    const session = (name: string): ClosableSession => ({ close: (r) => events.push(`${name} close ${r}`), link: { abort: () => events.push(`${name} abort`) } });
    await listeners.closeAll([session('a'), session('b')], 'bye', clock, 500);
    assert.deepEqual(events, ['a close bye', 'b close bye']);
    // The listeners closed before the grace: the timer was cancelled, nobody is aborted.
    clock.advance(1000);
    assert.deepEqual(events, ['a close bye', 'b close bye']);
  });

  test('a session that holds its connection open is aborted when the grace expires, which lets the listener close', async () => {
    const clock = new ManualClock();
    const listeners = new StreamListeners(memoryLogger(), text);
    let held: net.Socket | undefined;
    const addr = await listeners.listen({}, (sock) => {
      held = sock;
    });
    const client = net.connect(addr.port, addr.host);
    client.on('error', () => undefined);
    while (held === undefined) await new Promise((r) => setImmediate(r));
    const events: string[] = [];
    const session: ClosableSession = {
      close: (r) => events.push(`close ${r}`),
      link: {
        abort: () => {
          events.push('abort');
          held?.destroy();
        },
      },
    };
    let done = false;
    const closing = listeners.closeAll([session], 'bye', clock, 500).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    assert.deepEqual(events, ['close bye']);
    clock.advance(500);
    await closing;
    assert.deepEqual(events, ['close bye', 'abort']);
    client.destroy();
  });
});
