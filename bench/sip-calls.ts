/**
 * Real SIP calls through the whole of `ucc start` (issue 11, "Measured"): buildApp with a `voice:`
 * block runs the T-Server on the SIP switch in this process; SIPp (UAC, bench/sipp/caller.xml)
 * plays the carrier and calls routing point 8000; the router previews each call to a KW of
 * BENCH_KWS (2,200) by round robin; scripted KW clients (in-process sessions of the KW client
 * registry, as the WebSocket layer adds them) accept every preview at once; the switch then
 * INVITEs the KW's DN, whose `contact` option points at one SIPp UAS (bench/sipp/kw-phone.xml)
 * that plays every KW phone and answers at once (no Kamailio: the contact is reached directly).
 * After BENCH_HOLD_MS (2000) ms the caller sends BYE.
 *
 * Phases, each its own SIPp run, after a warm-up: first a concurrency phase, BENCH_CONCURRENT
 * (2,000) calls at BENCH_CONCURRENT_RATE (200) calls/s, all held until every one is established;
 * RSS per call is (RSS at that moment − RSS before the phase, both after a GC) / calls (first,
 * because RSS grows with the busiest phase and does not shrink after it). Then BENCH_RATES
 * (50,100,200,300) calls/s, ascending, for BENCH_PHASE_S (10) s each.
 *
 * Per phase: SIPp's successful and failed calls (its -trace_stat), the T-Server's view (EventEstablished
 * and EventReleased on the KW DNs, EventAbandoned on the RP), and the setup time INVITE → 200 at the
 * caller (SIPp's response-time repartition, -trace_rtt, 1 ms resolution) p50/p99.
 *
 * BENCH_MEDIA=1 puts rtpengine (Debian's rtpengine-daemon, userspace) in the path: each call is an
 * ng offer, answer and delete; SIPp sends SDP only (no RTP), so the figure is the signalling and
 * relay control cost. callsPerSec in the BENCH line is the highest rate such that it and every
 * lower rate completed all their calls with 0 failed; setup p50/p99 are that phase's.
 *
 * Ends with `BENCH {"name":"sip-calls","callsPerSec":…,"setupP50Ms":…,"setupP99Ms":…,"failed":…,"concurrent":…,"rssPerCallKb":…,…}`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildApp, type App } from '../src/app/build-app.ts';
import { formatIssue } from '../src/config/config-issue.ts';
import { loadConfigFile } from '../src/config/config-loader.ts';
import { silentLogger } from '../src/lib/logger.ts';
import type { TlibEvent, TlibRequest } from '../src/tlib/index.ts';
import { freePort } from '../test/support/free-port.ts';
import { requireBinary, startPeer, type PeerProcess } from '../test/support/peer-process.ts';
import { startRtpengine, type RtpenginePeer } from '../test/support/rtpengine.ts';
import { percentile, printBench, printTable, semiSpaceSetting } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const scenarioDir = fileURLToPath(new URL('./sipp/', import.meta.url));
const RP = '8000';
const TRUNK = '9000';
const dnOf = (i: number): string => `7${String(i).padStart(5, '0')}`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function configYaml(o: { sipPort: number; uasPort: number; kws: number; rcvbuf: number; ngAddress?: string }): string {
  const users = Array.from({ length: o.kws }, (_, i) => i);
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'voice:',
    `  listen: [ { protocol: udp, host: 127.0.0.1, port: ${o.sipPort}${o.rcvbuf > 0 ? `, receiveBufferBytes: ${o.rcvbuf}` : ''} } ]`,
    '  domain: example.test',
    `  trunks: [ { dn: "${TRUNK}", addresses: [127.0.0.1] } ]`,
    '  caller-media: ringback',
    '  max-legs: 20000',
    ...(o.ngAddress ? [`  rtpengine: "${o.ngAddress}"`] : []),
    'switches: [ { name: SW } ]',
    'dns:',
    `  - { number: "${RP}", type: Routing Point, switch: SW, annex: { router: { target-type: agent-group, target: KW_Bench, selection: round-robin, max-attempts: 3 }, TServer: { router-timeout: 0 } } }`,
    '  - { number: "8100", type: Virtual Queue, switch: SW }',
    `  - { number: "${TRUNK}", type: Trunk, switch: SW }`,
    // Every KW's phone is the SIPp UAS, reached by the DN's contact (no registrar in the bench).
    ...users.map((i) => `  - { number: "${dnOf(i)}", type: Extension, switch: SW, annex: { TServer: { contact: "sip:${dnOf(i)}@127.0.0.1:${o.uasPort}" } } }`),
    'places:',
    ...users.map((i) => `  - { name: P${i}, dns: ["${dnOf(i)}"] }`),
    'agentLogins:',
    ...users.map((i) => `  - { loginCode: A${i}, switch: SW }`),
    'persons:',
    ...users.map((i) => `  - { userName: u${i}, firstName: U, lastName: "${i}", agentLogins: [A${i}], defaultPlace: P${i}, annex: { uc: { contact: "sip:u${i}@example.test" } } }`),
    `agentGroups: [ { name: KW_Bench, members: [${users.map((i) => `u${i}`).join(', ')}] } ]`,
    'applications:',
    '  - { name: TServer_SIP, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, default-dn: "8100", no-answer-timeout: 0 } } }',
    '  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true, preview-expiration-timeout: 30000 } } }',
    '  - { name: Router, type: router, options: {} }',
    '',
  ].join('\n');
}

/** The T-Server's view: events on the KW DNs and the routing point, counted. */
class TServerView {
  established = 0;
  released = 0;
  abandoned = 0;
  errors = 0;
  private ref = 1;
  private readonly up = new Set<string>();
  private readonly client: ReturnType<App['tserver']['attach']>;
  constructor(app: App, kwDns: readonly string[]) {
    const kw = new Set(kwDns);
    this.client = app.tserver.attach((e: TlibEvent) => {
      const dn = (e as { ThisDN?: string }).ThisDN ?? '';
      if (e.message === 'EventError') this.errors++;
      else if (e.message === 'EventAbandoned' && dn === RP) this.abandoned++;
      else if (kw.has(dn)) {
        const conn = (e as { ConnID?: string }).ConnID ?? '';
        if (e.message === 'EventEstablished') {
          this.established++;
          this.up.add(conn);
        } else if (e.message === 'EventReleased') {
          this.released++;
          this.up.delete(conn);
        }
      }
    });
    for (const dn of [RP, ...kwDns]) this.client.request({ message: 'RequestRegisterAddress', ThisDN: dn, ReferenceID: this.ref++ } as TlibRequest);
  }
  /** Calls established at a KW DN and not released there (a ringing leg released counts nowhere). */
  get active(): number {
    return this.up.size;
  }
  snapshot(): { established: number; released: number; abandoned: number; errors: number } {
    return { established: this.established, released: this.released, abandoned: this.abandoned, errors: this.errors };
  }
  close(): void {
    this.client.close();
  }
}

