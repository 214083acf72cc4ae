// The `voice:` block: every option read, defaults, and one clear located message per mistake.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { lineOf } from '../../../src/config/config-location.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { parseVoiceConfig, isAddressOrCidr, uriTransport } from '../../../src/config/voice-settings.ts';
import type { ConfigPath } from '../../../src/config/config-reader.ts';

/** Parses YAML text and locates paths the way the configuration loader does (key line of the deepest node). */
function parse(text: string, baseDir = '/etc/ucc') {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const ctx = { file: 'voice.yaml', doc, lc };
  const at = (path: ConfigPath) => ({ file: 'voice.yaml', line: lineOf(ctx, [...path]) });
  const data = doc.toJS() as { voice?: unknown };
  const r = parseVoiceConfig(data.voice, at, { baseDir });
  return { ...r, messages: r.issues.map(formatIssue) };
}

describe('voice: configuration', () => {
  test('a minimal block: domain only; defaults for everything else', () => {
    const r = parse('voice:\n  domain: example.test\n');
    assert.ok(r.config);
    assert.deepEqual(r.config.listen, [{ protocol: 'udp', host: '127.0.0.1', port: 5060 }]);
    assert.equal(r.config.callerMedia, 'ringback');
    assert.equal(r.config.maxLegs, 10_000);
    assert.equal(r.config.maxSdpBytes, 16_384);
    assert.equal(r.config['sip-enable-moh'], false);
    assert.equal(r.config['reuse-sdp-on-reinvite'], true);
    assert.equal(r.config['refer-enabled'], false);
    assert.equal(r.config['dual-dialog-enabled'], false);
    assert.equal(r.config['make-call-rfc3725-flow'], 1);
    assert.equal(r.config.rtpengine, undefined);
    assert.deepEqual(r.messages, ['voice.yaml:1: warning: voice: no trunks: every inbound INVITE is refused with 403']);
  });

  test('every option of a full block is read', () => {
    const r = parse(`voice:
  listen:
    - { protocol: udp, host: 127.0.0.1, port: 5080, receiveBufferBytes: 1048576 }
    - { protocol: tcp, port: 5080 }
  sip-port-tls: 5081
  tls: { certFile: certs/ucc.pem, keyFile: /etc/ucc/certs/ucc.key }
  contact-host: ucc.example.test
  trunks:
    - { dn: 9000, addresses: [127.0.0.1, 192.0.2.0/24, "2001:db8::/32"], username: carrier, password: s3cret }
  proxy: sip:127.0.0.1:5070;transport=tcp
  domain: example.test
  username: ucc
  password: pw
  rtpengine: udp:127.0.0.1:2223
  music: media/music.wav
  ringback: /var/lib/ucc/ringback.wav
  caller-media: early-media
  desktop-answer: ["sip:alice@example.test", "1001"]
  userdata-headers: [X-Account, { header: X-Prio, key: Priority }]
  max-legs: 500
  max-sdp-bytes: 4096
  sip-enable-moh: true
  sip-enable-100rel: false
  reuse-sdp-on-reinvite: true
  refer-enabled: false
  dual-dialog-enabled: false
  make-call-rfc3725-flow: 1
`);
    assert.deepEqual(r.messages, []);
    const c = r.config!;
    assert.deepEqual(c.listen, [
      { protocol: 'udp', host: '127.0.0.1', port: 5080, receiveBufferBytes: 1048576 },
      { protocol: 'tcp', host: '127.0.0.1', port: 5080 },
      { protocol: 'tls', host: '127.0.0.1', port: 5081 },
    ]);
    assert.deepEqual(c.tls, { certFile: '/etc/ucc/certs/ucc.pem', keyFile: '/etc/ucc/certs/ucc.key' });
    assert.equal(c.contactHost, 'ucc.example.test');
    assert.deepEqual(c.trunks, [{ dn: '9000', addresses: ['127.0.0.1', '192.0.2.0/24', '2001:db8::/32'], credentials: { username: 'carrier', password: 's3cret' } }]);
    assert.equal(c.proxy, 'sip:127.0.0.1:5070;transport=tcp');
    assert.deepEqual(c.credentials, { username: 'ucc', password: 'pw' });
    assert.deepEqual(c.rtpengine, { host: '127.0.0.1', port: 2223, address: 'udp:127.0.0.1:2223' });
    assert.equal(c.music, '/etc/ucc/media/music.wav', 'relative paths are resolved against the file\'s folder');
    assert.equal(c.ringback, '/var/lib/ucc/ringback.wav');
    assert.equal(c.callerMedia, 'early-media');
    assert.deepEqual(c.desktopAnswer, ['sip:alice@example.test', '1001']);
    assert.deepEqual(c.userDataHeaders, [{ header: 'X-Account', key: 'X-Account' }, { header: 'X-Prio', key: 'Priority' }]);
    assert.equal(c.maxLegs, 500);
    assert.equal(c.maxSdpBytes, 4096);
    assert.equal(c['sip-enable-moh'], true);
    assert.equal(c['sip-port-tls'], 5081);
  });

  test('mistakes are reported all at once, each at its line, naming the option', () => {
    const r = parse(`voice:
  listen:
    - { protocol: sctp, port: 5060 }
    - { protocol: tcp, port: 5060, receiveBufferBytes: 1048576 }
  trunks:
    - { dn: 9000, addresses: [10.0.0.300, 10.0.0.0/33] }
    - { addresses: [] }
  proxy: "127.0.0.1:5070"
  rtpengine: 127.0.0.1:2223
  caller-media: music
  sip-enable-100rel: true
  max-legs: 0
  no-answer-timeout: 15
  sip-enable-mho: true
`);
    assert.equal(r.config, undefined);
    assert.deepEqual([...r.messages].sort(byLine), [
      'voice.yaml:1: voice: needs domain (the knowledge workers\' SIP domain, e.g. example.test)',
      'voice.yaml:3: voice.listen[0].protocol: must be one of udp, tcp, tls',
      'voice.yaml:4: voice.listen[1].receiveBufferBytes: only for protocol udp',
      'voice.yaml:6: voice.trunks[0].addresses[0]: must be an IPv4/IPv6 address or CIDR block such as 192.0.2.0/24 (got "10.0.0.300")',
      'voice.yaml:6: voice.trunks[0].addresses[1]: must be an IPv4/IPv6 address or CIDR block such as 192.0.2.0/24 (got "10.0.0.0/33")',
      'voice.yaml:7: voice.trunks[1]: needs dn (the Trunk DN its calls arrive through)',
      'voice.yaml:7: voice.trunks[1]: needs addresses (the IP addresses or CIDR blocks it sends from)',
      'voice.yaml:8: voice.proxy: must be a SIP URI such as sip:127.0.0.1:5070 (got "127.0.0.1:5070")',
      'voice.yaml:9: voice.rtpengine: must be udp:<host>:<port>, the ng control socket (got "127.0.0.1:2223")',
      'voice.yaml:10: voice.caller-media: must be one of ringback, early-media, answer',
      'voice.yaml:11: voice.sip-enable-100rel: only false is supported: reliable provisional responses (PRACK, RFC 3262) are not implemented',
      'voice.yaml:12: voice.max-legs: must be an integer 1..1000000',
      'voice.yaml:13: voice.no-answer-timeout: belongs to the T-Server: set it in the TServer application\'s options (the switch only reports that a phone did not answer)',
      'voice.yaml:14: voice.sip-enable-mho: unknown key (known: listen, tls, contact-host, trunks, proxy, domain, username, password, rtpengine, music, ringback, caller-media, desktop-answer, userdata-headers, max-legs, max-sdp-bytes, sip-enable-moh, sip-enable-100rel, reuse-sdp-on-reinvite, refer-enabled, dual-dialog-enabled, make-call-rfc3725-flow, sip-port-tls, no-answer-timeout)',
    ].sort(byLine));
  });

  test('listener limits (maxConnections, maxConnectionsPerAddress, stallTimeoutMs): read for tcp and tls, refused for udp, bounded, located', () => {
    const ok = parse(`voice:
  domain: example.test
  listen:
    - { protocol: tcp, port: 5060, maxConnections: 500, maxConnectionsPerAddress: 50, stallTimeoutMs: 5000 }
    - { protocol: udp, port: 5060 }
`);
    assert.deepEqual(ok.config?.listen, [
      { protocol: 'tcp', host: '127.0.0.1', port: 5060, maxConnections: 500, maxConnectionsPerAddress: 50, stallTimeoutMs: 5000 },
      { protocol: 'udp', host: '127.0.0.1', port: 5060 },
    ]);
    const bad = parse(`voice:
  domain: example.test
  listen:
    - { protocol: udp, port: 5060, maxConnections: 10 }
    - { protocol: tcp, port: 5060, maxConnections: 10, maxConnectionsPerAddress: 11 }
    - { protocol: tcp, port: 5061, stallTimeoutMs: -1, maxConnections: 0 }
`);
    assert.equal(bad.config, undefined);
    assert.deepEqual([...bad.messages].filter((m) => !m.includes('no trunks')).sort(byLine), [
      'voice.yaml:4: voice.listen[0].maxConnections: only for protocols tcp and tls',
      'voice.yaml:5: voice.listen[1].maxConnectionsPerAddress: must not exceed maxConnections (10)',
      'voice.yaml:6: voice.listen[2].maxConnections: must be an integer 1..1000000 (connections)',
      'voice.yaml:6: voice.listen[2].stallTimeoutMs: must be an integer 0..3600000 (ms, 0 never)',
    ].sort(byLine));
  });

  test('cross-checks: tls needs certificates, the proxy transport needs a listener, early media needs a relay and a file', () => {
    const r = parse(`voice:
  domain: example.test
  sip-port-tls: 5061
  proxy: sip:127.0.0.1:5070;transport=tcp
  caller-media: answer
  username: only-user
`);
    assert.deepEqual([...r.messages].sort(byLine), [
      'voice.yaml:1: voice: username and password go together',
      'voice.yaml:1: warning: voice: no trunks: every inbound INVITE is refused with 403',
      'voice.yaml:3: voice.sip-port-tls: a tls listener needs voice.tls (certFile and keyFile)',
      'voice.yaml:4: voice.proxy: uses transport tcp but no voice listener has protocol tcp',
      'voice.yaml:5: voice.caller-media: answer needs rtpengine (the relay plays the file)',
      'voice.yaml:5: voice.caller-media: answer needs ringback or music (the file the caller hears)',
    ].sort(byLine));
  });

  test('options accepted without effect here are warnings that say why', () => {
    const r = parse(`voice:
  domain: example.test
  trunks: [{ dn: "9000", addresses: [127.0.0.1] }]
  sip-enable-moh: true
  reuse-sdp-on-reinvite: false
  refer-enabled: true
  dual-dialog-enabled: true
`);
    assert.ok(r.config);
    assert.deepEqual(r.messages, [
      'voice.yaml:4: warning: voice.sip-enable-moh: music on hold needs rtpengine and music: held parties hear silence',
      'voice.yaml:5: warning: voice.reuse-sdp-on-reinvite: has no effect: re-INVITEs always carry the party\'s last valid SDP (never an offer-less re-INVITE)',
      'voice.yaml:6: warning: voice.refer-enabled: has no effect: REFER is not implemented, transfers re-bridge the legs in the switch',
      'voice.yaml:7: warning: voice.dual-dialog-enabled: has no effect: a consultation call always reuses the initiator\'s dialog',
    ]);
  });

  test('a voice block that is not a map, and bad types', () => {
    assert.deepEqual(parse('voice: 3\n').messages, ['voice.yaml:1: voice: must be a map']);
    const r = parse('voice:\n  domain: "bad domain"\n  listen: udp\n  desktop-answer: [""]\n  userdata-headers: ["X Bad"]\n');
    assert.deepEqual(r.messages, [
      'voice.yaml:3: voice.listen: must be a list',
      'voice.yaml:2: voice.domain: must be a host name or IP address (got "bad domain")',
      'voice.yaml:1: warning: voice: no trunks: every inbound INVITE is refused with 403',
      'voice.yaml:4: voice.desktop-answer[0]: must be a non-empty string',
      'voice.yaml:5: voice.userdata-headers[0]: must be a SIP header name (a token), got "X Bad"',
    ]);
  });

  test('address, CIDR and URI transport helpers', () => {
    for (const ok of ['127.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', '2001:db8::/32', '::/0']) assert.equal(isAddressOrCidr(ok), true, ok);
    for (const bad of ['localhost', '10.0.0.0/', '10.0.0.0/33', '::1/129', '1.2.3.4/8/8', '10.0.0.1/x']) assert.equal(isAddressOrCidr(bad), false, bad);
    assert.equal(uriTransport('sip:a@b'), 'udp');
    assert.equal(uriTransport('sip:a@b;transport=TCP'), 'tcp');
    assert.equal(uriTransport('sips:a@b'), 'tls');
    assert.equal(uriTransport('sip:a@b;transport=sctp'), undefined);
  });

  test('config/voice.yaml: its voice block is valid, without warnings', () => {
    const text = readFileSync('config/voice.yaml', 'utf8');
    const r = parse(text, 'config');
    assert.deepEqual(r.messages, []);
    assert.ok(r.config?.rtpengine && r.config.trunks.length > 0 && r.config.proxy);
  });
});

function byLine(a: string, b: string): number {
  const la = Number(a.split(':')[1]);
  const lb = Number(b.split(':')[1]);
  return la - lb || (a < b ? -1 : a > b ? 1 : 0);
}
