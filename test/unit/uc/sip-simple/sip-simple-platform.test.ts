// The sip-simple adapter against an in-process RFC presence server (our notifier engine + a
// PUBLISH store) over the in-memory network, with a ManualClock driving refreshes and backoff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import { buildPidfPublication, parsePidfPresence } from '../../../../src/presence/pidf.ts';
import type { Presence } from '../../../../src/presence/presence.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import { SipSimplePlatform } from '../../../../src/uc/sip-simple/sip-simple-platform.ts';
import type { SipSimplePlatformOptions } from '../../../../src/uc/sip-simple/sip-simple-platform.ts';
import type { UcConnectionState, UcKnowledgeWorker } from '../../../../src/uc/uc-platform.ts';
import { FakePresenceServer } from '../fake-presence-server.ts';
import { pass as passClock, settle as settleClock } from '../../../support/virtual-time.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@example.test' };
const bob: UcKnowledgeWorker = { userName: 'bob', contact: 'sip:bob@example.test' };

const pidf = (entity: string, availability: Presence['availability'], token?: string, note?: string) =>
  buildPidfPublication({ entity, availability, activity: token ? { token, text: null } : null, note: note ?? null });

async function world(options: Partial<SipSimplePlatformOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const net = new InMemoryNetwork(clock);
  const server = await FakePresenceServer.start(clock, net);
  const stack = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.1', port: 5060 })] });
  const platform = new SipSimplePlatform({ aor: 'sip:ucc@example.test', stack, outboundProxy: 'sip:127.0.0.2:5060', clock, backoff: { baseMs: 1000, maxMs: 8000 }, ...options });
  const presences: Array<[string, Presence]> = [];
  const states: UcConnectionState[] = [];
  platform.on('presence', (kw, p) => presences.push([kw.userName, p]));
  platform.on('connectionState', (s) => states.push(s));
  const settle = (): Promise<void> => settleClock(clock, 30);
  const pass = (ms: number, step = 250): Promise<void> => passClock(clock, ms, step, 30);
  const close = async () => {
    const stopped = platform.stop();
    await settle();
    await stopped;
    await server.close();
    await stack.close();
  };
  return { clock, net, server, stack, platform, presences, states, settle, pass, close };
}

