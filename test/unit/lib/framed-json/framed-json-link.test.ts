import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FramedJsonLink } from '../../../../src/lib/framed-json/framed-json-link.ts';
import type { FramedJsonDecoder, FramedJsonProblem } from '../../../../src/lib/framed-json/framed-json-link.ts';
import { err, ok } from '../../../../src/lib/result.ts';
import type { Result } from '../../../../src/lib/result.ts';
import { createDuplexPair } from '../../../../src/tlib/transport/in-memory-duplex-pair.ts';

interface Problem extends FramedJsonProblem {
  readonly byte: number;
}

/** One frame per byte: 'F' is fatal, 'x' a per-frame error, anything else a message (the letter). */
class ByteDecoder implements FramedJsonDecoder<string, Problem> {
  push(chunk: Uint8Array): Result<string, Problem>[] {
    return [...chunk].map((b) => {
      const c = String.fromCharCode(b);
      if (c === 'F') return err({ fatal: true, detail: 'fatal byte', byte: b });
      if (c === 'x') return err({ fatal: false, detail: 'bad byte', byte: b });
      return ok(c);
    });
  }
}

function setUp(maxQueuedBytes?: number): { link: FramedJsonLink<string, Problem>; peer: ReturnType<typeof createDuplexPair>[0] } {
  const [peer, mine] = createDuplexPair();
  const link = new FramedJsonLink<string, Problem>(mine, { decoder: new ByteDecoder(), encode: (m) => Buffer.from(m), maxQueuedBytes });
  return { link, peer };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FramedJsonLink', () => {
  test('messages and per-frame errors are reported in order and the link stays open', async () => {
    const { link, peer } = setUp();
    const seen: string[] = [];
    link.on('message', (m) => seen.push(m));
    link.on('decodeError', (e) => seen.push(`error ${e.detail}`));
    peer.write('axb');
    await tick();
    assert.deepEqual(seen, ['a', 'error bad byte', 'b']);
    assert.equal(link.closed, false);
    link.abort();
  });

  test('a fatal frame closes the link with its detail and the rest of the chunk is dropped', async () => {
    const { link, peer } = setUp();
    const seen: string[] = [];
    link.on('message', (m) => seen.push(m));
    link.on('close', (r) => seen.push(`close ${r}`));
    peer.write('aFb');
    await tick();
    assert.deepEqual(seen, ['a', 'close fatal byte']);
    assert.equal(link.reason, 'fatal byte');
  });

  test('send writes the encoded frame; after close it sends nothing and returns false', async () => {
    const { link, peer } = setUp();
    const got: string[] = [];
    peer.on('data', (c: Buffer) => got.push(c.toString()));
    assert.equal(link.send('hi'), true);
    await tick();
    assert.deepEqual(got, ['hi']);
    link.close('done');
    assert.equal(link.send('again'), false);
    assert.equal(link.reason, 'done');
  });

  test('a peer that stops reading past maxQueuedBytes closes the link', () => {
    const { link } = setUp(8);
    const reasons: string[] = [];
    link.on('close', (r) => reasons.push(r));
    let sent = true;
    for (let i = 0; i < 100 && sent; i++) sent = link.send('0123456789');
    assert.equal(sent, false);
    assert.deepEqual(reasons, ['peer is not reading: more than 8 bytes queued']);
  });
});
