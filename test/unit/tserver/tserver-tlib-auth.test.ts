/**
 * T-Lib authentication, authorisation and listener bounds on the T-Server (docs/protocols/tlib.md
 * 1.1-1.3): raw peers over TCP on 127.0.0.1, time on a ManualClock. Every server and socket started
 * here is closed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCert } from '../../support/self-signed-cert.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { hashPassword } from '../../../src/config/password-hash.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { TErr } from '../../../src/tlib/index.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { RawPeer, rawFrame } from '../tlib/helpers/raw-peer.ts';

const cheap = { N: 1024, r: 8, p: 1 };
const config = createTServerConfig({
  switchName: 'SW',
  dns: [
    { name: '7001', type: 'Extension' },
    { name: '7002', type: 'Extension' },
    { name: 'RP1', type: 'RoutingPoint' },
    { name: 'trunk', type: 'Trunk' },
  ],
  agentLogins: ['a1', 'a2', { agentId: 'secret', passwordHash: hashPassword('agent-pw', cheap) }],
  options: { 'router-timeout': 0, 'wrap-up-time': 0 },
  applications: [
    { name: 'Full', passwordHash: hashPassword('full-pw', cheap), dns: 'all' },
    { name: 'Desk1', passwordHash: hashPassword('desk-pw', cheap), dns: ['7001'] },
    { name: 'NoPassword', dns: 'all' },
  ],
});

const clock = new ManualClock();
const logger = memoryLogger();
const server = new TServer({ config, clock, logger, limits: { maxConnections: 20, maxConnectionsPerAddress: 12 } });
const peers: RawPeer[] = [];
let port = 0;

after(async () => {
  for (const p of peers) p.close();
  await server.close();
});

async function peer(): Promise<RawPeer> {
  if (!port) port = (await server.listen({ host: '127.0.0.1', port: 0 })).port;
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const p = new RawPeer(sock);
  peers.push(p);
  await p.next((e) => e.message === 'EventLinkConnected');
  return p;
}

let ref = 100;
async function ask(p: RawPeer, req: TlibRequest): Promise<TlibEvent> {
  const ReferenceID = ++ref;
  p.send({ ...req, ReferenceID } as TlibRequest);
  return p.next((e) => e.ReferenceID === ReferenceID);
}

async function authed(application: string, password: string): Promise<RawPeer> {
  const p = await peer();
  const r = await ask(p, { message: 'RequestRegisterClient', ApplicationName: application, ApplicationPassword: password });
  assert.equal(r.message, 'EventServerConnected', JSON.stringify(r));
  return p;
}

const code = (e: TlibEvent): number | undefined => (e.message === 'EventError' ? e.ErrorCode : undefined);

/** Lets socket I/O (and the scrypt thread pool) run. */
const io = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a request before authentication gets EventError 1145 and the link is closed', async () => {
  const p = await peer();
  const r = await ask(p, { message: 'RequestAgentLogout', ThisDN: '7001' });
  assert.equal(code(r), TErr.TERR_CLIENT_NOT_AUTHENTICATED);
  await p.closed;
});

test('a wrong password, an unknown Application and one without a password are refused and closed', async () => {
  for (const [app, pw] of [['Full', 'nope'], ['Nobody', 'full-pw'], ['NoPassword', 'x']] as const) {
    const p = await peer();
    const r = await ask(p, { message: 'RequestRegisterClient', ApplicationName: app, ApplicationPassword: pw });
    assert.equal(code(r), TErr.TERR_CLIENT_NOT_AUTHENTICATED, app);
    await p.closed;
  }
});

test('the right password gets EventServerConnected, then requests are served', async () => {
  const p = await authed('Full', 'full-pw');
  assert.equal((await ask(p, { message: 'RequestRegisterAddress', ThisDN: 'RP1' })).message, 'EventRegistered');
});

