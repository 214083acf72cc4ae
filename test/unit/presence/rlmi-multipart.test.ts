import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentType, parseMultipartRelated } from '../../../src/presence/multipart.ts';
import { parseResourceListNotification } from '../../../src/presence/resource-list-notification.ts';
import { parseRlmi } from '../../../src/presence/rlmi.ts';
import { fixture, fixtureText } from './fixtures.ts';

const T = Date.parse('2026-11-21T15:00:00Z');

describe('Content-Type parameters (RFC 2045 5.1)', () => {
  test('quoted start with <> and unquoted boundary, as Kamailio sends them', () => {
    const r = parseContentType(fixtureText('rls/kamailio-rls-notify-1.content-type'));
    assert.ok(r.ok);
    assert.equal(r.value.mediaType, 'multipart/related');
    assert.deepEqual({ ...r.value.params }, {
      type: 'application/rlmi+xml', start: '<1795274196.sip:bob-buddies@example.test.276158849>', boundary: 'JmUvJWfj2og6tMGc2BceiWnx',
    });
  });
  test('spaces after ; and unquoted start, as in the MS-PRES piggybacked 200 OK', () => {
    const r = parseContentType(fixtureText('ms-pres/v1-piggyback-200ok.content-type'));
    assert.ok(r.ok);
    assert.deepEqual([r.value.params['start'], r.value.params['boundary']], ['resourceList', 'v1bound']);
  });
  test('quoted-pair and a ; inside quotes', () => {
    const r = parseContentType('Multipart/Related; boundary="a;b\\"c"; Type=x/y');
    assert.ok(r.ok);
    assert.deepEqual([r.value.mediaType, r.value.params['boundary'], r.value.params['type']], ['multipart/related', 'a;b"c', 'x/y']);
  });
  for (const bad of ['', 'text', 'multipart/', 'a/b; x', 'a/b; x="open']) {
    test(`'${bad}' is malformed-multipart`, () => assert.equal(parseContentType(bad).ok, false));
  }
});

describe('multipart/related splitting (RFC 2046 5.1.1)', () => {
  test('the captured Kamailio change NOTIFY has an RLMI root (by start cid) and one PIDF part', () => {
    const r = parseMultipartRelated(fixture('rls/kamailio-rls-notify-2.body'), fixtureText('rls/kamailio-rls-notify-2.content-type'));
    assert.ok(r.ok);
    assert.equal(r.value.parts.length, 2);
    assert.equal(r.value.root.contentId, '1795274197.sip:bob-buddies@example.test.224972018');
    assert.equal(r.value.root.contentType.mediaType, 'application/rlmi+xml');
    assert.equal(r.value.root.contentType.params['charset'], 'UTF-8');
    const pidf = r.value.parts[1]!;
    assert.equal(pidf.contentId, '1795274197.sip:alice@example.test.569000502');
    assert.equal(pidf.headers.get('content-transfer-encoding'), 'binary');
    const text = pidf.body.toString('utf8');
    assert.ok(text.startsWith('<?xml') && text.endsWith('</presence>\n'), JSON.stringify(text.slice(-20)));
  });

  test('the LF-only form (as stored in the trace log) splits the same way', () => {
    const crlf = parseMultipartRelated(fixture('rls/kamailio-rls-notify-2.body'), fixtureText('rls/kamailio-rls-notify-2.content-type'));
    const lf = parseMultipartRelated(fixture('rls/kamailio-rls-notify-2.log-form.body'), fixtureText('rls/kamailio-rls-notify-2.content-type'));
    assert.ok(crlf.ok && lf.ok);
    assert.deepEqual(lf.value.parts.map((p) => p.contentId), crlf.value.parts.map((p) => p.contentId));
    assert.equal(lf.value.parts[1]!.body.toString(), crlf.value.parts[1]!.body.toString());
  });

  test('boundary text inside a part does not split it unless it starts a line; preamble and epilogue are ignored', () => {
    const body = 'preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee --b1 here\r\n--b1x not a delimiter\r\n--b1 \t\r\n\r\nno headers\r\n--b1--\r\nepilogue';
    const r = parseMultipartRelated(body, 'multipart/related; boundary=b1');
    assert.ok(r.ok);
    assert.deepEqual(r.value.parts.map((p) => p.body.toString()), ['see --b1 here\r\n--b1x not a delimiter', 'no headers']);
    assert.equal(r.value.parts[1]!.contentType.mediaType, 'text/plain', 'RFC 2046 default');
    assert.equal(r.value.root, r.value.parts[0], 'no start: the first part is the root');
  });

  const errors: [string, string, string, string][] = [
    ['no boundary parameter', '--b\r\n\r\nx\r\n--b--', 'multipart/related', 'malformed-multipart'],
    ['boundary not in the body', 'nothing here', 'multipart/related; boundary=b', 'malformed-multipart'],
    ['no closing delimiter', '--b\r\n\r\nx\r\n', 'multipart/related; boundary=b', 'malformed-multipart'],
    ['start cid that no part has', '--b\r\nContent-ID: <x>\r\n\r\nx\r\n--b--', 'multipart/related; boundary=b; start="<y>"', 'malformed-multipart'],
    ['not multipart/related', '--b\r\n\r\nx\r\n--b--', 'multipart/mixed; boundary=b', 'unsupported-content-type'],
  ];
  for (const [name, body, ct, kind] of errors) {
    test(`${name} is ${kind}`, () => {
      const r = parseMultipartRelated(body, ct);
      assert.equal(r.ok ? 'ok' : r.error.kind, kind);
    });
  }

  test('bounds the whole body and the number of parts', () => {
    const many = Array.from({ length: 5 }, (_, i) => `--b\r\n\r\np${i}\r\n`).join('') + '--b--';
    assert.equal(parseMultipartRelated(many, 'multipart/related; boundary=b').ok, true);
    const r = parseMultipartRelated(many, 'multipart/related; boundary=b', { maxParts: 3 });
    assert.equal(r.ok ? 'ok' : r.error.kind, 'malformed-multipart');
    const big = parseMultipartRelated(many, 'multipart/related; boundary=b', { maxBytes: 20 });
    assert.equal(big.ok ? 'ok' : big.error.kind, 'too-large');
  });
});

