/**
 * The CPU cost of one presence update on the measured side of bench/presence-e2e, without sockets:
 * the same sip-simple adapter, UcConnector and T-Server (in-process T-Lib) as the pipeline, but its
 * SIP transport is a loop-back in this process. A scripted presence server answers each SUBSCRIBE
 * (200 + initial NOTIFY); then BENCH_UPDATES in-dialog NOTIFYs with PIDF bodies go through the
 * parser, transactions, subscriber, PIDF, connector and T-Server until the EventAgentReady/NotReady
 * they cause, in batches of BENCH_BATCH (each batch ends when its events came).
 *
 * It isolates the JavaScript cost (what presence-e2e's "cpu µs" adds socket system calls to), and
 * it is steady enough to compare two versions of the code: µs of CPU per update, and GC share.
 * BENCH_T1 sets the stack's T1 (ms): a small one shortens Timer J (64*T1), which shows what the
 * NOTIFY transactions kept in Completed cost the garbage collector.
 *
 * Ends with `BENCH {"name":"presence-hotpath","usPerUpdate":…,"updatesPerCpuSec":…}`.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { ConfigIndex } from '../src/config/config-index.ts';
import { emptyObjects } from '../src/config/config-objects.ts';
import { UcConnector } from '../src/connector/connector.ts';
import { buildPidfPublication } from '../src/presence/pidf.ts';
import { SipStack } from '../src/sip/api/sip-stack.ts';
import { DEFAULT_SIP_LIMITS, parseMessage } from '../src/sip/message/index.ts';
import type { SipRequest } from '../src/sip/message/sip-message.ts';
import type { Transport, TransportSink } from '../src/sip/transport/transport.ts';
import type { TransportAddress } from '../src/sip/transaction/transaction-user.ts';
import { TlibClient } from '../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../src/tlib/index.ts';
import { createTServerConfig } from '../src/tserver/tserver-config.ts';
import { TServer } from '../src/tserver/tserver.ts';
import { SipSimplePlatform } from '../src/uc/sip-simple/sip-simple-platform.ts';
import { printBench, printTable, semiSpaceSetting } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

const SERVER: TransportAddress = { protocol: 'udp', host: '127.0.0.2', port: 5060 };
const LOCAL: TransportAddress = { protocol: 'udp', host: '127.0.0.1', port: 5070 };

interface Dialog {
  callId: string;
  from: string;
  to: string;
  target: string;
  cseq: number;
  n: number;
}

/**
 * The UDP transport of the measured stack with the wire cut out: what the stack sends is read by a
 * scripted presence server in this process, what that server sends is parsed and handed to the
 * stack as a datagram would be (on a later tick, as from a socket).
 */
