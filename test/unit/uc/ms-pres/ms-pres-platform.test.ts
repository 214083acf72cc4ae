// The ms-pres adapter against a Front End played by our own SipStack (test/support/fake-ms-front-end.ts)
// over the in-memory network, with a ManualClock driving batching, keep-alive, backoff and timers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import type { Presence } from '../../../../src/presence/presence.ts';
import { parseMsPresBatchSubscribe } from '../../../../src/presence/ms-pres-batch-subscribe.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import { connectorInstances } from '../../../../src/uc/ms-pres/connector-publication.ts';
import { MsPresPlatform } from '../../../../src/uc/ms-pres/ms-pres-platform.ts';
import type { MsPresPlatformOptions } from '../../../../src/uc/ms-pres/ms-pres-platform.ts';
import type { UcConnectionState, UcKnowledgeWorker } from '../../../../src/uc/uc-platform.ts';
import { categoriesBody, FakeFrontEnd } from '../../../support/fake-ms-front-end.ts';
import { pass as passClock, settle as settleClock } from '../../../support/virtual-time.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@contoso.com' };
const john: UcKnowledgeWorker = { userName: 'john', contact: 'sip:john@contoso.com' };
const carol: UcKnowledgeWorker = { userName: 'carol', contact: 'sip:carol@contoso.com' };

const onCall: Presence = {
  uri: alice.contact, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null }, note: null, device: null,
  source: 'ms-pres', version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: null, lastActive: null,
};
const fault = (index: number, cur: number) =>
  `<Fault><Faultcode>Client.BadCall.WrongDelta</Faultcode><details><operation index="${index}" version="0" curVersion="${cur}"></operation></details></Fault>`;

async function world(options: Partial<MsPresPlatformOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 15, 0, 0));
  const net = new InMemoryNetwork(clock);
  const feStack = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.2', port: 5060 })] });
  const fe = new FakeFrontEnd(feStack, 'sip:fe01.contoso.com@127.0.0.2:5060');
  fe.firstNotification = (users) => users.includes(alice.contact) ? categoriesBody(alice.contact, 3500) : undefined;
  const stack = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.1', port: 5060 })] });
  const platform = new MsPresPlatform({
    registrarUri: 'sip:127.0.0.2:5060', contact: 'sip:ucc@contoso.com', stack, transport: 'udp', clock,
    keepAliveIntervalMs: 0, backoff: { baseMs: 1000, maxMs: 8000 }, ...options,
  });
  const presences: Array<[string, Presence]> = [];
  const states: UcConnectionState[] = [];
  platform.on('presence', (kw, p) => presences.push([kw.userName, p]));
  platform.on('connectionState', (s) => states.push(s));
  const settle = (): Promise<void> => settleClock(clock, 30);
  const pass = (ms: number, step = 250): Promise<void> => passClock(clock, ms, step, 30);
  const run = async <T>(p: Promise<T>): Promise<T> => {
    const caught = p.then((v) => ({ v }), (e: unknown) => ({ e }));
    await settle();
    const r = await caught;
    if ('e' in r) throw r.e;
    return r.v;
  };
  /** Responses the adapter sent to requests of `method` (the wire, both ways). */
  const responsesTo = (method: string) => net.sent.map((p) => p.data.toString('latin1'))
    .filter((m) => m.startsWith('SIP/2.0') && new RegExp(`^CSeq:\\s*\\d+\\s+${method}\\s*$`, 'mi').test(m));
  const close = async () => {
    await run(platform.stop());
    await feStack.close();
    await stack.close();
  };
  return { clock, net, fe, feStack, stack, platform, presences, states, settle, pass, run, responsesTo, close };
}

describe('MsPresPlatform: stop with the pool gone', () => {
  test('stop() gives up after the one stop deadline (publications, un-SUBSCRIBE, un-REGISTER), not after Timer F', async () => {
    const w = await world({ stopTimeoutMs: 2000 });
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    await w.run(w.platform.publish(alice, onCall));
    w.net.lossFilter = () => true; // the front end is gone
    let done = false;
    const stopped = w.platform.stop().then(() => (done = true));
    await w.pass(1750);
    assert.equal(done, false, 'still waiting for the answers');
    await w.pass(500);
    assert.equal(done, true, 'stopped within the one 2 s deadline');
    await stopped;
    assert.equal(w.platform.connectionState, 'stopped');
    await w.feStack.close();
    await w.stack.close();
  });
});

