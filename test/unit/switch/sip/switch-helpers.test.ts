// The SIP switch's pure helpers: SDP direction and origin handling, the relay placeholder answer,
// UserData headers both ways, trunk admission, SIP status ↔ cause, DN targets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { createCredentials, formatCredentials, parseChallenge } from '../../../../src/sip/auth/digest.ts';
import { createRequest } from '../../../../src/sip/message/index.ts';
import { fromUri, targetOf } from '../../../../src/switch/sip/outbound-calls.ts';
import { DialogSdp, directionOf, mediaKey, placeholderAnswer, sdpProblem, withDirection } from '../../../../src/switch/sip/sdp.ts';
import { causeOfFailure, statusForCause } from '../../../../src/switch/sip/sip-causes.ts';
import { TrunkGate } from '../../../../src/switch/sip/trunk-gate.ts';
import { headersFromUserData, userDataFromHeaders } from '../../../../src/switch/sip/userdata-headers.ts';

const offer = 'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n'
  + 'm=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n'
  + 'm=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\na=recvonly\r\n';

describe('SDP helpers', () => {
  test('sdpProblem: empty, too large, not SDP, no media or origin', () => {
    assert.equal(sdpProblem(Buffer.from(offer), 4096), undefined);
    assert.equal(sdpProblem(Buffer.alloc(0), 4096), 'no SDP');
    assert.match(sdpProblem(Buffer.from(offer), 100) ?? '', /over the limit of 100/);
    assert.equal(sdpProblem(Buffer.from('hello'), 4096), 'SDP does not start with v=0');
    assert.equal(sdpProblem(Buffer.from('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n'), 4096), 'SDP has no media line');
    assert.equal(sdpProblem(Buffer.from('v=0\r\nm=audio 1 RTP/AVP 0\r\n'), 4096), 'SDP has no origin line');
  });

  test('withDirection sets every media section, replaces existing attributes, drops session-level ones; directionOf reads it', () => {
    assert.equal(directionOf(offer), 'sendrecv');
    const held = withDirection('v=0\r\na=recvonly\r\n' + offer.slice(5), 'sendonly');
    assert.doesNotMatch(held.split('m=')[0]!, /a=recvonly/);
    assert.equal(held.match(/a=sendonly/g)?.length, 2);
    assert.doesNotMatch(held, /a=recvonly/);
    assert.equal(directionOf(held), 'sendonly');
    assert.equal(directionOf(withDirection(offer, 'inactive')), 'inactive');
    assert.match(withDirection(offer, 'inactive'), /a=fmtp:101 0-15\r\na=inactive\r\nm=video/, 'appended at the end of its section');
    assert.equal(directionOf('v=0\r\na=sendonly\r\nm=audio 1 RTP/AVP 0\r\n'), 'sendonly', 'a session-level attribute applies');
    assert.match(withDirection('v=0\nm=audio 1 RTP/AVP 0\n', 'sendonly'), /^v=0\nm=audio 1 RTP\/AVP 0\na=sendonly\n$/, 'LF line ends are kept');
  });

  test('DialogSdp keeps the dialog\'s origin, bumps the version only when the SDP changes', () => {
    const d = new DialogSdp();
    const first = d.next(offer);
    assert.equal(first, offer);
    assert.equal(d.next(offer.replace('o=alice 2890844526 2890844526 IN IP4 192.0.2.10', 'o=relay 1 7 IN IP4 10.0.0.1')), offer, 'the same session from elsewhere: nothing new');
    const moved = d.next(offer.replace('o=alice 2890844526 2890844526', 'o=relay 1 7').replace('49170', '40000'));
    assert.match(moved, /^o=alice 2890844526 2890844527 IN IP4 192\.0\.2\.10$/m);
    assert.match(moved, /m=audio 40000/);
    assert.match(d.next(withDirection(moved, 'sendonly')), /^o=alice 2890844526 2890844528 /m);
    assert.equal(d.current?.includes('a=sendonly'), true);
  });

  test('mediaKey sees addresses and media lines only; the placeholder answer keeps the relay address, discard ports, sendrecv', () => {
    assert.equal(mediaKey(offer), mediaKey(withDirection(offer, 'sendonly')));
    assert.notEqual(mediaKey(offer), mediaKey(offer.replace('49170', '40000')));
    const p = placeholderAnswer(offer + 'a=rtcp:49171\r\n');
    assert.match(p, /^o=- 1 1 IN IP4 192\.0\.2\.10$/m);
    assert.match(p, /^c=IN IP4 192\.0\.2\.10$/m);
    assert.match(p, /^m=audio 9 RTP\/AVP 0 101$/m);
    assert.match(p, /^m=video 9 RTP\/AVP 31$/m);
    assert.doesNotMatch(p, /recvonly|a=rtcp:/);
    assert.match(p, /a=sendrecv/);
  });
});

