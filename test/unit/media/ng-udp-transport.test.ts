// The real UDP transport on loopback: only datagrams from the relay's address and port reach the
// client, so a forged reply from another port is dropped even with the right cookie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { ManualClock } from '../../../src/lib/clock.ts';
import { NgClient } from '../../../src/media/rtpengine/ng-client.ts';

const bound = (): Promise<Socket> =>
  new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });

test('replies come only from the relay socket; a stranger with the right cookie is ignored', async () => {
  const relay = await bound();
  const stranger = await bound();
  const ng = new NgClient({ address: `udp:127.0.0.1:${relay.address().port}`, clock: new ManualClock(0) });
  try {
    const request = new Promise<{ msg: Buffer; port: number }>((resolve) => relay.once('message', (msg, r) => resolve({ msg, port: r.port })));
    const pong = ng.command({ command: 'ping' });
    const { msg, port } = await request;
    const cookie = msg.toString('latin1', 0, msg.indexOf(0x20));
    assert.equal(msg.toString('latin1'), `${cookie} d7:command4:pinge`);
    stranger.send(`${cookie} d6:result5:errore`, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ng.inFlight, 1, 'the forged reply did not settle the command');
    relay.send(`${cookie} d6:result4:ponge`, port, '127.0.0.1');
    assert.equal((await pong)['result'], 'pong');
  } finally {
    ng.close();
    relay.close();
    stranger.close();
  }
});