describe('MsPresPlatform: registration and batch subscription', () => {
  test('REGISTERs contact at registrar-uri, then one batch SUBSCRIBE for the KWs subscribed together', async () => {
    const w = await world();
    await w.run(w.platform.start());
    const reg = w.fe.requests('REGISTER')[0]!;
    assert.equal(reg.uri, 'sip:127.0.0.2:5060');
    assert.match(reg.headers.get('To') ?? '', /sip:ucc@contoso\.com/);
    const list = (r: typeof reg, h: string) => r.headers.getAll(h).join(', ');
    assert.match(list(reg, 'Supported'), /adhoclist/);
    assert.match(list(reg, 'Supported'), /msrtc-event-categories/);
    assert.equal(w.platform.connectionState, 'connected');

    w.platform.subscribe(alice);
    w.platform.subscribe(john);
    await w.pass(50, 50);
    const subs = w.fe.requests('SUBSCRIBE');
    assert.equal(subs.length, 1, 'coalesced into one batch SUBSCRIBE');
    const s = subs[0]!;
    assert.equal(s.uri, 'sip:ucc@contoso.com', 'the batch goes to our own URI');
    assert.match(s.headers.get('To') ?? '', /<sip:ucc@contoso\.com>/);
    assert.match(s.headers.get('From') ?? '', /<sip:ucc@contoso\.com>/);
    assert.equal(s.headers.get('Event'), 'presence');
    assert.equal(list(s, 'Require'), 'adhoclist, categoryList');
    assert.match(list(s, 'Supported'), /ms-benotify/);
    assert.match(list(s, 'Supported'), /ms-piggyback-first-notify/);
    assert.equal(s.headers.get('Proxy-Require'), 'ms-benotify');
    assert.equal(s.headers.get('Content-Type'), 'application/msrtc-adrl-categorylist+xml');
    const body = parseMsPresBatchSubscribe(s.body);
    assert.ok(body.ok);
    assert.deepEqual(body.value.resources, [alice.contact, john.contact]);
    assert.deepEqual(body.value.categories, ['note', 'state']);

    // The piggybacked first notification in the 200 OK.
    assert.equal(w.presences.length, 1);
    assert.equal(w.presences[0]![0], 'alice');
    assert.equal(w.presences[0]![1].availability, 'online');
    assert.equal(w.presences[0]![1].availabilityCode, 3500);
    assert.equal(w.presences[0]![1].source, 'ms-pres');
    assert.deepEqual(w.platform.status, { registered: true, batches: 1, activeBatches: 1, failingBatches: 0, users: 2, published: 0 });
    await w.close();
  });

  test('BENOTIFY → Presence and never a response; NOTIFY → Presence and a 200', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    w.fe.benotify(categoriesBody(alice.contact, 6500, { token: 'on-the-phone', note: 'Back at 4 &amp; then free', publishTime: '2026-11-21T14:05:10.120' }));
    await w.settle();
    const p = w.presences.at(-1)![1];
    assert.equal(p.availability, 'busy');
    assert.equal(p.activity?.token, 'on-the-phone');
    assert.equal(p.note?.text, 'Back at 4 & then free');
    assert.equal(p.version.publishedAt, Date.UTC(2026, 10, 21, 14, 5, 10, 120));
    assert.deepEqual(w.responsesTo('BENOTIFY'), [], 'no response to BENOTIFY');

    const res = await w.run(w.fe.notify(categoriesBody(alice.contact, 15500, { publishTime: '2026-11-21T14:06:00.000' })));
    assert.equal(res.status, 200);
    assert.equal(w.presences.at(-1)![1].availability, 'away');
    assert.equal(w.responsesTo('NOTIFY').length, 1);
    await w.close();
  });

  test('partial updates merge with what is known; a stale category is dropped; identical states are emitted once', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    const count = w.presences.length;
    // Only the note changes: the availability (from the piggybacked state) stays.
    w.fe.benotify(`<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="${alice.contact}"><category name="note" instance="0" publishTime="2026-11-21T14:10:00.000"><note xmlns="http://schemas.microsoft.com/2006/09/sip/note"><body type="personal" uri="">Lunch</body></note></category></categories>`);
    await w.settle();
    assert.equal(w.presences.length, count + 1);
    assert.equal(w.presences.at(-1)![1].availability, 'online');
    assert.equal(w.presences.at(-1)![1].note?.text, 'Lunch');
    // An older state instance than the one known: dropped.
    w.fe.benotify(categoriesBody(alice.contact, 18500, { publishTime: '2026-11-21T13:00:00.000' }));
    await w.settle();
    assert.equal(w.presences.length, count + 1);
    // The same state again: nothing new.
    w.fe.benotify(categoriesBody(alice.contact, 3500, { publishTime: '2026-11-21T14:00:00.000' }));
    await w.settle();
    assert.equal(w.presences.length, count + 1);
    await w.close();
  });

  test('a change of the KW set re-sends only the batch it touched, and ends the old dialog with Expires: 0', async () => {
    const w = await world({ maxBatchSize: 2 });
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    w.platform.subscribe(john);
    await w.pass(50, 50);
    w.platform.subscribe(carol);
    await w.pass(50, 50);
    let subs = w.fe.requests('SUBSCRIBE');
    assert.equal(subs.length, 2, 'carol goes into a second batch; the first is not touched');
    const second = parseMsPresBatchSubscribe(subs[1]!.body);
    assert.ok(second.ok);
    assert.deepEqual(second.value.resources, [carol.contact]);

    w.platform.unsubscribe(john);
    await w.pass(50, 50);
    subs = w.fe.requests('SUBSCRIBE');
    const unsub = subs.find((r) => r.headers.get('Expires') === '0');
    assert.ok(unsub, 'the old batch dialog is ended');
    assert.equal(unsub.headers.get('Call-ID'), w.fe.dialogs[0]!.callId);
    const rebuilt = parseMsPresBatchSubscribe(subs.at(-1)!.body);
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value.resources, [alice.contact]);
    assert.equal(w.fe.live.length, 2);
    assert.equal(w.platform.status.batches, 2);
    await w.close();
  });

  test('a batch SUBSCRIBE refused (403) is re-created after a backoff: degraded, then connected', async () => {
    const w = await world();
    let refusals = 1;
    w.fe.subscribeStatus = () => (refusals-- > 0 ? 403 : 200);
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    assert.equal(w.platform.connectionState, 'degraded');
    await w.pass(999);
    assert.equal(w.fe.requests('SUBSCRIBE').length, 1);
    await w.pass(1);
    assert.equal(w.fe.requests('SUBSCRIBE').length, 2);
    assert.equal(w.platform.connectionState, 'connected');
    assert.equal(w.presences.at(-1)?.[1].availability, 'online');
    await w.close();
  });

  test('subscriptions wait for the registration; a REGISTER refused for good is retried with backoff', async () => {
    const w = await world();
    let refusals = 2;
    w.fe.registerStatus = () => (refusals-- > 0 ? 403 : 200);
    w.platform.subscribe(alice);
    await w.run(w.platform.start());
    await w.pass(100, 50);
    assert.equal(w.platform.connectionState, 'disconnected');
    assert.equal(w.platform.connectionDetail, 'REGISTER 403');
    assert.equal(w.fe.requests('SUBSCRIBE').length, 0);
    await w.pass(1000);
    assert.equal(w.fe.requests('REGISTER').length, 2);
    await w.pass(2000);
    assert.equal(w.fe.requests('REGISTER').length, 3);
    assert.equal(w.platform.connectionState, 'connected');
    assert.equal(w.fe.requests('SUBSCRIBE').length, 1);
    assert.deepEqual(w.states, ['connecting', 'disconnected', 'connected']);
    await w.close();
  });
});

