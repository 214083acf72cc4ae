/**
 * baresip (Debian `baresip-core`) as a real phone: it sends a sine tone of a chosen frequency,
 * records what it receives to WAV, and is driven over ctrl_tcp (dial, answer, hang up, events). It
 * registers at a registrar with digest, or not at all (then it is reached at `uri` directly). Each
 * instance gets its own folder and ports and is stopped by its PID.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTone, readWav, type ToneCheck } from './audio.ts';
import { BaresipCtrl, type BaresipEvent } from './baresip-ctrl.ts';
import { freePort } from './free-port.ts';
import { requireBinary, startPeer, waitFor, type PeerProcess } from './peer-process.ts';

const peerDir = fileURLToPath(new URL('../peers/baresip/', import.meta.url));

export interface BaresipOptions {
  user: string;
  /** Register as `user@domain` with digest through the registrar/proxy on 127.0.0.1:`proxyPort`. Omitted: no REGISTER. */
  register?: { proxyPort: number; domain?: string; password?: string; transport?: 'udp' | 'tcp' };
  /** Prints its SIP trace (-s) into {@link BaresipPhone.log}, for tests that assert on the messages. */
  sipTrace?: boolean;
  /** The tone it sends (default 440 Hz). */
  toneHz?: number;
  /** `auto` (default) answers every call; `manual` waits for {@link BaresipPhone.answer}. */
  answerMode?: 'auto' | 'manual';
  /** Milliseconds to wait for the phone to be ready (registered, or its ctrl_tcp listening). */
  readyTimeoutMs?: number;
  /** SIP URIs of its contacts (the first is current: {@link BaresipPhone.message} goes there). */
  contacts?: string[];
}

export interface BaresipPhone {
  readonly user: string;
  readonly toneHz: number;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** Where to reach it without a registrar: `sip:<user>@127.0.0.1:<sipPort>`. */
  readonly uri: string;
  /** Its own folder (config, and `rec/` with the WAV recordings). */
  readonly dir: string;
  readonly recDir: string;
  readonly process: PeerProcess;
  readonly ctrl: BaresipCtrl;
  /** Every ctrl_tcp event so far, oldest first. */
  readonly events: BaresipEvent[];
  dial(uri: string): Promise<void>;
  /** Answers the ringing call (answerMode `manual`). */
  answer(): Promise<void>;
  hangup(): Promise<void>;
  /** Sends a page-mode MESSAGE holding `text` to its current contact (the contact module's `message`). */
  message(text: string): Promise<void>;
  /** The MESSAGEs it received, as its menu printed them (`<from>: "<text>"`), oldest first. */
  messagesReceived(): Array<{ from: string; text: string }>;
  /** See {@link BaresipCtrl.waitEvent}. */
  waitEvent(type: string, options?: { timeoutMs?: number; since?: number; match?: (e: BaresipEvent) => boolean }): Promise<BaresipEvent>;
  /** The newest recording: `dec` = what it received (decoded), `enc` = what it sent. */
  newestRecording(kind?: 'dec' | 'enc'): string | undefined;
  /** Checks the newest received recording for `hz` (Goertzel on the decoded WAV). */
  heardTone(hz: number, options?: { minSeconds?: number }): ToneCheck & { file: string };
  /** Everything baresip wrote to stdout/stderr. */
  log(): string;
  stop(): Promise<void>;
}

