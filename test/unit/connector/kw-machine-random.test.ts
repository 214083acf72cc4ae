/**
 * Seeded random input sequences: the machine never throws, never loses a request in flight,
 * and, once the inputs stop and its timers have run against an answering T-Server, always ends with
 * the agent in the state it wants (no KW stays stuck).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KwHarness, presence } from './support/kw-harness.ts';
import { agentMatches, desiredAgent, desiredPublication } from '../../../src/connector/kw-machine.ts';
import type { KwInput } from '../../../src/connector/kw-state.ts';
import { prng as rng } from '../../support/prng.ts';


const codes = [1000, 3500, 4500, 6500, 7500, 9500, 12500, 15500, 18500];
const errors = [null, 41, 43, 52, 1706, 1707];
const messages = ['RequestRegisterAddress', 'RequestAgentLogin', 'RequestAgentReady', 'RequestAgentNotReady', 'RequestAgentLogout', 'RequestUnregisterAddress'];

for (let seed = 1; seed <= 40; seed++) {
  test(`random sequence ${seed}: no throw, no request lost, converges once quiet`, () => {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const h = new KwHarness({ pushOnCallStatus: r() < 0.5, syncMode: r() < 0.15 ? 'push' : 'pull' });
    let publishedAt = 1000;
    for (let i = 0; i < 200; i++) {
      if (r() < 0.1) h.failNext = { message: pick(messages), code: pick(errors) };
      const x = r();
      let input: KwInput;
      if (x < 0.3) input = { type: 'presence', presence: presence(pick(codes), { publishedAt: (publishedAt += r() < 0.1 ? -500 : 100), note: r() < 0.2 ? 'I am busy' : undefined }) };
      else if (x < 0.38) input = { type: 'connectorDnd', on: r() < 0.5 };
      else if (x < 0.46) input = { type: 'autoState', kind: pick(['preview-reject', 'preview-timeout', 'preview-redirect'] as const) };
      else if (x < 0.5) input = { type: 'autoStateEnd' };
      else if (x < 0.56) input = { type: pick(['sessionOpened', 'sessionClosed', 'autoRegister'] as const) };
      else if (x < 0.62) input = { type: pick(['linkDisconnected', 'linkConnected'] as const) };
      else if (x < 0.7) {
        h.external({ message: pick(['EventAgentReady', 'EventAgentNotReady', 'EventAgentLogout']), AgentWorkMode: pick(['Unknown', 'AfterCallWork', 'LegalGuard', 'AuxWork']) });
        continue;
      } else if (x < 0.76) {
        h.external({ message: pick(['EventEstablished', 'EventReleased']), ConnID: pick(['00000000000000a1', '00000000000000a2']) });
        continue;
      } else if (x < 0.85 && h.timers.size > 0) {
        h.fire(pick([...h.timers.keys()]));
        continue;
      } else if (x < 0.93) {
        input = { type: 'selectState', target: pick([{ state: 'Ready', reasons: [] }, { state: 'NotReady', reasons: [['ReasonCode', 'Lunch']], workMode: 'AuxWork' }, { state: 'NotReady', reasons: [], extensions: [['Code', '1']] }] as const) };
      } else input = { type: 'optionsChanged' };
      h.input(input);
      // The scripted T-Server answers (or fails) every request at once: nothing may stay in flight.
      assert.equal(h.state.pending, null, `step ${i} (${input.type}) left a request in flight`);
    }
    // Quiet: the link is up, the T-Server answers everything, timers run out.
    h.failNext = undefined;
    h.input({ type: 'linkConnected' });
    for (let n = 0; n < 50 && h.timers.size > 0; n++) {
      h.fire(h.timers.has('retry') ? 'retry' : [...h.timers.keys()][0]!);
    }
    const s = h.state;
    assert.equal(s.pending, null, 'nothing left in flight');
    assert.equal(s.retryPending, false);
    if (s.monitoring) assert.equal(s.registration, 'Registered', 'a monitored KW ends registered');
    const want = desiredAgent(s, h.config);
    if (want && s.registration === 'Registered') assert.ok(agentMatches(s.confirmed, want), `confirmed ${JSON.stringify(s.confirmed)} wants ${JSON.stringify(want)}`);
    if (!s.monitoring) assert.equal(s.registration, 'Unregistered', 'an unmonitored KW ends unregistered');
    const pub = desiredPublication(s, h.config);
    assert.deepEqual(s.published === null ? null : { code: s.published.code, reason: s.published.reason }, pub === null ? null : { code: pub.code, reason: pub.reason });
  });
}