describe('MsPresPlatform: list notifications', () => {
  test('a multipart/related + RLMI BENOTIFY (V1 form): each listed user with a categories part gets its Presence', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    w.platform.subscribe(john);
    await w.pass(50, 50);
    const count = w.presences.length;
    const part = (uri: string, body: string) => `--b1\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${uri.slice(4)}>\r\nContent-Type: application/msrtc-event-categories+xml\r\n\r\n${body}\r\n`;
    const rlmi = '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:ucc@contoso.com" version="2" fullState="false">' +
      '<resource uri="sip:alice@contoso.com"><instance id="0" state="active" cid="alice@contoso.com"/></resource>' +
      '<resource uri="sip:john@contoso.com"><instance id="0" state="active" cid="john@contoso.com"/></resource></list>';
    const body = `--b1\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <resourceList>\r\nContent-Type: application/rlmi+xml\r\n\r\n${rlmi}\r\n` +
      part(alice.contact, categoriesBody(alice.contact, 12500, { publishTime: '2026-11-21T14:40:00.000' })) +
      part(john.contact, categoriesBody(john.contact, 18500, { publishTime: '2026-11-21T14:40:00.000' })) + '--b1--\r\n';
    w.fe.benotify(body, { contentType: 'multipart/related; type="application/rlmi+xml"; start="<resourceList>"; boundary=b1' });
    await w.settle();
    const fresh = w.presences.slice(count).map(([u, p]) => [u, p.availability]);
    assert.deepEqual(fresh, [['alice', 'be-right-back'], ['john', 'offline']]);
    await w.close();
  });

  test('publish while the pool is unreachable fails fast with UCC_ERR_UC_PUBLISH', async () => {
    const w = await world();
    w.fe.registerStatus = () => 403;
    await w.run(w.platform.start());
    await assert.rejects(w.run(w.platform.publish(alice, onCall)), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PUBLISH' && /REGISTER 403/.test(e.message));
    assert.equal(w.fe.requests('SERVICE').length, 0);
    await w.close();
  });
});

