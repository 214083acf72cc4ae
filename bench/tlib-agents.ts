/**
 * T-Lib agent-state throughput: a T-Server in a child process on 127.0.0.1, and several TCP
 * connections (TlibClient) each driving many logged-in agents through Ready / NotReady toggles.
 * Each connection keeps a fixed window of requests in flight (round-robin over its agents), so the
 * latency figures are not just queueing (Little's law: latency ≈ in-flight / throughput).
 *
 * Prints requests/s and p50/p99 latency (client-measured: send → reply event), then one line
 * `BENCH {"name":"tlib-agents","requestsPerSec":…,"p50Ms":…,"p99Ms":…}`.
 *
 * Knobs (environment): BENCH_AGENTS (default 1000), BENCH_CONNECTIONS (8), BENCH_WINDOW (per
 * connection, 2), BENCH_SECONDS (5).
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TServer } from '../src/tserver/tserver.ts';
import { createTServerConfig } from '../src/tserver/tserver-config.ts';
import { TlibClient } from '../src/tlib/client/tlib-client.ts';
import type { TlibRequest } from '../src/tlib/index.ts';
import { percentile, printBench, printTable } from './lib.ts';
import { BENCH_TLIB_CREDENTIALS, benchTlibApplication } from './kw-fixture.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

const dnName = (i: number): string => `ext${String(i).padStart(5, '0')}`;

/** Child mode: run the T-Server and report its port to the parent. */
async function serveChild(agents: number): Promise<void> {
  const config = createTServerConfig({ switchName: 'BENCH', dns: Array.from({ length: agents }, (_, i) => ({ name: dnName(i), type: 'Extension' as const })), applications: [benchTlibApplication()] });
  const server = new TServer({ config });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port });
  process.on('message', (m) => {
    if (m === 'stop') void server.close().then(() => process.exit(0));
  });
}

if (process.env.BENCH_TLIB_AGENTS_CHILD === '1') await serveChild(env('BENCH_AGENTS', 1000));

export default async function run(): Promise<void> {
  const agents = env('BENCH_AGENTS', 1000);
  const connections = Math.min(env('BENCH_CONNECTIONS', 8), agents);
  const window = env('BENCH_WINDOW', 2);
  const seconds = env('BENCH_SECONDS', 5);

  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', fileURLToPath(new URL('../scripts/register-ts.mjs', import.meta.url))], env: { ...process.env, BENCH_TLIB_AGENTS_CHILD: '1', BENCH_AGENTS: String(agents) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`T-Server child exited (${code})`)));
  });

  const clients: TlibClient[] = [];
  try {
    // Connect, register and log every agent in (the agent's DN is registered on its own connection).
    const owned: string[][] = Array.from({ length: connections }, () => []);
    for (let i = 0; i < agents; i++) owned[i % connections]?.push(dnName(i));
    for (let c = 0; c < connections; c++) {
      const client = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: false, requestTimeoutMs: 30_000, credentials: BENCH_TLIB_CREDENTIALS });
      await client.connect();
      clients.push(client);
      await Promise.all((owned[c] ?? []).map(async (dn, k) => {
        await client.registerAddress(dn);
        await client.request({ message: 'RequestAgentLogin', ThisDN: dn, AgentID: `agent${c}-${k}`, AgentWorkMode: 'AutoIn' });
      }));
    }

    const latencies: number[] = [];
    let measuring = false;
    let stop = false;
    let done = 0;
    const ready = new Map<string, boolean>();
    // One driver per in-flight slot: each slot walks its connection's agents, toggling the state.
    const slot = async (client: TlibClient, dns: string[], start: number): Promise<void> => {
      let i = start;
      while (!stop) {
        const dn = dns[i % dns.length] as string;
        i += window;
        const toReady = !(ready.get(dn) ?? true);
        ready.set(dn, toReady);
        const req: TlibRequest = toReady ? { message: 'RequestAgentReady', ThisDN: dn } : { message: 'RequestAgentNotReady', ThisDN: dn, AgentWorkMode: 'AuxWork' };
        const t0 = performance.now();
        await client.request(req);
        if (measuring) {
          latencies.push(performance.now() - t0);
          done++;
        }
      }
    };
    const drivers: Promise<void>[] = [];
    for (const [c, client] of clients.entries()) for (let w = 0; w < window; w++) drivers.push(slot(client, owned[c] ?? [], w));

    await new Promise((r) => setTimeout(r, 1000)); // warm-up
    measuring = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(drivers);

    const rate = done / elapsed;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    printTable(['agents', 'connections', 'in flight', 'requests', 'requests/s', 'p50 ms', 'p99 ms'], [[String(agents), String(connections), String(connections * window), String(done), rate, p50.toFixed(2), p99.toFixed(2)]]);
    printBench('tlib-agents', { requestsPerSec: Math.round(rate), p50Ms: Number(p50.toFixed(3)), p99Ms: Number(p99.toFixed(3)) });
  } finally {
    for (const c of clients) c.close();
    child.send('stop');
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  }
}
