/**
 * baresip (Debian `baresip-core`) as a real phone: it registers to Kamailio with digest and
 * auto-answers calls. Each instance gets its own folder and ports and is stopped by its PID.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { requireBinary, startPeer, waitFor, type PeerProcess } from './peer-process.ts';

const peerDir = fileURLToPath(new URL('../peers/baresip/', import.meta.url));

export interface BaresipPhone {
  readonly user: string;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

/** Starts baresip registered as `user@example.test` through Kamailio on `proxyPort`; resolves once registered. */
export async function startBaresip(user: string, proxyPort: number): Promise<BaresipPhone> {
  requireBinary('baresip', 'baresip-core');
  const dir = mkdtempSync(join(tmpdir(), 'ucc-baresip-'));
  const sipPort = await freePort();
  const rtp = await freePort(20);
  const fill = (name: string): string => readFileSync(join(peerDir, name), 'utf8')
    .replaceAll('SIP_PORT', String(sipPort)).replaceAll('RTP_PORTS', `${rtp}-${rtp + 19}`)
    .replaceAll('USER', user).replaceAll('PROXY_PORT', String(proxyPort));
  writeFileSync(join(dir, 'config'), fill('config.template'));
  writeFileSync(join(dir, 'accounts'), fill('accounts.template'));
  writeFileSync(join(dir, 'contacts'), '');
  const proc = startPeer('baresip', 'baresip', ['-f', dir], { cwd: dir });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`baresip ${user} to register`, () => /200 OK/.test(proc.output()), 10_000, () => proc.output().slice(-2000));
  } catch (e) {
    await stop();
    throw e;
  }
  return { user, process: proc, stop };
}
