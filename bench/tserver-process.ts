/**
 * The T-Server of bench/presence-e2e in a process of its own (BENCH_TSERVER=process), as a site runs
 * it: the bench's KWs (bench/kw-fixture.ts) on a T-Lib TCP listener on 127.0.0.1. Forked with IPC:
 * child → parent `{ port }` once listening; it exits when the parent disconnects.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TServer } from '../src/tserver/tserver.ts';
import { benchKnowledgeWorkers } from './kw-fixture.ts';

const CHILD = 'BENCH_TSERVER_CHILD';

if (process.env[CHILD] === '1') {
  const server = new TServer({ config: benchKnowledgeWorkers(Number(process.env.BENCH_KWS), process.env.BENCH_DOMAIN ?? 'bench.test').tserver });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  process.send?.({ port });
}

/** Forks the T-Server for `kws` KWs; resolves with its T-Lib port and a stop that kills it by PID if it lingers. */
export async function forkTServer(kws: number, domain: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', fileURLToPath(new URL('../scripts/register-ts.mjs', import.meta.url))],
    env: { ...process.env, [CHILD]: '1', BENCH_KWS: String(kws), BENCH_DOMAIN: domain },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`T-Server process exited (${code}) before listening`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.disconnect();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, 2000);
    await exited;
    clearTimeout(timer);
  };
  return { port, stop };
}
