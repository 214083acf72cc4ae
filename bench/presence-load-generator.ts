/**
 * The presence server side of bench/presence-e2e, run as a child process (forked with IPC) so its
 * work does not share the event loop being measured. A lean raw-UDP responder: it answers each
 * SUBSCRIBE with 200 (To-tag, Contact, Expires) and an initial NOTIFY (RFC 6665 section 4.2.1),
 * then on command sends in-dialog NOTIFYs with PIDF bodies at an open-loop rate, cycling every KW
 * online → busy → online → away so each NOTIFY flips the agent between Ready and NotReady.
 * Unanswered NOTIFYs are retransmitted (Timer E from 500 ms, doubling, RFC 3261 section 17.1.2.2).
 *
 * Each NOTIFY carries `X-Bench: <kw> <n> <R|N> <sent epoch ms>` so the measured process can match
 * the EventAgent* it causes without parsing the body. KW `i` is `sip:u<i>@<domain>`.
 *
 * IPC: child → parent `{type:'ready',port}`, `{type:'subscribed',count}`, `{type:'done',...}`;
 * parent → child `{type:'run',rate,durationMs}` and `{type:'stop'}`.
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { buildPidfPublication } from '../src/presence/pidf.ts';
import type { Availability } from '../src/presence/presence.ts';
import { DEFAULT_SIP_LIMITS, parseMessage } from '../src/sip/message/index.ts';
import type { SipRequest } from '../src/sip/message/sip-message.ts';

/** The state cycle: every step flips Ready ↔ NotReady. */
const CYCLE: readonly Availability[] = ['online', 'busy', 'online', 'away'];
const TARGET: Readonly<Record<string, 'R' | 'N'>> = { online: 'R', busy: 'N', away: 'N' };

/** Commands from the measuring process. */
export type GeneratorCommand = { type: 'run'; rate: number; durationMs: number } | { type: 'stop' };
/** Reports to the measuring process. */
export type GeneratorReport =
  | { type: 'ready'; port: number }
  | { type: 'subscribed'; count: number }
  | { type: 'done'; sent: number; answered: number; rejected: number; retransmits: number; sendMs: number; cpuUs: number };

interface Dialog {
  kw: number;
  callId: string;
  /** Our From header (the SUBSCRIBE's To with our tag). */
  from: string;
  /** Our To header (the SUBSCRIBE's From, with the subscriber's tag). */
  to: string;
  target: string;
  host: string;
  port: number;
  cseq: number;
  /** NOTIFYs sent on this dialog, the initial one included: picks the next state. */
  n: number;
  terminated: boolean;
}

interface InFlight {
  data: Buffer;
  dialog: Dialog;
  sentAt: number;
  interval: number;
}

const domain = process.env.BENCH_DOMAIN ?? 'bench.test';
const host = '127.0.0.1';
const socket = createSocket('udp4');
const dialogs: Dialog[] = [];
const inFlight = new Map<string, InFlight>();
const bodies = new Map<string, string>();
let port = 0;
let branch = 0;
let tag = 0;
let answered = 0;
let retransmits = 0;
/** Final responses other than 2xx (a 503 from the overload guard...). */
let rejected = 0;
/** BENCH_DEBUG=n prints the first n unmatched responses. */
let debug = Number(process.env.BENCH_DEBUG ?? 0) || 0;

function send(data: Buffer, d: { host: string; port: number }): void {
  socket.send(data, d.port, d.host);
}

function bodyFor(kw: number, availability: Availability): string {
  const key = `${kw}:${availability}`;
  let b = bodies.get(key);
  if (b === undefined) {
    b = buildPidfPublication({ entity: `sip:u${kw}@${domain}`, availability, tupleId: `t${kw}` });
    bodies.set(key, b);
  }
  return b;
}

/** Sends the dialog's next NOTIFY (or the terminating one) and tracks it for retransmission. */
function notify(d: Dialog, terminated = false): void {
  const availability = CYCLE[d.n % CYCLE.length] as Availability;
  const body = terminated ? '' : bodyFor(d.kw, availability);
  const n = d.n++;
  const cseq = ++d.cseq;
  const lines = [
    `NOTIFY ${d.target} SIP/2.0`,
    `Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bKgen${++branch};rport`,
    'Max-Forwards: 70',
    `From: ${d.from}`,
    `To: ${d.to}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${cseq} NOTIFY`,
    `Contact: <sip:presence@${host}:${port}>`,
    'Event: presence',
    terminated ? 'Subscription-State: terminated;reason=timeout' : 'Subscription-State: active;expires=3600',
    `X-Bench: ${d.kw} ${n} ${TARGET[availability] ?? 'N'} ${(performance.timeOrigin + performance.now()).toFixed(3)}`,
  ];
  if (body.length > 0) lines.push('Content-Type: application/pidf+xml');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  const data = Buffer.from(lines.join('\r\n'));
  inFlight.set(`${d.callId} ${cseq}`, { data, dialog: d, sentAt: performance.now(), interval: 500 });
  send(data, d);
}

function header(req: SipRequest, name: string): string {
  return req.headers.get(name) ?? '';
}