interface SippResult {
  exit: number | string;
  successful: number;
  failed: number;
  setupMs: number[];
  wallMs: number;
  output: string;
  /** SIPp's -trace_err log (unexpected messages, timeouts). */
  errors: string;
}

/** A SIPp UAC run: `calls` calls at `rate`/s, each held `holdMs`; resolves when SIPp exits. */
function runCaller(o: { sipPort: number; localPort: number; rate: number; calls: number; holdMs: number; dir: string; extraArgs: string[]; onStart?: (p: PeerProcess) => void }): Promise<SippResult> {
  const dir = mkdtempSync(join(o.dir, 'uac-'));
  const args = [
    `127.0.0.1:${o.sipPort}`, '-sf', join(scenarioDir, 'caller.xml'), '-s', RP, '-i', '127.0.0.1', '-p', String(o.localPort), '-t', 'u1',
    '-r', String(o.rate), '-rp', '1000', '-m', String(o.calls), '-l', String(o.calls), '-d', String(o.holdMs),
    '-nostdin', '-recv_timeout', '15000', '-timeout', `${Math.ceil(o.calls / o.rate + o.holdMs / 1000 + 60)}s`,
    '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1', '-trace_rtt', '-rtt_freq', '1', '-trace_err', '-error_file', join(dir, 'errors.log'), ...o.extraArgs,
  ];
  const t0 = Date.now();
  const proc = startPeer('sipp-uac', 'sipp', args, { cwd: dir });
  o.onStart?.(proc);
  return proc.exited.then((exit) => {
    const wallMs = Date.now() - t0;
    const stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
    const head = (stat[0] ?? '').split(';');
    const last = (stat.at(-1) ?? '').split(';');
    const col = (name: string): number => Number(last[head.indexOf(name)] ?? NaN);
    const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
    const setupMs = rttFile
      ? readFileSync(join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((n) => Number.isFinite(n))
      : [];
    const errors = existsSync(join(dir, 'errors.log')) ? readFileSync(join(dir, 'errors.log'), 'utf8') : '';
    return { exit, successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), setupMs, wallMs, output: proc.output(), errors };
  });
}