describe('SipSimplePlatform', () => {
  test('SUBSCRIBEs per KW (Event: presence, Accept PIDF) and emits each NOTIFY as a Presence, identical states once', async () => {
    const w = await world();
    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'online'));
    await w.platform.start();
    w.platform.subscribe(alice);
    w.platform.subscribe(alice); // idempotent
    await w.settle();
    const subs = w.server.requests('SUBSCRIBE');
    assert.equal(subs.length, 1);
    assert.equal(subs[0]!.headers.get('Event'), 'presence');
    assert.match(subs[0]!.headers.get('Accept') ?? '', /application\/pidf\+xml/);
    assert.equal(w.presences.length, 1);
    assert.equal(w.presences[0]![0], 'alice');
    assert.equal(w.presences[0]![1].availability, 'online');
    assert.equal(w.presences[0]![1].source, 'pidf');
    assert.equal(w.presences[0]![1].uri, 'sip:alice@example.test');

    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'busy', 'on-the-phone', 'On a call'));
    await w.settle();
    assert.equal(w.presences.length, 2);
    assert.equal(w.presences[1]![1].availability, 'busy');
    assert.equal(w.presences[1]![1].activity?.token, 'on-the-phone');
    assert.equal(w.presences[1]![1].note?.text, 'On a call');

    // Kamailio re-notifies an unchanged state after a PUBLISH refresh: not emitted again.
    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'busy', 'on-the-phone', 'On a call'));
    await w.settle();
    assert.equal(w.presences.length, 2);
    assert.equal(w.platform.connectionState, 'connected');
    assert.deepEqual(w.platform.status, { registered: null, subscribed: 1, failing: 0, published: 0 });
    await w.close();
  });

  test("the Presence is the KW's contact even when the PIDF entity is spelled otherwise", async () => {
    const w = await world();
    w.server.set(alice.contact, pidf('sip:Alice@EXAMPLE.test;user=phone', 'away'));
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    assert.equal(w.presences.length, 1);
    assert.deepEqual([w.presences[0]![1].uri, w.presences[0]![1].availability], [alice.contact, 'away']);
    await w.close();
  });

  test('an active NOTIFY without a body means nothing is known: unknown presence', async () => {
    const w = await world();
    await w.platform.start();
    w.platform.subscribe(bob);
    await w.settle();
    assert.equal(w.presences.length, 1);
    assert.equal(w.presences[0]![1].availability, 'unknown');
    assert.equal(w.presences[0]![1].uri, bob.contact);
    await w.close();
  });

  test('a SUBSCRIBE refused for good (403) is re-created after a backoff on the clock; degraded until it works', async () => {
    const w = await world();
    let refusals = 2;
    w.server.authorize = () => (refusals-- > 0 ? { reject: 403 } : 'active');
    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'away'));
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    assert.equal(w.server.requests('SUBSCRIBE').length, 1);
    assert.equal(w.platform.connectionState, 'degraded');
    assert.equal(w.platform.status.failing, 1);

    await w.pass(999);
    assert.equal(w.server.requests('SUBSCRIBE').length, 1, 'nothing before the first backoff (1 s) ends');
    await w.pass(1);
    assert.equal(w.server.requests('SUBSCRIBE').length, 2, 'first retry after 1 s');
    await w.pass(1999);
    assert.equal(w.server.requests('SUBSCRIBE').length, 2);
    await w.pass(1);
    assert.equal(w.server.requests('SUBSCRIBE').length, 3, 'second retry after 2 s more');
    assert.equal(w.presences.at(-1)?.[1].availability, 'away');
    assert.equal(w.platform.connectionState, 'connected');
    assert.deepEqual(w.states, ['connecting', 'connected', 'degraded', 'connected']);
    await w.close();
  });

  test('a subscription the server terminates (reason=noresource) comes back after a backoff', async () => {
    const w = await world();
    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'online'));
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    assert.equal(w.server.watchers().length, 1);
    void w.server.watchers()[0]!.terminate('noresource');
    await w.settle();
    assert.equal(w.platform.connectionState, 'degraded');
    await w.pass(1000);
    assert.equal(w.server.requests('SUBSCRIBE').length, 2);
    assert.equal(w.server.watchers().length, 1);
    assert.equal(w.platform.connectionState, 'connected');
    await w.close();
  });

  test('a 503 to SUBSCRIBE is retried by the subscriber itself with backoff, then the presence arrives', async () => {
    const w = await world();
    let busy = 1;
    w.server.authorize = () => (busy-- > 0 ? { reject: 503 } : 'active');
    w.server.set('sip:alice@example.test', pidf('sip:alice@example.test', 'do-not-disturb'));
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    assert.equal(w.platform.connectionState, 'degraded');
    await w.pass(1000);
    assert.equal(w.server.requests('SUBSCRIBE').length, 2);
    assert.equal(w.presences.at(-1)?.[1].availability, 'do-not-disturb');
    assert.equal(w.platform.connectionState, 'connected');
    await w.close();
  });

  test('subscriptions are refreshed before they expire', async () => {
    const w = await world({ subscribeExpires: 600 });
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    await w.pass(540_000, 10_000);
    const subs = w.server.requests('SUBSCRIBE');
    assert.equal(subs.length, 2);
    assert.ok(subs[1]!.headers.get('To')?.includes('tag='), 'the refresh is in-dialog');
    assert.equal(w.server.watchers().length, 1);
    await w.close();
  });

  test('publish PUBLISHes PIDF for the KW presentity; null removes it with Expires: 0 and SIP-If-Match', async () => {
    const w = await world();
    await w.platform.start();
    const onCall: Presence = {
      uri: alice.contact, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null },
      note: { text: 'On a call & busy', kind: 'other', lang: null }, device: null, source: 'pidf',
      version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: 'open', lastActive: null,
    };
    const p = w.platform.publish(alice, onCall);
    await w.settle();
    await p;
    const pub = w.server.requests('PUBLISH')[0]!;
    assert.equal(pub.uri, alice.contact);
    assert.match(pub.headers.get('From') ?? '', /sip:ucc@example\.test/);
    assert.equal(pub.headers.get('Event'), 'presence');
    const back = parsePidfPresence(pub.body, 0);
    assert.ok(back.ok);
    assert.equal(back.value.availability, 'busy');
    assert.equal(back.value.activity?.token, 'on-the-phone');
    assert.equal(back.value.note?.text, 'On a call & busy');
    assert.equal(w.platform.status.published, 1);

    const r = w.platform.publish(alice, null);
    await w.settle();
    await r;
    const removal = w.server.requests('PUBLISH')[1]!;
    assert.equal(removal.headers.get('Expires'), '0');
    assert.equal(removal.headers.get('SIP-If-Match'), 'e1');
    assert.equal(w.server.state.has(alice.contact), false);
    assert.equal(w.platform.status.published, 0);
    await w.close();
  });

  test('a refused PUBLISH rejects with UCC_ERR_UC_PUBLISH; publish before start with UCC_ERR_UC_NOT_STARTED', async () => {
    const w = await world();
    const none: Presence = {
      uri: alice.contact, availability: 'away', availabilityCode: 15500, activity: null, note: null, device: null, source: 'pidf',
      version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: 'open', lastActive: null,
    };
    await assert.rejects(w.platform.publish(alice, none), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_UC_NOT_STARTED');
    await w.platform.start();
    w.server.publishStatus = () => 403;
    const p = w.platform.publish(alice, none);
    const caught = p.catch((e: unknown) => e);
    await w.settle();
    const e = await caught;
    assert.ok(e instanceof UccError && e.code === 'UCC_ERR_UC_PUBLISH', String(e));
    assert.match(e.message, /403/);
    await w.close();
  });

  test('unsubscribe sends SUBSCRIBE Expires: 0 and no more presence is emitted for that KW', async () => {
    const w = await world();
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    w.platform.unsubscribe(alice);
    await w.settle();
    const last = w.server.requests('SUBSCRIBE').at(-1)!;
    assert.equal(last.headers.get('Expires'), '0');
    assert.equal(w.server.watchers().length, 0);
    const before = w.presences.length;
    w.server.set(alice.contact, pidf(alice.contact, 'busy'));
    await w.settle();
    assert.equal(w.presences.length, before);
    await w.close();
  });

  test('KWs subscribed before start() are subscribed at start(); stop() unsubscribes and ends stopped', async () => {
    const w = await world();
    w.platform.subscribe(alice);
    w.platform.subscribe(bob);
    await w.settle();
    assert.equal(w.server.requests('SUBSCRIBE').length, 0);
    await w.platform.start();
    await w.settle();
    assert.equal(w.server.watchers().length, 2);
    const stopped = w.platform.stop();
    await w.settle();
    await stopped;
    assert.equal(w.server.watchers().length, 0);
    assert.equal(w.platform.connectionState, 'stopped');
    await w.close();
  });
});

