// The connector keeps each KW's resolved settings between steps (resolving the options is a large
// share of a presence update) and must resolve them again when the configuration changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { UcConnector } from '../../../src/connector/connector.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent } from '../../../src/tlib/index.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { InMemoryUcPlatform } from './support/in-memory-uc-platform.ts';
import { presence } from './support/kw-harness.ts';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('an option changed in the configuration (a new revision) applies to the next presence of a KW whose settings were cached', async () => {
  const clock = new ManualClock();
  const o = emptyObjects();
  o.dns.push({ switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} });
  o.places.push({ name: 'P7001', dns: [{ switch: 'SW', number: '7001' }] });
  o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P7001', annex: { uc: { contact: 'sip:alice@example.test' } } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: {} });
  const view = new ConfigIndex(o);
  const server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }], agentLogins: ['A7001'] }), clock });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock });
  const uc = new InMemoryUcPlatform();
  const connector = new UcConnector({ view, application: 'UCC', tlib, uc, clock });
  const seen: string[] = [];
  const observer = server.attach((e: TlibEvent) => {
    const status = ((e as { Reasons?: Array<[string, unknown]> }).Reasons ?? []).find(([k]) => k === 'KW_UC_STATUS')?.[1];
    if (e.message.startsWith('EventAgent')) seen.push(`${e.message}(${String(status)})`);
  });
  observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: 1 });
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    connector.openSession('alice');
    uc.emitPresence('alice', presence(3500));
    await until(() => seen.includes('EventAgentReady(ready)'), 'Ready with the default lists');
    uc.emitPresence('alice', presence(6500));
    await until(() => seen.includes('EventAgentNotReady(busy)'), 'NotReady(busy)');

    const revision = view.revision;
    view.put('applications', { name: 'UCC', type: 'ucc', options: { 'Microsoft-OCS': { 'agent-status-notready': '3500' } } });
    assert.ok(view.revision > revision);
    const readies = seen.filter((s) => s === 'EventAgentReady(ready)').length;
    uc.emitPresence('alice', presence(3500));
    // 3500 is now in agent-status-notready (a single code beats the default ready range).
    await until(() => seen.includes('EventAgentNotReady(ready)'), `NotReady(ready) under the new option (seen: ${seen.join(', ')})`);
    assert.equal(seen.filter((s) => s === 'EventAgentReady(ready)').length, readies);
  } finally {
    connector.stop();
    tlib.close();
    await server.close();
    await uc.stop();
  }
});

test('ConfigIndex revision: changes with put, an existing delete and replaceAll; not with a delete of nothing', () => {
  const view = new ConfigIndex();
  const r0 = view.revision;
  view.put('applications', { name: 'UCC', type: 'ucc', options: {} });
  const r1 = view.revision;
  assert.ok(r1 > r0);
  assert.equal(view.delete('applications', 'nothing'), false);
  assert.equal(view.revision, r1);
  assert.equal(view.delete('applications', 'UCC'), true);
  const r2 = view.revision;
  assert.ok(r2 > r1);
  view.replaceAll(emptyObjects());
  assert.ok(view.revision > r2);
});
