// The ng client on a ManualClock against a fake UDP peer: cookies, reply matching, resends, bounds,
// garbled replies, error results, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { MediaRelayError } from '../../../src/media/media-relay.ts';
import { NgClient, type NgClientOptions } from '../../../src/media/rtpengine/ng-client.ts';
import { parseNgAddress } from '../../../src/media/rtpengine/ng-transport.ts';
import { FakeNgPeer as FakePeer } from '../../support/fake-ng-peer.ts';

function setup(options: Partial<NgClientOptions> = {}): { clock: ManualClock; peer: FakePeer; ng: NgClient } {
  const clock = new ManualClock(0);
  const peer = new FakePeer();
  const ng = new NgClient({ address: 'udp:127.0.0.1:2223', clock, transport: peer.factory, timeoutMs: 500, attempts: 3, ...options });
  return { clock, peer, ng };
}

const rejection = async (p: Promise<unknown>): Promise<MediaRelayError> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MediaRelayError, `a MediaRelayError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
};

test('a command goes out as "<cookie> <bencoded dict>" and resolves with the reply that echoes the cookie', async () => {
  const { peer, ng } = setup();
  const pong = ng.command({ command: 'ping' });
  assert.equal(peer.sent.length, 1);
  const { cookie, raw } = peer.sent[0]!;
  assert.match(cookie, /^[0-9a-f]{8}_1$/);
  assert.equal(raw.toString('latin1'), `${cookie} d7:command4:pinge`);
  peer.reply(cookie, { result: 'pong' });
  assert.deepEqual({ ...(await pong) }, { result: 'pong' });
  assert.equal(ng.inFlight, 0);
});

test('replies are matched by cookie whatever their order; other clients use other cookies', async () => {
  const { peer, ng } = setup();
  const a = ng.command({ command: 'query', 'call-id': 'A' });
  const b = ng.command({ command: 'query', 'call-id': 'B' });
  const [sa, sb] = peer.sent;
  assert.notEqual(sa!.cookie, sb!.cookie);
  peer.reply(sb!.cookie, { result: 'ok', who: 'B' });
  peer.reply(sa!.cookie, { result: 'ok', who: 'A' });
  assert.equal((await a)['who'], 'A');
  assert.equal((await b)['who'], 'B');
  const other = setup();
  void other.ng.command({ command: 'ping' }).catch(() => {});
  assert.notEqual(other.peer.sent[0]!.cookie.split('_')[0], sa!.cookie.split('_')[0], 'a random prefix per client');
  other.ng.close();
});

test('no reply: resent with the same cookie every timeoutMs, then a clear timeout after the last attempt', async () => {
  const { clock, peer, ng } = setup({ timeoutMs: 500, attempts: 3 });
  const p = ng.command({ command: 'offer', 'call-id': 'c' });
  clock.advance(499);
  assert.equal(peer.sent.length, 1);
  clock.advance(1);
  assert.equal(peer.sent.length, 2);
  clock.advance(500);
  assert.equal(peer.sent.length, 3);
  assert.ok(peer.sent.every((s) => s.cookie === peer.sent[0]!.cookie && s.raw.equals(peer.sent[0]!.raw)));
  clock.advance(499);
  assert.equal(ng.inFlight, 1);
  clock.advance(1);
  const e = await rejection(p);
  assert.equal(e.command, 'offer');
  assert.equal(e.message, 'media relay offer: no reply from udp:127.0.0.1:2223 within 1500 ms (3 attempts)');
  assert.equal(peer.sent.length, 3, 'no fourth send');
  assert.equal(clock.pending, 0, 'no timer left');
  // A reply that arrives after the timeout is ignored.
  peer.reply(peer.sent[0]!.cookie, { result: 'ok' });
  assert.equal(ng.ignoredReplies, 1);
});

test('a reply to the second attempt settles the command and stops the resends', async () => {
  const { clock, peer, ng } = setup();
  const p = ng.command({ command: 'delete', 'call-id': 'c' });
  clock.advance(500);
  peer.reply(peer.sent[1]!.cookie, { result: 'ok' });
  await p;
  clock.advance(5000);
  assert.equal(peer.sent.length, 2);
  assert.equal(clock.pending, 0);
});

test('garbled, oversized, cookie-less and foreign replies are ignored; the right reply still settles', async () => {
  const logger = memoryLogger();
  const { peer, ng } = setup({ maxReplyBytes: 200, logger });
  const p = ng.command({ command: 'answer', 'call-id': 'c' });
  const cookie = peer.sent[0]!.cookie;
  peer.raw(`${cookie} d0:-4:`); // loops the npm bencode decoder
  peer.raw(`${cookie} d6:result2:ok`); // unterminated
  peer.raw(`${cookie} l2:oke`); // not a dictionary
  peer.raw(`${cookie} d3:sdp${'300:'}${'x'.repeat(300)}e`); // oversized
  peer.raw('no-space-at-all');
  peer.raw(`${'c'.repeat(100)} d6:result2:oke`); // no cookie of ours
  peer.raw(`ffffffff_99 d6:result2:oke`);
  peer.raw(Buffer.alloc(0));
  assert.equal(ng.inFlight, 1);
  assert.equal(ng.ignoredReplies, 8);
  peer.reply(cookie, { result: 'ok', sdp: 'v=0' });
  assert.equal((await p)['sdp'], 'v=0');
  assert.ok(logger.lines.some((l) => l['msg'] === 'ng datagram ignored' && String(l['why']).startsWith('garbled reply')));
});

test('result error rejects with rtpengine\'s error-reason; an unknown result is an error too', async () => {
  const { peer, ng } = setup();
  const a = ng.command({ command: 'answer', 'call-id': 'nope' });
  peer.reply(peer.sent[0]!.cookie, { result: 'error', 'error-reason': 'Unknown call-id' });
  const e = await rejection(a);
  assert.equal(e.message, 'media relay answer: udp:127.0.0.1:2223 refused: Unknown call-id');
  const b = ng.command({ command: 'offer' });
  peer.reply(peer.sent[1]!.cookie, { result: 'error' });
  assert.match((await rejection(b)).message, /refused: error without a reason/);
  const c = ng.command({ command: 'offer' });
  peer.reply(peer.sent[2]!.cookie, { result: 'load limit' });
  assert.match((await rejection(c)).message, /answered result 'load limit'/);
});

test('a warning with result ok resolves and is logged', async () => {
  const logger = memoryLogger();
  const { peer, ng } = setup({ logger });
  const p = ng.command({ command: 'delete', 'call-id': 'x' });
  peer.reply(peer.sent[0]!.cookie, { result: 'ok', warning: 'Call-ID not found or tags didn\'t match' });
  await p;
  assert.ok(logger.lines.some((l) => l['msg'] === 'media relay warning' && l['command'] === 'delete'));
});

test('close fails waiting commands and every later one; the socket closes once', async () => {
  const { clock, peer, ng } = setup();
  const p = ng.command({ command: 'offer', 'call-id': 'c' });
  ng.close();
  ng.close();
  assert.match((await rejection(p)).message, /^media relay offer: the ng client for udp:127\.0\.0\.1:2223 was closed before the reply$/);
  assert.match((await rejection(ng.command({ command: 'ping' }))).message, /^media relay ping: the ng client for udp:127\.0\.0\.1:2223 is closed$/);
  assert.equal(peer.closed, true);
  assert.equal(clock.pending, 0);
  assert.equal(peer.sent.length, 1);
});

test('in-flight commands and request sizes are bounded', async () => {
  const { peer, ng } = setup({ maxPending: 2, maxRequestBytes: 100 });
  assert.match((await rejection(ng.command({ command: 'offer', sdp: 'x'.repeat(200) }))).message, /the request is \d+ bytes, more than the 100-byte limit/);
  assert.match((await rejection(ng.command({ command: 'offer', n: 0.5 }))).message, /cannot encode the request: not an integer/);
  const a = ng.command({ command: 'ping' });
  const b = ng.command({ command: 'ping' });
  assert.match((await rejection(ng.command({ command: 'ping' }))).message, /2 commands already wait/);
  assert.equal(peer.sent.length, 2);
  peer.reply(peer.sent[0]!.cookie, { result: 'pong' });
  peer.reply(peer.sent[1]!.cookie, { result: 'pong' });
  await Promise.all([a, b]);
});

test('the socket keeps the process alive only while commands wait', async () => {
  const { clock, peer, ng } = setup();
  const a = ng.command({ command: 'ping' });
  const b = ng.command({ command: 'ping' });
  assert.deepEqual(peer.holds, [true]);
  peer.reply(peer.sent[0]!.cookie, { result: 'pong' });
  assert.deepEqual(peer.holds, [true]);
  clock.advance(1500);
  await a;
  await rejection(b);
  assert.deepEqual(peer.holds, [true, false]);
});

test('addresses: udp:IP:port, IP:port, [v6]:port, localhost; anything else is a clear error', () => {
  assert.deepEqual(parseNgAddress('udp:127.0.0.1:2223'), { host: '127.0.0.1', port: 2223 });
  assert.deepEqual(parseNgAddress('10.0.0.1:22222'), { host: '10.0.0.1', port: 22222 });
  assert.deepEqual(parseNgAddress('udp:[::1]:2223'), { host: '::1', port: 2223 });
  assert.deepEqual(parseNgAddress('localhost:2223'), { host: '127.0.0.1', port: 2223 });
  for (const bad of ['rtpengine.example:2223', 'udp:127.0.0.1', 'udp:127.0.0.1:0', 'udp:127.0.0.1:70000', 'tcp:127.0.0.1:2223', '']) {
    assert.throws(() => parseNgAddress(bad), /is not udp:<IP>:<port>/, bad);
  }
  assert.equal(new NgClient({ address: 'udp:[::1]:2223', clock: new ManualClock(0), transport: new FakePeer().factory }).address, 'udp:[::1]:2223');
  assert.throws(() => new NgClient({ address: '127.0.0.1:1', clock: new ManualClock(0), transport: new FakePeer().factory, timeoutMs: 0 }), /timeoutMs must be a positive integer/);
});
