import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaTypeReader, mediaTypeOf } from '../../../../src/uc/sip-simple/notify-media-type.ts';

const values = [
  'application/pidf+xml', 'Application/PIDF+XML', 'application/pidf+xml;charset=UTF-8', ' application/pidf+xml ; charset="utf-8"',
  'multipart/related;type="application/rlmi+xml";start="<x>";boundary="b"', 'text/plain', 'pidf', '', 'application/', '/xml',
];

test('the reader gives what mediaTypeOf gives, whatever the order of values, repeated or not', () => {
  assert.equal(mediaTypeOf('Application/PIDF+XML; charset=UTF-8'), 'application/pidf+xml');
  assert.equal(mediaTypeOf('not a type'), '');
  assert.equal(mediaTypeOf(undefined), '');
  const reader = new MediaTypeReader();
  const sequence = [...values, ...values, undefined, ...values.slice().reverse(), values[2], values[2], undefined, values[0]];
  for (const v of sequence) assert.equal(reader.read(v), mediaTypeOf(v), String(v));
});
