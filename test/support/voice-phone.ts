/**
 * baresip as a phone for the SIP switch tests: a KW's phone registered at Kamailio (UDP or TCP),
 * or a customer's phone that dials the switch directly. Driven over ctrl_tcp (netstring-framed
 * JSON): `dial`, `hangup`, `accept`, `sndcode` (RFC 4733 DTMF); its events (CALL_INCOMING,
 * CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START...) are kept. Its SIP trace (-s) is its output.
 * Each phone gets its own folder and ports and is stopped by its PID.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { requireBinary, startPeer, waitFor, type PeerProcess } from './peer-process.ts';

const peerDir = fileURLToPath(new URL('../peers/baresip/', import.meta.url));

export interface BaresipEvent {
  type: string;
  param?: string;
  [key: string]: unknown;
}

/** The ctrl_tcp client. */
export class BaresipCtrl {
  readonly events: BaresipEvent[] = [];
  private buf = Buffer.alloc(0);
  private waiters: Array<(e: BaresipEvent) => boolean> = [];
  private readonly pending = new Map<string, (m: { ok: boolean; data?: string }) => void>();
  private n = 0;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', () => {});
  }

  static connect(port: number): Promise<BaresipCtrl> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new BaresipCtrl(s)));
      s.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.toString('latin1', 0, colon));
      if (!Number.isFinite(len) || this.buf.length < colon + len + 2) return;
      const msg = JSON.parse(this.buf.toString('utf8', colon + 1, colon + 1 + len)) as { response?: boolean; event?: boolean; token?: string; ok: boolean; data?: string } & BaresipEvent;
      this.buf = this.buf.subarray(colon + len + 2);
      if (msg.response && msg.token) this.pending.get(msg.token)?.(msg);
      if (msg.event) {
        this.events.push(msg);
        this.waiters = this.waiters.filter((w) => !w(msg));
      }
    }
  }

  /** Sends a menu command; resolves with its response. */
  cmd(command: string, params = '', timeoutMs = 3000): Promise<{ ok: boolean; data?: string }> {
    const token = `t${++this.n}`;
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ${command}: no response`));
      }, timeoutMs);
      this.pending.set(token, (m) => {
        clearTimeout(t);
        this.pending.delete(token);
        resolve(m);
      });
      this.sock.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  /** The first event of `type` (seen already or to come) that matches. */
  waitEvent(type: string, timeoutMs = 5000, match: (e: BaresipEvent) => boolean = () => true): Promise<BaresipEvent> {
    const seen = this.events.find((e) => e.type === type && match(e));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms (saw ${this.events.map((e) => e.type).join(', ')})`)), timeoutMs);
      this.waiters.push((e) => {
        if (e.type !== type || !match(e)) return false;
        clearTimeout(t);
        resolve(e);
        return true;
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

export interface VoicePhone {
  readonly user: string;
  readonly sipPort: number;
  readonly ctrl: BaresipCtrl;
  readonly process: PeerProcess;
  /** Its SIP trace and log so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface VoicePhoneOptions {
  user: string;
  /** Register `user@example.test` at this Kamailio (digest, password `secret`); none: a phone that only dials. */
  kamailioPort?: number;
  transport?: 'udp' | 'tcp';
  /** `auto` answers at once; `manual` rings until `accept` (or a CANCEL). Default auto. */
  answerMode?: 'auto' | 'manual';
  /** The sine tone it sends, Hz. Default 440. */
  tone?: number;
}

export async function startVoicePhone(o: VoicePhoneOptions): Promise<VoicePhone> {
  requireBinary('baresip', 'baresip-core');
  const dir = mkdtempSync(join(tmpdir(), 'ucc-phone-'));
  const sipPort = await freePort(2);
  const ctrlPort = await freePort();
  const rtp = await freePort(20);
  const transport = o.transport ?? 'udp';
  const config = readFileSync(join(peerDir, 'voice-phone.config.template'), 'utf8')
    .replaceAll('SIP_PORT', String(sipPort)).replaceAll('CTRL_PORT', String(ctrlPort))
    .replaceAll('RTP_PORTS', `${rtp}-${rtp + 19}`).replaceAll('TONE', String(o.tone ?? 440));
  const answer = `answermode=${o.answerMode ?? 'auto'};audio_codecs=PCMU`;
  const account = o.kamailioPort !== undefined
    ? `<sip:${o.user}@example.test;transport=${transport}>;auth_user=${o.user};auth_pass=secret;outbound="sip:127.0.0.1:${o.kamailioPort};transport=${transport}";regint=60;${answer}`
    : `<sip:${o.user}@127.0.0.1;transport=${transport}>;regint=0;${answer}`;
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'accounts'), account + '\n');
  writeFileSync(join(dir, 'contacts'), '');
  const proc = startPeer('baresip', 'baresip', ['-s', '-f', dir], { cwd: dir });
  let ctrl: BaresipCtrl | undefined;
  const stop = async (): Promise<void> => {
    ctrl?.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`baresip ${o.user} ctrl_tcp`, async () => {
      try {
        ctrl = await BaresipCtrl.connect(ctrlPort);
        return true;
      } catch {
        return false;
      }
    }, 10_000, () => proc.output().slice(-2000));
    if (o.kamailioPort !== undefined) {
      // Its 200 to REGISTER (the first CSeq after a 200 OK is that response's own).
      const registered = (): boolean => ctrl!.events.some((e) => e.type === 'REGISTER_OK') || /SIP\/2\.0 200 OK[\s\S]*?CSeq: \d+ (\w+)/.exec(proc.output())?.[1] === 'REGISTER';
      await waitFor(`baresip ${o.user} to register`, registered, 10_000, () => proc.output().slice(-2000));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { user: o.user, sipPort, ctrl: ctrl!, process: proc, log: () => proc.output(), stop };
}
