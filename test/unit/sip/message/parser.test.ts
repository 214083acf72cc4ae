import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SIP_LIMITS, getCallId, getContacts, getCSeq, getFrom, getTo, getVias, parseMessage, serializeMessage,
} from '../../../../src/sip/message/index.ts';
import type { SipMessage, SipParseErrorKind } from '../../../../src/sip/message/index.ts';
import { request, wire } from './helpers.ts';

function parsed(text: string | Buffer): SipMessage {
  const r = parseMessage(text);
  assert.ok(r.ok, r.ok ? '' : `${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function failsWith(text: string | Buffer, kind: SipParseErrorKind, limits?: Parameters<typeof parseMessage>[1]): void {
  const r = parseMessage(text, limits);
  assert.equal(r.ok, false, 'expected a parse error');
  if (!r.ok) assert.equal(r.error.kind, kind, r.error.message);
}

describe('start line (RFC 3261 sections 7.1, 7.2)', () => {
  // Known methods become shared constants; methods are case-sensitive, so near misses stay as written.
  for (const method of ['INVITE', 'SERVICE', 'BENOTIFY', 'X-CUSTOM.ext', 'NOTIFY', 'notify', 'NOTIFYX', 'INF', 'ACKs']) {
    test(`a request with any token method passes: ${method}`, () => {
      const m = parsed(request(method));
      assert.equal(m.kind, 'request');
      if (m.kind === 'request') {
        assert.equal(m.method, method);
        assert.equal(m.uri, 'sip:bob@example.com');
      }
    });
  }
  test('a response keeps status and reason (which may contain spaces and UTF-8)', () => {
    const text = request('OPTIONS').replace('OPTIONS sip:bob@example.com SIP/2.0', 'SIP/2.0 486 Busy Here \u00e0 la plage');
    const m = parsed(text);
    assert.equal(m.kind, 'response');
    if (m.kind === 'response') {
      assert.equal(m.status, 486);
      assert.equal(m.reason, 'Busy Here \u00e0 la plage');
    }
  });
  test('a response with an empty reason phrase', () => {
    const m = parsed(request('OPTIONS').replace('OPTIONS sip:bob@example.com SIP/2.0', 'SIP/2.0 200 '));
    assert.ok(m.kind === 'response' && m.status === 200 && m.reason === '');
  });
  const bad: [string, string, SipParseErrorKind][] = [
    ['version other than 2.0', 'OPTIONS sip:bob@example.com SIP/7.0', 'bad-start-line'],
    ['two spaces (empty Request-URI)', 'OPTIONS  sip:bob@example.com SIP/2.0', 'bad-uri'],
    ['method that is not a token', 'OPT(IONS sip:bob@example.com SIP/2.0', 'bad-start-line'],
    ['Request-URI in <>', 'OPTIONS <sip:bob@example.com> SIP/2.0', 'bad-uri'],
    ['Request-URI without scheme', 'OPTIONS bob@example.com SIP/2.0', 'bad-uri'],
    ['status of 2 digits', 'SIP/2.0 20 OK', 'bad-start-line'],
    ['status of 4 digits', 'SIP/2.0 2000 OK', 'bad-start-line'],
    ['status 700', 'SIP/2.0 700 Nope', 'bad-start-line'],
    ['garbage', 'hello', 'bad-start-line'],
    ['three spaces (junk before the version)', 'OPTIONS sip:bob@example.com junk SIP/2.0', 'bad-start-line'],
    ['junk after the version', 'OPTIONS sip:bob@example.com SIP/2.0 x', 'bad-start-line'],
  ];
  for (const [name, line, kind] of bad) {
    test(`rejects ${name} with ${kind}`, () => failsWith(request('OPTIONS').replace('OPTIONS sip:bob@example.com SIP/2.0', line), kind));
  }
  test('the SIP version is case-insensitive', () => {
    assert.equal(parsed(request('OPTIONS').replace('SIP/2.0\r\n', 'sip/2.0\r\n')).kind, 'request');
  });
  test('leading CRLFs before the start line are skipped (section 7.5)', () => {
    assert.equal(parsed('\r\n\r\n' + request('OPTIONS')).kind, 'request');
  });
  test('an empty datagram is a bad-start-line', () => failsWith('\r\n', 'bad-start-line'));
});

describe('header names (sections 7.3, 7.3.3)', () => {
  const compact: [string, string, string][] = [
    ['i', 'Call-ID', 'abc@host'], ['m', 'Contact', '<sip:a@b>'], ['e', 'Content-Encoding', 'gzip'],
    ['l', 'Content-Length', '0'], ['f', 'From', '<sip:a@b>;tag=1'], ['s', 'Subject', 'hi'], ['k', 'Supported', 'path'],
    ['t', 'To', '<sip:b@c>'], ['v', 'Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['o', 'Event', 'presence'],
    ['u', 'Allow-Events', 'presence'], ['r', 'Refer-To', '<sip:c@d>'], ['b', 'Referred-By', '<sip:e@f>'],
    ['c', 'Content-Type', 'text/plain'], ['x', 'Session-Expires', '1800'], ['y', 'Identity', 'abc'],
    ['a', 'Accept-Contact', '*;audio'], ['j', 'Reject-Contact', '*;video'], ['d', 'Request-Disposition', 'proxy'],
    ['n', 'Identity-Info', '<https://x/c>'],
  ];
  for (const [short, canonical, value] of compact) {
    test(`compact form ${short} (and ${short.toUpperCase()}) expands to ${canonical}`, () => {
      for (const form of [short, short.toUpperCase()]) {
        const base = request('OPTIONS').split('\r\n').filter((l) => !l.toLowerCase().startsWith(canonical.toLowerCase() + ':'));
        base.splice(2, 0, `${form}: ${value}`);
        const m = parsed(base.join('\r\n'));
        assert.equal(m.headers.get(canonical), value);
        assert.equal(m.headers.get(short), value);
        assert.ok([...m.headers.entries()].some(([n]) => n === canonical), 'written with its canonical name');
      }
    });
  }
  const canonicalNames = ['Call-ID', 'CSeq', 'WWW-Authenticate', 'SIP-ETag', 'SIP-If-Match', 'MIME-Version', 'RSeq', 'RAck', 'Min-SE'];
  for (const name of canonicalNames) {
    test(`case-insensitive name gets canonical capitalisation: ${name}`, () => {
      const m = parsed(request('OPTIONS', [`${name.toUpperCase()}: x1`]).replace(/^CALL-ID: x1\r\n/m, '').replace(/^CSEQ: x1\r\n/m, ''));
      if (name === 'Call-ID' || name === 'CSeq') {
        const text = request('OPTIONS').replace(`${name}:`, `${name.toLowerCase()}:`);
        assert.ok([...parsed(text).headers.entries()].some(([n]) => n === name));
        return;
      }
      assert.ok([...m.headers.entries()].some(([n, v]) => n === name && v === 'x1'));
      assert.equal(m.headers.get(name.toLowerCase()), 'x1');
    });
  }
  test('unknown headers are kept verbatim (name and value)', () => {
    const m = parsed(request('OPTIONS', ['ms-diagnostics-public: 2000;reason="A, B"', 'X-Weird_Name.1:  spaced   value ']));
    const entries = [...m.headers.entries()];
    assert.ok(entries.some(([n, v]) => n === 'ms-diagnostics-public' && v === '2000;reason="A, B"'));
    assert.ok(entries.some(([n, v]) => n === 'X-Weird_Name.1' && v === 'spaced   value'));
  });
  test('LWS before the colon is allowed (HCOLON)', () => {
    assert.equal(parsed(request('OPTIONS', ['Subject \t : hello'])).headers.get('Subject'), 'hello');
  });
  test('a header name that is not a token is bad-header', () => failsWith(request('OPTIONS', ['Bad Name: x']), 'bad-header'));
  test('a header line without a colon is bad-header', () => failsWith(request('OPTIONS', ['NoColonHere']), 'bad-header'));
});

describe('folding (section 7.3.1)', () => {
  test('continuation lines (SP or HTAB) join the value with one space', () => {
    const m = parsed(request('OPTIONS', ['Subject: I know you\'re there,', '   pick up the phone', '\tand talk to me!']));
    assert.equal(m.headers.get('Subject'), 'I know you\'re there, pick up the phone and talk to me!');
  });
  test('folding inside a mandatory header', () => {
    const text = request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: 1\r\n    OPTIONS');
    assert.deepEqual(getCSeq(parsed(text)), { seq: 1, method: 'OPTIONS' });
  });
  test('a continuation line right after the start line is bad-header', () => {
    failsWith(request('OPTIONS').replace('SIP/2.0\r\n', 'SIP/2.0\r\n  folded\r\n'), 'bad-header');
  });
  test('a bare LF inside the header section is bad-header', () => failsWith(request('OPTIONS', ['Subject: a\nInjected: b']), 'bad-header'));
  test('a bare CR inside the header section is bad-header', () => failsWith(request('OPTIONS', ['Subject: a\rInjected: b']), 'bad-header'));
});

describe('multi-valued headers (section 7.3.1)', () => {
  test('comma-separated values are split, across lines, in order', () => {
    const m = parsed(request('OPTIONS', ['Allow: INVITE, ACK', 'Allow: BYE', 'Supported: path,  gruu']));
    assert.deepEqual(m.headers.getAll('Allow'), ['INVITE', 'ACK', 'BYE']);
    assert.deepEqual(m.headers.getAll('k'), ['path', 'gruu']);
  });
  test('Via list on one line gives separate Vias', () => {
    const text = request('OPTIONS').replace('Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-test', 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2');
    const m = parsed(text);
    assert.deepEqual(getVias(m).map((v) => [v.host, v.transport]), [['a.example.com', 'UDP'], ['b.example.com', 'TCP']]);
    assert.equal(m.headers.getAll('Via').length, 2);
  });
  test('Contact split respects quoted commas and <> commas', () => {
    const m = parsed(request('OPTIONS', ['Contact: "Doe, John" <sip:j,r@x;a=1>;q=0.5, <sip:k@y>']));
    const c = getContacts(m);
    assert.equal(c.length, 2);
    assert.equal(c[0]?.displayName, 'Doe, John');
    assert.equal(c[0]?.uri.user, 'j,r');
    assert.equal(c[0]?.params.q, '0.5');
    assert.equal(c[1]?.uri.user, 'k');
  });
  const notSplit: [string, string][] = [
    ['WWW-Authenticate', 'Digest realm="a.com", nonce="abc", qop="auth,auth-int"'],
    ['Authorization', 'Digest username="bob", realm="a.com", uri="sip:a.com", response="x"'],
    ['Proxy-Authenticate', 'Digest realm="a.com", nonce="n1"'],
    ['Proxy-Authorization', 'Digest username="bob", realm="a.com"'],
    ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'],
    ['Subject', 'one, two'],
    ['X-Unknown', 'a, b, c'],
  ];
  for (const [name, value] of notSplit) {
    test(`${name} is not split`, () => {
      const m = parsed(request('OPTIONS', [`${name}: ${value}`]));
      assert.deepEqual(m.headers.getAll(name), [value]);
    });
  }
  test('an unterminated quote in a Contact list is bad-header', () => failsWith(request('OPTIONS', ['Contact: "abc <sip:a@b>, <sip:c@d>']), 'bad-header'));
});

describe('mandatory headers (section 8.1.1)', () => {
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    test(`missing ${name} is missing-header`, () => {
      const text = request('OPTIONS').split('\r\n').filter((l) => !l.startsWith(name + ':')).join('\r\n');
      failsWith(text, 'missing-header');
    });
  }
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    test(`two ${name} headers are bad-header`, () => {
      const line = request('OPTIONS').split('\r\n').find((l) => l.startsWith(name + ':')) as string;
      failsWith(request('OPTIONS', [line]), 'bad-header');
    });
  }
  const malformed: [string, string, string, SipParseErrorKind][] = [
    ['CSeq without method', 'CSeq: 1 OPTIONS', 'CSeq: 1', 'bad-header'],
    ['CSeq number too large', 'CSeq: 1 OPTIONS', 'CSeq: 99999999999 OPTIONS', 'bad-header'],
    ['CSeq method mismatch', 'CSeq: 1 OPTIONS', 'CSeq: 1 INVITE', 'bad-header'],
    ['Call-ID with a space', 'Call-ID: test-call-id@192.0.2.1', 'Call-ID: a b', 'bad-header'],
    ['empty Call-ID', 'Call-ID: test-call-id@192.0.2.1', 'Call-ID:', 'bad-header'],
    ['From with bad URI', 'From: <sip:alice@example.com>;tag=a1', 'From: <sip:ali ce@example.com>', 'bad-uri'],
    ['To wildcard', 'To: <sip:bob@example.com>', 'To: *', 'bad-header'],
    ['malformed Via', 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-test', 'Via: nonsense', 'bad-header'],
  ];
  for (const [name, from, to, kind] of malformed) {
    test(`${name} is ${kind}`, () => failsWith(request('OPTIONS').replace(from, to), kind));
  }
  test('a response needs no CSeq method match', () => {
    const m = parsed(request('OPTIONS').replace('OPTIONS sip:bob@example.com SIP/2.0', 'SIP/2.0 200 OK').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'));
    assert.equal(getCSeq(m).method, 'INVITE');
  });
  test('malformed Contact, Route and Record-Route are rejected at parse', () => {
    failsWith(request('OPTIONS', ['Contact: <sip:a@b']), 'bad-header');
    failsWith(request('OPTIONS', ['Route: <sip:a b>']), 'bad-uri');
    failsWith(request('OPTIONS', ['Record-Route: *']), 'bad-header');
  });
  test('Contact * is accepted alone and rejected in a list', () => {
    assert.equal(getContacts(parsed(request('REGISTER', ['Contact: *', 'Expires: 0'])))[0]?.wildcard, true);
    failsWith(request('REGISTER', ['Contact: *, <sip:a@b>']), 'bad-header');
  });
  test('accessors on a parsed message return the validated values', () => {
    const m = parsed(request('OPTIONS'));
    assert.equal(getCallId(m), 'test-call-id@192.0.2.1');
    assert.equal(getFrom(m).params.tag, 'a1');
    assert.equal(getTo(m).uri.user, 'bob');
    assert.equal(getVias(m)[0]?.params.branch, 'z9hG4bK-test');
  });
});

describe('body and Content-Length (section 18.3, 20.14)', () => {
  test('the body is exactly Content-Length bytes; extra datagram bytes are discarded', () => {
    const text = request('MESSAGE', ['Content-Type: text/plain'], 'hello') + 'EXTRA';
    const m = parsed(text);
    assert.equal(m.body.toString(), 'hello');
  });
  test('Content-Length counts bytes, not characters (UTF-8 body)', () => {
    const m = parsed(request('MESSAGE', ['Content-Type: text/plain;charset=utf-8'], 'caf\u00e9 \u2615'));
    assert.equal(m.body.toString('utf8'), 'caf\u00e9 \u2615');
  });
  test('without Content-Length the body is the rest of the datagram', () => {
    const text = wire(request('MESSAGE').split('\r\n').filter((l) => l !== '' && !l.startsWith('Content-Length')), 'rest of it');
    assert.equal(parsed(text).body.toString(), 'rest of it');
  });
  test('body shorter than Content-Length is truncated-body', () => {
    failsWith(request('MESSAGE', [], 'hello').replace('Content-Length: 5', 'Content-Length: 50'), 'truncated-body');
  });
  for (const [name, value] of [['negative', '-1'], ['not a number', 'ten'], ['fraction', '1.5'], ['huge digits', '123456789012']]) {
    test(`Content-Length ${name} is bad-content-length`, () => {
      failsWith(request('MESSAGE', [], 'hello').replace('Content-Length: 5', `Content-Length: ${value}`), 'bad-content-length');
    });
  }
  test('two equal Content-Length values are fine; different ones are bad-content-length', () => {
    assert.equal(parsed(request('MESSAGE', ['l: 5'], 'hello')).body.length, 5);
    failsWith(request('MESSAGE', ['l: 4'], 'hello'), 'bad-content-length');
  });
  test('a header section with no empty line is bad-header', () => {
    failsWith(request('OPTIONS').slice(0, -4), 'bad-header');
  });
  test('a header section that is not UTF-8 is bad-encoding', () => {
    const buf = Buffer.from(request('OPTIONS', ['Subject: caf\u00e9']), 'latin1');
    failsWith(buf, 'bad-encoding');
  });
  test('UTF-8 in header values is decoded', () => {
    const m = parsed(Buffer.from(request('OPTIONS', ['Subject: caf\u00e9 \u2615']), 'utf8'));
    assert.equal(m.headers.get('Subject'), 'caf\u00e9 \u2615');
  });
});

describe('limits (checked before the work they bound)', () => {
  test('DEFAULT_SIP_LIMITS are 64 KiB, 8 KiB, 256', () => {
    assert.deepEqual({ ...DEFAULT_SIP_LIMITS }, { maxMessageBytes: 65536, maxHeaderLineBytes: 8192, maxHeaders: 256 });
  });
  test('a message over maxMessageBytes is too-large (string and Buffer)', () => {
    const big = request('MESSAGE', [], 'x'.repeat(70_000));
    failsWith(big, 'too-large');
    failsWith(Buffer.from(big), 'too-large');
    failsWith(request('MESSAGE', [], 'x'.repeat(200)), 'too-large', { maxMessageBytes: 300 });
  });
  test('a Content-Length above the message limit is too-large', () => {
    failsWith(request('MESSAGE', [], 'x').replace('Content-Length: 1', 'Content-Length: 100000'), 'too-large');
  });
  test('a header line over maxHeaderLineBytes is line-too-long', () => {
    failsWith(request('OPTIONS', ['Subject: ' + 'a'.repeat(9000)]), 'line-too-long');
    failsWith(request('OPTIONS', ['Subject: ' + 'a'.repeat(200)]), 'line-too-long', { maxHeaderLineBytes: 100 });
  });
  test('a folded header whose unfolded length is over the limit is line-too-long', () => {
    const folded = ['Subject: start', ...Array.from({ length: 20 }, () => ' ' + 'b'.repeat(60))];
    failsWith(request('OPTIONS', folded), 'line-too-long', { maxHeaderLineBytes: 500 });
  });
  test('a start line over the limit is line-too-long', () => {
    failsWith(request('OPTIONS').replace('sip:bob@example.com', 'sip:' + 'b'.repeat(200) + '@example.com'), 'line-too-long', { maxHeaderLineBytes: 100 });
  });
  test('more than maxHeaders header lines is too-many-headers', () => {
    failsWith(request('OPTIONS', Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`)), 'too-many-headers');
    failsWith(request('OPTIONS', Array.from({ length: 5 }, (_, i) => `X-H${i}: ${i}`)), 'too-many-headers', { maxHeaders: 10 });
  });
});

