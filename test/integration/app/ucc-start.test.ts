// `ucc start` as a user runs it: a real process on the demo configuration (ports 0), the
// `ucc ready` line, the health endpoint, the T-Server on its T-Lib port, and a graceful SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { inMemoryDemoYaml } from '../../support/demo-config.ts';
import { startPeer, waitFor } from '../../support/peer-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('ucc start runs every role, prints "ucc ready", serves T-Lib and HTTP, and exits 0 on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-start-'));
  const cfg = join(dir, 'demo.yaml');
  writeFileSync(cfg, inMemoryDemoYaml('\nlisten: { tlib: 0, http: 0 }\n'));
  const ucc = startPeer('ucc', process.execPath, [join(root, 'bin/ucc.js'), 'start', '--config', cfg, '--log-level', 'warn']);
  try {
    await waitFor('the ucc ready line', () => /ucc ready/.test(ucc.output()), 30_000, () => ucc.output());
    const m = /ucc ready http=(\S+) tlib=tcp:\/\/([\d.]+):(\d+)/.exec(ucc.output());
    assert.ok(m, ucc.output());
    const health = (await (await fetch(`${m[1]}/api/v1/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');

    // A KW logs in (scrypt-hashed demo password), sets standalone presence, and reads their view:
    // the external contract GET /api/v1/knowledge-workers/{userName}.
    const login = await fetch(`${m[1]}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'alice', password: 'alice' }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const session = (await (await fetch(`${m[1]}/api/v1/session`, { headers: { cookie } })).json()) as { csrfToken: string; windowTitle: string };
    assert.equal(session.windowTitle, 'Alice Archer - OpenUCC');
    const put = await fetch(`${m[1]}/api/v1/knowledge-workers/alice/presence`, {
      method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify({ availability: 'busy', note: 'with a customer' }),
    });
    assert.equal(put.status, 200);
    let kw: { agentState: string; reasons: Record<string, string>; presence: { availability: string; note: string; source: string; observedAt: number }; connectorDnd: boolean } | undefined;
    await waitFor('the agent to follow presence', async () => {
      kw = (await (await fetch(`${m[1]}/api/v1/knowledge-workers/alice`, { headers: { cookie } })).json()) as typeof kw;
      return kw?.agentState === 'NotReady';
    }, 10_000);
    assert.equal(kw?.presence.availability, 'busy');
    assert.equal(kw?.presence.note, 'with a customer');
    assert.equal(kw?.presence.source, 'standalone');
    assert.equal(kw?.connectorDnd, false);
    assert.equal((await fetch(`${m[1]}/api/v1/knowledge-workers/bob`, { headers: { cookie } })).status, 403, 'a KW reads only their own state');

    // T-Lib over TCP: the demo's Customers Application authenticates and owns the trunk only.
    const anonymous = new TlibClient({ target: { kind: 'tcp', host: m[2]!, port: Number(m[3]) }, reconnect: false, requestTimeoutMs: 5000 });
    await anonymous.connect();
    await assert.rejects(anonymous.request({ message: 'RequestRegisterAddress', ThisDN: '8000' }), /1145|not authenticated|Authenticate first/i);
    anonymous.close();
    const client = new TlibClient({ target: { kind: 'tcp', host: m[2]!, port: Number(m[3]) }, reconnect: false, requestTimeoutMs: 5000, credentials: { application: 'Customers', password: 'customers' } });
    await client.connect();
    const reply = await client.request({ message: 'RequestRegisterAddress', ThisDN: 'trunk' });
    assert.equal(reply.message, 'EventRegistered', 'the demo trunk is configured in the T-Server');
    await assert.rejects(client.request({ message: 'RequestRegisterAddress', ThisDN: '8000' }), /1146|may not use DN 8000/, 'the demo routing point is not the Customers\' to monitor');
    client.close();

    process.kill(ucc.pid, 'SIGTERM');
    assert.equal(await ucc.exited, 0, ucc.output());
  } finally {
    await ucc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