test('TlibClient authenticates with its credentials; wrong ones make connect() fail', async () => {
  if (!port) await peer();
  const good = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: false, clock, credentials: { application: 'Desk1', password: 'desk-pw' } });
  await good.connect();
  assert.equal((await good.registerAddress('7001')).message, 'EventRegistered');
  good.close();
  const bad = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: false, clock, credentials: { application: 'Desk1', password: 'wrong' } });
  await assert.rejects(bad.connect(), /authentication as Desk1 failed/);
  bad.close();
});

test('a session not authenticated within 10 s is closed', async () => {
  const p = await peer();
  clock.advance(9_999);
  await io();
  assert.equal(p.isClosed, false);
  clock.advance(1);
  await p.closed;
});

test('before authentication a frame is at most 64 KiB; after it, larger frames pass', async () => {
  const p = await peer();
  const head = Buffer.alloc(4);
  head.writeUInt32BE(64 * 1024 + 1);
  p.sendRaw(head);
  await p.closed;

  const q = await authed('Full', 'full-pw');
  const big = JSON.stringify({ message: 'RequestQueryAddress', ThisDN: '7001', Extensions: [['pad', 'x'.repeat(100 * 1024)]], ReferenceID: 7 });
  q.sendRaw(rawFrame(big));
  await q.next((e) => e.ReferenceID === 7);
  assert.equal(q.isClosed, false);
  assert.equal((await ask(q, { message: 'RequestQueryAddress', ThisDN: '7001' })).message, 'EventAddressInfo');
});

test('a frame stalled for 30 s closes the session; frames that complete keep it open', async () => {
  const p = await authed('Full', 'full-pw');
  const frame = rawFrame(JSON.stringify({ message: 'RequestQueryAddress', ThisDN: '7001', ReferenceID: 9 }));
  p.sendRaw(frame.subarray(0, 10));
  await io();
  clock.advance(29_000);
  p.sendRaw(frame.subarray(10));
  await p.next((e) => e.ReferenceID === 9);
  p.sendRaw(frame.subarray(0, 10));
  await io();
  clock.advance(29_000);
  await io();
  assert.equal(p.isClosed, false, 'the second frame started 29 s ago');
  clock.advance(1_000);
  await p.closed;
});

test('connections over the per-address limit are refused, and logged once per interval', async () => {
  const open = server.tlib.sessions().length;
  const extra: net.Socket[] = [];
  const before = logger.lines.filter((l) => l.msg === 'T-Lib connection refused: too many connections').length;
  try {
    for (let i = open; i < 12; i++) await peer();
    const refused: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      extra.push(s);
      refused.push(new Promise((r) => s.once('close', () => r())));
    }
    await Promise.all(refused);
    const lines = logger.lines.filter((l) => l.msg === 'T-Lib connection refused: too many connections');
    assert.equal(lines.length - before, 1, 'one line for five refusals');
    clock.advance(60_000);
    const after = logger.lines.filter((l) => l.msg === 'T-Lib connection refused: too many connections');
    assert.equal(after.at(-1)?.refused, 4, 'the rest summed at the end of the interval');
  } finally {
    for (const s of extra) s.destroy();
    for (const p of peers.splice(0)) p.close();
    await io(50);
  }
});

