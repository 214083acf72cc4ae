/**
 * The UcConnector shell against the real T-Server (src/tserver) over the in-memory T-Lib transport,
 * a UcPlatform test double and a ManualClock: presence really moves the emulated agent.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects, type ConfigObjects, type OptionSections } from '../../../src/config/config-objects.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { UcConnector } from '../../../src/connector/connector.ts';
import { InMemoryUcPlatform } from './support/in-memory-uc-platform.ts';
import { presence } from './support/kw-harness.ts';

type Ev = TlibEvent & Record<string, unknown>;

function config(app: OptionSections = {}): ConfigObjects {
  const o = emptyObjects();
  o.switches.push({ name: 'SW', annex: {} });
  for (const n of ['7001', '7002', '7003']) o.dns.push({ switch: 'SW', number: n, type: 'Extension', register: true, annex: {} });
  o.places.push({ name: 'P7001', dns: [{ switch: 'SW', number: '7001' }] }, { name: 'P7003', dns: [{ switch: 'SW', number: '7003' }] });
  o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} }, { switch: 'SW', loginCode: 'A7003', annex: {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P7001', annex: { uc: { contact: 'sip:alice@example.test' } } });
  o.persons.push({ userName: 'carol', agentLogins: [{ switch: 'SW', loginCode: 'A7003' }], defaultPlace: 'P7003', annex: { 'Microsoft-OCS': { contact: 'sip:carol@example.test' }, 'UC-Connector': { enabled: 'false' } } });
  o.persons.push({ userName: 'dave', agentLogins: [], annex: { uc: { contact: 'sip:dave@example.test' } } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: app });
  return o;
}

function newTServer(clock: ManualClock): TServer {
  return new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }, { name: '7003', type: 'Extension' }], agentLogins: ['A7001', 'A7003'] }), clock, connIdPrefix: 0x77 });
}

/** Lets in-memory streams and promise callbacks run (no clock involved). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

class World {
  readonly clock = new ManualClock();
  server = newTServer(this.clock);
  readonly uc = new InMemoryUcPlatform();
  readonly logger = memoryLogger();
  readonly tlib: TlibClient;
  readonly connector: UcConnector;
  readonly seen: Ev[] = [];
  private observer: ReturnType<TServer['attach']>;
  private ref = 1;

  constructor(app: OptionSections = {}) {
    this.tlib = new TlibClient({ target: { kind: 'memory', connect: () => this.server.connectInMemory() }, clock: this.clock, reconnect: { initialDelayMs: 100, maxDelayMs: 100 } });
    this.connector = new UcConnector({ view: new ConfigIndex(config(app)), application: 'UCC', tlib: this.tlib, uc: this.uc, clock: this.clock, logger: this.logger, machine: { retryInitialMs: 1000 } });
    this.observer = this.observe();
  }

  /** A second T-Lib client registered on 7001 that records what the T-Server really does. */
  observe(): ReturnType<TServer['attach']> {
    const o = this.server.attach((e) => this.seen.push(e as Ev));
    o.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: this.ref++ });
    return o;
  }

  request(r: Omit<TlibRequest, 'ReferenceID'>): void {
    this.observer.request({ ...r, ReferenceID: this.ref++ } as TlibRequest);
  }

  async start(): Promise<void> {
    await this.uc.start();
    await this.tlib.connect();
    this.connector.start();
  }

  agentEvents(): string[] {
    return this.seen.filter((e) => e.message.startsWith('EventAgent')).map((e) => {
      const status = (e.Reasons as Array<[string, unknown]> | undefined)?.find(([k]) => k === 'KW_UC_STATUS')?.[1];
      return status === undefined ? e.message : `${e.message}(${String(status)})`;
    });
  }

  async waitAgent(event: string): Promise<void> {
    await until(() => this.agentEvents().includes(event), `${event} (seen: ${this.agentEvents().join(', ')})`);
  }

  async close(): Promise<void> {
    this.connector.stop();
    this.tlib.close();
    await this.server.close();
    await this.uc.stop();
  }
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('UcConnector with the real T-Server (in-memory T-Lib)', () => {
  test('knowledge workers come from Persons with a UC contact, an Agent Login and a Place; enabled=false and incomplete Persons are skipped', async () => {
    world = new World();
    await world.start();
    assert.deepEqual(world.connector.knowledgeWorkers(), ['alice']);
    assert.deepEqual(world.connector.skipped().map((s) => s.userName), ['carol', 'dave']);
    assert.equal(world.connector.openSession('nobody'), false);
  });

  test('session → DN registered and agent logged in with login-queue; presence → EventAgentReady / NotReady / Logout in the T-Server', async () => {
    world = new World({ 'uc-connector': { 'login-queue': '7002' } });
    await world.start();
    world.connector.openSession('alice');
    await world.waitAgent('EventAgentLogin');
    assert.equal(world.seen.find((e) => e.message === 'EventAgentLogin')?.ThisQueue, '7002');
    assert.ok(world.uc.subscribed.has('alice'));
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    world.uc.emitPresence('alice', presence(6500, { note: 'In a call' }));
    await world.waitAgent('EventAgentNotReady(busy)');
    world.uc.emitPresence('alice', presence(18500));
    await world.waitAgent('EventAgentLogout');
    await until(() => world?.connector.knowledgeWorker('alice')?.agentState === 'LoggedOut', 'view LoggedOut');
    const v = world.connector.knowledgeWorker('alice');
    assert.equal(v?.presence?.availability, 'offline');
    assert.equal(v?.registration, 'Registered');
  });

  test('preview reject: NotReady in the T-Server, Ready again after dnd-off-timeout on the clock', async () => {
    world = new World({ 'uc-connector': { 'dnd-off-timeout': 5000 } });
    await world.start();
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    world.seen.length = 0;
    world.connector.enterAutoState('alice', 'preview-reject');
    await world.waitAgent('EventAgentNotReady(dnd)');
    world.clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(world.agentEvents(), ['EventAgentNotReady(dnd)']);
    world.clock.advance(1);
    await world.waitAgent('EventAgentReady(ready)');
  });

  test('push on-call status: a real call answered on the KW DN publishes oncall-status; release restores', async () => {
    world = new World({ 'Microsoft-OCS': { 'enable-push-oncall-status': 'true' } });
    await world.start();
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    world.request({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' } as Omit<TlibRequest, 'ReferenceID'>);
    const ringing = world.seen.find((e) => e.message === 'EventRinging');
    assert.ok(ringing, 'the call rings on 7001');
    world.request({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: ringing.ConnID } as Omit<TlibRequest, 'ReferenceID'>);
    await until(() => world?.uc.publications.includes('alice 9500') === true, 'on-call publication');
    world.request({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: ringing.ConnID } as Omit<TlibRequest, 'ReferenceID'>);
    await until(() => world?.uc.publications.includes('alice restore') === true, 'restore');
    assert.deepEqual(world.uc.publications, ['alice 9500', 'alice restore']);
  });

  test('user-unregister-timeout: after the last session closes the agent is logged out and the DN unregistered', async () => {
    world = new World({ 'uc-connector': { 'user-unregister-timeout': 60000 } });
    await world.start();
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    world.connector.closeSession('alice');
    world.clock.advance(59_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(world.agentEvents().includes('EventAgentLogout'), false);
    world.clock.advance(1);
    await world.waitAgent('EventAgentLogout');
    await until(() => world?.connector.state('alice')?.registration === 'Unregistered', 'unregistered');
    assert.equal(world.uc.subscribed.has('alice'), false);
    assert.equal(world.connector.pendingTimers, 0);
  });

  test('user-auto-registration and a T-Server restart: the KW is registered at start and resynced from presence after the reconnection', async () => {
    world = new World({ 'uc-connector': { 'user-auto-registration': 'true' } });
    await world.start();
    world.uc.emitPresence('alice', presence(6500));
    await world.waitAgent('EventAgentNotReady(busy)');
    // The T-Server goes away and comes back empty (agents logged out).
    await world.server.close();
    await until(() => world?.connector.state('alice')?.linkUp === false, 'link down');
    world.server = newTServer(world.clock);
    world.seen.length = 0;
    world.observe();
    world.clock.advance(100);
    await world.waitAgent('EventAgentNotReady(busy)');
    assert.deepEqual(world.agentEvents(), ['EventAgentLogin', 'EventAgentNotReady', 'EventAgentNotReady(busy)']);
    assert.equal(world.connector.knowledgeWorker('alice')?.agentState, 'NotReady');
  });

  test('stale presence is dropped and counted in the metrics', async () => {
    world = new World();
    await world.start();
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500, { publishedAt: 2000 }));
    await world.waitAgent('EventAgentReady(ready)');
    world.uc.emitPresence('alice', presence(18500, { publishedAt: 1000 }));
    assert.equal(world.connector.metrics()['presence-stale-dropped'], 1);
    assert.equal(world.connector.knowledgeWorker('alice')?.staleDropped, 1);
  });

  test('a failed UC publish is logged and counted, never thrown', async () => {
    world = new World({ 'Microsoft-OCS': { 'enable-push-oncall-status': 'true' } });
    await world.start();
    world.uc.failPublish = new Error('403 Forbidden');
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    world.request({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' } as Omit<TlibRequest, 'ReferenceID'>);
    const ringing = world.seen.find((e) => e.message === 'EventRinging');
    assert.ok(ringing);
    world.request({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: ringing.ConnID } as Omit<TlibRequest, 'ReferenceID'>);
    await until(() => world?.connector.metrics()['uc-publish-failed'] === 1, 'publish failure counted');
    assert.ok(world.logger.lines.some((l) => l.msg === 'UC publish failed'));
  });
});

describe('UcConnector.selectCustomState', () => {
  test('a selected custom state reaches the real T-Server with its work mode and reason, and the same presence again does not undo it', async () => {
    world = new World();
    await world.start();
    assert.equal(world.connector.selectCustomState('nobody', { ready: true, workMode: null, reasons: {}, extensions: {} }), false);
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    assert.equal(world.connector.selectCustomState('alice', { ready: false, workMode: 'AuxWork', reasons: { ReasonCode: 'Lunch' }, extensions: {} }), true);
    await until(() => world?.connector.knowledgeWorker('alice')?.agentState === 'NotReady', 'view NotReady');
    const ev = world.seen.filter((e) => e.message === 'EventAgentNotReady').at(-1);
    assert.equal(ev?.AgentWorkMode, 'AuxWork', 'the T-Server got the work mode');
    const v = world.connector.knowledgeWorker('alice');
    assert.equal(v?.workMode, 'AuxWork');
    assert.deepEqual(v?.reasons, { ReasonCode: 'Lunch' });
    const n = world.agentEvents().length;
    world.uc.emitPresence('alice', presence(3500));
    await new Promise((r) => setImmediate(r));
    assert.equal(world.agentEvents().length, n, 'an unchanged presence leaves the selected state alone');
    assert.equal(world.connector.state('alice')?.pending, null, 'no request sent for it');
    assert.ok(world.connector.state('alice')?.selected, 'still selected');
    world.uc.emitPresence('alice', presence(6500));
    await world.waitAgent('EventAgentNotReady(busy)');
  });
});

describe('UcConnector events', () => {
  test('kwChange carries the view when a KW changes, not for inputs that change nothing', async () => {
    world = new World();
    await world.start();
    const views: string[] = [];
    world.connector.on('kwChange', (v) => views.push(`${v.userName}:${v.agentState}:${String(v.connectorDnd)}`));
    world.connector.openSession('alice');
    world.uc.emitPresence('alice', presence(3500));
    await world.waitAgent('EventAgentReady(ready)');
    await until(() => views.includes('alice:Ready:false'), 'Ready view');
    const n = views.length;
    world.connector.optionsChanged();
    assert.equal(views.length, n, 'nothing changed');
    world.connector.setConnectorDnd('alice', true);
    assert.ok(views.includes('alice:Ready:true'));
  });
});
