/**
 * The T-Server over real TCP on 127.0.0.1 (port 0), with TlibClient peers: registration, an agent
 * session, a routed inbound call with UserData, and a user event. Everything started is closed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TServer } from '../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import { CtiError } from '../../src/tlib/cti-error.ts';
import type { TlibEvent } from '../../src/tlib/index.ts';
import { hashPassword } from '../../src/config/password-hash.ts';

const credentials = { application: 'CTI', password: 'cti-secret' };

const config = createTServerConfig({
  switchName: 'SW',
  dns: [
    { name: '7001', type: 'Extension' },
    { name: 'RP1', type: 'RoutingPoint' },
    { name: 'trunk', type: 'Trunk' },
  ],
  agentLogins: ['a1'],
  options: { 'agent-strict-id': true, 'wrap-up-time': 0, 'router-timeout': 30 },
  applications: [
    { name: credentials.application, passwordHash: hashPassword(credentials.password, { N: 1024, r: 8, p: 1 }), dns: 'all' },
    { name: 'Customers', passwordHash: hashPassword('customers', { N: 1024, r: 8, p: 1 }), dns: ['trunk'] },
  ],
});

const server = new TServer({ config });
const clients: TlibClient[] = [];
let port = 0;

after(async () => {
  for (const c of clients) c.close();
  await server.close();
});

async function client(): Promise<TlibClient> {
  if (!port) port = (await server.listen({ host: '127.0.0.1', port: 0 })).port;
  const c = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: false, requestTimeoutMs: 5000, credentials });
  clients.push(c);
  await c.connect();
  return c;
}

/** Resolves with the next event named `name` on `dn` (rejects after 5 s of real time: this is a socket test). */
function next(c: TlibClient, dn: string, name: string): Promise<TlibEvent & Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no ${name} on ${dn}`));
    }, 5000);
    const off = c.onDn(dn, (e) => {
      if (e.message !== name) return;
      clearTimeout(t);
      off();
      resolve(e as TlibEvent & Record<string, unknown>);
    });
  });
}

test('T-Server over TCP: registration, agent session, routed call with UserData, user event', async () => {
  const agent = await client();
  const router = await client();
  const caller = await client();

  // Registration, with the unconfigured-DN error.
  const reg = await agent.registerAddress('7001');
  assert.equal(reg.message, 'EventRegistered');
  await assert.rejects(agent.registerAddress('nope'), (e: unknown) => e instanceof CtiError && e.code === 59);

  // Agent session: login, ready, not ready, logout; strict ID refuses an unknown agent.
  await assert.rejects(agent.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'ghost' }), (e: unknown) => e instanceof CtiError && e.code === 1703);
  assert.equal((await agent.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1' })).message, 'EventAgentLogin');
  assert.equal((await agent.request({ message: 'RequestAgentReady', ThisDN: '7001' })).message, 'EventAgentReady');
  const nr = await agent.request({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork', Reasons: [['KW_UC_STATUS', 'Away']] });
  assert.equal(nr.message, 'EventAgentNotReady');
  assert.deepEqual((nr as Record<string, unknown>).Reasons, [['KW_UC_STATUS', 'Away']]);
  assert.equal((await agent.request({ message: 'RequestAgentLogout', ThisDN: '7001' })).message, 'EventAgentLogout');
  await assert.rejects(agent.request({ message: 'RequestAgentReady', ThisDN: '7001' }), (e: unknown) => e instanceof CtiError && e.code === 1707);

  // A routed inbound call with UserData.
  await agent.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', AgentWorkMode: 'AutoIn' });
  await router.registerAddress('RP1');
  await caller.registerAddress('trunk');
  const routeRequest = next(router, 'RP1', 'EventRouteRequest');
  const dialing = await caller.request({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1', UserData: [['CustomerName', 'Анна'], ['Segment', 3]] });
  const connId = (dialing as Record<string, unknown>).ConnID as string;
  assert.match(connId, /^[0-9a-f]{16}$/);
  const rr = await routeRequest;
  assert.equal(rr.ConnID, connId);
  assert.deepEqual(rr.UserData, [['CustomerName', 'Анна'], ['Segment', 3]]);

  const ringing = next(agent, '7001', 'EventRinging');
  const used = await router.request({ message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001', RouteType: 'Default' });
  assert.equal(used.message, 'EventRouteUsed');
  const ring = await ringing;
  assert.deepEqual(ring.UserData, [['CustomerName', 'Анна'], ['Segment', 3]]);

  const callerEstablished = next(caller, 'trunk', 'EventEstablished');
  const est = await agent.request({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
  assert.equal(est.message, 'EventEstablished');
  assert.equal((await callerEstablished).OtherDN, '7001');

  // UserData changed by the agent reaches the caller's side.
  const changed = next(caller, 'trunk', 'EventAttachedDataChanged');
  await agent.request({ message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: connId, UserData: [['Disposition', 'sale']] });
  assert.deepEqual((await changed).UserData, [['CustomerName', 'Анна'], ['Segment', 3], ['Disposition', 'sale']]);

  const callerReleased = next(caller, 'trunk', 'EventReleased');
  assert.equal((await agent.request({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId })).message, 'EventReleased');
  await callerReleased;

  // A user event on 7001 reaches the client registered there.
  const userEvent = next(agent, '7001', 'EventUserEvent');
  const ack = await router.request({ message: 'RequestDistributeUserEvent', ThisDN: '7001', UserData: [['PreviewResult', 'accepted']] });
  assert.equal(ack.message, 'EventACK');
  assert.deepEqual((await userEvent).UserData, [['PreviewResult', 'accepted']]);
});

test('ucc call places an inbound call with UserData on a routing point over TCP', async () => {
  const router = await client();
  await router.registerAddress('RP1');
  const routeRequest = next(router, 'RP1', 'EventRouteRequest');
  const { run } = await import('../../src/cli/call-command.ts');
  const write = process.stdout.write;
  let printed = '';
  process.stdout.write = ((chunk: string) => {
    printed += chunk;
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  process.env.UCC_TLIB_PASSWORD = 'customers';
  try {
    code = await run(['--to', 'RP1', '--from', 'trunk', '--port', String(port), '--userdata', 'Segment=gold', 'Topic=billing']);
  } finally {
    process.stdout.write = write;
    delete process.env.UCC_TLIB_PASSWORD;
  }
  assert.equal(code, 0);
  const rr = await routeRequest;
  assert.deepEqual(rr.UserData, [['Segment', 'gold'], ['Topic', 'billing']]);
  assert.match(printed, new RegExp(`call ${String(rr.ConnID)} from trunk to RP1`));
});
