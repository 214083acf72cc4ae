/**
 * The preview manager against the real UcConnector, T-Server (in-memory T-Lib) and standalone
 * presence: reject puts the agent NotReady with the preview-reject auto-state until
 * dnd-off-timeout, then the presence brings it back to Ready; a timeout leaves it NotReady in
 * preview-timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { UcConnector } from '../../../src/connector/connector.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { PreviewManager, previewSettingsFromOptions } from '../../../src/connector/preview-manager.ts';
import type { KwServerMessage } from '../../../src/connector/kw-client-messages.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import type { PreviewResultBody } from '../../../src/preview/preview-transport.ts';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('reject → preview-reject NotReady until dnd-off-timeout, then Ready; timeout → preview-timeout NotReady', async () => {
  const clock = new ManualClock();
  const server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }], agentLogins: ['A7001'] }), clock });
  const o = emptyObjects();
  o.dns.push({ switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} });
  o.places.push({ name: 'P1', dns: [{ switch: 'SW', number: '7001' }] });
  o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P1', annex: { uc: { contact: 'sip:alice@example.test' }, 'uc-connector': { 'preview-expiration-timeout': '5000' } } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'dnd-off-timeout': 2000 } } });
  const view = new ConfigIndex(o);
  const uc = new StandalonePlatform({ clock });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock });
  const connector = new UcConnector({ view, application: 'UCC', tlib, uc, clock });
  const sessions = new KwClientSessions();
  const results: PreviewResultBody[] = [];
  const manager = new PreviewManager({ connector, sessions, clock, settings: previewSettingsFromOptions(new OptionResolver({ view, application: 'UCC' })) });
  const responder = { respond: (_ref: number, body: PreviewResultBody) => (results.push(body), true) };
  const got: KwServerMessage[] = [];
  let ref = 1;
  const offer = (): string => {
    manager.handle({ message: 'PreviewInteractionRequest', ReferenceID: ref++, agent: 'A7001', connId: (0xa0 + ref).toString(16).padStart(16, '0'), dn: '5000', mediaType: 'voice', switch: 'SW', userData: [] }, responder);
    const p = got.filter((m) => m.type === 'preview').at(-1);
    assert.ok(p && p.type === 'preview');
    return p.id;
  };
  const kw = () => connector.knowledgeWorker('alice');
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    uc.setPresence('alice', 'online');
    connector.openSession('alice');
    sessions.add({ id: sessions.newId(), userName: 'alice', send: (m) => (got.push(m), true) });
    await until(() => kw()?.agentState === 'Ready', 'Ready');

    manager.reject('alice', offer());
    assert.equal(results.at(-1)?.result, 'rejected');
    await until(() => kw()?.agentState === 'NotReady' && kw()?.autoState === 'preview-reject', 'NotReady in preview-reject');
    clock.advance(1999);
    await new Promise((r) => setImmediate(r));
    assert.equal(kw()?.agentState, 'NotReady', 'still NotReady before dnd-off-timeout');
    clock.advance(1);
    await until(() => kw()?.agentState === 'Ready' && kw()?.autoState === null, 'Ready again after dnd-off-timeout');

    offer();
    clock.advance(5000); // the Person annex's preview-expiration-timeout
    assert.equal(results.at(-1)?.result, 'timeout');
    await until(() => kw()?.agentState === 'NotReady' && kw()?.autoState === 'preview-timeout', 'NotReady in preview-timeout');
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(kw()?.autoState, 'preview-timeout', 'preview-timeout lasts until the KW ends it');
    connector.endAutoState('alice');
    await until(() => kw()?.agentState === 'Ready', 'Ready after the KW ends the auto-state');
  } finally {
    manager.dispose();
    connector.stop();
    tlib.close();
    await server.close();
    await uc.stop();
  }
});
