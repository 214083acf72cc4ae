/**
 * Connector core throughput.
 * 1. The pure KW machine: presence updates per second through `stepKw` (mapping + reconcile), with
 *    the T-Server's reply applied after each request, one machine per KW over BENCH_KWS KWs.
 * 2. The shell end to end: BENCH_KWS KWs in a UcConnector on the real T-Server over in-process T-Lib;
 *    every KW gets BENCH_TOGGLES presence changes (Online ↔ Busy) and the run ends when the T-Server
 *    confirmed the last state of every agent. Prints presence-to-confirmed updates per second.
 *
 * Ends with `BENCH {"name":"connector-kw",...}`.
 */
import { performance } from 'node:perf_hooks';
import { stepKw } from '../src/connector/kw-machine.ts';
import { defaultKwConfig } from '../src/connector/kw-config.ts';
import { initialKwState, type KwInput, type KwState } from '../src/connector/kw-state.ts';
import { UcConnector } from '../src/connector/connector.ts';
import { ManualClock } from '../src/lib/clock.ts';
import { TypedEmitter } from '../src/lib/typed-emitter.ts';
import type { Presence } from '../src/presence/presence.ts';
import { availabilityFromMsPresCode } from '../src/presence/availability.ts';
import { TServer } from '../src/tserver/tserver.ts';
import { TlibClient } from '../src/tlib/client/tlib-client.ts';
import type { TlibEvent } from '../src/tlib/index.ts';
import type { UcConnectionState, UcKnowledgeWorker, UcPlatform, UcPlatformEvents } from '../src/uc/uc-platform.ts';
import { benchKnowledgeWorkers } from './kw-fixture.ts';
import { measureRate, printBench, printTable } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

let observed = 0;
function pres(uri: string, code: number): Presence {
  return {
    uri, availability: availabilityFromMsPresCode(code), availabilityCode: code, activity: null, note: null, device: null,
    source: 'ms-pres', version: { publishedAt: null, sequence: null, instance: null }, observedAt: ++observed, basic: null, lastActive: null,
  };
}

/** Applies the reply the T-Server would send to the machine's request. */
function reply(s: KwState, input: KwInput): KwState {
  let step = stepKw(s, input, defaultKwConfig, 0);
  for (const e of step.effects) {
    if (e.type !== 'tlibRequest') continue;
    const r = e.request;
    const message = r.message === 'RequestAgentReady' ? 'EventAgentReady' : r.message === 'RequestAgentNotReady' ? 'EventAgentNotReady' : undefined;
    if (message) step = stepKw(step.state, { type: 'tlibEvent', event: { message, ThisDN: 'ThisDN' in r ? r.ThisDN : '', ReferenceID: 1, AgentWorkMode: 'Unknown', Reasons: r.Reasons } as TlibEvent }, defaultKwConfig, 0);
  }
  return step.state;
}

class NullUc extends TypedEmitter<UcPlatformEvents> implements UcPlatform {
  readonly kind = 'bench';
  connectionState: UcConnectionState = 'connected';
  readonly subs = new Map<string, UcKnowledgeWorker>();
  start(): Promise<void> { return Promise.resolve(); }
  stop(): Promise<void> { return Promise.resolve(); }
  subscribe(kw: UcKnowledgeWorker): void { this.subs.set(kw.userName, kw); }
  unsubscribe(kw: UcKnowledgeWorker): void { this.subs.delete(kw.userName); }
  publish(): Promise<void> { return Promise.resolve(); }
}

async function settle(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

export default async function run(): Promise<void> {
  const kws = env('BENCH_KWS', 1000);
  const toggles = env('BENCH_TOGGLES', 10);

  // 1. Pure machine.
  const states: KwState[] = [];
  for (let i = 0; i < kws; i++) {
    let s = initialKwState({ userName: `u${i}`, contact: `sip:u${i}@bench`, dn: `d${i}`, agentId: `a${i}`, place: null });
    s = stepKw(s, { type: 'sessionOpened' }, defaultKwConfig, 0).state;
    s = stepKw(s, { type: 'tlibEvent', event: { message: 'EventRegistered', ThisDN: `d${i}`, ReferenceID: 1, AgentState: 'NotReady' } as TlibEvent }, defaultKwConfig, 0).state;
    states.push(s);
  }
  let k = 0;
  const pure = measureRate(() => {
    const i = k++ % kws;
    states[i] = reply(states[i] as KwState, { type: 'presence', presence: pres(`sip:u${i}@bench`, Math.floor(k / kws) % 2 ? 3500 : 6500) });
  });

  // 2. Shell on the real T-Server over in-process T-Lib.
  const clock = new ManualClock();
  const fixture = benchKnowledgeWorkers(kws, 'bench');
  const server = new TServer({ config: fixture.tserver, clock });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInProcess() }, clock });
  const uc = new NullUc();
  const connector = new UcConnector({ view: fixture.view, application: 'UCC', tlib, uc, clock });
  await tlib.connect();
  connector.start();
  const names = connector.knowledgeWorkers();
  await settle(() => names.every((n) => connector.state(n)?.confirmed.state === 'NotReady' && connector.state(n)?.pending === null));
  const t0 = performance.now();
  for (let t = 0; t < toggles; t++) {
    for (const n of names) {
      const kw = uc.subs.get(n);
      if (kw) uc.safeEmit('presence', kw, pres(kw.contact, t % 2 ? 6500 : 3500));
    }
    await new Promise((r) => setImmediate(r));
  }
  const last = toggles % 2 ? 'Ready' : 'NotReady';
  await settle(() => names.every((n) => connector.state(n)?.confirmed.state === last && connector.state(n)?.pending === null));
  const ms = performance.now() - t0;
  const updatesPerSec = (kws * toggles * 1000) / ms;
  connector.stop();
  tlib.close();
  await server.close();

  printTable(['measure', 'value'], [
    ['pure stepKw presence updates/s (with reply)', Math.round(pure.perSec)],
    [`shell: ${kws} KWs × ${toggles} presence changes, ms`, Math.round(ms)],
    ['shell: presence → confirmed agent state, updates/s', Math.round(updatesPerSec)],
  ]);
  printBench('connector-kw', { kws, toggles, pureUpdatesPerSec: Math.round(pure.perSec), shellUpdatesPerSec: Math.round(updatesPerSec), shellMs: Math.round(ms) });
}