class LoopbackPresenceServer implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local = LOCAL;
  private sink: TransportSink | undefined;
  readonly dialogs: Dialog[] = [];
  answered = 0;
  private branch = 0;
  private readonly bodies = new Map<string, string>();

  constructor(private readonly domain: string) {}

  start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  send(data: Buffer): Promise<string | undefined> {
    if (data[0] === 0x53 && data.subarray(0, 8).toString('latin1') === 'SIP/2.0 ') {
      this.answered++;
      return Promise.resolve(undefined);
    }
    const parsed = parseMessage(data, DEFAULT_SIP_LIMITS);
    if (parsed.ok && parsed.value.kind === 'request' && parsed.value.method === 'SUBSCRIBE') {
      const req = parsed.value;
      setImmediate(() => this.onSubscribe(req));
    }
    return Promise.resolve(undefined);
  }

  /** Hands one datagram to the stack, as the UDP socket does. */
  deliver(data: Buffer): void {
    const parsed = parseMessage(data, DEFAULT_SIP_LIMITS);
    if (!parsed.ok) throw new Error(`bench: bad message ${parsed.error.message}`);
    this.sink?.receive({ message: parsed.value, source: { remote: SERVER, local: LOCAL } });
  }

  private onSubscribe(req: SipRequest): void {
    const kw = Number(/^sip:u(\d+)@/.exec(req.uri)?.[1]);
    const h = (n: string): string => req.headers.get(n) ?? '';
    const tag = `g${kw}`;
    const d: Dialog = { callId: h('Call-ID'), from: `${h('To')};tag=${tag}`, to: h('From'), target: /<([^>]+)>/.exec(h('Contact'))?.[1] ?? '', cseq: 0, n: 0 };
    this.dialogs[kw] = d;
    const vias = req.headers.getAll('Via').map((v) => `Via: ${v}`);
    this.deliver(Buffer.from([
      'SIP/2.0 200 OK', ...vias, `From: ${h('From')}`, `To: ${h('To')};tag=${tag}`, `Call-ID: ${d.callId}`, `CSeq: ${h('CSeq')}`,
      `Contact: <sip:presence@${SERVER.host}>`, 'Expires: 3600', 'Content-Length: 0', '', '',
    ].join('\r\n')));
    this.deliver(this.notify(kw));
  }

  /** The dialog's next NOTIFY: online → busy → online → away, so each one flips Ready ↔ NotReady. */
  notify(kw: number): Buffer {
    const d = this.dialogs[kw];
    if (!d) throw new Error(`bench: KW ${kw} is not subscribed`);
    const availability = (['online', 'busy', 'online', 'away'] as const)[d.n++ % 4] ?? 'online';
    const key = `${kw}:${availability}`;
    let body = this.bodies.get(key);
    if (body === undefined) this.bodies.set(key, (body = buildPidfPublication({ entity: `sip:u${kw}@${this.domain}`, availability, tupleId: `t${kw}` })));
    return Buffer.from([
      `NOTIFY ${d.target} SIP/2.0`, `Via: SIP/2.0/UDP ${SERVER.host}:${SERVER.port};branch=z9hG4bKhp${++this.branch};rport`, 'Max-Forwards: 70',
      `From: ${d.from}`, `To: ${d.to}`, `Call-ID: ${d.callId}`, `CSeq: ${++d.cseq} NOTIFY`, `Contact: <sip:presence@${SERVER.host}:${SERVER.port}>`,
      'Event: presence', 'Subscription-State: active;expires=3600', `X-Bench: ${kw} ${d.n}`, 'Content-Type: application/pidf+xml',
      `Content-Length: ${Buffer.byteLength(body)}`, '', body,
    ].join('\r\n'));
  }

  hasConnection(): boolean {
    return false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export default async function run(): Promise<void> {
  const kws = env('BENCH_KWS', 1000);
  const updates = env('BENCH_UPDATES', 60_000);
  const batch = env('BENCH_BATCH', 50);
  const domain = 'bench.test';
  const dnOf = (i: number): string => `7${String(i).padStart(5, '0')}`;
  const dns = Array.from({ length: kws }, (_, i) => ({ name: dnOf(i), type: 'Extension' as const }));
  const server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns, agentLogins: dns.map((_, i) => `A${i}`) }) });
  const o = emptyObjects();
  o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'user-auto-registration': 'true' } } });
  dns.forEach((d, i) => {
    o.dns.push({ switch: 'SW', number: d.name, type: 'Extension', register: true, annex: {} });
    o.places.push({ name: `P${i}`, dns: [{ switch: 'SW', number: d.name }] });
    o.agentLogins.push({ switch: 'SW', loginCode: `A${i}`, annex: {} });
    o.persons.push({ userName: `u${i}`, agentLogins: [{ switch: 'SW', loginCode: `A${i}` }], defaultPlace: `P${i}`, annex: { uc: { contact: `sip:u${i}@${domain}` } } });
  });
  let events = 0;
  let ready = 0;
  const observer = server.attach((e: TlibEvent) => {
    if (e.message === 'EventAgentReady') ready++;
    if (e.message === 'EventAgentReady' || e.message === 'EventAgentNotReady') events++;
  });
  dns.forEach((d, i) => observer.request({ message: 'RequestRegisterAddress', ThisDN: d.name, ReferenceID: i + 1 } as TlibRequest));

  const wire = new LoopbackPresenceServer(domain);
  const stack = await SipStack.listen({ transports: [wire], ...(process.env.BENCH_T1 ? { T1: Number(process.env.BENCH_T1) } : {}) });
  const uc = new SipSimplePlatform({ aor: `sip:ucc@${domain}`, stack, transport: 'udp', outboundProxy: `sip:${SERVER.host}:${SERVER.port}`, subscribeExpires: 3600 });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInProcess() } });
  const connector = new UcConnector({ view: new ConfigIndex(o), application: 'UCC', tlib, uc });
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > 30_000) throw new Error(`bench: timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const rows: Array<Array<string | number>> = [];
  let best = { us: Infinity, gcShare: 0 };
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    await until(() => ready >= kws, `${kws} agents Ready from their initial NOTIFY`);
    gc.observe({ entryTypes: ['gc'] });
    // Three rounds: the first warms the JIT; the best of the others is reported.
    for (let round = 1; round <= 3; round++) {
      const events0 = events;
      const answered0 = wire.answered;
      gcMs = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 0;
      for (let sent = 0; sent < updates; sent += batch) {
        const target = events + batch;
        for (let k = 0; k < batch; k++) wire.deliver(wire.notify(next++ % kws));
        await until(() => events >= target, 'a batch of EventAgent*');
      }
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const done = events - events0;
      const us = (cpu.user + cpu.system) / done;
      if (wire.answered - answered0 !== done) throw new Error(`bench: ${wire.answered - answered0} NOTIFYs answered for ${done} updates`);
      rows.push([round, done, Math.round(us * 10) / 10, Math.round((done * 1000) / wallMs), `${Math.round((100 * gcMs) / wallMs)} %`]);
      if (round > 1 && us < best.us) best = { us, gcShare: gcMs / wallMs };
    }
  } finally {
    gc.disconnect();
    connector.stop();
    await uc.stop().catch(() => undefined);
    tlib.close();
    await server.close();
    await stack.close();
  }
  console.log(`${kws} KWs, batches of ${batch}; CPU of this process (all threads) per update, no sockets; ${semiSpaceSetting()}`);
  printTable(['round', 'updates', 'cpu µs/update', 'updates/s (wall)', 'gc'], rows);
  printBench('presence-hotpath', { kws, batch, usPerUpdate: Math.round(best.us * 10) / 10, updatesPerCpuSec: Math.round(1e6 / best.us), gcShare: Math.round(best.gcShare * 1000) / 1000 });
}