describe('MsPresPlatform: reconnection', () => {
  test('a keep-alive timeout means the pool is lost: disconnected, re-REGISTER with backoff, then every batch re-subscribed', async () => {
    const w = await world({ keepAliveIntervalMs: 30_000 });
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    assert.equal(w.fe.live.length, 1);
    const firstCallId = w.fe.dialogs[0]!.callId;

    w.fe.up = false;
    // Keep-alive at 30 s; the OPTIONS transaction times out after 64*T1 = 32 s.
    await w.pass(62_500, 500);
    assert.equal(w.platform.connectionState, 'disconnected');
    assert.equal(w.platform.connectionDetail, 'OPTIONS 408');
    const regsWhileDown = w.fe.requests('REGISTER').length;
    assert.ok(regsWhileDown >= 2, 'a re-REGISTER was attempted');

    w.fe.up = true;
    // The REGISTER in flight times out (32 s), then the backoff (1 s) brings the next one.
    await w.pass(40_000, 500);
    assert.equal(w.platform.connectionState, 'connected');
    const subs = w.fe.requests('SUBSCRIBE').filter((r) => r.headers.get('Expires') !== '0');
    assert.equal(subs.length, 2);
    assert.notEqual(subs[1]!.headers.get('Call-ID'), firstCallId, 'a new dialog, not a refresh');
    // The detail changes while down (OPTIONS 408, then REGISTER 408): the state sequence is what counts.
    assert.deepEqual(w.states.filter((x, i, a) => x !== a[i - 1]), ['connecting', 'connected', 'disconnected', 'connected']);

    w.fe.benotify(categoriesBody(alice.contact, 9500, { publishTime: '2026-11-21T15:00:00.000' }));
    await w.settle();
    assert.equal(w.presences.at(-1)![1].availability, 'do-not-disturb');
    await w.close();
  });
});