export async function startBaresipPhone(options: BaresipOptions): Promise<BaresipPhone> {
  requireBinary('baresip', 'baresip-core');
  const { user } = options;
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(user)) throw new Error(`baresip user '${user}': letters, digits, . _ - only`);
  const toneHz = options.toneHz ?? 440;
  const dir = mkdtempSync(join(tmpdir(), 'ucc-baresip-'));
  const recDir = join(dir, 'rec');
  mkdirSync(recDir);
  const sipPort = await freePort(2); // baresip binds TLS on sipPort + 1
  const ctrlPort = await freePort();
  const rtp = await freePort(20);
  const values: Record<string, string> = {
    SIP_PORT: String(sipPort),
    CTRL_PORT: String(ctrlPort),
    TONE_HZ: String(toneHz),
    REC_DIR: recDir,
    RTP_PORTS: `${rtp}-${rtp + 19}`,
    PROXY_PORT: String(options.register?.proxyPort ?? 0),
    DOMAIN: options.register?.domain ?? 'example.test',
    PASSWORD: options.register?.password ?? 'secret',
    ANSWER_MODE: options.answerMode ?? 'auto',
    TRANSPORT: options.register?.transport ?? 'udp',
    USER: user,
  };
  // One pass, so that a filled-in value is never taken for a placeholder.
  const fill = (name: string): string =>
    readFileSync(join(peerDir, name), 'utf8').replace(/\b(SIP_PORT|CTRL_PORT|TONE_HZ|REC_DIR|RTP_PORTS|PROXY_PORT|DOMAIN|PASSWORD|ANSWER_MODE|TRANSPORT|USER)\b/g, (m) => values[m] ?? m);
  writeFileSync(join(dir, 'config'), fill('config.template'));
  writeFileSync(join(dir, 'accounts'), fill(options.register ? 'accounts.template' : 'accounts-direct.template'));
  const contacts = (options.contacts ?? []).map((c) => {
    if (!/^sips?:[^\s<>"]{1,200}$/.test(c)) throw new Error(`baresip contact '${c}': a SIP URI without spaces or <>"`);
    return `"${c.replace(/^sips?:/, '').split('@')[0]}" <${c}>\n`;
  });
  writeFileSync(join(dir, 'contacts'), contacts.join(''));
  const proc = startPeer('baresip', 'baresip', [...(options.sipTrace ? ['-s'] : []), '-f', dir], { cwd: dir, stdinPipe: true });
  let ctrl: BaresipCtrl | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    ctrl?.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const timeout = options.readyTimeoutMs ?? 10_000;
    const detail = (): string => proc.output().slice(-2000);
    // The first connection that succeeds is kept: ctrl_tcp serves one client, and closing a probe
    // connection can drop the next one.
    let connected: BaresipCtrl | undefined;
    await waitFor(`baresip ${user}'s ctrl_tcp on ${ctrlPort}`, async () => {
      connected = await BaresipCtrl.connect(ctrlPort).catch(() => undefined);
      return connected !== undefined;
    }, timeout, detail);
    ctrl = connected;
    if (options.register) await waitFor(`baresip ${user} to register`, () => /200 OK/.test(proc.output()), timeout, detail);
  } catch (e) {
    await stop();
    throw e;
  }
  const c = ctrl;
  if (!c) throw new Error('unreachable: no ctrl_tcp connection');
  const run = async (command: string, params = ''): Promise<void> => {
    const r = await c.command(command, params);
    if (!r.ok) throw new Error(`baresip ${user}: ${command} ${params} refused: ${r.data}`);
  };
  const newestRecording = (kind: 'dec' | 'enc' = 'dec'): string | undefined =>
    readdirSync(recDir)
      .filter((f) => f.endsWith(`-${kind}.wav`))
      .map((f) => join(recDir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a))[0];
  return {
    user,
    toneHz,
    sipPort,
    ctrlPort,
    uri: `sip:${user}@127.0.0.1:${sipPort}`,
    dir,
    recDir,
    process: proc,
    ctrl: c,
    events: c.events,
    dial: (uri) => run('dial', uri),
    answer: () => run('accept'),
    hangup: () => run('hangup'),
    message: (text) => run('message', text),
    messagesReceived: () => parseMessages(proc.output()),
    waitEvent: (type, o) => c.waitEvent(type, o),
    newestRecording,
    heardTone(hz, o = {}) {
      const file = newestRecording('dec');
      if (!file) throw new Error(`baresip ${user} recorded nothing in ${recDir}`);
      const wav = readWav(file);
      return { ...hasTone(wav.samples, hz, { rate: wav.rate, minSeconds: o.minSeconds ?? 1 }), file };
    },
    log: () => proc.output(),
    stop,
  };
}

/** Starts baresip registered as `user@example.test` through Kamailio on `proxyPort`; resolves once registered. */
export async function startBaresip(user: string, proxyPort: number): Promise<BaresipPhone> {
  return startBaresipPhone({ user, register: { proxyPort } });
}

/**
 * The MESSAGEs in baresip's output: its menu prints each as `<from>: "<text>"` (the text may span
 * lines; it ends at a quote that ends a line).
 */
function parseMessages(output: string): Array<{ from: string; text: string }> {
  const out: Array<{ from: string; text: string }> = [];
  const re = /^(sips?:[^\s:]+(?::\d+)?[^\s:]*): "([\s\S]*?)"$/gm;
  for (const m of output.matchAll(re)) out.push({ from: m[1]!, text: m[2]! });
  return out;
}
