import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer, getCallId } from '../../../../src/sip/message/index.ts';
import type { FramerOutput } from '../../../../src/sip/message/index.ts';
import { fixture, request } from './helpers.ts';

/** A comparable summary of framer output. */
function summary(out: readonly FramerOutput[]): string[] {
  return out.map((o) => {
    switch (o.type) {
      case 'message': return `message ${o.message.kind === 'request' ? o.message.method : o.message.status} ${getCallId(o.message)} body=${o.message.body.toString('latin1')}`;
      case 'error': return `error ${o.error.kind} fatal=${o.fatal}`;
      default: return o.type;
    }
  });
}

function feed(framer: StreamFramer, chunks: readonly Buffer[]): FramerOutput[] {
  const out: FramerOutput[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  return out;
}

const withCallId = (method: string, callId: string, body = ''): string =>
  request(method, method === 'MESSAGE' ? ['Content-Type: text/plain'] : [], body).replace('test-call-id@192.0.2.1', callId);

describe('StreamFramer: Content-Length framing (RFC 3261 section 18.3)', () => {
  const stream = Buffer.from(
    withCallId('MESSAGE', 'one', 'first body') + withCallId('OPTIONS', 'two') + withCallId('MESSAGE', 'three', 'x\r\n\r\ny'),
  );
  const expected = ['message MESSAGE one body=first body', 'message OPTIONS two body=', 'message MESSAGE three body=x\r\n\r\ny'];

  test('three messages in one chunk', () => {
    assert.deepEqual(summary(new StreamFramer().push(stream)), expected);
  });
  test('the same bytes split in two at every offset give the same messages', () => {
    for (let i = 1; i < stream.length; i++) {
      const out = feed(new StreamFramer(), [stream.subarray(0, i), stream.subarray(i)]);
      assert.deepEqual(summary(out), expected, `split at ${i}`);
    }
  });
  test('the same bytes fed one byte at a time give the same messages', () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    assert.deepEqual(summary(feed(new StreamFramer(), chunks)), expected);
  });
  test('split in three at many offset pairs', () => {
    for (let i = 1; i < stream.length; i += 7) {
      for (let j = i + 1; j < stream.length; j += 11) {
        const out = feed(new StreamFramer(), [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
        assert.deepEqual(summary(out), expected, `split at ${i}, ${j}`);
      }
    }
  });
  test('fixtures (REGISTER, NOTIFY, INVITE, BENOTIFY, SERVICE) framed back to back', () => {
    const names = ['register.sip', 'notify-pidf.sip', 'invite-sdp.sip', 'benotify-ms-pres.sip', 'service.sip'];
    const all = Buffer.concat(names.map(fixture));
    const out = feed(new StreamFramer(), [all.subarray(0, 1000), all.subarray(1000, 1001), all.subarray(1001)]);
    assert.deepEqual(out.map((o) => (o.type === 'message' && o.message.kind === 'request' ? o.message.method : o.type)), ['REGISTER', 'NOTIFY', 'INVITE', 'BENOTIFY', 'SERVICE']);
    const notify = out[1];
    assert.ok(notify?.type === 'message' && notify.message.body.length === 700);
  });
  test('a message body does not alias the pushed chunk (the transport may reuse it)', () => {
    const chunk = Buffer.from(withCallId('MESSAGE', 'c', 'hello'));
    const out = new StreamFramer().push(chunk);
    chunk.fill(0);
    assert.ok(out[0]?.type === 'message');
    if (out[0]?.type === 'message') assert.equal(out[0].message.body.toString(), 'hello');
  });
  test('a partial message stays buffered until its body is complete', () => {
    const f = new StreamFramer();
    const text = Buffer.from(withCallId('MESSAGE', 'p', 'abcdef'));
    assert.deepEqual(f.push(text.subarray(0, text.length - 2)), []);
    assert.equal(f.bufferedBytes, text.length - 2);
    assert.equal(f.push(text.subarray(text.length - 2)).length, 1);
    assert.equal(f.bufferedBytes, 0);
  });
});

describe('StreamFramer: keep-alives (RFC 5626 section 4.4.1)', () => {
  const cases: [string, string[], string[]][] = [
    ['double CRLF is a ping', ['\r\n\r\n'], ['ping']],
    ['lone CRLF is a pong', ['\r\n'], ['pong']],
    ['two pings', ['\r\n\r\n\r\n\r\n'], ['ping', 'ping']],
    ['ping then pong', ['\r\n\r\n\r\n'], ['ping', 'pong']],
    ['a CR alone waits for its LF', ['\r', '\n'], ['pong']],
    ['CRLF CR waits: it may be a ping', ['\r\n\r', '\n'], ['ping']],
    ['ping split CRLF|CRLF is reported as two pongs (pong is never delayed)', ['\r\n', '\r\n'], ['pong', 'pong']],
    ['ping before a message', ['\r\n\r\n' + withCallId('OPTIONS', 'k')], ['ping', 'message OPTIONS k body=']],
    ['CRLF before a message is skipped as a pong', ['\r\n' + withCallId('OPTIONS', 'k')], ['pong', 'message OPTIONS k body=']],
    ['ping between messages', [withCallId('OPTIONS', 'a') + '\r\n\r\n' + withCallId('OPTIONS', 'b')], ['message OPTIONS a body=', 'ping', 'message OPTIONS b body=']],
  ];
  for (const [name, chunks, expected] of cases) {
    test(name, () => assert.deepEqual(summary(feed(new StreamFramer(), chunks.map((c) => Buffer.from(c)))), expected));
  }
});

describe('StreamFramer: errors and bounded buffering', () => {
  test('missing Content-Length on a stream is a fatal error', () => {
    const text = withCallId('OPTIONS', 'n').replace('Content-Length: 0\r\n', '');
    assert.deepEqual(summary(new StreamFramer().push(Buffer.from(text))), ['error bad-content-length fatal=true']);
  });
  test('after a fatal error pushes yield nothing until reset()', () => {
    const f = new StreamFramer();
    f.push(Buffer.from(withCallId('OPTIONS', 'n').replace('Content-Length: 0\r\n', '')));
    assert.deepEqual(f.push(Buffer.from(withCallId('OPTIONS', 'ok'))), []);
    assert.equal(f.bufferedBytes, 0);
    f.reset();
    assert.deepEqual(summary(f.push(Buffer.from(withCallId('OPTIONS', 'ok')))), ['message OPTIONS ok body=']);
  });
  test('a bad message with a known length is a non-fatal error and framing continues', () => {
    const bad = withCallId('MESSAGE', 'bad', 'hello').replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
    const out = new StreamFramer().push(Buffer.from(bad + withCallId('OPTIONS', 'next')));
    assert.deepEqual(summary(out), ['error bad-header fatal=false', 'message OPTIONS next body=']);
  });
  test('a bad start line with a Content-Length is skipped by its length', () => {
    const bad = 'GARBAGE LINE\r\nContent-Length: 5\r\n\r\nhello';
    assert.deepEqual(summary(new StreamFramer().push(Buffer.from(bad + withCallId('OPTIONS', 'after')))), ['error bad-start-line fatal=false', 'message OPTIONS after body=']);
  });
  test('a non-UTF-8 header section with a Content-Length is a non-fatal bad-encoding', () => {
    const bad = Buffer.from(withCallId('OPTIONS', 'enc', '').replace('Max-Forwards: 70', 'Subject: caf\u00e9'), 'latin1');
    const out = new StreamFramer().push(Buffer.concat([bad, Buffer.from(withCallId('OPTIONS', 'after'))]));
    assert.deepEqual(summary(out), ['error bad-encoding fatal=false', 'message OPTIONS after body=']);
  });
  test('a header section growing past maxMessageBytes without an empty line is fatal too-large', () => {
    const f = new StreamFramer({ maxMessageBytes: 4096 });
    const out: FramerOutput[] = [];
    const line = Buffer.from('X-Filler: ' + 'a'.repeat(100) + '\r\n');
    out.push(...f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n')));
    for (let i = 0; i < 100 && out.length === 0; i++) {
      out.push(...f.push(line));
      assert.ok(f.bufferedBytes <= 4096, `buffered ${f.bufferedBytes}`);
    }
    assert.deepEqual(summary(out), ['error too-large fatal=true']);
    assert.equal(f.bufferedBytes, 0);
  });
  test('a Content-Length that takes the message past maxMessageBytes is fatal too-large', () => {
    const text = withCallId('MESSAGE', 'big', 'x').replace('Content-Length: 1', 'Content-Length: 60000');
    assert.deepEqual(summary(new StreamFramer({ maxMessageBytes: 10_000 }).push(Buffer.from(text))), ['error too-large fatal=true']);
  });
  test('a header section with no Content-Length to be found is fatal', () => {
    assert.deepEqual(summary(new StreamFramer().push(Buffer.from('GARBAGE\r\n\r\n'))), ['error bad-start-line fatal=true']);
  });
  test('the buffer holds at most maxMessageBytes between pushes, whatever the chunking', () => {
    const f = new StreamFramer({ maxMessageBytes: 2048 });
    const body = 'b'.repeat(1500);
    const msg = Buffer.from(withCallId('MESSAGE', 'm', body));
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < msg.length; i += 97) {
        f.push(msg.subarray(i, i + 97));
        assert.ok(f.bufferedBytes <= 2048);
      }
    }
    assert.equal(f.bufferedBytes, 0);
  });
});
