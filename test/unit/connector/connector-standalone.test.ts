/**
 * The connector with the real `standalone` UC adapter (src/uc/standalone) and the real T-Server over
 * in-memory T-Lib: a KW setting presence in the web client moves the emulated agent, and push
 * on-call status shows in the adapter's view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { UcConnector } from '../../../src/connector/connector.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('standalone presence set by the KW drives the agent in the T-Server; on-call is pushed back to the adapter', async () => {
  const clock = new ManualClock();
  const server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }], agentLogins: ['A7001'] }), clock });
  const o = emptyObjects();
  o.dns.push({ switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} });
  o.places.push({ name: 'P1', dns: [{ switch: 'SW', number: '7001' }] });
  o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P1', annex: { uc: { contact: 'sip:alice@example.test' }, 'Microsoft-OCS': { 'enable-push-oncall-status': 'true' } } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: {} });
  const uc = new StandalonePlatform({ clock });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock });
  const connector = new UcConnector({ view: new ConfigIndex(o), application: 'UCC', tlib, uc, clock });
  const seen: Array<TlibEvent & Record<string, unknown>> = [];
  const observer = server.attach((e) => seen.push(e as TlibEvent & Record<string, unknown>));
  let ref = 1;
  const req = (r: Record<string, unknown>): void => observer.request({ ...r, ReferenceID: ref++ } as TlibRequest);
  req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    uc.setPresence('alice', 'online', 'before the session');
    connector.openSession('alice');
    await until(() => seen.some((e) => e.message === 'EventAgentReady'), 'Ready from the presence set before the session');
    uc.setPresence('alice', 'be-right-back', 'coffee');
    await until(() => seen.some((e) => e.message === 'EventAgentNotReady' && JSON.stringify(e.Reasons) === JSON.stringify([['KW_UC_STATUS', 'be-right-back'], ['KW_UC_NOTE', 'coffee']])), 'NotReady be-right-back');
    uc.setPresence('alice', 'online');
    await until(() => connector.knowledgeWorker('alice')?.agentState === 'Ready', 'Ready again');

    req({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' });
    const ringing = seen.find((e) => e.message === 'EventRinging');
    assert.ok(ringing);
    req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await until(() => uc.presenceOf('alice').pushed?.availabilityCode === 9500, 'on-call pushed');
    assert.equal(uc.presenceOf('alice').effective?.availability, 'do-not-disturb');
    req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await until(() => uc.presenceOf('alice').pushed === null, 'on-call withdrawn');
    assert.equal(uc.presenceOf('alice').effective?.availability, 'online');
    assert.equal(connector.knowledgeWorker('alice')?.agentState, 'Ready');
  } finally {
    connector.stop();
    tlib.close();
    await server.close();
    await uc.stop();
  }
});
