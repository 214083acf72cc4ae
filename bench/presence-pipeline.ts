/**
 * The measured side of bench/presence-e2e (also driven by its integration test): the sip-simple
 * adapter on a real UDP listener, the UcConnector and the T-Server over in-process T-Lib, with an
 * observer on the T-Server, and the presence server load generator in a forked child process.
 *
 * Probes, kept off the measured path as far as possible:
 * - receipt: a listener prepended on the UDP socket takes `performance.now()` when the datagram is
 *   handed to JavaScript, before our parser runs; the transport's sink (called synchronously by the
 *   same datagram's handler) then files it under the NOTIFY's `X-Bench` tag.
 * - done: the observer's EventAgentReady / EventAgentNotReady for the KW's DN.
 * Each KW keeps a queue of received NOTIFYs; an event completes the oldest one that asked for that
 * state, and older ones still queued were superseded (the connector only acts on the latest
 * presence of a KW while a request is outstanding) and are counted as such. A NOTIFY that follows a
 * lost one of its KW is left out of the timings (it may not flip the agent at all).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { UcConnector } from '../src/connector/connector.ts';
import { SipStack } from '../src/sip/api/sip-stack.ts';
import type { SipRequest } from '../src/sip/message/sip-message.ts';
import type { Transport, TransportSink } from '../src/sip/transport/transport.ts';
import { UdpTransport } from '../src/sip/transport/udp-transport.ts';
import { TlibClient } from '../src/tlib/client/tlib-client.ts';
import type { TlibConnectTarget, TlibEvent, TlibRequest } from '../src/tlib/index.ts';
import { TServer } from '../src/tserver/tserver.ts';
import { SipSimplePlatform } from '../src/uc/sip-simple/sip-simple-platform.ts';
import type { GeneratorCommand, GeneratorReport } from './presence-load-generator.ts';
import { BENCH_TLIB_CREDENTIALS, benchKnowledgeWorkers } from './kw-fixture.ts';
import { percentile } from './lib.ts';
import { forkTServer } from './tserver-process.ts';

/** One phase's figures. */
export interface PhaseResult {
  offeredPerSec: number;
  /** NOTIFYs the generator sent / got a 200 for / retransmitted. */
  sent: number;
  answered: number;
  retransmits: number;
  /** Answered with a non-2xx final response (the stack's overload 503...). */
  rejected: number;
  /** NOTIFYs seen by the adapter (first copy only). */
  received: number;
  /** NOTIFYs whose EventAgent* arrived. */
  completed: number;
  /** NOTIFYs overtaken by a newer one for the same KW before their event came, or received after
   * a lost one of their KW (left out of the timings). */
  superseded: number;
  /** Completed per second, from the first receipt to the last event. */
  updatesPerSec: number;
  /** Receipt (datagram handed to JS) → EventAgent*, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Generator send (wall clock, other process) → EventAgent*, ms: adds socket queueing. */
  wireP50Ms: number;
  wireP99Ms: number;
  /** CPU time (user + system) of the measured process per completed update, µs. */
  cpuUsPerUpdate: number;
  /** CPU time of the load generator per NOTIFY sent, µs (it shares the machine's cores). */
  generatorCpuUsPerNotify: number;
  /** Time the measured process's event loop was busy, per completed update, µs (wall time, so
   * inflated when other processes hold the cores). */
  loopBusyUsPerUpdate: number;
  /** V8 heap in use after the phase, MB (server transactions live 32 s after their answer). */
  heapMb: number;
  /** Event-loop delay of the measured process over the phase, ms (p99 / max). */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Datagrams the kernel dropped on the adapter's socket during the phase (Linux; -1 unknown). */
  socketDrops: number;
}

/** Options of {@link PresencePipeline}. */
export interface PipelineOptions {
  domain?: string;
  /** UdpTransport receiveBufferBytes (SO_RCVBUF) of the adapter's listener. */
  receiveBufferBytes?: number;
  /** Passed to the SipStack (its overload guard). */
  maxServerTransactions?: number;
  /**
   * Run the T-Server in a process of its own over T-Lib TCP (as a site runs it) instead of in this
   * process over the in-process link. The update is then done when the connector's own T-Lib client
   * gets the EventAgent* (a TCP round trip later than the T-Server's observer would).
   */
  tserverProcess?: boolean;
}

