import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BencodeError, decode, encode, type BDict } from '../../../src/media/rtpengine/bencode.ts';
import { prng } from '../../support/prng.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
// Decoded dictionaries have no prototype; compare their content.
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('encodes the ng wire form: sorted keys, byte lengths of UTF-8, integers, lists', () => {
  assert.equal(encode({ command: 'ping' }).toString('latin1'), 'd7:command4:pinge');
  assert.equal(
    encode({ sdp: 'v=0\r\n', command: 'offer', replace: ['origin', 'session-connection'], n: -12, z: 0 }).toString('latin1'),
    'd7:command5:offer1:ni-12e7:replacel6:origin18:session-connectione3:sdp5:v=0\r\n1:zi0ee',
  );
  assert.equal(encode('é').toString('latin1'), '2:\xc3\xa9', 'the length counts UTF-8 bytes');
  assert.equal(encode({ a: undefined as unknown as string, b: 'x' }).toString(), 'd1:b1:xe', 'undefined entries are left out');
  // Four-byte characters, and a lone surrogate (sent as U+FFFD, 3 bytes): each prefix matches its bytes.
  assert.equal(encode(['😀', 'a\ud800']).toString('latin1'), `l4:${Buffer.from('😀').toString('latin1')}4:a\xef\xbf\xbde`);
  assert.deepEqual(decode(encode({ k: 'x😀y', l: ['\ud83d', '\ude00'] })), Object.assign(Object.create(null), { k: 'x😀y', l: ['\ufffd', '\ufffd'] }));
});

test('refuses to encode what bencode cannot carry', () => {
  assert.throws(() => encode(1.5), BencodeError);
  assert.throws(() => encode(Number.MAX_SAFE_INTEGER + 2), BencodeError);
  assert.throws(() => encode(true as unknown as string), BencodeError);
  let deep: unknown = 'x';
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => encode(deep as string), /nested too deeply/);
});

test('decodes what it encodes, including an rtpengine query-like reply', () => {
  const v: BDict = {
    result: 'ok',
    sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=audio 24950 RTP/AVP 0\r\n',
    created: 1402064111,
    tags: { 'tag-a': { medias: [{ streams: [{ flags: ['RTP', 'filled'], stats: { packets: 343, bytes: 56950, errors: 0 } }] }] } },
    note: 'ünïcode',
  };
  assert.deepEqual(plain(decode(encode(v))), v);
});

test('a __proto__ key is an own key of the decoded dictionary, not a prototype', () => {
  const d = decode(b('d9:__proto__d1:ai1eee')) as BDict;
  assert.equal(Object.getPrototypeOf(d), null);
  assert.deepEqual(Object.keys(d), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['a'], undefined);
});

test('malformed input is a BencodeError, never a hang (the negative length that loops the npm decoder)', () => {
  const bad = [
    'd0:-4:', // negative string length
    '-1:a',
    '+1:a',
    '',
    'x',
    'i12',
    'ie',
    'i-e',
    'i01e',
    'i-0e',
    'i1.5e',
    'i123456789012345678e',
    '5:ab',
    'l',
    'd',
    'd3:abc',
    'di1ei2ee', // integer key
    '1:ab', // trailing byte
    'le1', // trailing
    '1234567890:x', // length with too many digits
    ':x',
  ];
  for (const s of bad) assert.throws(() => decode(b(s)), BencodeError, JSON.stringify(s));
});

test('depth and item count are bounded', () => {
  assert.deepEqual(decode(b('l'.repeat(16) + 'e'.repeat(16)), { maxDepth: 16 }), [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]);
  assert.throws(() => decode(b('l'.repeat(17) + 'e'.repeat(17)), { maxDepth: 16 }), /nested deeper than 16/);
  assert.throws(() => decode(b('l'.repeat(100_000) + 'e'.repeat(100_000))), /nested deeper/);
  assert.throws(() => decode(b(`l${'i1e'.repeat(101)}e`), { maxItems: 100 }), /more than 100 values/);
  assert.throws(() => decode(b(`d${'1:ai1e'.repeat(60)}e`), { maxItems: 100 }), /more than 100 values/, 'keys count too');
});

test('fuzz: mutated and truncated ng replies decode or throw BencodeError, nothing else', () => {
  const rnd = prng(20240611);
  const good = encode({ result: 'ok', sdp: 'v=0\r\nm=audio 24950 RTP/AVP 0 101\r\n', tags: { a: { medias: [{ streams: [{ stats: { packets: 1 } }] }] } }, warning: 'x' });
  let decoded = 0;
  for (let i = 0; i < 5000; i++) {
    const m = Buffer.from(good);
    const edits = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < edits; k++) m[Math.floor(rnd() * m.length)] = '0123456789:-ediel'.charCodeAt(Math.floor(rnd() * 17));
    const cut = rnd() < 0.3 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
    try {
      decode(cut);
      decoded++;
    } catch (e) {
      assert.ok(e instanceof BencodeError, `input ${JSON.stringify(cut.toString('latin1'))} threw ${String(e)}`);
    }
  }
  assert.ok(decoded > 0 && decoded < 5000, `some mutations still decode (${decoded})`);
});
