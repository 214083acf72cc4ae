/**
 * The preview protocol's TCP listener is bounded (docs/protocols/tlib.md 1.3): connections per
 * address and in total, refusals logged once per interval, and a frame that stalls for 30 s closes
 * its connection. Time on a ManualClock; every socket and server is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { PreviewServer, defaultPreviewLimits } from '../../../src/preview/preview-transport.ts';
import { encodePreviewFrame } from '../../../src/preview/preview-codec.ts';
import { defaultConnectionLimits, processDescriptorLimit } from '../../../src/lib/framed-json/connection-limits.ts';

const io = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  return s;
}

const closed = (s: net.Socket): Promise<void> => (s.destroyed ? Promise.resolve() : new Promise((r) => s.once('close', () => r())));

test('connections over the per-address limit are refused and logged once per interval', async () => {
  const clock = new ManualClock();
  const logger = memoryLogger();
  // The refusal summary comes a minute later: the sessions stay unauthenticated that long.
  const server = new PreviewServer({ handler: () => undefined, clock, logger, limits: { maxConnectionsPerAddress: 2 }, authLimits: { authTimeoutMs: 600_000 } });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const socks: net.Socket[] = [];
  try {
    socks.push(await connect(port), await connect(port));
    await io();
    assert.equal(server.sessions().length, 2);
    const refused = [await connect(port), await connect(port), await connect(port)];
    socks.push(...refused);
    await Promise.all(refused.map(closed));
    assert.equal(server.sessions().length, 2);
    const lines = (): number => logger.lines.filter((l) => l.msg === 'preview connection refused: too many connections').length;
    assert.equal(lines(), 1);
    clock.advance(60_000);
    assert.equal(lines(), 2, 'the other two refusals, summed');
    // A slot that frees up is usable again.
    socks[0]?.destroy();
    await io(50);
    const again = await connect(port);
    socks.push(again);
    await io();
    assert.equal(again.destroyed, false);
    assert.equal(server.sessions().length, 2);
  } finally {
    for (const s of socks) s.destroy();
    await server.close();
  }
});

test('a preview frame stalled for 30 s closes its connection', async () => {
  const clock = new ManualClock();
  const server = new PreviewServer({ handler: () => undefined, clock, authenticator: { verifyPassword: () => Promise.resolve(true) } });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const s = await connect(port);
  try {
    // Authenticated first: before that a frame is at most 64 KiB and 10 s end the session.
    s.write(encodePreviewFrame({ message: 'PreviewRegisterClient', ReferenceID: 1, ApplicationName: 'router', ApplicationPassword: 'pw' }));
    await new Promise<void>((r) => s.once('data', () => r()));
    assert.equal(server.sessions()[0]?.application, 'router');
    const head = Buffer.alloc(8);
    head.writeUInt32BE(1024 * 1024 - 1);
    s.write(head);
    await io();
    clock.advance(29_999);
    await io();
    assert.equal(s.destroyed, false);
    clock.advance(1);
    await closed(s);
    assert.equal(server.sessions().length, 0);
  } finally {
    s.destroy();
    await server.close();
  }
});

test('default limits follow the descriptor limit and leave room for the HTTP API', () => {
  assert.equal(processDescriptorLimit('Max open files            4096                 4096                 files\n'), 4096);
  assert.equal(processDescriptorLimit('nothing here'), 1024);
  const tlib = defaultConnectionLimits(0.4, 10_000, 256, 1024);
  const preview = defaultConnectionLimits(0.1, 1000, 64, 1024);
  assert.ok(tlib.maxConnections + preview.maxConnections <= 1024 / 2, 'half the descriptors stay free');
  assert.equal(defaultConnectionLimits(0.4, 10_000, 256, 1 << 20).maxConnections, 10_000);
  assert.equal(defaultPreviewLimits().frameStallMs, 30_000);
});