function respond(req: SipRequest, to: { host: string; port: number }, status: number, reason: string, extra: string[], toTag?: string): void {
  const vias = req.headers.getAll('Via').map((v) => `Via: ${v}`);
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...vias,
    `From: ${header(req, 'From')}`,
    `To: ${header(req, 'To')}${toTag !== undefined ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${header(req, 'Call-ID')}`,
    `CSeq: ${header(req, 'CSeq')}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ];
  send(Buffer.from(lines.join('\r\n')), to);
}

function onSubscribe(req: SipRequest, from: { host: string; port: number }): void {
  const m = /^sip:u(\d+)@/.exec(req.uri);
  const expires = Number(header(req, 'Expires') || '3600');
  const callId = header(req, 'Call-ID');
  if (!m) return respond(req, from, 404, 'Not Found', []);
  const kw = Number(m[1]);
  const existing = dialogs[kw];
  const contact = /<([^>]+)>/.exec(header(req, 'Contact'))?.[1] ?? header(req, 'Contact');
  if (existing && existing.callId === callId) {
    // Refresh or un-SUBSCRIBE within the dialog.
    respond(req, from, 200, 'OK', [`Contact: <sip:presence@${host}:${port}>`, `Expires: ${expires}`]);
    if (expires === 0) {
      existing.terminated = true;
      notify(existing, true);
    }
    return;
  }
  const ourTag = `g${++tag}`;
  const d: Dialog = {
    kw, callId, from: `${header(req, 'To')};tag=${ourTag}`, to: header(req, 'From'), target: contact,
    host: from.host, port: from.port, cseq: 0, n: 0, terminated: false,
  };
  dialogs[kw] = d;
  respond(req, from, 200, 'OK', [`Contact: <sip:presence@${host}:${port}>`, `Expires: ${expires}`], ourTag);
  notify(d);
  process.send?.({ type: 'subscribed', count: dialogs.filter((x) => x && !x.terminated).length } satisfies GeneratorReport);
}

const CALL_ID = /^(?:Call-ID|i)[ \t]*:[ \t]*(.+?)\r?$/im;
const CSEQ = /^CSeq[ \t]*:[ \t]*(\d+)/im;

socket.on('message', (data, rinfo) => {
  const from = { host: rinfo.address, port: rinfo.port };
  if (data[0] === 0x53 && data.subarray(0, 8).toString() === 'SIP/2.0 ') {
    // A response to one of our NOTIFYs: match it cheaply by Call-ID and CSeq.
    const text = data.toString('latin1');
    const key = `${CALL_ID.exec(text)?.[1] ?? ''} ${CSEQ.exec(text)?.[1] ?? ''}`;
    if (inFlight.delete(key)) {
      answered++;
      if (!text.startsWith('SIP/2.0 2')) rejected++;
    }
    else if (debug > 0) {
      debug--;
      console.error(`generator: unmatched response ${JSON.stringify(key)}\n${text}`);
    }
    return;
  }
  const parsed = parseMessage(data, DEFAULT_SIP_LIMITS);
  if (!parsed.ok || parsed.value.kind !== 'request') return;
  const req = parsed.value;
  if (req.method === 'SUBSCRIBE') onSubscribe(req, from);
  else if (req.method !== 'ACK') respond(req, from, 405, 'Method Not Allowed', ['Allow: SUBSCRIBE']);
});

const retransmitTimer = setInterval(() => {
  const now = performance.now();
  for (const [key, f] of inFlight) {
    if (now - f.sentAt < f.interval) continue;
    if (f.interval >= 16_000) {
      inFlight.delete(key); // Timer F: give up
      continue;
    }
    f.sentAt = now;
    f.interval = Math.min(f.interval * 2, 4000);
    retransmits++;
    send(f.data, f.dialog);
  }
}, 100);

const cpuTotal = (c: NodeJS.CpuUsage): number => c.user + c.system;

/** Open loop: every tick sends what the schedule says is due by now, round-robin over the KWs. */
function run(rate: number, durationMs: number): void {
  const live = dialogs.filter((d) => d && !d.terminated);
  const total = Math.round((rate * durationMs) / 1000);
  const answered0 = answered;
  const retransmits0 = retransmits;
  const rejected0 = rejected;
  let sent = 0;
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const tick = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
    for (; sent < due; sent++) notify(live[next++ % live.length] as Dialog);
    // 1 ms ticks, not setImmediate: a busy loop here would take a core from the measured process.
    if (sent < total) return void setTimeout(tick, 1);
    const sendMs = performance.now() - t0;
    const waitStart = performance.now();
    const finish = (): void => {
      if (answered - answered0 < total && performance.now() - waitStart < 1000) return void setTimeout(finish, 5);
      // Phases are measured apart: what is still unanswered now is given up, not retransmitted into the next one.
      inFlight.clear();
      process.send?.({ type: 'done', sent, answered: answered - answered0, rejected: rejected - rejected0, retransmits: retransmits - retransmits0, sendMs, cpuUs: cpuTotal(process.cpuUsage(cpu0)) } satisfies GeneratorReport);
    };
    finish();
  };
  if (live.length === 0 || total === 0) return void process.send?.({ type: 'done', sent: 0, answered: 0, rejected: 0, retransmits: 0, sendMs: 0, cpuUs: 0 } satisfies GeneratorReport);
  tick();
}

process.on('message', (cmd: GeneratorCommand) => {
  if (cmd.type === 'run') run(cmd.rate, cmd.durationMs);
  else {
    clearInterval(retransmitTimer);
    socket.close(() => process.exit(0));
  }
});
// The parent going away must not leave this process behind.
process.on('disconnect', () => process.exit(0));

socket.bind(0, host, () => {
  port = socket.address().port;
  // The generator's own socket must not be what loses the 200s (capped by net.core.rmem_max).
  socket.setRecvBufferSize(4 * 1024 * 1024);
  process.send?.({ type: 'ready', port } satisfies GeneratorReport);
});