describe('MsPresPlatform: SERVICE publication', () => {
  test('publish sends SERVICE as the KW (Request-URI = From = To) with the state in containers 2 and 3; null clears it', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    await w.run(w.platform.publish(alice, onCall));
    const svc = w.fe.requests('SERVICE')[0]!;
    assert.equal(svc.uri, alice.contact);
    assert.match(svc.headers.get('From') ?? '', /<sip:alice@contoso\.com>/);
    assert.match(svc.headers.get('To') ?? '', /<sip:alice@contoso\.com>/);
    assert.equal(svc.headers.get('Content-Type'), 'application/msrtc-category-publish+xml');
    const body = svc.body.toString();
    const inst = connectorInstances(alice.contact).state;
    assert.match(body, new RegExp(`instance="${inst}" container="2" version="0" expireType="time" expires="14400"`));
    assert.match(body, new RegExp(`instance="${inst}" container="3" version="0"`));
    assert.match(body, /xsi:type="phoneState"><availability>6500<\/availability><activity token="on-the-phone"/);
    assert.equal(w.platform.status.published, 1);

    await w.run(w.platform.publish(alice, null));
    const clear = w.fe.requests('SERVICE')[1]!.body.toString();
    assert.match(clear, new RegExp(`categoryName="state" instance="${inst}" container="2" version="1" expireType="time" expires="0"/>`));
    assert.match(clear, new RegExp(`categoryName="state" instance="${inst}" container="3" version="1" expireType="time" expires="0"/>`));
    assert.equal(w.platform.status.published, 0);
    // Nothing published: restoring again sends nothing.
    await w.run(w.platform.publish(alice, null));
    assert.equal(w.fe.requests('SERVICE').length, 2);
    await w.close();
  });

  test('409 WrongDelta: the version from the fault is used in one retry (same Call-ID, CSeq 2), and kept for the next SERVICE', async () => {
    const w = await world();
    let n = 0;
    w.fe.serviceReply = () => (++n === 1 ? { status: 409, body: fault(2, 5), headers: { 'ms-diagnostics': '2141;reason="Version is out of date"' } } : { status: 200 });
    await w.run(w.platform.start());
    await w.run(w.platform.publish(alice, onCall));
    const [a, b] = w.fe.requests('SERVICE');
    assert.ok(a && b);
    assert.equal(a.headers.get('Call-ID'), b.headers.get('Call-ID'));
    assert.equal(b.headers.get('CSeq'), '2 SERVICE');
    assert.match(b.body.toString(), /container="2" version="0"/);
    assert.match(b.body.toString(), /container="3" version="5"/);
    await w.run(w.platform.publish(alice, null));
    const c = w.fe.requests('SERVICE')[2]!.body.toString();
    assert.match(c, /container="2" version="1" expireType="time" expires="0"/);
    assert.match(c, /container="3" version="6" expireType="time" expires="0"/);
    await w.close();
  });

  test('a second 409, another fault or another refusal rejects with UCC_ERR_UC_PUBLISH', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.fe.serviceReply = () => ({ status: 409, body: fault(1, 3) });
    await assert.rejects(w.run(w.platform.publish(alice, onCall)), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PUBLISH' && /409/.test(e.message));
    assert.equal(w.fe.requests('SERVICE').length, 2, 'retried exactly once');
    w.fe.serviceReply = () => ({ status: 409, body: '<Fault><Faultcode>Client.BadCall.Other</Faultcode></Fault>' });
    await assert.rejects(w.run(w.platform.publish(alice, onCall)), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PUBLISH');
    assert.equal(w.fe.requests('SERVICE').length, 3, 'no retry for another fault');
    w.fe.serviceReply = () => ({ status: 403 });
    await assert.rejects(w.run(w.platform.publish(alice, onCall)), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PUBLISH' && /403/.test(e.message));
    await assert.rejects(w.run(w.platform.publish(alice, { ...onCall, availability: 'unknown', availabilityCode: null })), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_PRESENCE_INVALID');
    await w.close();
  });

  test('stop() clears the connector publications, ends the batch subscriptions and unregisters', async () => {
    const w = await world();
    await w.run(w.platform.start());
    w.platform.subscribe(alice);
    await w.pass(50, 50);
    await w.run(w.platform.publish(alice, onCall));
    await w.run(w.platform.stop());
    assert.match(w.fe.requests('SERVICE').at(-1)!.body.toString(), /expires="0"/);
    assert.equal(w.fe.live.length, 0);
    assert.equal(w.fe.requests('REGISTER').at(-1)!.headers.get('Expires'), '0');
    assert.equal(w.platform.connectionState, 'stopped');
    await assert.rejects(w.platform.publish(alice, onCall), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_NOT_STARTED');
    await w.feStack.close();
    await w.stack.close();
  });
});
