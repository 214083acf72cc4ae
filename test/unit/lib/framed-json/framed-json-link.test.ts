import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FramedJsonLink } from '../../../../src/lib/framed-json/framed-json-link.ts';
import type { FramedJsonDecoder, FramedJsonProblem } from '../../../../src/lib/framed-json/framed-json-link.ts';
import { err, ok } from '../../../../src/lib/result.ts';
import type { Result } from '../../../../src/lib/result.ts';
import { createDuplexPair } from '../../../../src/lib/framed-json/in-memory-duplex-pair.ts';
import { createMessagePipe } from '../../../../src/lib/framed-json/message-pipe.ts';

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

/** The pipe's value check: a one-letter string is a message, 'x' a per-frame error, 'F' fatal. */
function parseLetter(v: unknown): Result<string, Problem> {
  if (v === 'F') return err({ fatal: true, detail: 'fatal value', byte: 0 });
  if (typeof v !== 'string' || v === 'x') return err({ fatal: false, detail: 'bad value', byte: 0 });
  return ok(v);
}

const codec = (maxQueuedBytes?: number) => ({ decoder: new ByteDecoder(), encode: (m: string) => Buffer.from(m), parse: parseLetter, maxQueuedBytes });

function setUp(maxQueuedBytes?: number): { link: FramedJsonLink<string, Problem>; peer: ReturnType<typeof createDuplexPair>[0] } {
  const [peer, mine] = createDuplexPair();
  const link = new FramedJsonLink<string, Problem>(mine, codec(maxQueuedBytes));
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

describe('FramedJsonLink over an in-process message pipe', () => {
  function pair(): { a: FramedJsonLink<string, Problem>; b: FramedJsonLink<string, Problem>; seen: string[] } {
    const [x, y] = createMessagePipe();
    const a = new FramedJsonLink<string, Problem>(x, codec());
    const b = new FramedJsonLink<string, Problem>(y, codec());
    const seen: string[] = [];
    b.on('message', (m) => seen.push(m));
    b.on('decodeError', (e) => seen.push(`error ${e.detail}`));
    b.on('close', (r) => seen.push(`close ${r}`));
    return { a, b, seen };
  }

  test('values arrive in order on a later microtask, each checked by parse', async () => {
    const { a, b, seen } = pair();
    assert.equal(a.send('p'), true);
    assert.equal(a.send('x'), true);
    assert.equal(a.send('q'), true);
    assert.deepEqual(seen, [], 'never delivered inside the sender\'s call');
    await tick();
    assert.deepEqual(seen, ['p', 'error bad value', 'q']);
    assert.equal(b.closed, false);
    a.abort();
  });

  test('a fatal value closes the receiving link and what follows is not delivered', async () => {
    const { a, b, seen } = pair();
    a.send('p');
    a.send('F');
    a.send('q');
    await tick();
    assert.deepEqual(seen, ['p', 'error fatal value', 'close fatal value']);
    assert.equal(b.reason, 'fatal value');
    assert.equal(a.send('r'), false, 'the sender sees the close: nothing more can be posted');
  });

  test('closing one end delivers what was sent first, then closes the peer', async () => {
    const { a, b, seen } = pair();
    a.send('p');
    a.close('bye');
    assert.equal(a.send('q'), false);
    await tick();
    assert.deepEqual(seen, ['p', 'close peer closed the connection']);
    assert.equal(b.send('r'), false);
  });
});