interface Receipt {
  n: number;
  target: 'R' | 'N';
  recvAt: number;
  sentEpoch: number;
}

/** The adapter's UDP listener with the receipt probe (see the file comment). */
class ProbedUdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private readonly inner: UdpTransport;
  private recvAt = 0;
  constructor(host: string, private readonly onNotify: (req: SipRequest, recvAt: number) => void, receiveBufferBytes?: number) {
    this.inner = new UdpTransport({ host, port: 0, ...(receiveBufferBytes !== undefined ? { receiveBufferBytes } : {}) });
  }
  get local() {
    return this.inner.local;
  }
  async start(sink: TransportSink): Promise<void> {
    await this.inner.start({
      receive: (inbound) => {
        const m = inbound.message;
        if (m.kind === 'request' && m.method === 'NOTIFY') this.onNotify(m, this.recvAt);
        sink.receive(inbound);
      },
      malformed: (...a) => sink.malformed(...a),
    });
    // Bench-only reach into the transport: the earliest JS-visible moment of a datagram.
    const socket = (this.inner as unknown as { socket: Socket }).socket;
    socket.prependListener('message', () => {
      this.recvAt = performance.now();
    });
  }
  /** The socket's drop counter from /proc/net/udp (Linux), or -1. */
  drops(): number {
    try {
      const port = this.inner.local.port.toString(16).toUpperCase().padStart(4, '0');
      for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f[1] === `0100007F:${port}`) return Number(f[f.length - 1]);
      }
    } catch {
      /* not Linux */
    }
    return -1;
  }
  send(data: Buffer, destination: Parameters<Transport['send']>[1]) {
    return this.inner.send(data, destination);
  }
  sendNow(...args: Parameters<UdpTransport['sendNow']>): void {
    this.inner.sendNow(...args);
  }
  hasConnection(): boolean {
    return false;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The forked presence server. */
class Generator {
  private readonly waiters: Array<(r: GeneratorReport) => boolean> = [];
  subscribed = 0;
  private constructor(readonly child: ChildProcess) {
    child.on('message', (r: GeneratorReport) => {
      if (r.type === 'subscribed') this.subscribed = r.count;
      for (let i = 0; i < this.waiters.length; i++) {
        if (this.waiters[i]?.(r)) this.waiters.splice(i--, 1);
      }
    });
  }
  static async start(domain: string): Promise<{ gen: Generator; port: number }> {
    const child = fork(fileURLToPath(new URL('./presence-load-generator.ts', import.meta.url)), [], {
      execArgv: ['--import', fileURLToPath(new URL('../scripts/register-ts.mjs', import.meta.url))],
      env: { ...process.env, BENCH_DOMAIN: domain },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const gen = new Generator(child);
    const ready = await gen.next('ready', 30_000);
    return { gen, port: ready.port };
  }
  next<T extends GeneratorReport['type']>(type: T, timeoutMs: number): Promise<Extract<GeneratorReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load generator: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (): void => reject(new Error(`load generator exited before '${type}'`));
      this.child.once('exit', onExit);
      this.waiters.push((r) => {
        if (r.type !== type) return false;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(r as Extract<GeneratorReport, { type: T }>);
        return true;
      });
    });
  }
  send(cmd: GeneratorCommand): void {
    this.child.send(cmd);
  }
  /** Asks it to stop, then kills it by PID if it has not gone within a second. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (child.connected) child.send({ type: 'stop' } satisfies GeneratorCommand);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, 1000);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits (yielding to the event loop) until `cond` holds; throws after `timeoutMs`. */
async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The whole pipeline; `start` → `phase`... → `close`. */
export class PresencePipeline {
  private readonly queues: Receipt[][];
  /** Highest NOTIFY number filed per KW (a retransmission is not a new receipt). */
  private readonly lastN: number[];
  private readonly agentState: Array<'R' | 'N' | undefined>;
  private latencies: number[] = [];
  private wire: number[] = [];
  private received = 0;
  private superseded = 0;
  private firstRecv = Infinity;
  private lastDone = 0;
  private lastRecv = 0;
  private gen: Generator | undefined;
  private stack: SipStack | undefined;
  private uc: SipSimplePlatform | undefined;
  private tlib: TlibClient | undefined;
  private server: TServer | undefined;
  private stopTServer: (() => Promise<void>) | undefined;
  private connector: UcConnector | undefined;

  private readonly domain: string;
  private transport: ProbedUdpTransport | undefined;
  private readonly loop = monitorEventLoopDelay({ resolution: 1 });

  constructor(readonly kws: number, private readonly options: PipelineOptions = {}) {
    this.domain = options.domain ?? 'bench.test';
    this.queues = Array.from({ length: kws }, () => []);
    this.lastN = new Array<number>(kws).fill(-1);
    this.agentState = new Array<'R' | 'N' | undefined>(kws).fill(undefined);
  }

  /** Forks the generator, starts everything, and waits until every agent is Ready from its initial NOTIFY. */
  async start(): Promise<void> {
    const { gen, port } = await Generator.start(this.domain);
    this.gen = gen;
    const fixture = benchKnowledgeWorkers(this.kws, this.domain);
    let target: TlibConnectTarget;
    if (this.options.tserverProcess) {
      const child = await forkTServer(this.kws, this.domain);
      this.stopTServer = child.stop;
      target = { kind: 'tcp', host: '127.0.0.1', port: child.port };
    } else {
      const server = new TServer({ config: fixture.tserver });
      this.server = server;
      const observer = server.attach((e) => this.onEvent(e));
      fixture.dns.forEach((dn, i) => observer.request({ message: 'RequestRegisterAddress', ThisDN: dn, ReferenceID: i + 1 } as TlibRequest));
      target = { kind: 'memory', connect: () => server.connectInProcess() };
    }

    this.transport = new ProbedUdpTransport('127.0.0.1', (req, at) => this.onNotify(req, at), this.options.receiveBufferBytes);
    this.stack = await SipStack.listen({
      transports: [this.transport],
      ...(this.options.maxServerTransactions !== undefined ? { maxServerTransactions: this.options.maxServerTransactions } : {}),
    });
    this.uc = new SipSimplePlatform({ aor: `sip:ucc@${this.domain}`, stack: this.stack, transport: 'udp', outboundProxy: `sip:127.0.0.1:${port}`, subscribeExpires: 3600 });
    this.tlib = new TlibClient({ target, ...(this.options.tserverProcess ? { credentials: BENCH_TLIB_CREDENTIALS } : {}) });
    if (this.options.tserverProcess) this.tlib.onEvent((e) => this.onEvent(e));
    this.connector = new UcConnector({ view: fixture.view, application: 'UCC', tlib: this.tlib, uc: this.uc });
    await this.uc.start();
    await this.tlib.connect();
    this.connector.start();
    await until(`${this.kws} agents Ready from their initial NOTIFY`, () => this.agentState.every((s) => s === 'R'), 30_000);
    this.reset();
  }

  private onNotify(req: SipRequest, recvAt: number): void {
    const tag = req.headers.get('X-Bench');
    if (tag === undefined) return;
    const [kw, n, target, sent] = tag.split(' ');
    const i = Number(kw);
    const q = this.queues[i];
    const last = this.lastN[i] ?? -1;
    if (q === undefined || Number(n) <= last) return;
    this.lastN[i] = Number(n);
    this.received++;
    if (last >= 0 && Number(n) !== last + 1) {
      // A NOTIFY of this KW was lost before it (kernel drop): this one may not flip the agent, so
      // it and the ones waiting are left out of the timings rather than matched to a later event.
      this.superseded += q.length + 1;
      q.length = 0;
      return;
    }
    q.push({ n: Number(n), target: target === 'R' ? 'R' : 'N', recvAt, sentEpoch: Number(sent) });
    if (recvAt < this.firstRecv) this.firstRecv = recvAt;
    this.lastRecv = recvAt;
  }

  private onEvent(e: TlibEvent): void {
    if (e.message !== 'EventAgentReady' && e.message !== 'EventAgentNotReady') return;
    const at = performance.now();
    const i = Number((e as { ThisDN?: string }).ThisDN?.slice(1));
    const state = e.message === 'EventAgentReady' ? 'R' : 'N';
    this.agentState[i] = state;
    const q = this.queues[i];
    if (!q) return;
    const k = q.findIndex((r) => r.target === state);
    if (k < 0) return; // an event no queued NOTIFY asked for (login's own state)
    const r = q[k] as Receipt;
    this.superseded += k;
    q.splice(0, k + 1);
    this.latencies.push(at - r.recvAt);
    this.wire.push(performance.timeOrigin + at - r.sentEpoch);
    this.lastDone = at;
  }

  private reset(): void {
    for (const q of this.queues) q.length = 0;
    this.latencies = [];
    this.wire = [];
    this.received = 0;
    this.superseded = 0;
    this.firstRecv = Infinity;
    this.lastDone = 0;
  }

  /** The last agent state the observer saw per KW: 'R' Ready, 'N' NotReady. */
  agentStates(): ReadonlyArray<'R' | 'N' | undefined> {
    return this.agentState;
  }

  /** SUBSCRIBE dialogs the generator holds. */
  get subscriptions(): number {
    return this.gen?.subscribed ?? 0;
  }

  /** Offers `rate` NOTIFYs/s for `durationMs` and waits for every outstanding update. */
  async phase(rate: number, durationMs: number): Promise<PhaseResult> {
    const gen = this.gen;
    if (!gen) throw new Error('pipeline not started');
    this.reset();
    const drops0 = this.transport?.drops() ?? -1;
    this.loop.reset();
    this.loop.enable();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const done = gen.next('done', durationMs + 30_000);
    gen.send({ type: 'run', rate, durationMs });
    const g = await done;
    this.loop.disable();
    const drops1 = this.transport?.drops() ?? -1;
    // The generator has its 200s (or gave up); the last events follow within a few ms, unless the
    // process is overloaded: then wait until no NOTIFY came for a second (the socket backlog is
    // drained; a timer can run before datagrams queued during a stall are read, hence not less).
    const waitFrom = performance.now();
    await until('the last EventAgent* of the phase', () => (this.received >= g.sent && this.queues.every((q) => q.length === 0))
      || (performance.now() - this.lastRecv > 1000 && performance.now() - waitFrom > 1000), 8_000).catch(() => {});
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const completed = this.latencies.length;
    const spanMs = this.lastDone - this.firstRecv;
    return {
      offeredPerSec: rate, sent: g.sent, answered: g.answered, rejected: g.rejected, retransmits: g.retransmits, received: this.received, completed, superseded: this.superseded,
      updatesPerSec: spanMs > 0 ? (completed * 1000) / spanMs : 0,
      p50Ms: percentile(this.latencies, 50), p99Ms: percentile(this.latencies, 99), maxMs: percentile(this.latencies, 100),
      wireP50Ms: percentile(this.wire, 50), wireP99Ms: percentile(this.wire, 99),
      cpuUsPerUpdate: completed > 0 ? (cpu.user + cpu.system) / completed : NaN,
      generatorCpuUsPerNotify: g.sent > 0 ? g.cpuUs / g.sent : NaN,
      loopBusyUsPerUpdate: completed > 0 ? (elu.active * 1000) / completed : NaN,
      heapMb: process.memoryUsage().heapUsed / 1048576,
      loopP99Ms: this.loop.percentile(99) / 1e6, loopMaxMs: this.loop.max / 1e6,
      socketDrops: drops0 < 0 || drops1 < 0 ? -1 : drops1 - drops0,
    };
  }

  /** Stops the connector, the adapter (its un-SUBSCRIBEs are answered), the T-Server, the stack, and the child. */
  async close(): Promise<void> {
    this.connector?.stop();
    try {
      await this.uc?.stop();
    } finally {
      this.tlib?.close();
      await this.server?.close();
      await this.stopTServer?.();
      await this.stack?.close();
      await this.gen?.stop();
    }
  }
}
