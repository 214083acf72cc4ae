/**
 * SIPp (Debian `sip-tester`) as a scripted SIP peer. Scenarios live in test/peers/sipp/.
 * SIPp's exit code is 0 when every call of the scenario succeeded.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary, startPeer, type PeerProcess } from './peer-process.ts';

export const sippScenarioDir = fileURLToPath(new URL('../peers/sipp/', import.meta.url));

export interface SippRun {
  readonly process: PeerProcess;
  /** Resolves with SIPp's exit code. */
  readonly exitCode: Promise<number | string>;
  /** Every message SIPp sent and received (its -trace_msg log), after it exited. */
  messages(): string;
  stop(): Promise<void>;
}

export interface SippOptions {
  scenario: string;             // file name under test/peers/sipp/, or an absolute path
  localPort: number;
  transport: 'udp' | 'tcp';
  remote?: string;              // host:port for a UAC scenario
  service?: string;             // [service] (the Request-URI user)
  vars?: Record<string, string | number>;
  /** SIPp's -d: how long a bare <pause/> lasts (ms). */
  pauseMs?: number;
  timeoutSeconds?: number;
  extraArgs?: string[];
}

export function startSipp(o: SippOptions): SippRun {
  requireBinary('sipp', 'sip-tester');
  const dir = mkdtempSync(join(tmpdir(), 'ucc-sipp-'));
  const scenario = o.scenario.startsWith('/') ? o.scenario : join(sippScenarioDir, o.scenario);
  const args = [
    ...(o.remote ? [o.remote] : []),
    '-sf', scenario,
    '-i', '127.0.0.1',
    '-p', String(o.localPort),
    '-t', o.transport === 'udp' ? 'u1' : 't1',
    '-m', '1',
    '-nostdin',
    '-timeout', `${o.timeoutSeconds ?? 15}s`,
    '-timeout_error',
    '-trace_msg', '-message_file', join(dir, 'messages.log'),
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    ...(o.service ? ['-s', o.service] : []),
    ...(o.pauseMs !== undefined ? ['-d', String(o.pauseMs)] : []),
    ...Object.entries(o.vars ?? {}).flatMap(([k, v]) => ['-set', k, String(v)]),
    ...(o.extraArgs ?? []),
  ];
  const proc = startPeer('sipp', 'sipp', args, { cwd: dir });
  const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    process: proc,
    exitCode: proc.exited,
    messages: () => read('messages.log'),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Counts messages in a SIPp -trace_msg log whose first line starts with `startLine` (e.g. 'MESSAGE sip:' or 'SIP/2.0 200'). */
export function countMessages(log: string, startLine: string): number {
  return log.split('\n').filter((l) => l.startsWith(startLine)).length;
}
