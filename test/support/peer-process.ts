/**
 * Starts a real peer (Kamailio, SIPp, baresip...) as a child process and stops it by its PID.
 * A missing binary is a loud failure: the peers are installed by `.ci/run`, never optional.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface PeerProcess {
  readonly pid: number;
  readonly name: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process (and its group) is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function requireBinary(bin: string, debianPackage: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`]);
  if (r.status !== 0) {
    throw new Error(`${bin} is not installed: it comes from the Debian package '${debianPackage}' (bash .ci/run installs it)`);
  }
}

/** `stdinPipe`: stdin is an open pipe nobody writes to (baresip's stdio UI cannot poll /dev/null). */
export function startPeer(name: string, bin: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdinPipe?: boolean } = {}): PeerProcess {
  // Own process group, so stop() also reaches the children a peer forks (Kamailio's workers).
  const child: ChildProcess = spawn(bin, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: failed to start ${bin}`);
  const pid = child.pid;
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.on('error', (e) => {
      out += `\n${String(e)}`;
      resolve('error');
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid,
    name,
    output: () => out,
    exited,
    async stop(graceMs = 3000) {
      const signalGroup = (sig: NodeJS.Signals): void => {
        try {
          process.kill(-pid, sig);
        } catch {
          /* already gone */
        }
      };
      if (!done) signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Forked workers may outlive the leader for a moment; make sure the group is gone.
      signalGroup('SIGKILL');
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes (for peers that take real time to start). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
}
