// Operations on a real `ucc demo` process (demo configuration, ports 0, a customer call to alice's
// targeted routing point every half second): /metrics families move under activity, the log level
// changes live over the admin API and on SIGHUP (effective within a second), `ucc status` prints
// the readiness, and SIGTERM drains in order with a preview open, then exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { inMemoryDemoYaml } from '../../support/demo-config.ts';
import { startPeer, waitFor } from '../../support/peer-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The demo configuration with a password on the UCC Application (the admin API's credential). */
function configText(log: string): string {
  const text = inMemoryDemoYaml('\nlisten: { tlib: 0, http: 0 }\n');
  const marker = '  - name: UCC\n    type: ucc\n    options:\n';
  assert.ok(text.includes(marker), 'config/demo.yaml has the UCC Application block');
  return text.replace(marker, `  - name: UCC\n    type: ucc\n    password: ops-secret\n    options:\n${log}`);
}

/** Prometheus text -> sample name with labels -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Sum of every sample of a family (all label sets). */
function total(m: Map<string, number>, family: string): number {
  let n = 0;
  for (const [k, v] of m) if (k === family || k.startsWith(`${family}{`)) n += v;
  return n;
}

function has(m: Map<string, number>, family: string): boolean {
  for (const k of m.keys()) if (k === family || k.startsWith(`${family}{`)) return true;
  return false;
}

const admin = { authorization: `Basic ${Buffer.from('UCC:ops-secret').toString('base64')}` };