describe('SipSimplePlatform stop', () => {
  test('the connector unsubscribes, then stop(): one SUBSCRIBE Expires: 0 per dialog, no 481', async () => {
    const w = await world();
    await w.platform.start();
    w.platform.subscribe(alice);
    await w.settle();
    // What the connector's stop does just before the adapter's stop, in the same turn.
    w.platform.unsubscribe(alice);
    const stopped = w.platform.stop();
    await w.settle();
    await stopped;
    const unsubscribes = w.server.requests('SUBSCRIBE').filter((r) => r.headers.get('Expires') === '0');
    assert.equal(unsubscribes.length, 1);
    assert.equal(w.platform.connectionState, 'stopped');
    await w.server.close();
    await w.stack.close();
  });

  test('with the server gone, stop() gives up after the stop deadline, not after Timer F', async () => {
    const w = await world({ stopTimeoutMs: 2000 });
    await w.platform.start();
    w.platform.subscribe(alice);
    w.platform.subscribe(bob);
    await w.settle();
    w.net.lossFilter = () => true; // the presence server is gone
    let done = false;
    const stopped = w.platform.stop().then(() => (done = true));
    await w.pass(1750);
    assert.equal(done, false, 'still waiting for the answers');
    await w.pass(500);
    assert.equal(done, true, 'stopped within the 2 s deadline');
    await stopped;
    assert.equal(w.platform.connectionState, 'stopped');
    await w.server.close();
    await w.stack.close();
  });
});

describe('SipSimplePlatform registration', () => {
  test('REGISTER refused for good (403): disconnected, re-tried after backoff on the clock, then connected', async () => {
    const w = await world({ register: true, registrar: 'sip:127.0.0.2:5060' });
    let refusals = 1;
    w.server.registerStatus = () => (refusals-- > 0 ? 403 : 200);
    const started = w.platform.start();
    await w.settle();
    await started;
    assert.equal(w.platform.connectionState, 'disconnected');
    assert.equal(w.platform.status.registered, false);
    await w.pass(1000);
    assert.equal(w.server.requests('REGISTER').length, 2);
    assert.equal(w.platform.connectionState, 'connected');
    assert.equal(w.platform.status.registered, true);
    assert.deepEqual(w.states, ['connecting', 'disconnected', 'connected']);
    await w.close();
  });
});
