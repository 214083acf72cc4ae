/**
 * The KW machine, one row per rule (docs/connector.md lists the same rules). Each row drives the
 * pure machine against the scripted T-Server of support/kw-harness.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KwHarness, presence, requests, publishes, DN } from './support/kw-harness.ts';
import { KW_REGISTRATION_TRANSITIONS, transitionRegistration, type KwRegistration } from '../../../src/connector/kw-state.ts';
import { retryDelay, stepKw } from '../../../src/connector/kw-machine.ts';
import { defaultKwConfig } from '../../../src/connector/kw-config.ts';
import { TErr } from '../../../src/tlib/error-codes.ts';
import { toKnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';

interface Row {
  rule: string;
  run: () => void;
}

const lifecycle: Row[] = [
  {
    rule: 'KW login registers the DN, subscribes to UC presence and logs the agent in with login-queue',
    run: () => {
      const h = new KwHarness({ loginQueue: 'Q1' });
      const fx = h.input({ type: 'sessionOpened' });
      assert.deepEqual(fx.filter((e) => e.type === 'ucSubscribe').length, 1);
      assert.deepEqual(requests(fx), ['RequestRegisterAddress', 'RequestAgentLogin']);
      const login = fx.find((e) => e.type === 'tlibRequest' && e.request.message === 'RequestAgentLogin');
      assert.ok(login?.type === 'tlibRequest' && login.request.message === 'RequestAgentLogin');
      assert.equal(login.request.ThisQueue, 'Q1');
      assert.equal(h.state.registration, 'Registered');
      assert.equal(h.state.confirmed.state, 'NotReady', 'initial state decided by the T-Server, not changed while no presence is known');
    },
  },
  {
    rule: 'no login-queue configured → RequestAgentLogin carries no ThisQueue',
    run: () => {
      const h = new KwHarness();
      const fx = h.input({ type: 'sessionOpened' });
      const login = fx.find((e) => e.type === 'tlibRequest' && e.request.message === 'RequestAgentLogin');
      assert.ok(login?.type === 'tlibRequest' && !('ThisQueue' in login.request));
    },
  },
  {
    rule: 'user-auto-registration registers every KW at start without a session',
    run: () => {
      const h = new KwHarness();
      const fx = h.input({ type: 'autoRegister' });
      assert.deepEqual(requests(fx), ['RequestRegisterAddress', 'RequestAgentLogin']);
      h.input({ type: 'sessionOpened' });
      assert.deepEqual(requests(h.input({ type: 'sessionClosed' })), []);
      assert.equal(h.timers.has('unregister'), false, 'auto-registered KWs are never unregistered for closed sessions');
    },
  },
  {
    rule: 'user-unregister-timeout: the DN is unregistered (agent logged out first) after the last session closes',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { userUnregisterTimeoutMs: 60_000 });
      h.input({ type: 'sessionOpened' });
      h.input({ type: 'sessionClosed' });
      assert.equal(h.timers.has('unregister'), false, 'one session is still open');
      h.input({ type: 'sessionClosed' });
      assert.equal(h.timers.get('unregister'), h.now + 60_000);
      const fx = h.fire('unregister');
      assert.deepEqual(requests(fx), ['RequestAgentLogout', 'RequestUnregisterAddress']);
      assert.equal(fx.filter((e) => e.type === 'ucUnsubscribe').length, 1);
      assert.equal(h.state.registration, 'Unregistered');
      assert.equal(h.state.monitoring, false);
    },
  },
  {
    rule: 'a new session inside user-unregister-timeout cancels the unregistration',
    run: () => {
      const h = KwHarness.loggedIn();
      h.input({ type: 'sessionClosed' });
      const fx = h.input({ type: 'sessionOpened' });
      assert.ok(fx.some((e) => e.type === 'cancelTimer' && e.name === 'unregister'));
      assert.equal(h.timers.has('unregister'), false);
      assert.deepEqual(requests(fx), []);
    },
  },
  {
    rule: 'a failed registration (busy DN) is retried on the retry timer',
    run: () => {
      const h = new KwHarness({ retryInitialMs: 1000 });
      h.failNext = { message: 'RequestRegisterAddress', code: TErr.TERR_INVALID_STATE };
      const fx = h.input({ type: 'autoRegister' });
      assert.deepEqual(requests(fx), ['RequestRegisterAddress']);
      assert.equal(h.state.registration, 'Unregistered');
      assert.equal(h.timers.get('retry'), h.now + 1000);
      assert.deepEqual(requests(h.fire('retry')), ['RequestRegisterAddress', 'RequestAgentLogin']);
      assert.equal(h.state.registration, 'Registered');
    },
  },
  {
    rule: 'a failed registration is retried at once when the KW presence changes (seed 000 F9.5)',
    run: () => {
      const h = new KwHarness({ retryInitialMs: 30_000 });
      h.failNext = { message: 'RequestRegisterAddress', code: TErr.TERR_INVALID_STATE };
      h.input({ type: 'autoRegister' });
      const fx = h.input({ type: 'presence', presence: presence(3500) });
      assert.deepEqual(requests(fx), ['RequestRegisterAddress', 'RequestAgentLogin', 'RequestAgentReady(ready)']);
      assert.equal(h.timers.has('retry'), false);
    },
  },
  {
    rule: 'after our login the T-Server initial state is awaited, but at most retryInitialMs (a T-Server that sends none cannot block the KW)',
    run: () => {
      const h = new KwHarness({ retryInitialMs: 500 });
      h.loginFollowUp = false;
      h.input({ type: 'sessionOpened' });
      const fx = h.input({ type: 'presence', presence: presence(6500) });
      assert.deepEqual(requests(fx), [], 'waiting for the initial state');
      assert.equal(h.timers.get('retry'), h.now + 500);
      assert.deepEqual(requests(h.fire('retry')), ['RequestAgentNotReady(busy)']);
    },
  },
];

const mapping: Row[] = [
  {
    rule: 'presence Online → RequestAgentReady with KW_UC_STATUS ready and KW_UC_NOTE',
    run: () => {
      const h = KwHarness.loggedIn(null);
      const fx = h.input({ type: 'presence', presence: presence(3500, { note: 'hi' }) });
      const r = fx.find((e) => e.type === 'tlibRequest');
      assert.ok(r?.type === 'tlibRequest' && r.request.message === 'RequestAgentReady');
      assert.deepEqual(r.request.Reasons, [['KW_UC_STATUS', 'ready'], ['KW_UC_NOTE', 'hi']]);
      assert.equal(r.request.ThisDN, DN);
      assert.equal(h.state.confirmed.state, 'Ready');
    },
  },
  {
    rule: 'presence Offline → RequestAgentLogout; Online again → RequestAgentLogin then Ready',
    run: () => {
      const h = KwHarness.loggedIn();
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(18500) })), ['RequestAgentLogout']);
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), ['RequestAgentLogin', 'RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'a change of NotReady reason (busy → away) sends a new RequestAgentNotReady',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500));
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), ['RequestAgentNotReady(away)']);
    },
  },
  {
    rule: 'an unchanged presence (refresh) sends nothing',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500));
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500) })), []);
    },
  },
  {
    rule: 'options take effect immediately: a changed range list re-maps the current presence',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500));
      h.config = { ...h.config, agentStatusReady: [{ from: 0, to: 7000 }], agentStatusNotReady: [{ from: 7001, to: 17999 }] };
      assert.deepEqual(requests(h.input({ type: 'optionsChanged' })), ['RequestAgentReady(busy)']);
    },
  },
  {
    rule: 'presence connector mode (presence-sync-mode push): presence never drives the agent',
    run: () => {
      const h = KwHarness.loggedIn(null, { syncMode: 'push' });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(18500) })), []);
    },
  },
];

const dnd: Row[] = [
  {
    rule: 'connector DND on → NotReady (dnd, KW_UCC_AUTO_STATE connector-dnd), enterprise presence untouched',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      const fx = h.input({ type: 'connectorDnd', on: true });
      assert.deepEqual(requests(fx), ['RequestAgentNotReady(dnd)']);
      assert.deepEqual(publishes(fx), []);
      const r = fx.find((e) => e.type === 'tlibRequest');
      assert.ok(r?.type === 'tlibRequest' && r.request.message === 'RequestAgentNotReady');
      assert.deepEqual(r.request.Reasons, [['KW_UC_STATUS', 'dnd'], ['KW_UC_NOTE', ''], ['KW_UCC_AUTO_STATE', 'connector-dnd']]);
    },
  },
  {
    rule: 'connector DND: presence changes are not mapped while it is on',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'connectorDnd', on: true });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), []);
      assert.equal(h.state.presence?.availabilityCode, 15500, 'the presence is still recorded');
    },
  },
  {
    rule: 'connector DND off → resync to the current presence',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'connectorDnd', on: true });
      h.input({ type: 'presence', presence: presence(15500) });
      assert.deepEqual(requests(h.input({ type: 'connectorDnd', on: false })), ['RequestAgentNotReady(away)']);
    },
  },
];

const autoStates: Row[] = [
  {
    rule: 'preview-reject → NotReady (dnd) for dnd-off-timeout, then resync to the current presence',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { dndOffTimeoutMs: 300_000 });
      const fx = h.input({ type: 'autoState', kind: 'preview-reject' });
      assert.deepEqual(requests(fx), ['RequestAgentNotReady(dnd)']);
      assert.equal(h.timers.get('auto-state'), h.now + 300_000);
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500) })), [], 'presence not mapped during the auto-state');
      assert.deepEqual(requests(h.fire('auto-state')), ['RequestAgentNotReady(busy)']);
      assert.equal(h.state.autoState, null);
    },
  },
  {
    rule: 'preview-reject timer is cancelled by EventAgentReady from the T-Server, which is then followed until the presence changes',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      const fx = h.external({ message: 'EventAgentReady', AgentWorkMode: 'ManualIn' });
      assert.ok(fx.some((e) => e.type === 'cancelTimer' && e.name === 'auto-state'));
      assert.deepEqual(requests(fx), [], 'the external Ready is not fought');
      assert.equal(h.state.confirmed.state, 'Ready');
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), ['RequestAgentNotReady(away)']);
    },
  },
  {
    rule: 'preview-reject timer is cancelled by EventAgentNotReady from the T-Server',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      const fx = h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AuxWork' });
      assert.ok(fx.some((e) => e.type === 'cancelTimer' && e.name === 'auto-state'));
      assert.equal(h.state.autoState, null);
    },
  },
  {
    rule: 'preview-reject timer is cancelled by EventAgentLogout from the T-Server',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      const fx = h.external({ message: 'EventAgentLogout' });
      assert.ok(fx.some((e) => e.type === 'cancelTimer' && e.name === 'auto-state'));
      assert.deepEqual(requests(fx), []);
      assert.equal(h.state.confirmed.state, 'LoggedOut');
    },
  },
  {
    rule: 'the reply to our own auto-state request does not cancel the timer',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      assert.equal(h.state.autoState, 'preview-reject');
      assert.equal(h.timers.has('auto-state'), true);
    },
  },
  {
    rule: 'preview-timeout → NotReady (notready); ends at the next presence change',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      assert.deepEqual(requests(h.input({ type: 'autoState', kind: 'preview-timeout' })), ['RequestAgentNotReady(notready)']);
      assert.equal(h.timers.has('auto-state'), false, 'no dnd-off-timeout for a timeout');
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500, { note: 'back' }) })), ['RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'preview-redirect → NotReady (dnd) until the KW sets Ready (autoStateEnd); presence changes are not mapped',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      assert.deepEqual(requests(h.input({ type: 'autoState', kind: 'preview-redirect' })), ['RequestAgentNotReady(dnd)']);
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500, { note: 'x' }) })), []);
      assert.deepEqual(requests(h.input({ type: 'autoStateEnd' })), ['RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'a late auto-state timer (after the state ended) does nothing',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'autoState', kind: 'preview-reject' });
      h.input({ type: 'autoStateEnd' });
      assert.deepEqual(h.input({ type: 'timer', name: 'auto-state' }).filter((e) => e.type === 'tlibRequest'), []);
    },
  },
];

const push: Row[] = [
  {
    rule: 'enable-push-oncall-status: an established call publishes oncall-status; release restores the KW presence',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { pushOnCallStatus: true, onCallStatus: 6500 });
      const fx = h.external({ message: 'EventEstablished', ConnID: '00000000000000a1' });
      assert.deepEqual(publishes(fx), ['6500']);
      const pub = fx.find((e) => e.type === 'publish');
      assert.ok(pub?.type === 'publish' && pub.presence?.activity?.token === 'on-the-phone' && pub.presence.uri === 'sip:alice@example.test');
      assert.deepEqual(publishes(h.external({ message: 'EventReleased', ConnID: '00000000000000a1' })), ['restore']);
    },
  },
  {
    rule: 'push on-call disabled (default) → nothing is published',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      assert.deepEqual(publishes(h.external({ message: 'EventEstablished', ConnID: '00000000000000a1' })), []);
    },
  },
  {
    rule: 'the echo of our on-call publication is not mapped; after release the saved presence drives the agent',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { pushOnCallStatus: true });
      h.external({ message: 'EventEstablished', ConnID: '00000000000000a1' });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(9500) })), []);
      assert.equal(h.state.echoesIgnored, 1);
      assert.equal(h.state.presence?.availabilityCode, 3500);
      const fx = h.external({ message: 'EventReleased', ConnID: '00000000000000a1' });
      assert.deepEqual(publishes(fx), ['restore']);
      assert.deepEqual(requests(fx), []);
      assert.equal(h.state.confirmed.state, 'Ready');
    },
  },
  {
    rule: 'two calls: the on-call publication stays until the last is released',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { pushOnCallStatus: true });
      h.external({ message: 'EventEstablished', ConnID: '00000000000000a1' });
      assert.deepEqual(publishes(h.external({ message: 'EventEstablished', ConnID: '00000000000000a2' })), []);
      assert.deepEqual(publishes(h.external({ message: 'EventReleased', ConnID: '00000000000000a1' })), []);
      assert.deepEqual(publishes(h.external({ message: 'EventReleased', ConnID: '00000000000000a2' })), ['restore']);
    },
  },
  {
    rule: 'ACW: entering after-call work publishes presence-acw-status with presence-acw-note, and the agent state is kept',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      const fx = h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' });
      assert.deepEqual(publishes(fx), ['6500:Working after call']);
      assert.deepEqual(requests(fx), [], 'ACW is not overridden by the presence mapping');
    },
  },
  {
    rule: 'ACW → legal guard publishes presence-lg-status / presence-lg-note',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' });
      assert.deepEqual(publishes(h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'LegalGuard' })), ['6500:Statutory pause']);
    },
  },
  {
    rule: 'ACW exit restores the saved presence and sets the agent state mapped from it',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500));
      h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500, { note: 'Working after call' }) })), [], 'echo ignored');
      const fx = h.external({ message: 'EventAgentReady', AgentWorkMode: 'Unknown' });
      assert.deepEqual(publishes(fx), ['restore']);
      assert.deepEqual(requests(fx), ['RequestAgentNotReady(busy)']);
    },
  },
  {
    rule: 'ACW: a KW change in the UC client during ACW is mapped (ends ACW)',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' });
      const fx = h.input({ type: 'presence', presence: presence(15500) });
      assert.deepEqual(requests(fx), []);
      // The KW's Lync menu change reaches Genesys only when ACW ends: the seed keeps the Genesys state.
      assert.deepEqual(requests(h.external({ message: 'EventAgentReady' })), ['RequestAgentNotReady(away)']);
    },
  },
  {
    rule: 'notes with & or <: presence-note-policy reject publishes the status without the note (Lync 2010)',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500), { acwNote: 'Wrap & file', notePolicy: 'reject' });
      const fx = h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' });
      assert.deepEqual(publishes(fx), ['6500']);
      assert.ok(fx.some((e) => e.type === 'log' && e.level === 'warn'));
    },
  },
  {
    rule: 'notes with & or <: presence-note-policy strip removes them; escape (default) sends them as is for the codec to escape',
    run: () => {
      const s = KwHarness.loggedIn(presence(3500), { acwNote: 'Wrap & file <x>', notePolicy: 'strip' });
      assert.deepEqual(publishes(s.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' })), ['6500:Wrap file x>']);
      const e = KwHarness.loggedIn(presence(3500), { acwNote: 'Wrap & file' });
      assert.deepEqual(publishes(e.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' })), ['6500:Wrap & file']);
    },
  },
  {
    rule: 'presence connector mode: Ready publishes presence-ready-status, NotReady presence-notready-status, logout withdraws',
    run: () => {
      const h = new KwHarness({ syncMode: 'push' });
      h.input({ type: 'autoRegister' });
      assert.deepEqual(requests(h.take()), [], 'agents are not logged in by the connector in push mode');
      assert.deepEqual(publishes(h.external({ message: 'EventAgentLogin', AgentWorkMode: 'ManualIn' })), ['6500']);
      assert.deepEqual(publishes(h.external({ message: 'EventAgentReady' })), ['3500']);
      assert.deepEqual(publishes(h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AuxWork' })), ['6500']);
      assert.deepEqual(publishes(h.external({ message: 'EventAgentLogout' })), ['restore']);
    },
  },
];

const freshness: Row[] = [
  {
    rule: 'a presence older than the applied one (publishTime) is dropped and counted',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500, { publishedAt: 2000 }));
      const fx = h.input({ type: 'presence', presence: presence(18500, { publishedAt: 1000 }) });
      assert.deepEqual(requests(fx), []);
      assert.ok(fx.some((e) => e.type === 'metric' && e.name === 'presence-stale-dropped'));
      assert.equal(h.state.staleDropped, 1);
      assert.equal(h.state.presence?.availabilityCode, 3500);
    },
  },
  {
    rule: 'a presence with a lower version (same publish time and instance) is dropped',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500, { publishedAt: 2000, sequence: 5 }));
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500, { publishedAt: 2000, sequence: 4 }) })), []);
      assert.equal(h.state.staleDropped, 1);
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500, { publishedAt: 2000, sequence: 6 }) })), ['RequestAgentNotReady(busy)']);
    },
  },
  {
    rule: 'the view exposes the last applied presence, its observedAt and its age',
    run: () => {
      const h = KwHarness.loggedIn(presence(6500, { note: 'Call me', observedAt: 1_000 }));
      const v = toKnowledgeWorkerView(h.state, 4_000);
      assert.deepEqual(v.presence, { availability: 'busy', availabilityCode: 6500, activity: null, note: 'Call me', source: 'ms-pres', observedAt: new Date(1000).toISOString(), ageMs: 3000 });
      assert.equal(v.agentState, 'NotReady');
      assert.deepEqual(v.reasons, { KW_UC_STATUS: 'busy', KW_UC_NOTE: 'Call me' });
      assert.equal(v.connectorDnd, false);
      assert.equal(v.workMode, 'Unknown');
    },
  },
];

const recovery: Row[] = [
  {
    rule: 'T-Server reconnect (link down then up) re-registers the DN and resyncs from the current presence',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'linkDisconnected' });
      assert.equal(h.state.registration, 'Unregistered');
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500) })), [], 'nothing is sent while the link is down');
      h.tserver = { state: 'Ready', workMode: 'ManualIn' };
      assert.deepEqual(requests(h.input({ type: 'linkConnected' })), ['RequestRegisterAddress', 'RequestAgentNotReady(busy)']);
    },
  },
  {
    rule: 'EventLinkDisconnected / EventLinkConnected from the T-Server act like the link inputs',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'tlibEvent', event: { message: 'EventLinkDisconnected' } });
      assert.equal(h.state.linkUp, false);
      h.tserver = { state: 'LoggedOut', workMode: undefined };
      assert.deepEqual(requests(h.input({ type: 'tlibEvent', event: { message: 'EventLinkConnected' } })), ['RequestRegisterAddress', 'RequestAgentLogin', 'RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'connector restart: a fresh machine resyncs from EventRegistered and the current presence',
    run: () => {
      const h = new KwHarness();
      h.tserver = { state: 'NotReady', workMode: 'AuxWork' };
      h.input({ type: 'autoRegister' });
      assert.equal(h.state.confirmed.state, 'NotReady');
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), ['RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'a request without reply is retried with backoff (desired vs confirmed)',
    run: () => {
      const h = KwHarness.loggedIn(null, { retryInitialMs: 1000, retryMaxMs: 4000 });
      h.failNext = { message: 'RequestAgentReady', code: null };
      h.input({ type: 'presence', presence: presence(3500) });
      assert.equal(h.state.confirmed.state, 'NotReady');
      assert.equal(h.timers.get('retry'), h.now + 1000);
      assert.deepEqual(requests(h.fire('retry')), ['RequestAgentReady(ready)']);
      assert.equal(h.state.confirmed.state, 'Ready');
      assert.equal(h.state.failures, 0);
    },
  },
  {
    rule: 'EventError 1707 (agent not logged in) → log in again at once, then the wanted state',
    run: () => {
      const h = KwHarness.loggedIn(null);
      h.failNext = { message: 'RequestAgentReady', code: TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN };
      h.tserver = { state: 'LoggedOut', workMode: undefined };
      const fx = h.input({ type: 'presence', presence: presence(3500) });
      assert.deepEqual(requests(fx), ['RequestAgentReady(ready)', 'RequestAgentLogin', 'RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'EventError 1706 (already logged in) on login → the wanted Ready/NotReady is sent',
    run: () => {
      const h = new KwHarness();
      h.failNext = { message: 'RequestAgentLogin', code: TErr.TERR_SOFT_AGENT_ALREADY_LOGGED_IN };
      h.input({ type: 'sessionOpened' });
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), ['RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'EventError 41 (DN not registered) → register again',
    run: () => {
      const h = KwHarness.loggedIn(null);
      h.failNext = { message: 'RequestAgentReady', code: TErr.TERR_NOT_REGISTERED };
      const fx = h.input({ type: 'presence', presence: presence(3500) });
      assert.deepEqual(requests(fx), ['RequestAgentReady(ready)', 'RequestRegisterAddress', 'RequestAgentReady(ready)']);
    },
  },
  {
    rule: 'repeated failures back off exponentially up to the cap',
    run: () => {
      assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelay({ ...defaultKwConfig, retryInitialMs: 1000, retryMaxMs: 8000 }, n)), [1000, 2000, 4000, 8000, 8000, 8000]);
    },
  },
  {
    rule: 'a late failure for a request no longer pending is ignored',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      const before = h.state;
      const fx = h.input({ type: 'requestFailed', requestId: 1, errorCode: 52, message: 'late' });
      assert.deepEqual(fx, []);
      assert.equal(h.state.failures, before.failures);
    },
  },
  {
    rule: 'events for another DN are ignored',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.input({ type: 'tlibEvent', event: { message: 'EventAgentLogout', ThisDN: '9999' } });
      assert.equal(h.state.confirmed.state, 'Ready');
    },
  },
  {
    rule: 'one request in flight at a time: inputs during a pending request wait for its reply',
    run: () => {
      const h = KwHarness.loggedIn(presence(3500));
      h.autoReply = false;
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500) })), ['RequestAgentNotReady(busy)']);
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), []);
      const pending = h.state.pending;
      assert.ok(pending);
      h.autoReply = true;
      const fx = h.input({ type: 'tlibEvent', event: { message: 'EventAgentNotReady', ThisDN: DN, ReferenceID: 77, AgentWorkMode: 'Unknown' } });
      assert.deepEqual(requests(fx), ['RequestAgentNotReady(away)']);
    },
  },
];

for (const [name, rows] of Object.entries({ lifecycle, mapping, 'connector DND': dnd, 'preview auto-states': autoStates, 'push on-call, ACW and presence connector mode': push, 'ordering and freshness': freshness, 'restart, reconnect and retries': recovery })) {
  describe(name, () => {
    for (const r of rows) test(r.rule, r.run);
  });
}

describe('registration transition table', () => {
  const all: KwRegistration[] = ['Unregistered', 'Registering', 'Registered', 'Unregistering'];
  for (const from of all) {
    for (const to of all) {
      const legal = KW_REGISTRATION_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'legal' : 'refused'}`, () => {
        if (legal) assert.equal(transitionRegistration(from, to), to);
        else assert.throws(() => transitionRegistration(from, to), { code: 'UCC_ERR_STATE_TRANSITION' });
      });
    }
  }
});

test('stepKw never mutates the input state', () => {
  const h = KwHarness.loggedIn(presence(3500));
  const frozen = Object.freeze({ ...h.state });
  const step = stepKw(frozen, { type: 'presence', presence: presence(6500) }, h.config, 0);
  assert.notEqual(step.state, frozen);
  assert.equal(frozen.presence?.availabilityCode, 3500);
});
