// The whole system built in one process from config/demo.yaml (no sockets: the T-Server listens
// on an ephemeral loopback port only because App.listen() is the one way to start the roles).
// Standalone presence set for a KW moves the emulated agent, as ARCHITECTURE data flow 1 says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../../src/app/build-app.ts';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';

const demo = fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('buildApp wires store, T-Server, standalone presence and the connector: presence moves the agent', async () => {
  const loaded = loadConfigFile(demo, { hashPasswords: false });
  assert.ok(loaded.ok);
  loaded.value.settings.listen = { host: '127.0.0.1', tlib: 0, http: 0 };
  const app = await buildApp(loaded.value);
  try {
    await app.listen();
    assert.ok(app.uc instanceof StandalonePlatform);
    assert.deepEqual(app.connector.knowledgeWorkers().sort(), ['alice', 'bob', 'carol']);
    app.uc.setPresence('alice', 'online');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'Ready', 'alice Ready');
    app.uc.setPresence('alice', 'busy', 'in a meeting');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'NotReady', 'alice NotReady');
    const view = app.connector.knowledgeWorker('alice');
    assert.equal(view?.presence?.note, 'in a meeting');
    app.uc.setPresence('alice', 'offline');
    await until(() => app.connector.knowledgeWorker('alice')?.agentState === 'LoggedOut', 'alice LoggedOut');
  } finally {
    await app.close();
  }
});