test('a limited Application controls and monitors only its own DNs', async () => {
  const full = await authed('Full', 'full-pw');
  const desk = await authed('Desk1', 'desk-pw');
  assert.equal((await ask(full, { message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'a2' })).message, 'EventAgentLogin');
  // Another DN's agent, a routing point, calls and routing from DNs it does not own: refused.
  assert.equal(code(await ask(desk, { message: 'RequestAgentLogout', ThisDN: '7002' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  assert.equal(code(await ask(desk, { message: 'RequestRegisterAddress', ThisDN: 'RP1' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  assert.equal(code(await ask(desk, { message: 'RequestQueryAddress', ThisDN: '7002' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  assert.equal(code(await ask(desk, { message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  // A customer call on 7002 with UserData: the limited desk can neither route it nor read or change its UserData.
  const dial = await ask(full, { message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: '7002', UserData: [['Card', '4111']] });
  assert.equal(dial.message, 'EventDialing');
  const connId = (dial as { ConnID: string }).ConnID;
  assert.equal(code(await ask(desk, { message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: connId, OtherDN: '7001' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  assert.equal(code(await ask(desk, { message: 'RequestAttachUserData', ThisDN: '7002', ConnID: connId, UserData: [['x', '1']] })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED);
  const own = await ask(desk, { message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: connId, UserData: [['x', '1']] });
  assert.equal(own.message, 'EventError', 'a call not on its DN stays closed to it');
  assert.equal(desk.events.some((e) => 'UserData' in e && JSON.stringify(e.UserData).includes('4111')), false);
  // Its own DN works.
  assert.equal((await ask(desk, { message: 'RequestRegisterAddress', ThisDN: '7001' })).message, 'EventRegistered');
  assert.equal((await ask(desk, { message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1' })).message, 'EventAgentLogin');
  assert.equal((await ask(desk, { message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002' })).message, 'EventDialing');
  full.close();
  desk.close();
  await Promise.all([full.closed, desk.closed]);
});

test('RequestAgentLogin checks a configured agent password (1704), keeping the session\'s request order', async () => {
  const p = await authed('Full', 'full-pw');
  const wrong = await ask(p, { message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'secret', Password: 'guess' });
  assert.equal(code(wrong), TErr.TERR_SOFT_AGENT_WRONG_PASSWORD);
  assert.equal(code(await ask(p, { message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'secret' })), TErr.TERR_SOFT_AGENT_WRONG_PASSWORD);
  // Login and Ready back to back: Ready waits behind the password check instead of overtaking it.
  p.send({ message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'secret', Password: 'agent-pw', ReferenceID: 501 });
  p.send({ message: 'RequestAgentReady', ThisDN: '7002', ReferenceID: 502 });
  assert.equal((await p.next((e) => e.ReferenceID === 501)).message, 'EventAgentLogin');
  assert.equal((await p.next((e) => e.ReferenceID === 502)).message, 'EventAgentReady');
  assert.equal((await ask(p, { message: 'RequestAgentLogout', ThisDN: '7002' })).message, 'EventAgentLogout');
});

test('mutual TLS: a verified client certificate whose CN names an Application authenticates the session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-tlib-mtls-'));
  const mtls = new TServer({ config, clock });
  const socks: tls.TLSSocket[] = [];
  try {
    const srv = makeSelfSignedCert(dir, '127.0.0.1');
    const clientDir = join(dir, 'client');
    mkdirSync(clientDir);
    const cli = makeSelfSignedCert(clientDir, 'Desk1');
    const { port: tlsPort } = await mtls.listen({
      host: '127.0.0.1', port: 0,
      tls: { cert: readFileSync(srv.certFile), key: readFileSync(srv.keyFile), ca: readFileSync(cli.certFile), requestCert: true, rejectUnauthorized: false },
    });
    const open = async (withCert: boolean): Promise<RawPeer> => {
      const s = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: readFileSync(srv.certFile), ...(withCert ? { cert: readFileSync(cli.certFile), key: readFileSync(cli.keyFile) } : {}) });
      socks.push(s);
      await new Promise<void>((resolve, reject) => s.once('secureConnect', () => resolve()).once('error', reject));
      const p = new RawPeer(s);
      await p.next((e) => e.message === 'EventLinkConnected');
      return p;
    };
    const desk = await open(true);
    assert.equal((await ask(desk, { message: 'RequestRegisterAddress', ThisDN: '7001' })).message, 'EventRegistered', 'no RequestRegisterClient needed');
    assert.equal(code(await ask(desk, { message: 'RequestRegisterAddress', ThisDN: 'RP1' })), TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED, 'and Desk1\'s limits apply');
    const anonymous = await open(false);
    assert.equal(code(await ask(anonymous, { message: 'RequestRegisterAddress', ThisDN: '7001' })), TErr.TERR_CLIENT_NOT_AUTHENTICATED);
    await anonymous.closed;
  } finally {
    for (const s of socks) s.destroy();
    await mtls.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