interface Phase {
  label: string;
  rate: number;
  calls: number;
  sipp: SippResult;
  tserver: { established: number; released: number; abandoned: number; errors: number };
  /** Event-loop delay of this process over the phase (ms) and its CPU per call (µs). */
  loopP99Ms: number;
  loopMaxMs: number;
  cpuUsPerCall: number;
  concurrent?: number;
  rssPerCallKb?: number;
  heapPerCallKb?: number;
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export default async function main(): Promise<void> {
  requireBinary('sipp', 'sip-tester');
  const media = process.env.BENCH_MEDIA === '1';
  const kws = env('BENCH_KWS', 2200);
  const holdMs = env('BENCH_HOLD_MS', 2000);
  const phaseS = env('BENCH_PHASE_S', 10);
  const rates = (process.env.BENCH_RATES ?? '50,100,200,300').split(',').map(Number).filter((n) => n > 0);
  const concurrentCalls = env('BENCH_CONCURRENT', 2000);
  const concurrentRate = env('BENCH_CONCURRENT_RATE', 200);
  if (concurrentCalls + 100 > kws) throw new Error(`BENCH_KWS (${kws}) must exceed BENCH_CONCURRENT (${concurrentCalls}) by 100: each held call keeps a KW busy`);

  // SO_RCVBUF of the switch's UDP listener and of both SIPp instances (SIPp's default is 64 KiB): with
  // the defaults, a few hundred ms of a starved process drop datagrams, and the retransmissions
  // (0.5, 1, 2 s...) then dominate the setup times. BENCH_RCVBUF=0 keeps the defaults.
  const rcvbuf = process.env.BENCH_RCVBUF === undefined ? 4 * 1024 * 1024 : Number(process.env.BENCH_RCVBUF);
  const sippBuf = rcvbuf > 0 ? ['-buff_size', String(rcvbuf)] : [];
  const dir = mkdtempSync(join(tmpdir(), 'ucc-bench-sip-calls-'));
  const peers: PeerProcess[] = [];
  let rtpe: RtpenginePeer | undefined;
  let app: App | undefined;
  let view: TServerView | undefined;
  const phases: Phase[] = [];
  // Interrupted (Ctrl-C, timeout): the peers run in process groups of their own, so stop them by PID.
  const onSignal = (signal: NodeJS.Signals): void => {
    void Promise.allSettled([...peers.map((p) => p.stop()), rtpe?.stop()]).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // 4 media ports per call (two parties, RTP + RTCP) while it is up.
    // 10000-19999: below the ephemeral ports and outside freePort's range (too wide for freePort).
    if (media) rtpe = await startRtpengine({ mediaPorts: Math.min(9000, concurrentCalls * 4 + 400), portMin: env('BENCH_MEDIA_PORT_MIN', 10_000) });
    const sipPort = await freePort();
    const uasPort = await freePort();
    const file = join(dir, 'sip-calls.yaml');
    writeFileSync(file, configYaml({ sipPort, uasPort, kws, rcvbuf, ...(rtpe ? { ngAddress: rtpe.ngAddress } : {}) }));
    const loaded = loadConfigFile(file);
    if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
    app = await buildApp(loaded.value, { logger: silentLogger });
    await app.listen();

    const uas = startPeer('sipp-uas', 'sipp', [
      '-sf', join(scenarioDir, 'kw-phone.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-t', 'u1', '-nostdin',
      '-trace_err', '-error_file', join(dir, 'uas-errors.log'), ...sippBuf,
    ], { cwd: dir });
    peers.push(uas);

    // The KWs: online, a client session each that accepts every preview at once.
    const kwDns = Array.from({ length: kws }, (_, i) => dnOf(i));
    view = new TServerView(app, kwDns);
    const uc = app.uc as unknown as { setPresence(user: string, availability: string): void };
    const { sessions, previews, stats } = app.routing;
    for (let i = 0; i < kws; i++) {
      const userName = `u${i}`;
      uc.setPresence(userName, 'online');
      app.connector.openSession(userName);
      sessions.add({
        id: sessions.newId(), userName,
        send: (m) => {
          if (m.type === 'preview') queueMicrotask(() => previews.accept(userName, m.id));
          return true;
        },
      });
    }
    await waitUntil('every KW Ready', () => kwDns.every((_, i) => stats.agent(`u${i}`)?.state === 'Ready'), 60_000);
    await sleep(300);
    if (uas.output().includes('rror')) throw new Error(`SIPp UAS: ${uas.output()}`);

    const runPhase = async (label: string, rate: number, calls: number, hold: number, during?: () => Promise<{ concurrent: number; rssPerCallKb: number; heapPerCallKb: number }>): Promise<Phase> => {
      const before = view!.snapshot();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      let proc: PeerProcess | undefined;
      const done = runCaller({ sipPort, localPort: await freePort(), rate, calls, holdMs: hold, dir, extraArgs: sippBuf, onStart: (p) => {
        proc = p;
        peers.push(p);
      } });
      const extra = during ? await during().catch(async (e: unknown) => {
        await proc?.stop();
        throw e;
      }) : undefined;
      const sipp = await done;
      // Every call ended on the T-Server's side too before the next phase.
      await waitUntil(`${label}: every call released`, () => view!.active === 0, 30_000).catch(() => undefined);
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const after = view!.snapshot();
      const tserver = { established: after.established - before.established, released: after.released - before.released, abandoned: after.abandoned - before.abandoned, errors: after.errors - before.errors };
      const phase: Phase = {
        label, rate, calls, sipp, tserver, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuUsPerCall: (cpu.user + cpu.system) / calls, ...(extra ?? {}),
      };
      if (process.env.BENCH_DEBUG && sipp.exit !== 0) console.log(sipp.errors.slice(0, 3000));
      return phase;
    };

    // Warm-up (JIT, tables), not reported.
    await runPhase('warm-up', 20, 60, 500);

    gc();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const concurrentHold = Math.ceil(concurrentCalls / concurrentRate) * 1000 + 10_000;
    phases.push(await runPhase(`${concurrentCalls} held`, concurrentRate, concurrentCalls, concurrentHold, async () => {
      // The most calls up at once, if not all of them (the table shows the phase's failures).
      let peak = 0;
      await waitUntil(`${concurrentCalls} calls established`, () => {
        peak = Math.max(peak, view!.active);
        return view!.active >= concurrentCalls;
      }, concurrentHold).catch(() => undefined);
      const concurrent = Math.max(peak, view!.active);
      gc();
      const rss = process.memoryUsage().rss;
      return { concurrent, rssPerCallKb: (rss - rssBefore) / 1024 / concurrent, heapPerCallKb: (process.memoryUsage().heapUsed - heapBefore) / 1024 / concurrent };
    }));
    // The rates after the held calls: RSS grows with the busiest phase and does not shrink after it.
    for (const rate of rates) phases.push(await runPhase(`${rate}/s`, rate, rate * phaseS, holdMs));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    view?.close();
    await app?.close();
    for (const p of peers.reverse()) await p.stop();
    await rtpe?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const load = loadavg().map((n) => n.toFixed(2)).join(' ');
  console.log(`sip-calls: ${kws} KWs accept previews in process; KW phones: one SIPp UAS reached by each DN's contact (no registrar); hold ${holdMs} ms; SO_RCVBUF ${rcvbuf > 0 ? rcvbuf : 'system default'}; media: ${media ? 'rtpengine (ng offer/answer/delete per call; SDP only, no RTP)' : 'none (signalling only, SDP end to end)'}; ${semiSpaceSetting()}; load average ${load}`);
  console.log('setup: INVITE → 200 at the caller (SIPp -trace_rtt, ms, previews included); ok/failed: SIPp; est/rel/aband: the T-Server (EventEstablished, EventReleased on KW DNs; EventAbandoned on the RP)');
  printTable(
    ['phase', 'offered/s', 'calls', 'ok', 'failed', 'achieved/s', 'setup p50', 'setup p99', 'setup max', 'est', 'rel', 'aband', 'loop p99', 'loop max', 'cpu µs/call', 'concurrent', 'RSS KB/call', 'heap KB/call'],
    phases.map((p) => [
      p.label, ...[p.rate, p.calls, p.sipp.successful, p.sipp.failed].map(String), p.concurrent === undefined ? (p.sipp.successful / Math.max(0.001, (p.sipp.wallMs - holdMs) / 1000)).toFixed(1) : '',
      ...[percentile(p.sipp.setupMs, 50), percentile(p.sipp.setupMs, 99), Math.max(0, ...p.sipp.setupMs), p.tserver.established, p.tserver.released, p.tserver.abandoned].map(String),
      p.loopP99Ms.toFixed(1), p.loopMaxMs.toFixed(1), String(Math.round(p.cpuUsPerCall)),
      p.concurrent === undefined ? '' : String(p.concurrent), p.rssPerCallKb === undefined ? '' : p.rssPerCallKb.toFixed(1), p.heapPerCallKb === undefined ? '' : p.heapPerCallKb.toFixed(1),
    ]),
  );
  const clean = (p: Phase): boolean => p.sipp.failed === 0 && p.sipp.successful === p.calls && p.tserver.established === p.calls;
  const rated = phases.filter((p) => p.concurrent === undefined);
  // Sustained: the highest rate with every rate up to it clean (phases run in ascending order).
  const firstBad = rated.findIndex((p) => !clean(p));
  const best = (firstBad < 0 ? rated : rated.slice(0, firstBad)).at(-1);
  const held = phases.find((p) => p.concurrent !== undefined);
  printBench('sip-calls', {
    callsPerSec: best?.rate ?? 0,
    setupP50Ms: best ? percentile(best.sipp.setupMs, 50) : NaN,
    setupP99Ms: best ? percentile(best.sipp.setupMs, 99) : NaN,
    failed: phases.reduce((n, p) => n + p.sipp.failed + (p.calls - p.sipp.successful - p.sipp.failed), 0),
    concurrent: held?.concurrent ?? 0,
    rssPerCallKb: held?.rssPerCallKb === undefined ? NaN : Number(held.rssPerCallKb.toFixed(1)),
    heapPerCallKb: held?.heapPerCallKb === undefined ? NaN : Number(held.heapPerCallKb.toFixed(1)),
    media,
    maxRateTried: Math.max(0, ...rates),
    setupP99MsAtMaxRate: percentile(rated.at(-1)?.sipp.setupMs ?? [], 99),
    loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
  });
}
