// `presence: { mode: ms-pres }` in the top file: what a valid block becomes, and one test per error
// (each names the file, the line and the option, as `ucc check-config` prints them).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';

function load(text: string, file = 'conf/p.yaml') {
  return parseConfigText(text, file, { hashPasswords: false });
}

/** Every formatted issue of `text` (empty when it loads without warnings). */
function issues(text: string, file = 'conf/p.yaml'): string[] {
  const r = load(text, file);
  if (r.ok) return r.value.warnings.map(formatIssue);
  if (r.error.kind === 'unreadable') return [`unreadable ${r.error.file}`];
  return r.error.issues.map(formatIssue);
}

const pool = 'registrar-uri: "sip:pool01.contoso.com:5061;transport=tls"';
const me = 'contact: "sip:ucc@contoso.com"';
const certs = 'tls: { certFile: certs/ucc.pem, keyFile: certs/ucc.key, caFile: /etc/ucc/contoso-ca.pem }';
const block = (...lines: string[]): string => `presence:\n  mode: ms-pres\n${lines.map((l) => `  ${l}\n`).join('')}`;

describe('presence mode ms-pres', () => {
  test('a trusted application over mutual TLS: default listener tls 127.0.0.1:5061, PEM paths resolved against the file', () => {
    const r = load(block(pool, me, certs));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
    assert.deepEqual(r.value.settings.presence, {
      mode: 'ms-pres',
      registrarUri: 'sip:pool01.contoso.com:5061;transport=tls',
      contact: 'sip:ucc@contoso.com',
      listen: [{ protocol: 'tls', host: '127.0.0.1', port: 5061 }],
      tls: { certFile: resolve(join('conf', 'certs/ucc.pem')), keyFile: resolve(join('conf', 'certs/ucc.key')), caFile: '/etc/ucc/contoso-ca.pem' },
    });
  });

  test('listen, the expiries and the batch size reach the settings; udp/tcp listeners need no certificate', () => {
    const r = load(block('registrar-uri: "sip:10.0.0.5:5060;transport=tcp"', me, 'listen:', '  - { protocol: tcp, host: 0.0.0.0, port: 5071 }',
      '  - { protocol: udp, port: 5072, receiveBufferBytes: 4194304 }', 'registerExpires: 1800', 'subscribeExpires: 600', 'maxBatchSize: 150'));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
    assert.deepEqual(r.value.settings.presence, {
      mode: 'ms-pres',
      registrarUri: 'sip:10.0.0.5:5060;transport=tcp',
      contact: 'sip:ucc@contoso.com',
      listen: [{ protocol: 'tcp', host: '0.0.0.0', port: 5071 }, { protocol: 'udp', host: '127.0.0.1', port: 5072, receiveBufferBytes: 4194304 }],
      registerExpires: 1800,
      subscribeExpires: 600,
      maxBatchSize: 150,
    });
  });

  test('registrar-uri and contact are required', () => {
    assert.deepEqual(issues(block(certs)), [
      "conf/p.yaml:1: presence: mode ms-pres needs registrar-uri (the pool's SIP URI)",
      "conf/p.yaml:1: presence: mode ms-pres needs contact (the connector's own SIP URI)",
    ]);
  });

  test('registrar-uri and contact must be SIP URIs', () => {
    assert.deepEqual(issues(block('registrar-uri: pool01.contoso.com', 'contact: ucc@contoso.com', certs)), [
      'conf/p.yaml:3: presence.registrar-uri: must be a SIP URI',
      'conf/p.yaml:4: presence.contact: must be a SIP URI',
    ]);
  });

  test('the default tls listener without presence.tls is an error at presence', () => {
    assert.deepEqual(issues(block(pool, me)), ["conf/p.yaml:1: presence: a tls listener needs presence.tls (certFile and keyFile: the trusted application's certificate)"]);
  });

  test('a listed tls listener without presence.tls is an error at that listener', () => {
    assert.deepEqual(issues(block(pool, me, 'listen:', '  - { protocol: tcp, port: 5060 }', '  - { protocol: tls, port: 5061 }')), [
      "conf/p.yaml:7: presence.listen[1]: a tls listener needs presence.tls (certFile and keyFile: the trusted application's certificate)",
    ]);
  });

  test('presence.tls without a tls listener is an error', () => {
    assert.deepEqual(issues(block('registrar-uri: "sip:10.0.0.5;transport=tcp"', me, 'listen: [{ protocol: tcp, port: 5060 }]', certs)), [
      'conf/p.yaml:6: presence.tls: only for a tls listener',
    ]);
  });

  test('presence.tls needs certFile and keyFile, and knows no other key', () => {
    assert.deepEqual(issues(block(pool, me, 'tls: { certFile: a.pem, password: x }')), [
      'conf/p.yaml:5: presence.tls.keyFile: is required',
      'conf/p.yaml:5: presence.tls.password: unknown key',
    ]);
    assert.deepEqual(issues(block(pool, me, 'tls: { certFile: "", keyFile: a.key }')), ['conf/p.yaml:5: presence.tls.certFile: must not be empty']);
  });

  test('the registrar-uri transport, as the stack picks it (sips: is tls, none is udp), needs a listener of that protocol', () => {
    assert.deepEqual(issues(block('registrar-uri: "sip:10.0.0.5:5060;transport=tcp"', me, certs)), [
      'conf/p.yaml:3: presence.registrar-uri: uses transport tcp but no presence.listen entry has protocol tcp',
    ]);
    assert.deepEqual(issues(block('registrar-uri: "sips:pool01.contoso.com"', me, 'listen: [{ protocol: udp, port: 5060 }]')), [
      'conf/p.yaml:3: presence.registrar-uri: uses transport tls but no presence.listen entry has protocol tls',
    ]);
    // No transport parameter: the stack sends over udp (RFC 3261 section 18.1.1).
    assert.deepEqual(issues(block('registrar-uri: "sip:pool01.contoso.com"', me, 'listen: [{ protocol: udp, port: 5060 }]')), []);
    assert.deepEqual(issues(block('registrar-uri: "sip:pool01.contoso.com"', me, certs)), [
      'conf/p.yaml:3: presence.registrar-uri: uses transport udp but no presence.listen entry has protocol udp',
    ]);
    // sips: with transport=tcp is still TLS over TCP.
    assert.deepEqual(issues(block('registrar-uri: "sips:pool01.contoso.com;transport=tcp"', me, certs)), []);
    assert.deepEqual(issues(block('registrar-uri: "sips:pool01.contoso.com;transport=tcp"', me, 'listen: [{ protocol: tcp, port: 5060 }]')), [
      'conf/p.yaml:3: presence.registrar-uri: uses transport tls but no presence.listen entry has protocol tls',
    ]);
  });

  test('expiries and batch size are bounded', () => {
    assert.deepEqual(issues(block(pool, me, certs, 'registerExpires: 0', 'subscribeExpires: 100000', 'maxBatchSize: 0')), [
      'conf/p.yaml:6: presence.registerExpires: must be seconds, 60..86400',
      'conf/p.yaml:7: presence.subscribeExpires: must be seconds, 60..86400',
      'conf/p.yaml:8: presence.maxBatchSize: must be users per batch SUBSCRIBE, 1..1000',
    ]);
    assert.deepEqual(issues(block(pool, me, certs, 'maxBatchSize: 2.5')), ['conf/p.yaml:6: presence.maxBatchSize: must be users per batch SUBSCRIBE, 1..1000']);
  });

  test('receiveBufferBytes stays udp only', () => {
    assert.deepEqual(issues(block(pool, me, certs, 'listen: [{ protocol: tls, port: 5061, receiveBufferBytes: 4194304 }]')), [
      'conf/p.yaml:6: presence.listen[0].receiveBufferBytes: only for protocol udp',
    ]);
  });

  test('settings of mode sip are errors under ms-pres, and ms-pres settings under the other modes', () => {
    assert.deepEqual(issues(block(pool, me, certs, 'aor: "sip:ucc@contoso.com"', 'register: true')), [
      'conf/p.yaml:6: presence.aor: only for mode sip',
      'conf/p.yaml:7: presence.register: only for mode sip',
    ]);
    assert.deepEqual(issues('presence:\n  mode: sip\n  aor: "sip:ucc@example.test"\n  proxy: "sip:10.0.0.2"\n  registrar-uri: "sip:pool"\n  maxBatchSize: 10\n'), [
      'conf/p.yaml:5: presence.registrar-uri: only for mode ms-pres',
      'conf/p.yaml:6: presence.maxBatchSize: only for mode ms-pres',
    ]);
    assert.deepEqual(issues(`presence:\n  mode: standalone\n  ${me}\n  listen: [{ protocol: udp, port: 5060 }]\n`), [
      'conf/p.yaml:3: presence.contact: only for mode ms-pres',
      'conf/p.yaml:4: presence.listen: only for modes sip and ms-pres',
    ]);
  });

  test('an unknown mode lists the three', () => {
    assert.deepEqual(issues('presence: { mode: lync }\n'), ['conf/p.yaml:1: presence.mode: must be one of standalone, sip, ms-pres']);
  });

  test('presence belongs to the top file only', () => {
    const files: Record<string, string> = { 'conf/more.yaml': block(pool, me, certs) };
    const r = parseConfigText('include: [more.yaml]\n', 'conf/p.yaml', { hashPasswords: false, readFile: (p) => files[p] ?? '' });
    assert.ok(!r.ok && r.error.kind === 'invalid');
    assert.deepEqual(r.error.issues.map(formatIssue), ['conf/more.yaml:1: presence: only allowed in the top-level file']);
  });
});