describe('UserData headers', () => {
  test('in: X-Genesys-<key> and configured headers, in order, bounded', () => {
    const req = createRequest({ method: 'INVITE', uri: 'sip:8000@ucc' });
    req.headers.set('X-Genesys-CustomerName', 'Анна Petrova');
    req.headers.set('X-Account', ' 4711 ');
    req.headers.set('X-Genesys-Control', 'a\u0007b');
    req.headers.set('Subject', 'not mapped');
    for (let i = 0; i < 40; i++) req.headers.append('X-Genesys-K' + i, String(i));
    const { userData, skipped } = userDataFromHeaders(req, [{ header: 'x-account', key: 'Account' }]);
    assert.deepEqual(userData.slice(0, 2), [['CustomerName', 'Анна Petrova'], ['Account', '4711']]);
    assert.equal(userData.length, 32);
    assert.equal(skipped, 1 + 40 - 30, 'the control character, and what is over 32');
  });

  test('out: flat strings and integers as X-Genesys-<key>; nested lists, bad keys, control characters and the excess left out', () => {
    const { headers, skipped } = headersFromUserData([['Name', 'Anna'], ['Segment', 3], ['nested', [['a', 'b']]], ['bad key', 'x'], ['Evil', 'a\r\nInjected: 1'], ['Name', 'again']]);
    assert.deepEqual(headers, { 'X-Genesys-Name': 'Anna', 'X-Genesys-Segment': '3' });
    assert.equal(skipped, 4);
    const many = headersFromUserData(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'] as const));
    assert.equal(Object.keys(many.headers).length, 32);
  });
});

describe('trunk admission', () => {
  const invite = () => createRequest({ method: 'INVITE', uri: 'sip:8000@ucc' });

  test('addresses and CIDR blocks, IPv4-mapped sources, first match wins; anything else is 403', () => {
    const gate = new TrunkGate([
      { dn: 'T1', addresses: ['192.0.2.0/24', '2001:db8::/32'] },
      { dn: 'T2', addresses: ['192.0.2.7', '198.51.100.1'] },
    ], new ManualClock(0), 'ucc');
    assert.equal(gate.match('192.0.2.7')?.dn, 'T1');
    assert.equal(gate.match('198.51.100.1')?.dn, 'T2');
    assert.equal(gate.match('::ffff:198.51.100.1')?.dn, 'T2');
    assert.equal(gate.match('2001:db8::5')?.dn, 'T1');
    assert.equal(gate.match('203.0.113.1'), undefined);
    assert.equal(gate.match('not-an-ip'), undefined);
    const v = gate.admit(invite(), '203.0.113.1');
    assert.equal(!v.ok && v.status, 403);
  });

  test('a trunk with credentials: 407 with a challenge, then the right digest is admitted and a wrong one refused', () => {
    const gate = new TrunkGate([{ dn: 'T1', addresses: ['127.0.0.1'], credentials: { username: 'carrier', password: 's3cret' } }], new ManualClock(0), 'ucc');
    const first = gate.admit(invite(), '127.0.0.1');
    assert.ok(!first.ok && first.status === 407);
    const challenge = parseChallenge(first.headers['Proxy-Authenticate']!);
    assert.ok(challenge.ok);
    const answer = (password: string) => {
      const req = invite();
      const creds = createCredentials(challenge.value, { username: 'carrier', password }, { method: 'INVITE', uri: 'sip:8000@ucc' }, 1, 'cnonce1');
      req.headers.set('Proxy-Authorization', formatCredentials(creds));
      return gate.admit(req, '127.0.0.1');
    };
    assert.equal(answer('s3cret').ok, true);
    const wrong = answer('nope');
    assert.ok(!wrong.ok && wrong.status === 403);
  });
});

describe('causes and targets', () => {
  test('SIP final responses → causes, by how far the call got', () => {
    const none = { rang: false, heard: false };
    const trying = { rang: false, heard: true };
    const rang = { rang: true, heard: true };
    assert.equal(causeOfFailure(486, none), 'busy');
    assert.equal(causeOfFailure(600, rang), 'busy');
    assert.equal(causeOfFailure(404, trying), 'notFound');
    assert.equal(causeOfFailure(604, none), 'notFound');
    assert.equal(causeOfFailure(480, rang), 'noAnswer');
    assert.equal(causeOfFailure(480, none), 'notFound');
    assert.equal(causeOfFailure(408, rang), 'noAnswer');
    assert.equal(causeOfFailure(408, trying), 'notFound');
    assert.equal(causeOfFailure(408, none), 'error', 'Timer B: nothing answered');
    assert.equal(causeOfFailure(503, none), 'error', 'a transport failure');
    assert.equal(causeOfFailure(503, trying), 'rejected');
    assert.equal(causeOfFailure(603, rang), 'rejected');
  });

  test('causes → the final response for an unanswered inbound call', () => {
    assert.equal(statusForCause('unknownNumber').status, 404);
    assert.equal(statusForCause('notFound').status, 404);
    assert.equal(statusForCause('busy').status, 486);
    assert.equal(statusForCause('error').status, 503);
    assert.equal(statusForCause('rejected').status, 603);
    assert.equal(statusForCause('normal').status, 480);
    assert.equal(statusForCause('noAnswer').status, 480);
  });

  test('a DN\'s target: its contact, a SIP-URI DN, else sip:<DN>@domain; From carries the caller\'s number', () => {
    assert.equal(targetOf('7001', undefined, 'example.test'), 'sip:7001@example.test');
    assert.equal(targetOf('sip:alice@example.test', undefined, 'example.test'), 'sip:alice@example.test');
    assert.equal(targetOf('7001', '10.0.0.4:5070', 'example.test'), 'sip:7001@10.0.0.4:5070');
    assert.equal(targetOf('sip:bob@example.test', '10.0.0.4', 'example.test'), 'sip:bob@10.0.0.4');
    assert.equal(targetOf('7001', 'sip:desk7001@pbx.example.test;transport=tcp', 'example.test'), 'sip:desk7001@pbx.example.test;transport=tcp');
    assert.equal(targetOf('7001', 'not a host <>', 'example.test'), undefined);
    assert.equal(targetOf('a b', undefined, 'example.test'), 'sip:a%20b@example.test', 'escaped');
    assert.equal(fromUri('+33123', 'example.test'), 'sip:+33123@example.test');
    assert.equal(fromUri('', 'example.test'), 'sip:anonymous@example.test');
    assert.equal(fromUri('sip:x@carrier.test', 'example.test'), 'sip:x@carrier.test');
  });
});
