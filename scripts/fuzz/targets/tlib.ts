/**
 * T-Lib: frames → FrameDecoder (framing + message codec, as a T-Server session decodes them) → the
 * T-Server core handling each decoded request, with the emulated switch inline and the core's
 * timers fired as time moves. The core keeps its state across cases (reset every 50,000), and
 * decoded requests are often pointed at a live call, so mutated requests meet real calls and agents.
 * Crash: an exception out of the decoder or the core. Documented outcomes: a decode error
 * (EventError), or the core's events.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { FrameDecoder, parseMessage, type TlibMessage, type TlibRequest } from '../../../src/tlib/index.ts';
import { attributeRules } from '../../../src/tlib/messages/attribute-types.ts';
import { TServerCore, type CoreEffect } from '../../../src/tserver/tserver-core.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { expandSwitchEffects } from '../../../src/tserver/switch-effects.ts';
import { EmulatedSwitch } from '../../../src/switch/emulated/emulated-switch.ts';
import type { FuzzTarget } from '../engine.ts';
import { chunks, type Mutator, type Rand } from '../mutators.ts';
import { framedCorpus, generateFramedJson, type FramedJsonSeeds } from './framed-json-cases.ts';

const DNS = ['7001', '7002', '7003', 'RP1', 'Q1', 'trunk'];
const CONN = '006e02b3c4d5e6f7';
const UD = [['Имя', 'Анна 😀'], ['n', [['k', 1]]], ['CaseID', 'A-42']];

/** One valid request of each kind (and a few variants), the structure the mutations start from. */
export function tlibSeedMessages(): TlibMessage[] {
  const m: Array<Record<string, unknown>> = [
    { message: 'RequestRegisterAddress', ThisDN: '7001', RegisterMode: 'ModeShare', AddressType: 'DN', Extensions: [['LogoutOnDisconnect', 1]] },
    { message: 'RequestRegisterAddress', ThisDN: 'RP1', RegisterMode: 'ModeMonitor' },
    { message: 'RequestUnregisterAddress', ThisDN: '7002' },
    { message: 'RequestQueryAddress', ThisDN: '7001', AddressInfoType: 'DNStatus' },
    { message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', AgentWorkMode: 'AutoIn', Password: 'pw', Extensions: [['WrapUpTime', 5]] },
    { message: 'RequestAgentLogin', ThisDN: '7002', AgentID: 'a2', ThisQueue: 'Q1', Place: 'P2' },
    { message: 'RequestAgentLogout', ThisDN: '7001', AgentID: 'a1', Reasons: [['r', 'lunch']] },
    { message: 'RequestAgentReady', ThisDN: '7002', AgentWorkMode: 'ManualIn' },
    { message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AfterCallWork', Extensions: [['WrapUpTime', 'untimed']] },
    { message: 'RequestSetDNDOn', ThisDN: '7003' },
    { message: 'RequestSetDNDOff', ThisDN: '7003' },
    { message: 'RequestMakeCall', ThisDN: '7001', OtherDN: '7002', MakeCallType: 'Regular', UserData: UD },
    { message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: 'RP1', UserData: UD },
    { message: 'RequestAnswerCall', ThisDN: '7002', ConnID: CONN },
    { message: 'RequestReleaseCall', ThisDN: '7001', ConnID: CONN },
    { message: 'RequestHoldCall', ThisDN: '7001', ConnID: CONN },
    { message: 'RequestRetrieveCall', ThisDN: '7001', ConnID: CONN },
    { message: 'RequestInitiateTransfer', ThisDN: '7002', ConnID: CONN, OtherDN: '7003', UserData: UD },
    { message: 'RequestCompleteTransfer', ThisDN: '7002', ConnID: CONN, TransferConnID: '0000000000000001' },
    { message: 'RequestSingleStepTransfer', ThisDN: '7002', ConnID: CONN, OtherDN: '7003', Location: 'site' },
    { message: 'RequestInitiateConference', ThisDN: '7002', ConnID: CONN, OtherDN: '7003' },
    { message: 'RequestCompleteConference', ThisDN: '7002', ConnID: CONN, TransferConnID: '0000000000000001' },
    { message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: CONN, OtherDN: '7001', RouteType: 'Default', UserData: UD, Extensions: [['NO_ANSWER_TIMEOUT', 2]] },
    { message: 'RequestRouteCall', ThisDN: 'RP1', ConnID: CONN, RouteType: 'Reject' },
    { message: 'RequestAttachUserData', ThisDN: '7001', ConnID: CONN, UserData: UD },
    { message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: CONN, UserData: [['CaseID', 'B-7']] },
    { message: 'RequestDeleteUserData', ThisDN: '7001', ConnID: CONN },
    { message: 'RequestDeletePair', ThisDN: '7001', ConnID: CONN, Key: 'CaseID' },
    { message: 'RequestDistributeUserEvent', ThisDN: '7001', UserData: UD },
  ];
  return m.map((x, i) => ({ ...x, ReferenceID: i + 1 }) as unknown as TlibMessage);
}

/** The frame vectors of test/fixtures/tlib (raw streams, valid and not). */
function fixtureStreams(): Buffer[] {
  const dir = new URL('../../../test/fixtures/tlib/', import.meta.url);
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(new URL(f, dir)));
}

export function tlibTarget(): FuzzTarget {
  const seeds: FramedJsonSeeds = { messages: tlibSeedMessages(), raw: fixtureStreams(), keys: ['message', ...Object.keys(attributeRules)], maxFrameBytes: 64 * 1024 };
  const corpus = framedCorpus(seeds);
  let core!: TServerCore;
  let sw!: EmulatedSwitch;
  let decoder!: FrameDecoder;
  let timers!: Map<string, number>;
  let live!: string[];
  let now = 0;
  const fresh = (): void => {
    core = new TServerCore(createTServerConfig({
      dns: [...DNS.map((name) => ({ name, type: name.startsWith('RP') ? 'RoutingPoint' as const : name === 'Q1' ? 'ACDQueue' as const : name === 'trunk' ? 'Trunk' as const : 'Extension' as const }))],
      agentLogins: ['a1', 'a2'],
      options: { 'wrap-up-time': 3, 'legal-guard-time': 1, 'router-timeout': 4, 'no-answer-timeout': 6, 'no-answer-action': 'notready', 'auto-logout-timeout': 2 },
    }), { connIdPrefix: 0x1234 });
    sw = new EmulatedSwitch();
    decoder = new FrameDecoder({ accept: 'request', maxFrameBytes: seeds.maxFrameBytes });
    timers = new Map();
    live = [];
  };
  fresh();
  const apply = (effects: CoreEffect[]): number => {
    let sent = 0;
    for (const e of expandSwitchEffects(core, sw, effects, now)) {
      if (e.type === 'startTimer') timers.set(e.name, now + e.ms);
      else if (e.type === 'cancelTimer') timers.delete(e.name);
      else {
        sent++;
        const c = (e.event as { ConnID?: string }).ConnID;
        if (c !== undefined && !live.includes(c)) live.push(c);
      }
    }
    if (live.length > 64) live = live.filter((c) => core.call(c as never) !== undefined).slice(-64);
    return sent;
  };
  return {
    name: 'tlib',
    corpus,
    resetEvery: 50_000,
    reset: fresh,
    generate: (m: Mutator) => generateFramedJson(m, seeds, corpus),
    run(input: Buffer, rand: Rand): string {
      const client = `c${Math.floor(rand() * 3)}`;
      let label = 'partial-frame';
      for (const chunk of chunks(rand, input)) {
        for (const f of decoder.push(chunk)) {
          if (!f.ok) {
            if (label === 'partial-frame') label = `decode:${f.error.problem}`;
            continue;
          }
          let req = f.value as TlibRequest;
          // Point the request at a live call now and then, so call states beyond "unknown ConnID" are hit.
          if ('ConnID' in req && live.length > 0 && rand() < 0.7) req = { ...req, ConnID: live[Math.floor(rand() * live.length)] } as TlibRequest;
          const effects = core.request(client, req, now);
          const first = effects.find((e) => e.type === 'send');
          const reply = first?.type === 'send' ? first.event : undefined;
          if (reply !== undefined && !parseMessage(reply, { accept: 'event' }).ok) label = `invalid-outgoing:${reply.message}`;
          else if (label === 'partial-frame') label = `core:${reply?.message ?? 'none'}`;
          apply(effects);
        }
      }
      if (decoder.failed) decoder = new FrameDecoder({ accept: 'request', maxFrameBytes: seeds.maxFrameBytes }); // the server closes the link
      // Time moves; due timers fire; a client sometimes leaves.
      now += Math.floor(rand() * 400);
      for (const [name, due] of timers) {
        if (due <= now) {
          timers.delete(name);
          apply(core.timer(name, now));
        }
      }
      if (rand() < 0.002) apply(core.disconnect(client, now));
      return label;
    },
  };
}
