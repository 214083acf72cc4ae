import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, decodeMessage, encodeMessage, TErr } from '../../../../src/tlib/index.ts';
import type { TlibDecodeProblem } from '../../../../src/tlib/index.ts';

const connId = '006e02b3c4d5e6f7';

interface Row {
  rule: string;
  input: unknown;
  problem: TlibDecodeProblem;
  code: number;
  attribute?: string;
  referenceId?: number;
}

// Each row names the rule it checks; the code is the one docs/protocols/tlib.md promises.
const rejected: Row[] = [
  { rule: 'a JSON array is not a message', input: [1, 2], problem: 'not-an-object', code: TErr.TERR_BAD_PARAM },
  { rule: 'null is not a message', input: null, problem: 'not-an-object', code: 223 },
  { rule: 'a frame without "message" is rejected, keeping its ReferenceID', input: { ThisDN: '1', ReferenceID: 7 }, problem: 'missing-message', code: 223, referenceId: 7 },
  { rule: 'an unknown message name is TERR_UNSUP_OPER', input: { message: 'RequestTeleport', ReferenceID: 8 }, problem: 'unknown-message', code: TErr.TERR_UNSUP_OPER, referenceId: 8 },
  { rule: 'a missing required attribute is TERR_INVALID_ATTR naming it', input: { message: 'RequestAgentLogin', ThisDN: '5001', ReferenceID: 9 }, problem: 'missing-attribute', code: TErr.TERR_INVALID_ATTR, attribute: 'AgentID', referenceId: 9 },
  { rule: 'an attribute the message does not have is rejected', input: { message: 'RequestAgentReady', ThisDN: '5001', ConnID: connId }, problem: 'unknown-attribute', code: 53, attribute: 'ConnID' },
  { rule: 'a misspelt attribute is rejected', input: { message: 'RequestAgentReady', ThisDn: '5001' }, problem: 'unknown-attribute', code: 53, attribute: 'ThisDn' },
  { rule: 'a string attribute given a number is rejected', input: { message: 'RequestAgentReady', ThisDN: 5001 }, problem: 'invalid-attribute', code: 53, attribute: 'ThisDN' },
  { rule: 'an empty DN is rejected', input: { message: 'RequestAgentReady', ThisDN: '' }, problem: 'invalid-attribute', code: 53, attribute: 'ThisDN' },
  { rule: 'an unknown enumeration value is rejected', input: { message: 'RequestAgentNotReady', ThisDN: '1', AgentWorkMode: 'Coffee' }, problem: 'invalid-attribute', code: 53, attribute: 'AgentWorkMode' },
  { rule: 'a numeric work mode is rejected (names travel, not numbers)', input: { message: 'RequestAgentNotReady', ThisDN: '1', AgentWorkMode: 3 }, problem: 'invalid-attribute', code: 53, attribute: 'AgentWorkMode' },
  { rule: 'an upper-case ConnID is TERR_INV_CONNID', input: { message: 'RequestReleaseCall', ThisDN: '1', ConnID: '006E02B3C4D5E6F7', ReferenceID: 4 }, problem: 'invalid-connid', code: TErr.TERR_INV_CONNID, attribute: 'ConnID', referenceId: 4 },
  { rule: 'a short TransferConnID is TERR_INV_CONNID', input: { message: 'RequestCompleteTransfer', ThisDN: '1', ConnID: connId, TransferConnID: 'abc' }, problem: 'invalid-connid', code: 56, attribute: 'TransferConnID' },
  { rule: 'UserData as a plain object is rejected (it must be a pair list)', input: { message: 'RequestAttachUserData', ThisDN: '1', ConnID: connId, UserData: { a: 'b' } }, problem: 'invalid-attribute', code: 53, attribute: 'UserData' },
  { rule: 'a ReferenceID of 0 is invalid', input: { message: 'RequestAgentReady', ThisDN: '1', ReferenceID: 0 }, problem: 'invalid-attribute', code: 53, attribute: 'ReferenceID' },
  { rule: 'a fractional ErrorCode is invalid', input: { message: 'EventError', ErrorCode: 1.5 }, problem: 'invalid-attribute', code: 53, attribute: 'ErrorCode' },
  { rule: 'RequestRouteCall needs OtherDN unless it rejects or disconnects', input: { message: 'RequestRouteCall', ThisDN: '7000', ConnID: connId, RouteType: 'Default' }, problem: 'missing-attribute', code: 53, attribute: 'OtherDN' },
  { rule: 'a __proto__ key is an unknown attribute, not a prototype', input: JSON.parse('{"message":"RequestAgentReady","ThisDN":"1","__proto__":{"x":1}}'), problem: 'unknown-attribute', code: 53, attribute: '__proto__' },
];