describe('RLMI documents (RFC 4662 section 5)', () => {
  test('list attributes, resources, instances and names', () => {
    const r = parseRlmi('<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" version="7" fullState="false" cid="c0"><name xml:lang="en">Buddies</name><resource uri="sip:a@x"><name>A</name><instance id="i1" state="terminated" reason="noresource"/></resource></list>');
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      uri: 'sip:l@x', version: 7, fullState: false, cid: 'c0', names: [{ text: 'Buddies', lang: 'en' }],
      resources: [{ uri: 'sip:a@x', names: [{ text: 'A', lang: null }], instances: [{ id: 'i1', state: 'terminated', reason: 'noresource', cid: null, poolFqdn: null }] }],
    });
  });
  const bad: [string, string, string][] = [
    ['missing version', '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" fullState="true"/>', 'missing-field'],
    ['non-numeric version', '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" version="x" fullState="true"/>', 'invalid-value'],
    ['bad fullState', '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" version="1" fullState="yes"/>', 'invalid-value'],
    ['missing list uri', '<list xmlns="urn:ietf:params:xml:ns:rlmi" version="1" fullState="true"/>', 'missing-field'],
    ['resource without uri', '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" version="1" fullState="true"><resource/></list>', 'missing-field'],
    ['wrong namespace', '<list uri="sip:l@x" version="1" fullState="true"/>', 'unexpected-document'],
  ];
  for (const [name, body, kind] of bad) test(`${name} is ${kind}`, () => {
    const r = parseRlmi(body);
    assert.equal(r.ok ? 'ok' : r.error.kind, kind);
  });
});

