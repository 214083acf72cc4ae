// `ucc demo` as a user runs it: a real process on the demo configuration (ports 0) that prints the
// `ucc ready` line, places simulated customer calls on the interval through T-Lib over TCP (each
// one a call the T-Server knows), and exits 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inMemoryDemoYaml } from '../../support/demo-config.ts';
import { startPeer, waitFor } from '../../support/peer-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('ucc demo starts every role and places a customer call with case data on each interval, round the routing points', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-demo-'));
  const cfg = join(dir, 'demo.yaml');
  writeFileSync(cfg, inMemoryDemoYaml('\nlisten: { tlib: 0, http: 0 }\n'));
  const ucc = startPeer('ucc-demo', process.execPath, [join(root, 'bin/ucc.js'), 'demo', '--config', cfg, '--interval', '0.5', '--to', '8000,8001', '--log-level', 'warn']);
  try {
    await waitFor('three demo calls', () => /demo call 3 /.test(ucc.output()), 60_000, () => ucc.output());
    const calls = [...ucc.output().matchAll(/demo call (\d+) ([0-9a-f]{16}) to (\d+)/g)].map((m) => [m[1], m[3]]);
    assert.deepEqual(calls.slice(0, 3), [['1', '8000'], ['2', '8001'], ['3', '8000']], ucc.output());
    assert.match(ucc.output(), /ucc ready http=\S+ tlib=tcp:\/\//);
    assert.doesNotMatch(ucc.output(), /failed/);
    process.kill(ucc.pid, 'SIGTERM');
    assert.equal(await ucc.exited, 0, ucc.output());
  } finally {
    await ucc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
