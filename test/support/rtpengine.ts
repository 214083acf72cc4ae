/**
 * rtpengine 10.5 (Debian `rtpengine-daemon`) as a real media relay for tests: userspace only, its
 * own ng port and media port range, a temp dir of its own (the test can put WAVs there), stopped by
 * its PID. Ready once the ng port answers a ping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/lib/clock.ts';
import { NgClient } from '../../src/media/rtpengine/ng-client.ts';
import { freePort } from './free-port.ts';
import { requireBinary, startPeer, type PeerProcess } from './peer-process.ts';

export interface RtpenginePeer {
  /** `udp:127.0.0.1:<port>`, what RtpengineRelay / NgClient take as `address`. */
  readonly ngAddress: string;
  readonly ngPort: number;
  /** The media ports rtpengine allocates from (inclusive). */
  readonly portMin: number;
  readonly portMax: number;
  /** A temp dir owned by this instance (its cwd; removed by stop()). */
  readonly dir: string;
  readonly process: PeerProcess;
  log(): string;
  /** SIGKILL now (a relay that dies mid-call); resolves when it is gone. stop() still cleans up. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after a grace period) by PID, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface RtpengineOptions {
  /** Media ports in the range (default 40: 20 streams with RTCP). */
  mediaPorts?: number;
  /** The first media port, for ranges too wide for freePort (bench/sip-calls); default: a free range. */
  portMin?: number;
  /** More rtpengine options, e.g. `--recording-dir=...`. */
  args?: string[];
  /** How long to wait for the first pong. */
  readyTimeoutMs?: number;
}

export async function startRtpengine(options: RtpengineOptions = {}): Promise<RtpenginePeer> {
  requireBinary('rtpengine', 'rtpengine-daemon');
  const dir = mkdtempSync(join(tmpdir(), 'ucc-rtpengine-'));
  const count = options.mediaPorts ?? 40;
  const portMin = options.portMin ?? (await freePort(count));
  const portMax = portMin + count - 1;
  let ngPort = await freePort();
  while (ngPort >= portMin && ngPort <= portMax) ngPort = await freePort();
  // --config-file=none: Debian's /etc/rtpengine/rtpengine.conf would add fixed CLI/HTTP ports (a
  // second instance collides) and kernel forwarding. --delete-delay=0: a deleted call is gone at once.
  const args = [
    '--config-file=none', '--foreground', '--log-stderr', '--table=-1', '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`, `--port-min=${portMin}`, `--port-max=${portMax}`,
    '--num-threads=2', '--delete-delay=0', ...(options.args ?? []),
  ];
  const proc = startPeer('rtpengine', 'rtpengine', args, { cwd: dir });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(`udp:127.0.0.1:${ngPort}`, proc, options.readyTimeoutMs ?? 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ngAddress: `udp:127.0.0.1:${ngPort}`,
    ngPort,
    portMin,
    portMax,
    dir,
    process: proc,
    log: () => proc.output(),
    async kill() {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await proc.exited;
    },
    stop,
  };
}

/** Pings every 100 ms until a pong, the process exits, or the time is up. */
async function waitForPong(address: string, proc: PeerProcess, timeoutMs: number): Promise<void> {
  let exited: number | string | undefined;
  void proc.exited.then((c) => (exited = c));
  const ng = new NgClient({ address, clock: new SystemClock(), timeoutMs: 100, attempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited !== undefined) throw new Error(`rtpengine exited (${exited}) before answering a ping:\n${proc.output().slice(-2000)}`);
      try {
        const r = await ng.command({ command: 'ping' });
        if (r['result'] === 'pong') return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`rtpengine did not answer a ping on ${address} within ${timeoutMs} ms:\n${proc.output().slice(-2000)}`);
    }
  } finally {
    ng.close();
  }
}