describe('list notifications: one Presence per resource (protocol-notes V7 and V1)', () => {
  test('V7 first NOTIFY (version 1, full state, no instances yet): two known resources, presence unknown', () => {
    const r = parseResourceListNotification(fixture('rls/kamailio-rls-notify-1.body'), fixtureText('rls/kamailio-rls-notify-1.content-type'), { observedAt: T });
    assert.ok(r.ok);
    assert.deepEqual([r.value.list.uri, r.value.list.version, r.value.list.fullState], ['sip:bob-buddies@example.test', 1, true]);
    assert.deepEqual(r.value.resources.map((e) => [e.uri, e.instance, e.presence, e.error]), [
      ['sip:alice@example.test', null, null, null],
      ['sip:carol@example.test', null, null, null],
    ]);
  });

  test('V7 change NOTIFY (version 2, partial): alice away "Back at four" from the part whose Content-ID is the cid', () => {
    const r = parseResourceListNotification(fixture('rls/kamailio-rls-notify-2.body'), fixtureText('rls/kamailio-rls-notify-2.content-type'), { observedAt: T });
    assert.ok(r.ok);
    assert.deepEqual([r.value.list.version, r.value.list.fullState, r.value.resources.length], [2, false, 1]);
    const alice = r.value.resources[0]!;
    assert.deepEqual(alice.instance, { id: 'Scf8UhwQ', state: 'active', reason: null, cid: '1795274197.sip:alice@example.test.569000502', poolFqdn: null });
    assert.deepEqual([alice.presence?.uri, alice.presence?.availability, alice.presence?.activity?.token, alice.presence?.note?.text, alice.presence?.observedAt],
      ['sip:alice@example.test', 'away', 'away', 'Back at four', T]);
  });

  test('V1 piggybacked 200 OK: MS-PRES categories part for alice, resubscribe with poolFqdn for john', () => {
    const r = parseResourceListNotification(fixture('ms-pres/v1-piggyback-200ok.body'), fixtureText('ms-pres/v1-piggyback-200ok.content-type'), { observedAt: T });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const [alice, john] = r.value.resources;
    assert.deepEqual(
      { a: alice?.presence?.availability, code: alice?.presence?.availabilityCode, device: alice?.presence?.device, note: alice?.presence?.note, instance: alice?.presence?.version.instance, at: alice?.presence?.version.publishedAt, source: alice?.presence?.source },
      { a: 'online', code: 3500, device: 'computer', note: null, instance: '1', at: Date.parse('2026-11-21T14:00:00Z'), source: 'ms-pres' },
    );
    assert.equal(alice?.msPresCategories?.categories.length, 2);
    assert.equal(john?.instance?.state, 'resubscribe');
    assert.equal(john?.instance?.poolFqdn, 'pool2.contoso.com');
    assert.equal(john?.presence, null, 'no part for john: presence unknown');
  });

  test('several resources with PIDF parts; a broken part marks only its resource', () => {
    const pidf = (who: string, act: string) => `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:${who}@x"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:${act}/></rpid:activities></dm:person></presence>`;
    const body = [
      '--B', 'Content-ID: <root>', 'Content-Type: application/rlmi+xml', '',
      '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:list@x" version="3" fullState="true"><resource uri="sip:a@x"><instance id="1" state="active" cid="pa"/></resource><resource uri="sip:b@x"><instance id="2" state="active" cid="pb"/></resource><resource uri="sip:c@x"><instance id="3" state="active" cid="pc"/></resource><resource uri="sip:d@x"><instance id="4" state="pending"/></resource></list>',
      '--B', 'Content-ID: <pa>', 'Content-Type: application/pidf+xml', '', pidf('a', 'busy'),
      '--B', 'Content-ID: <pb>', 'Content-Type: application/pidf+xml', '', '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:b@x"><note>&bad;</note></presence>',
      '--B', 'Content-ID: <pc>', 'Content-Type: text/plain', '', 'hello',
      '--B--', '',
    ].join('\r\n');
    const r = parseResourceListNotification(body, 'multipart/related; type="application/rlmi+xml"; start="<root>"; boundary=B', { observedAt: T });
    assert.ok(r.ok);
    assert.deepEqual(r.value.resources.map((e) => [e.uri, e.presence?.availability ?? null, e.error?.kind ?? null, e.instance?.state]), [
      ['sip:a@x', 'busy', null, 'active'],
      ['sip:b@x', null, 'entity-forbidden', 'active'],
      ['sip:c@x', null, 'unsupported-content-type', 'active'],
      ['sip:d@x', null, null, 'pending'],
    ]);
  });

  test('a root part that is not RLMI is unsupported-content-type', () => {
    const r = parseResourceListNotification('--B\r\nContent-Type: application/pidf+xml\r\n\r\n<x/>\r\n--B--', 'multipart/related; boundary=B', { observedAt: T });
    assert.equal(r.ok ? 'ok' : r.error.kind, 'unsupported-content-type');
  });
});