test('ucc demo: metrics move, log level changes live (admin API and SIGHUP), ucc status, SIGTERM drains in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-ops-'));
  const cfg = join(dir, 'demo.yaml');
  writeFileSync(cfg, configText(''));
  const ucc = startPeer('ucc-ops', process.execPath, [join(root, 'bin/ucc.js'), 'demo', '--config', cfg, '--interval', '0.5', '--to', '8002', '--log-level', 'info', '--drain-seconds', '1']);
  let ws: WebSocket | undefined;
  try {
    await waitFor('the ucc ready line', () => /ucc ready http=/.test(ucc.output()), 60_000, () => ucc.output());
    const base = /ucc ready http=(\S+)/.exec(ucc.output())![1]!;
    assert.equal((await fetch(`${base}/api/v1/health`)).status, 200);
    const ready = await fetch(`${base}/api/v1/ready`);
    const report = (await ready.json()) as { status: string; dependencies: Record<string, { state: string }> };
    assert.equal(ready.status, 200, JSON.stringify(report));
    assert.equal(report.status, 'ready');
    assert.equal(report.dependencies.store?.state, 'up');
    assert.equal(report.dependencies.tserverLink?.state, 'up');

    const before = parseMetrics(await (await fetch(`${base}/metrics`)).text());

    // Alice logs in and keeps her client open: previews are offered to her; she rejects one.
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'alice', password: 'alice' }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = ((await (await fetch(`${base}/api/v1/session`, { headers: { cookie } })).json()) as { csrfToken: string }).csrfToken;
    ws = new WebSocket(base.replace(/^http/, 'ws') + '/api/v1/kw-socket', { headers: { cookie } });
    await new Promise((resolve, reject) => {
      ws!.once('open', resolve);
      ws!.once('error', reject);
    });
    const put = (availability: string): Promise<Response> => fetch(`${base}/api/v1/knowledge-workers/alice/presence`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ availability }) });
    assert.equal((await put('busy')).status, 200);
    assert.equal((await put('online')).status, 200);
    let previewId: string | undefined;
    const openPreviews = async (): Promise<Array<{ id: string }>> => (await (await fetch(`${base}/api/v1/knowledge-workers/alice/previews`, { headers: { cookie } })).json()) as Array<{ id: string }>;
    await waitFor('a preview for alice', async () => {
      previewId = (await openPreviews())[0]?.id;
      return previewId !== undefined;
    }, 30_000, () => ucc.output());
    const rejected = await fetch(`${base}/api/v1/knowledge-workers/alice/previews/${previewId}/reject`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(rejected.status, 200);

    const after = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    for (const family of ['ucc_presence_updates_total', 'ucc_presence_age_seconds_count', 'ucc_preview_offers_total', 'ucc_preview_outcomes_total', 'ucc_preview_decision_seconds_count', 'ucc_tlib_requests_total', 'ucc_store_query_seconds_count', 'process_cpu_user_seconds_total']) {
      assert.ok(total(after, family) > total(before, family), `${family} moved: ${total(before, family)} -> ${total(after, family)}`);
    }
    assert.ok((after.get('ucc_preview_outcomes_total{outcome="rejected",reason="rejected"}') ?? 0) >= 1, [...after.keys()].filter((k) => k.startsWith('ucc_preview_outcomes')).join(', '));
    assert.equal(total(after, 'ucc_knowledge_workers'), 3, 'the three demo KWs, by agent state');
    assert.equal(total(after, 'ucc_knowledge_workers_by_presence_source'), 3);
    assert.ok((after.get('ucc_knowledge_workers_by_presence_source{source="standalone"}') ?? 0) >= 1);
    assert.ok((after.get('ucc_tlib_sessions') ?? 0) >= 2, 'the connector, router and demo caller sessions');
    assert.ok(total(after, 'ucc_calls') >= 1, 'the demo calls are live');
    assert.ok(has(after, 'ucc_calls{media="chat",state="established"}'), 'calls and chats by state');
    for (const family of ['ucc_sip_transactions_total', 'ucc_sip_retransmissions_total']) assert.ok(has(after, family), `${family} is exported`);

    // The log level, live over the admin API: a debug line (one per HTTP response) within a second.
    assert.equal((await fetch(`${base}/api/v1/admin/log-level`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"level":"debug"}' })).status, 401, 'no credentials, no change');
    assert.equal((await fetch(`${base}/api/v1/admin/log-level`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: '{"level":"debug"}' })).status, 200);
    const mark1 = ucc.output().length;
    await fetch(`${base}/api/v1/health?probe=1`);
    await waitFor('a debug line for the probe', () => /"level":"debug".*"url":"\/api\/v1\/health".*"msg":"http response"/.test(ucc.output().slice(mark1)), 1000, () => ucc.output().slice(mark1));

    // SIGHUP re-reads [log]: verbose=standard is warn; the change is on record and info lines stop.
    writeFileSync(cfg, configText('      log: { verbose: standard }\n'));
    const mark2 = ucc.output().length;
    process.kill(ucc.pid, 'SIGHUP');
    await waitFor('the SIGHUP re-read', () => /SIGHUP: log options re-read.*"to":"warn"|"to":"warn".*SIGHUP: log options re-read/.test(ucc.output().slice(mark2)), 1000, () => ucc.output().slice(mark2));
    const levelNow = (await (await fetch(`${base}/api/v1/admin/log-level`, { headers: admin })).json()) as { level: string };
    assert.equal(levelNow.level, 'warn');
    const mark3 = ucc.output().length;
    await fetch(`${base}/api/v1/health?probe=2`);
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(ucc.output().slice(mark3), /"level":"(debug|info)"/, 'no debug or info line after the level went to warn');
    assert.match(readFileSync(cfg, 'utf8'), /verbose: standard/);

    // ucc status prints the same readiness for this instance.
    const status = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [join(root, 'bin/ucc.js'), 'status', '--url', base], { timeout: 30_000 }, (err, stdout) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, out: stdout }));
    });
    assert.equal(status.code, 0, status.out);
    assert.match(status.out, /^status: ready/m);
    assert.match(status.out, /store\s+up \[sqlite\]/);
    assert.match(status.out, /tserverLink\s+up/);

    // SIGTERM: the drain (its order is the next test's) ends with exit 0.
    const mark4 = ucc.output().length;
    process.kill(ucc.pid, 'SIGTERM');
    assert.equal(await ucc.exited, 0, ucc.output().slice(mark4));
    const tail = ucc.output().slice(mark4);
    assert.doesNotMatch(tail, /drain failed/);
  } finally {
    ws?.close();
    await ucc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM drains in order: no new calls, open previews cancelled within the bound, publications withdrawn, closed, exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-drain-'));
  const cfg = join(dir, 'demo.yaml');
  writeFileSync(cfg, configText(''));
  const ucc = startPeer('ucc-drain', process.execPath, [join(root, 'bin/ucc.js'), 'demo', '--config', cfg, '--interval', '0.5', '--to', '8002', '--log-level', 'info', '--drain-seconds', '1']);
  let ws: WebSocket | undefined;
  try {
    await waitFor('the ucc ready line', () => /ucc ready http=/.test(ucc.output()), 60_000, () => ucc.output());
    const base = /ucc ready http=(\S+)/.exec(ucc.output())![1]!;
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'alice', password: 'alice' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    ws = new WebSocket(base.replace(/^http/, 'ws') + '/api/v1/kw-socket', { headers: { cookie } });
    await new Promise((resolve, reject) => {
      ws!.once('open', resolve);
      ws!.once('error', reject);
    });
    await waitFor('a preview for alice', async () => ((await (await fetch(`${base}/api/v1/knowledge-workers/alice/previews`, { headers: { cookie } })).json()) as unknown[]).length > 0, 30_000, () => ucc.output());
    const mark = ucc.output().length;
    process.kill(ucc.pid, 'SIGTERM');
    assert.equal(await ucc.exited, 0, ucc.output().slice(mark));
    const tail = ucc.output().slice(mark);
    const steps = ['drain: 1 no new calls or chats', 'drain: 2 waiting for open previews', 'drain: 2 previews done', 'drain: 3 presence publications withdrawn', 'drain: 4 closed'];
    const at = steps.map((s) => tail.indexOf(s));
    assert.ok(at.every((i) => i >= 0), `every step logged: ${tail}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at, 'in order');
    const waiting = JSON.parse(tail.slice(tail.lastIndexOf('\n', at[1]!) + 1, tail.indexOf('\n', at[1]!))) as { open: number };
    assert.ok(waiting.open >= 1, 'a preview was open when the drain began');
    const done = JSON.parse(tail.slice(tail.lastIndexOf('\n', at[2]!) + 1, tail.indexOf('\n', at[2]!))) as { cancelled: number };
    assert.ok(done.cancelled >= 1, 'the open preview was cancelled when the bound ran out');
  } finally {
    ws?.close();
    await ucc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
