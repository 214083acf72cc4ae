// kill -9 in the middle of a preview, then `ucc start` again on the same SQLite file: the offer
// left open is closed with the documented outcome (error, instance-restarted), the KW gets the
// next call's preview at once (the dead run's reservation is released, not left to lapse after
// its ~30 s TTL), and no call leaves a row behind in router_reservation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { openStore, routerMigrations } from '../../../src/store/index.ts';
import { instanceMigrations } from '../../../src/store/instance-runs.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { OfferLedger } from '../../../src/reporting/offer-ledger.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { startPeer, waitFor, type PeerProcess } from '../../support/peer-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const configYaml = (file: string): string => `
store: { type: sqlite, path: ${JSON.stringify(file)} }
presence: { mode: standalone }
switches: [{ name: SW }]
dns:
  - { number: "sip:alice@example.test", type: Extension, switch: SW }
  - number: "8002"
    type: Routing Point
    switch: SW
    annex:
      router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1 }
      TServer: { router-timeout: 0 }
  - { number: "trunk", type: Trunk, switch: SW }
places: [{ name: P, dns: ["sip:alice@example.test"] }]
agentLogins: [{ loginCode: alice, switch: SW }]
persons:
  - { userName: alice, password: alice, agentLogins: [alice], defaultPlace: P, annex: { uc: { contact: "sip:alice@example.test" } } }
applications:
  - { name: TS, type: tserver, switch: SW }
  - { name: UCC, type: ucc, options: { uc-connector: { preview-expiration-timeout: 30000 } } }
  - { name: Customers, type: custom-server, password: customers-crash, options: { tlib-client: { dns: trunk } } }
listen: { tlib: 0, http: 0 }
`;

interface Running {
  ucc: PeerProcess;
  http: string;
  tlib: TlibClient;
  ws: WebSocket;
  previews: string[];
}

/** `ucc start`, alice logged in with her KW socket open and Ready, a T-Lib client on the trunk. */
async function start(cfg: string): Promise<Running> {
  const ucc = startPeer('ucc', process.execPath, [join(root, 'bin/ucc.js'), 'start', '--config', cfg, '--log-level', 'warn']);
  try {
    return await ready(ucc);
  } catch (e) {
    await ucc.stop();
    throw e;
  }
}

async function ready(ucc: PeerProcess): Promise<Running> {
  await waitFor('the ucc ready line', () => /ucc ready/.test(ucc.output()), 30_000, () => ucc.output());
  const m = /ucc ready http=(\S+) tlib=tcp:\/\/([\d.]+):(\d+)/.exec(ucc.output());
  assert.ok(m, ucc.output());
  const http = m[1]!;
  const login = await fetch(`${http}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'alice', password: 'alice' }) });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await (await fetch(`${http}/api/v1/session`, { headers: { cookie } })).json()) as { csrfToken: string };
  const previews: string[] = [];
  const ws = new WebSocket(`${http.replace(/^http/, 'ws')}/api/v1/kw-socket`, { headers: { cookie, origin: http } });
  ws.on('message', (d: Buffer) => {
    const msg = JSON.parse(d.toString()) as { type: string; id?: string };
    if (msg.type === 'preview' && msg.id) previews.push(msg.id);
  });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const put = await fetch(`${http}/api/v1/knowledge-workers/alice/presence`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken }, body: JSON.stringify({ availability: 'online' }) });
  assert.equal(put.status, 200);
  await waitFor('alice Ready', async () => ((await (await fetch(`${http}/api/v1/knowledge-workers/alice`, { headers: { cookie } })).json()) as { agentState: string }).agentState === 'Ready', 10_000);
  const tlib = new TlibClient({ target: { kind: 'tcp', host: m[2]!, port: Number(m[3]) }, reconnect: false, requestTimeoutMs: 5000, credentials: { application: 'Customers', password: 'customers-crash' } });
  await tlib.connect();
  await tlib.request({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
  return { ucc, http, tlib, ws, previews };
}

async function call(r: Running): Promise<void> {
  await r.tlib.request({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: '8002' });
}

test('kill -9 mid-preview, restart: the open offer is closed, the KW is offered the next call at once, no lease rows stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-crash-'));
  const file = join(dir, 'openucc.sqlite');
  const cfg = join(dir, 'crash.yaml');
  writeFileSync(cfg, configYaml(file));
  let first: Running | undefined;
  let second: Running | undefined;
  try {
    first = await start(cfg);
    await call(first);
    await waitFor('the first preview at alice', () => first!.previews.length === 1, 10_000);
    process.kill(first.ucc.pid, 'SIGKILL');
    assert.equal(await first.ucc.exited, 'SIGKILL');
    first.tlib.close();
    first.ws.terminate();

    second = await start(cfg);
    await call(second);
    // The dead run's claim would hold alice for preview-expiration-timeout + arrival + 5 s (> 30 s).
    const t0 = Date.now();
    await waitFor('the next call\'s preview at alice', () => second!.previews.length === 1, 5_000);
    assert.ok(Date.now() - t0 < 5_000);
    second.ws.send(JSON.stringify({ type: 'reject', id: second.previews[0] }));
    second.ws.close();
    second.tlib.close();
    process.kill(second.ucc.pid, 'SIGTERM');
    assert.equal(await second.ucc.exited, 0, second.ucc.output());

    const store = await openStore({ type: 'sqlite', path: file }, { migrations: [...reportingMigrations, ...routerMigrations, ...instanceMigrations] });
    try {
      const rows = await new OfferLedger(store.db).offers();
      assert.equal(rows.length, 2, JSON.stringify(rows));
      assert.deepEqual([rows[0]!.outcome, rows[0]!.reason], ['error', 'instance-restarted'], 'the crashed run\'s offer is closed');
      assert.equal(rows[1]!.outcome, 'rejected');
      const leases = await store.db.selectFrom('router_reservation' as never).select(['kw' as never]).execute();
      assert.deepEqual(leases.map((l) => (l as { kw: string }).kw), ['alice'], 'only the KW row stays; no call lease rows');
    } finally {
      await store.close();
    }
  } finally {
    for (const r of [first, second]) {
      r?.ws.terminate();
      r?.tlib.close();
      await r?.ucc.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
