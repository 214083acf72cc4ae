import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';

const config = createTServerConfig({ dns: [{ name: '7001', type: 'Extension' }], options: { 'wrap-up-time': 30 } });

test('the framed in-memory path (as in one-process mode) serves requests; close() cancels every timer', async () => {
  const clock = new ManualClock();
  const server = new TServer({ config, clock, logger: memoryLogger() });
  const client = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock, reconnect: false });
  try {
    await client.connect();
    await client.registerAddress('7001');
    await client.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', AgentWorkMode: 'AutoIn' });
    const acw = await client.request({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AfterCallWork' });
    assert.deepEqual((acw as { Extensions?: unknown }).Extensions, [['WrapUpTime', 30]]);
    assert.equal(server.pendingTimers, 1);
  } finally {
    client.close();
    await server.close();
  }
  assert.equal(server.pendingTimers, 0);
});

test('a closed client logs its agent out (logout-on-disconnect defaults to true)', async () => {
  const clock = new ManualClock();
  const server = new TServer({ config, clock });
  const watcher = server.attach(() => undefined);
  const events: string[] = [];
  const w2 = server.attach((e) => events.push(e.message));
  w2.request({ message: 'RequestRegisterAddress', ThisDN: '7001' });
  const client = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock, reconnect: false });
  try {
    await client.connect();
    await client.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1' });
    client.close();
    for (let i = 0; i < 50 && server.core.agentOn('7001'); i++) await new Promise((r) => setImmediate(r));
    assert.equal(server.core.agentOn('7001'), undefined);
    assert.ok(events.includes('EventAgentLogout'));
  } finally {
    watcher.close();
    w2.close();
    await server.close();
  }
});
