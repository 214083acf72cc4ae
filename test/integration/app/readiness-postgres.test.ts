// Readiness follows a real PostgreSQL: a private server (own data directory and port, started as
// the postgres user, never the shared one on 5432) is stopped under a running instance, and
// GET /api/v1/ready turns `not ready` naming the store; started again, it turns `ready`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../../src/app/build-app.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { inMemoryDemoYaml } from '../../support/demo-config.ts';
import { waitFor } from '../../support/peer-process.ts';

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort().reverse().find((v) => existsSync(join(root, v, 'bin', name)));
  assert.ok(version, `PostgreSQL ${name} is installed`);
  return join(root, version, 'bin', name);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The postgres user's ids: PostgreSQL refuses to run as root. */
const pgUser = (): { uid: number; gid: number } => ({ uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) });

function startPostgres(data: string, socketDir: string, port: number): ChildProcess {
  const asPostgres = process.getuid?.() === 0 ? pgUser() : {};
  return spawn(pgBin('postgres'), ['-D', data, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { ...asPostgres, stdio: 'ignore' });
}

async function stopPostgres(pg: ChildProcess): Promise<void> {
  if (pg.exitCode !== null || pg.signalCode !== null) return;
  const exited = new Promise((r) => pg.once('exit', r));
  process.kill(pg.pid!, 'SIGINT'); // fast shutdown: clients are disconnected at once
  await exited;
}

async function readiness(base: string): Promise<{ code: number; body: { status: string; dependencies: { store: { state: string; detail?: string } } } }> {
  const res = await fetch(`${base}/api/v1/ready`);
  return { code: res.status, body: (await res.json()) as { status: string; dependencies: { store: { state: string; detail?: string } } } };
}

test('GET /api/v1/ready turns not ready when PostgreSQL stops under the instance, and ready when it is back', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) chownSync(dir, pgUser().uid, pgUser().gid);
  const asPostgres = process.getuid?.() === 0 ? pgUser() : {};
  execFileSync(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { ...asPostgres, stdio: 'ignore' });
  const port = await freePort();
  let pg = startPostgres(data, dir, port);
  let app: App | undefined;
  try {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitFor('the private PostgreSQL', () => {
      try {
        execFileSync(pgBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    const yaml = inMemoryDemoYaml('\nlisten: { tlib: 0, http: 0 }\n').replace(/^store:\n(?:[ \t]+.*\n)+/m, `store:\n  type: postgres\n  url: "${url}"\n`);
    const loaded = parseConfigText(yaml, 'readiness.yaml');
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
    app = await buildApp(loaded.value);
    const base = (await app.listen()).http;

    const up = await readiness(base);
    assert.equal(up.code, 200, JSON.stringify(up.body));
    assert.equal(up.body.status, 'ready');
    assert.equal(up.body.dependencies.store.state, 'up');

    await stopPostgres(pg);
    let down = await readiness(base);
    await waitFor('not ready', async () => {
      down = await readiness(base);
      return down.code === 503;
    }, 20_000);
    assert.equal(down.body.status, 'not ready');
    assert.equal(down.body.dependencies.store.state, 'down');
    assert.ok(down.body.dependencies.store.detail, 'the store check says why');

    pg = startPostgres(data, dir, port);
    await waitFor('ready again', async () => (await readiness(base)).code === 200, 60_000);
    const again = await readiness(base);
    assert.equal(again.body.status, 'ready');
    assert.equal(again.body.dependencies.store.state, 'up');
  } finally {
    await app?.close().catch(() => undefined);
    await stopPostgres(pg);
    rmSync(dir, { recursive: true, force: true });
  }
});
