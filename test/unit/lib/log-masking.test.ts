// Masking of sensitive data in log lines (seed 004 3.13): UserData values, digits, chat text and the
// `[log] hide-header` SIP headers print as `**** (length:nn)`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { maskLogFields, maskSipHeaders, maskedValue, maskingLogger, parseHideHeaders, type MaskPolicy } from '../../../src/lib/log-masking.ts';

const on: MaskPolicy = { hideSensitiveData: true, hideHeaders: [] };

test('maskedValue prints the UTF-8 byte length of the original', () => {
  assert.equal(maskedValue('12345'), '**** (length:5)');
  assert.equal(maskedValue('Анна'), '**** (length:8)');
  assert.equal(maskedValue(4711), '**** (length:4)');
});

test('UserData values are masked at any depth, keys kept; digits and chat text masked; the message name and ANI kept', () => {
  const fields = {
    request: {
      message: 'RequestMakeCall', ANI: '9000',
      UserData: [['Customer', 'Ada Lovelace'], ['Segment', 3], ['nested', [['Card', '4111111111111111']]]],
      CollectedDigits: '1234', Extensions: [['WrapUpTime', 5]],
    },
    chat: { text: 'my PIN is 9876' },
    userData: { Account: 'ACC-42' },
  };
  const masked = maskLogFields(fields, on);
  assert.deepEqual(masked, {
    request: {
      message: 'RequestMakeCall', ANI: '9000',
      UserData: [['Customer', '**** (length:12)'], ['Segment', '**** (length:1)'], ['nested', [['Card', '**** (length:16)']]]],
      CollectedDigits: '**** (length:4)', Extensions: [['WrapUpTime', 5]],
    },
    chat: { text: '**** (length:14)' },
    userData: { Account: '**** (length:6)' },
  });
  assert.equal(fields.request.CollectedDigits, '1234', 'the input is not changed');
  assert.deepEqual(maskLogFields(fields, { hideSensitiveData: false, hideHeaders: [] }), fields, 'hide-sensitive-data false logs in clear');
});

test('passwords are masked whatever hide-sensitive-data says', () => {
  const m = maskLogFields({ request: { message: 'RequestAgentLogin', AgentID: 'A1', Password: 'secret' } }, { hideSensitiveData: false, hideHeaders: [] });
  assert.deepEqual(m, { request: { message: 'RequestAgentLogin', AgentID: 'A1', Password: '****' } });
});

test('hide-header masks the listed headers in SIP message text, case-insensitively, and nothing else', () => {
  const sip = 'INVITE sip:7001@example.test SIP/2.0\r\nFrom: <sip:ada@example.test>;tag=1\r\nto: <sip:7001@example.test>\r\nCall-ID: abc\r\nContent-Length: 0\r\n\r\n';
  const headers = parseHideHeaders(' From, To ,, bad header ');
  assert.deepEqual(headers, ['From', 'To']);
  const out = maskSipHeaders(sip, headers);
  assert.equal(out, 'INVITE sip:7001@example.test SIP/2.0\r\nFrom: **** (length:28)\r\nto: **** (length:23)\r\nCall-ID: abc\r\nContent-Length: 0\r\n\r\n');
  assert.ok(!out.includes('ada@example.test'));
  // Inside a log line's fields, and independent of hide-sensitive-data.
  const fields = maskLogFields({ message: sip }, { hideSensitiveData: false, hideHeaders: ['call-id'] });
  assert.match(String(fields.message), /\r\nCall-ID: \*\*\*\* \(length:3\)\r\n/);
  assert.match(String(fields.message), /From: <sip:ada@example\.test>/);
  assert.equal(maskSipHeaders(sip, []), sip);
});

test('maskingLogger masks every line and its children, follows the policy as it changes, and skips dropped levels', () => {
  const inner = memoryLogger();
  let policy: MaskPolicy = { hideSensitiveData: true, hideHeaders: ['From'] };
  const log = maskingLogger(inner, () => policy);
  const child = log.child({ role: 'tserver', UserData: [['k', 'parent-secret']] });
  child.debug('T-Lib request', { request: { message: 'RequestMakeCall', UserData: [['Customer', 'Ada']] } });
  log.info('SIP in\r\nFrom: <sip:ada@x>\r\n');
  policy = { hideSensitiveData: false, hideHeaders: [] };
  child.warn('again', { UserData: [['Customer', 'Ada']] });
  const text = inner.lines.map((l) => JSON.stringify(l));
  assert.equal(text.length, 3);
  assert.ok(!text[0]!.includes('Ada') && !text[0]!.includes('parent-secret'), text[0]);
  assert.ok(text[0]!.includes('"Customer"'), 'keys stay visible');
  assert.equal(inner.lines[1]!.msg, 'SIP in\r\nFrom: **** (length:11)\r\n');
  assert.ok(text[2]!.includes('"Ada"'), 'hide-sensitive-data false: in clear');
  let walked = 0;
  const quiet = maskingLogger({ ...memoryLogger(), enabled: (l) => l !== 'debug' }, () => {
    walked++;
    return on;
  });
  quiet.debug('dropped', { UserData: [['k', 'v']] });
  assert.equal(walked, 0, 'a line below the level is not walked');
});