describe('round trip: parse(serialize(parse(x))) equals parse(x)', () => {
  const messages: [string, string][] = [
    ['OPTIONS', request('OPTIONS', ['Allow: INVITE, ACK, BYE', 'Accept: application/sdp'])],
    ['MESSAGE with UTF-8 body', request('MESSAGE', ['Content-Type: text/plain'], 'h\u00e9llo')],
    ['folded, compact and odd-case headers', request('OPTIONS', ['s: one', '  two', 'cOnTaCt: "A, B" <sip:a@b>;q=1, <sip:c@d>', 'X-Thing: kept, as, is'])],
    ['response', request('OPTIONS').replace('OPTIONS sip:bob@example.com SIP/2.0', 'SIP/2.0 180 Ringing')],
  ];
  for (const [name, text] of messages) {
    test(name, () => {
      const a = parsed(text);
      const b = parsed(serializeMessage(a));
      assert.equal(b.kind, a.kind);
      assert.deepEqual([...b.headers.entries()], [...a.headers.entries()]);
      assert.deepEqual(b.body, a.body);
      assert.deepEqual(getVias(b), getVias(a));
      assert.deepEqual(getContacts(b), getContacts(a));
      if (a.kind === 'request' && b.kind === 'request') assert.deepEqual([b.method, b.uri], [a.method, a.uri]);
      if (a.kind === 'response' && b.kind === 'response') assert.deepEqual([b.status, b.reason], [a.status, a.reason]);
    });
  }
});
