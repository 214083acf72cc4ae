/**
 * Random request sequences against the core (a seeded generator, so failures reproduce): whatever
 * arrives, the core answers with events or EventError and never throws, and its indexes stay
 * consistent (every live call's parties list the call on their DN; no call without parties).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TServerCore, type CoreEffect } from '../../../src/tserver/tserver-core.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { expandSwitchEffects } from '../../../src/tserver/switch-effects.ts';
import { EmulatedSwitch } from '../../../src/switch/emulated/emulated-switch.ts';
import type { TlibRequest } from '../../../src/tlib/index.ts';
import { STD_DNS } from './harness.ts';
import { prng as rng } from '../../support/prng.ts';


const DNS = [...STD_DNS.map((d) => d.name), 'unknown'];
const MODES = ['Unknown', 'AutoIn', 'ManualIn', 'AfterCallWork', 'AuxWork', 'LegalGuard', 'bogus'];
const ROUTES = ['Default', 'Unknown', 'Reject', 'CallDisconnect', undefined];

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`random requests never make the core throw (seed ${seed})`, () => {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const core = new TServerCore(createTServerConfig({
      dns: STD_DNS,
      agentLogins: ['a1', 'a2'],
      options: { 'wrap-up-time': pick([0, 5, 'untimed']), 'legal-guard-time': pick([0, 3]), 'default-dn': '7003', 'router-timeout': 4, 'no-answer-timeout': 6, 'no-answer-action': pick(['none', 'notready', 'logout']), 'auto-logout-timeout': 1, 'agent-strict-id': r() < 0.3 },
    }));
    const clients = ['c1', 'c2', 'c3'];
    const timers = new Map<string, number>();
    const connIds: string[] = ['0000000000000bad'];
    let now = 0;
    // The emulated switch runs inline: each command's events go straight back into the core.
    const sw = new EmulatedSwitch();
    const apply = (raw: CoreEffect[]): void => {
      for (const e of expandSwitchEffects(core, sw, raw, now)) {
        if (e.type === 'startTimer') timers.set(e.name, now + e.ms);
        else if (e.type === 'cancelTimer') timers.delete(e.name);
        else {
          // A guarded transition refusing an edge means a missing request check: a bug, not an answer.
          assert.doesNotMatch(String((e.event as { ErrorMessage?: string }).ErrorMessage ?? ''), /illegal transition/);
          const c = (e.event as { ConnID?: string }).ConnID;
          if (c && !connIds.includes(c)) connIds.push(c);
        }
      }
    };
    for (let step = 0; step < 3000; step++) {
      const x = r();
      if (x < 0.08) {
        now += Math.floor(r() * 8000);
        for (const [name, due] of [...timers].sort((a, b) => a[1] - b[1])) {
          if (due <= now && timers.get(name) === due) {
            timers.delete(name);
            apply(core.timer(name, now));
          }
        }
        continue;
      }
      if (x < 0.1) {
        apply(core.disconnect(pick(clients), now));
        continue;
      }
      // Mostly act on live calls through one of their parties, so deep call states are reached.
      const live = connIds.filter((c) => core.call(c));
      const target = live.length && r() < 0.8 ? core.call(pick(live)) : undefined;
      const parties = target ? [...target.parties.values()].map((p) => p.dn) : [];
      const dn = parties.length && r() < 0.85 ? pick(parties) : pick(DNS);
      const other = r() < 0.7 ? pick(['7001', '7002', '7003', 'sip:alice@lab', 'RP1']) : pick(DNS);
      const consult = live.map((c) => core.call(c)).find((c) => c?.consultation?.mainConnId === target?.connId)?.connId;
      const connId = target && r() < 0.9 ? target.connId : pick(connIds);
      const ud: Array<[string, string]> = [[`k${Math.floor(r() * 4)}`, 'v']];
      const reqs: TlibRequest[] = [
        { message: 'RequestRegisterAddress', ThisDN: dn },
        { message: 'RequestUnregisterAddress', ThisDN: dn },
        { message: 'RequestQueryAddress', ThisDN: dn },
        { message: 'RequestAgentLogin', ThisDN: dn, AgentID: pick(['a1', 'a2', 'a3']), AgentWorkMode: pick(MODES) as never },
        { message: 'RequestAgentLogout', ThisDN: dn },
        { message: 'RequestAgentReady', ThisDN: dn },
        { message: 'RequestAgentNotReady', ThisDN: dn, AgentWorkMode: pick(MODES) as never, Extensions: [['WrapUpTime', pick([0, 3, 'untimed', 'x'])]] },
        r() < 0.2 ? { message: 'RequestSetDNDOn', ThisDN: dn } : { message: 'RequestSetDNDOff', ThisDN: dn },
        { message: 'RequestMakeCall', ThisDN: dn, OtherDN: other, UserData: ud },
        { message: 'RequestAnswerCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestReleaseCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestHoldCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestRetrieveCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestInitiateTransfer', ThisDN: dn, ConnID: connId, OtherDN: other },
        { message: 'RequestInitiateConference', ThisDN: dn, ConnID: connId, OtherDN: other },
        { message: 'RequestCompleteTransfer', ThisDN: dn, ConnID: connId, TransferConnID: consult ?? pick(connIds) },
        { message: 'RequestCompleteConference', ThisDN: dn, ConnID: connId, TransferConnID: consult ?? pick(connIds) },
        { message: 'RequestCompleteTransfer', ThisDN: dn, ConnID: connId, TransferConnID: consult ?? pick(connIds) },
        { message: 'RequestCompleteConference', ThisDN: dn, ConnID: connId, TransferConnID: consult ?? pick(connIds) },
        { message: 'RequestAnswerCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestAnswerCall', ThisDN: dn, ConnID: connId },
        { message: 'RequestMakeCall', ThisDN: pick(['7001', '7002', '7003', 'trunk']), OtherDN: other, UserData: ud },
        { message: 'RequestMakeCall', ThisDN: pick(['7001', '7002', '7003', 'trunk']), OtherDN: other, UserData: ud },
        { message: 'RequestSingleStepTransfer', ThisDN: dn, ConnID: connId, OtherDN: other },
        { message: 'RequestRouteCall', ThisDN: dn, ConnID: connId, OtherDN: other, RouteType: pick(ROUTES) as never, Extensions: [['NO_ANSWER_TIMEOUT', pick([0, 2, 'x'])]] },
        { message: 'RequestAttachUserData', ThisDN: dn, ConnID: connId, UserData: ud },
        { message: 'RequestUpdateUserData', ThisDN: dn, ConnID: connId, UserData: ud },
        { message: 'RequestDeletePair', ThisDN: dn, ConnID: connId, Key: 'k1' },
        { message: 'RequestDeleteUserData', ThisDN: dn, ConnID: connId },
        { message: 'RequestDistributeUserEvent', ThisDN: dn, UserData: ud },
      ];
      const req = { ...pick(reqs), ReferenceID: step + 1 } as TlibRequest;
      let effects;
      try {
        effects = core.request(pick(clients), req, now);
      } catch (e) {
        assert.fail(`step ${step} ${JSON.stringify(req)} threw ${(e as Error).stack}`);
      }
      apply(effects);
      // Index consistency: every party of every live call lists the call on its DN.
      for (const c of connIds) {
        const call = core.call(c);
        if (!call) continue;
        assert.ok(call.parties.size > 0, `call ${c} has no parties after ${JSON.stringify(req)}`);
        for (const p of call.parties.values()) assert.ok(core.callsOn(p.dn).includes(c), `${p.dn} does not list ${c} after ${JSON.stringify(req)}`);
        assert.equal(call.offers.size, 0, `the emulated switch rings at once: call ${c} has offers left after ${JSON.stringify(req)}`);
      }
      // Every ended call was ended at the switch too (the core sends `end`).
      assert.ok(sw.callCount <= core.callCount, `the switch holds ${sw.callCount} calls, the core ${core.callCount}, after ${JSON.stringify(req)}`);
    }
  });
}