describe('parseMessage rejects malformed messages with the right T-Library code', () => {
  for (const row of rejected) {
    test(row.rule, () => {
      const r = parseMessage(row.input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.problem, row.problem);
      assert.equal(r.error.errorCode, row.code);
      assert.equal(r.error.fatal, false);
      assert.equal(r.error.attribute, row.attribute);
      assert.equal(r.error.referenceId, row.referenceId);
      assert.ok(r.error.detail.length > 0);
    });
  }
});

describe('parseMessage accepts valid messages', () => {
  const accepted: Array<[string, Record<string, unknown>]> = [
    ['an agent login with every optional attribute', { message: 'RequestAgentLogin', ThisDN: '5001', AgentID: 'kw1', ThisQueue: '8000', Password: '', Place: 'P1', AgentWorkMode: 'AutoIn', Reasons: [['KW_UC_STATUS', 'ready']], Extensions: [['WrapUpTime', 'untimed']], ReferenceID: 2147483647 }],
    ['a route rejection without OtherDN', { message: 'RequestRouteCall', ThisDN: '7000', ConnID: connId, RouteType: 'Reject' }],
    ['a route to a target', { message: 'RequestRouteCall', ThisDN: '7000', ConnID: connId, OtherDN: '5001' }],
    ['an EventError with its message', { message: 'EventError', ErrorCode: 1707, ErrorMessage: 'Agent has not logged in.', ReferenceID: 3 }],
    ['an event with sequence and time', { message: 'EventRinging', ThisDN: '5001', ConnID: connId, EventSequenceNumber: 12, TimeinSecs: 1700000000, TimeinuSecs: 5 }],
  ];
  for (const [name, input] of accepted) {
    test(name, () => {
      const r = parseMessage(input);
      assert.ok(r.ok, r.ok ? '' : r.error.detail);
      assert.deepEqual(r.value, input);
      assert.notEqual(r.value, input, 'the result is a fresh object');
    });
  }
});

describe('message kinds', () => {
  test('a server decoder (accept request) answers an event with TERR_UNSUP_OPER', () => {
    const r = parseMessage({ message: 'EventAgentReady', ThisDN: '1', ReferenceID: 5 }, { accept: 'request' });
    assert.ok(!r.ok);
    assert.equal(r.error.problem, 'unexpected-kind');
    assert.equal(r.error.errorCode, 51);
    assert.equal(r.error.referenceId, 5);
  });
  test('a client decoder (accept event) rejects requests', () => {
    const r = parseMessage({ message: 'RequestAgentReady', ThisDN: '1' }, { accept: 'event' });
    assert.ok(!r.ok && r.error.problem === 'unexpected-kind');
  });
});

describe('decodeMessage on bytes', () => {
  test('invalid UTF-8 is TERR_BAD_PARAM', () => {
    const r = decodeMessage(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    assert.ok(!r.ok && r.error.problem === 'invalid-utf8' && r.error.errorCode === 223);
  });
  test('malformed JSON is TERR_BAD_PARAM', () => {
    const r = decodeMessage(Buffer.from('{"message": "RequestAgentReady",'));
    assert.ok(!r.ok && r.error.problem === 'invalid-json' && r.error.errorCode === 223);
  });
  test('absurdly nested JSON is rejected, not a crash', () => {
    const r = decodeMessage(Buffer.from('['.repeat(200_000) + ']'.repeat(200_000)));
    assert.ok(!r.ok);
  });
  test('encodeMessage puts "message" first', () => {
    const bytes = encodeMessage({ ThisDN: '1', message: 'RequestAgentReady' } as never);
    assert.equal(bytes.toString('utf8'), '{"message":"RequestAgentReady","ThisDN":"1"}');
  });
});
