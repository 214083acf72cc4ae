/**
 * The knowledge-worker machine: `stepKw(state, input, config, now) → { state, effects }`, pure
 * (ARCHITECTURE.md "functional core"). No I/O and no timers of its own: timers are effects the
 * shell runs on the Clock and that come back as `{ type: 'timer' }` inputs.
 *
 * Each step applies the input, then reconciles: it derives the agent state the connector wants
 * ({@link desiredAgent}) and the presence it wants published ({@link desiredPublication}), compares
 * them with what the T-Server and the UC platform confirmed, and emits at most one T-Lib request
 * (one request in flight per KW, so replies and failures are unambiguous) and at most one publish.
 * A request that fails or gets no reply is retried with backoff, and a restart or a T-Server
 * reconnection re-registers the DN and resyncs from the current presence: no KW stays stuck.
 * docs/connector.md lists every rule with its seed source and its test.
 */
import { kvEquals } from '../tlib/messages/kv-list.ts';
import type { KvList } from '../tlib/messages/kv-list.ts';
import type { AgentWorkMode, TlibEvent } from '../tlib/index.ts';
import { TErr } from '../tlib/error-codes.ts';
import { availabilityFromMsPresCode } from '../presence/availability.ts';
import { applyNotePolicy } from '../presence/note-policy.ts';
import { isStalePresence, presenceStateEquals } from '../presence/presence.ts';
import type { Presence } from '../presence/presence.ts';
import type { KwConfig } from './kw-config.ts';
import { KW_UCC_AUTO_STATE, KW_UC_NOTE, KW_UC_STATUS, mapPresence } from './presence-mapping.ts';
import type { AgentTarget, MappingRule } from './presence-mapping.ts';
import { copyKwState, transitionRegistration } from './kw-state.ts';
import type { AutoStateKind, ConfirmedAgent, KwEffect, KwInput, KwState, KwStep, KwTimerName, KwTlibRequest, Publication } from './kw-state.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type S = Mutable<KwState>;

/** Reasons of a connector-made NotReady (connector DND or an auto-state). */
export function autoStateReasons(kind: AutoStateKind | 'connector-dnd'): KvList {
  const status = kind === 'preview-timeout' ? 'notready' : 'dnd';
  return [[KW_UC_STATUS, status], [KW_UC_NOTE, ''], [KW_UCC_AUTO_STATE, kind]];
}

/**
 * The agent state the connector wants, or null when it leaves the agent as the T-Server has it.
 * In order: presence connector mode never drives agents; a KW no longer monitored is logged out;
 * connector DND; an auto-state; a custom state the KW selected from the menu (held until the presence
 * changes, seed 000 4.12); after an auto-state or a selected state was ended by someone else's agent
 * request, the T-Server is followed until the presence changes; during ACW / legal guard the Genesys state is
 * kept (seed 000 4.4); otherwise the mapped presence (logged in, state left to the T-Server, while no
 * presence is known: seed 000 requirement 17).
 */
export function desiredAgent(s: KwState, config: KwConfig): AgentTarget | null {
  return desire(s, config).target;
}

/** {@link desiredAgent} with the mapping rule when the presence decided it (for the request's log line). */
function desire(s: KwState, config: KwConfig): { target: AgentTarget | null; rule?: MappingRule } {
  if (config.syncMode === 'push') return { target: null };
  if (!s.monitoring) return { target: { state: 'LoggedOut' } };
  if (s.connectorDnd) return { target: { state: 'NotReady', reasons: autoStateReasons('connector-dnd') } };
  if (s.autoState) return { target: { state: 'NotReady', reasons: autoStateReasons(s.autoState) } };
  if (s.selected) return { target: s.selected };
  if (s.followTServer || s.acw !== 'none') return { target: null };
  if (!s.presence) return { target: { state: 'LoggedIn' } };
  const m = mapPresence(s.presence, config);
  return { target: m.target ?? { state: 'LoggedIn' }, rule: m.rule };
}

/**
 * What the connector wants published on the KW's behalf (null: nothing; the KW's own presence
 * shows). Push on-call status wins over ACW, ACW over legal guard, and those over presence
 * connector mode's agent-state publication.
 */
export function desiredPublication(s: KwState, config: KwConfig): Publication | null {
  if (!s.monitoring || s.contact === null) return null;
  if (config.pushOnCallStatus && s.calls.length > 0) return { code: config.onCallStatus, note: null, reason: 'on-call' };
  if (s.acw === 'acw') return { code: config.acwStatus, note: config.acwNote, reason: 'acw' };
  if (s.acw === 'legal-guard') return { code: config.lgStatus, note: config.lgNote, reason: 'legal-guard' };
  if (config.syncMode === 'push') {
    if (s.confirmed.state === 'Ready') return { code: config.readyStatus, note: null, reason: 'agent-state' };
    if (s.confirmed.state === 'NotReady') return { code: config.notReadyStatus, note: null, reason: 'agent-state' };
  }
  return null;
}

/** True when the T-Server's confirmed state satisfies a target. */
export function agentMatches(confirmed: ConfirmedAgent, target: AgentTarget): boolean {
  switch (target.state) {
    case 'LoggedOut':
      return confirmed.state === 'LoggedOut';
    case 'LoggedIn':
      return confirmed.state === 'Ready' || confirmed.state === 'NotReady';
    default:
      return confirmed.state === target.state && kvEquals(confirmed.reasons, target.reasons) && (target.workMode === undefined || confirmed.workMode === target.workMode);
  }
}

/** True when `p` is the UC platform echoing the connector's own publication back. */
export function isEchoOf(p: Presence, pub: Publication): boolean {
  const sameAvailability = p.availabilityCode === pub.code || p.availability === availabilityFromMsPresCode(pub.code, { below3000: 'online' });
  return sameAvailability && (pub.note === null || (p.note?.text ?? null) === pub.note);
}

/** Backoff before retry `failures` (1-based): initial × 2^(n-1), capped. */
export function retryDelay(config: KwConfig, failures: number): number {
  return Math.min(config.retryMaxMs, config.retryInitialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** Applies one input, then reconciles. Never throws on unexpected input: it is ignored (and logged when odd). */
export function stepKw(state: KwState, input: KwInput, config: KwConfig, now: number): KwStep {
  const fx: KwEffect[] = [];
  const s: S = copyKwState(state);
  apply(s, input, config, fx);
  reconcile(s, config, now, fx);
  return { state: s, effects: fx };
}

function apply(s: S, input: KwInput, config: KwConfig, fx: KwEffect[]): void {
  switch (input.type) {
    case 'autoRegister':
      s.autoRegistered = true;
      activate(s, fx);
      return;
    case 'sessionOpened':
      s.sessions += 1;
      activate(s, fx);
      return;
    case 'sessionClosed':
      if (s.sessions > 0) s.sessions -= 1;
      if (s.sessions === 0 && !s.autoRegistered && s.monitoring && !s.unregisterPending) {
        s.unregisterPending = true;
        fx.push({ type: 'startTimer', name: 'unregister', ms: config.userUnregisterTimeoutMs });
      }
      return;
    case 'presence':
      onPresence(s, input.presence, fx);
      return;
    case 'tlibEvent':
      onEvent(s, input.event, config, fx);
      return;
    case 'requestFailed':
      onRequestFailed(s, input, config, fx);
      return;
    case 'linkDisconnected':
      onLinkDown(s, fx);
      return;
    case 'linkConnected':
      s.linkUp = true;
      return;
    case 'connectorDnd':
      if (input.on === s.connectorDnd) return;
      s.connectorDnd = input.on;
      // "Available to the Contact Center" again: regular mapping resumes (seed 003), auto-states and a selected state end.
      if (!input.on) {
        endAutoState(s, fx);
        s.selected = null;
      }
      return;
    case 'selectState':
      // The KW's own choice: it ends an auto-state (seed 003: after a redirect the KW "sets status
      // ready") and stands until the presence changes (seed 000 L1518-1520: presence updates override it).
      if (!s.monitoring) return;
      endAutoState(s, fx);
      s.selected = input.target;
      return;
    case 'autoState':
      if (s.autoState === 'preview-reject' && input.kind !== 'preview-reject') fx.push({ type: 'cancelTimer', name: 'auto-state' });
      s.autoState = input.kind;
      s.followTServer = false;
      s.selected = null;
      if (input.kind === 'preview-reject') fx.push({ type: 'startTimer', name: 'auto-state', ms: config.dndOffTimeoutMs });
      return;
    case 'autoStateEnd':
      endAutoState(s, fx);
      return;
    case 'optionsChanged':
      return;
    case 'timer':
      onTimer(s, input.name, fx);
      return;
  }
}

function activate(s: S, fx: KwEffect[]): void {
  s.monitoring = true;
  if (s.unregisterPending) {
    s.unregisterPending = false;
    fx.push({ type: 'cancelTimer', name: 'unregister' });
  }
  if (s.contact !== null && !s.ucSubscribed) {
    s.ucSubscribed = true;
    fx.push({ type: 'ucSubscribe' });
  }
}

function endAutoState(s: S, fx: KwEffect[]): void {
  if (s.autoState === 'preview-reject') fx.push({ type: 'cancelTimer', name: 'auto-state' });
  s.autoState = null;
  s.followTServer = false;
}

function onTimer(s: S, name: KwTimerName, fx: KwEffect[]): void {
  if (name === 'auto-state') {
    // dnd-off-timeout over: back to the current presence (seed 003, Table 5 "declines a preview").
    if (s.autoState !== 'preview-reject') return;
    s.autoState = null;
    s.followTServer = false;
    fx.push({ type: 'log', level: 'info', msg: 'dnd-off-timeout expired; resyncing to the current presence', fields: { userName: s.userName } });
  } else if (name === 'unregister') {
    if (!s.unregisterPending) return;
    s.unregisterPending = false;
    if (s.sessions > 0 || s.autoRegistered) return;
    s.monitoring = false;
    s.selected = null;
    if (s.autoState === 'preview-reject') fx.push({ type: 'cancelTimer', name: 'auto-state' });
    s.autoState = null;
    if (s.ucSubscribed) {
      s.ucSubscribed = false;
      fx.push({ type: 'ucUnsubscribe' });
    }
  } else if (name === 'retry') {
    s.retryPending = false;
    s.awaitingLoginState = false;
  }
}

function onPresence(s: S, p: Presence, fx: KwEffect[]): void {
  if (s.presence && isStalePresence(s.presence, p)) {
    s.staleDropped += 1;
    fx.push({ type: 'metric', name: 'presence-stale-dropped', value: 1 });
    fx.push({ type: 'log', level: 'debug', msg: 'stale presence dropped', fields: { userName: s.userName, applied: s.presence.version, incoming: p.version } });
    return;
  }
  if (s.published && isEchoOf(p, s.published)) {
    s.echoesIgnored += 1;
    fx.push({ type: 'metric', name: 'presence-echo-ignored', value: 1 });
    return;
  }
  const changed = s.presence === null || !presenceStateEquals(s.presence, p);
  s.presence = p;
  if (!changed) return;
  s.followTServer = false;
  s.selected = null;
  if (s.autoState === 'preview-timeout') s.autoState = null;
  // seed 000 F9.5: a failed registration is retried when the KW's presence changes.
  if (s.retryPending && s.failures > 0) {
    s.retryPending = false;
    fx.push({ type: 'cancelTimer', name: 'retry' });
  }
}

function sameDn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function acwOf(workMode: AgentWorkMode | undefined): KwState['acw'] {
  return workMode === 'AfterCallWork' ? 'acw' : workMode === 'LegalGuard' ? 'legal-guard' : 'none';
}

function onEvent(s: S, e: TlibEvent, config: KwConfig, fx: KwEffect[]): void {
  if (e.message === 'EventLinkDisconnected') return onLinkDown(s, fx);
  if (e.message === 'EventLinkConnected') {
    s.linkUp = true;
    return;
  }
  if (!('ThisDN' in e) || typeof e.ThisDN !== 'string' || !sameDn(e.ThisDN, s.dn)) return;
  const pending = s.pending;
  switch (e.message) {
    case 'EventRegistered': {
      if (pending?.message === 'RequestRegisterAddress') settle(s);
      if (s.registration === 'Unregistered') s.registration = transitionRegistration(s.registration, 'Registering');
      if (s.registration !== 'Registered') s.registration = transitionRegistration(s.registration, 'Registered');
      const state = e.AgentState ?? 'LoggedOut';
      s.confirmed = { state, workMode: e.AgentWorkMode ?? null, reasons: [] };
      s.acw = state === 'NotReady' ? acwOf(e.AgentWorkMode) : 'none';
      return;
    }
    case 'EventUnregistered':
      if (pending?.message === 'RequestUnregisterAddress') settle(s);
      if (s.registration !== 'Unregistered') s.registration = transitionRegistration(s.registration, 'Unregistered');
      s.confirmed = { state: 'Unknown', workMode: null, reasons: [] };
      return;
    case 'EventAgentLogin':
    case 'EventAgentLogout':
    case 'EventAgentReady':
    case 'EventAgentNotReady': {
      const ours = e.ReferenceID !== undefined && pending !== null && pending.target !== null;
      const state = e.message === 'EventAgentLogout' ? 'LoggedOut' : e.message === 'EventAgentReady' ? 'Ready' : 'NotReady';
      let reasons: KvList = e.Reasons ?? [];
      let workMode = state === 'LoggedOut' ? null : e.AgentWorkMode ?? null;
      if (ours && pending.target && (pending.target.state === 'Ready' || pending.target.state === 'NotReady')) {
        reasons = pending.target.reasons;
        // Our request's own reply confirms the work mode asked for (a T-Server that does not echo it must not cause a request loop).
        if (pending.target.workMode !== undefined && state === pending.target.state) workMode = pending.target.workMode;
      }
      s.confirmed = { state, workMode, reasons };
      s.acw = state === 'NotReady' && e.message === 'EventAgentNotReady' ? acwOf(e.AgentWorkMode) : 'none';
      if (ours) {
        settle(s);
        if (e.message === 'EventAgentLogin') {
          // The T-Server follows with the initial Ready/NotReady (no ReferenceID); wait for it, but
          // never longer than retryInitialMs, so a T-Server that sends none cannot block the KW.
          s.awaitingLoginState = true;
          s.retryPending = true;
          fx.push({ type: 'startTimer', name: 'retry', ms: config.retryInitialMs });
        }
        return;
      }
      if (s.awaitingLoginState) {
        s.awaitingLoginState = false;
        s.retryPending = false;
        fx.push({ type: 'cancelTimer', name: 'retry' });
        // The T-Server's initial Ready/NotReady after our login: not someone else's change.
        if (e.message !== 'EventAgentLogin' && e.message !== 'EventAgentLogout') return;
      }
      if (s.autoState !== null && e.message !== 'EventAgentLogin' && s.acw === 'none') {
        // seed 000 (dnd-off-timeout note): an agent-state event from the T-Server cancels the timer.
        fx.push({ type: 'log', level: 'info', msg: 'auto-state ended by an agent-state change from the T-Server', fields: { userName: s.userName, autoState: s.autoState, event: e.message } });
        if (s.autoState === 'preview-reject') fx.push({ type: 'cancelTimer', name: 'auto-state' });
        s.autoState = null;
        s.followTServer = true;
      }
      if (s.selected !== null && e.message !== 'EventAgentLogin') {
        // Someone else (a supervisor, the T-Server ending ACW) changed the agent: follow the T-Server
        // rather than fight it, until the presence changes.
        fx.push({ type: 'log', level: 'info', msg: 'selected state ended by an agent-state change from the T-Server', fields: { userName: s.userName, event: e.message } });
        s.selected = null;
        s.followTServer = true;
      }
      return;
    }
    case 'EventEstablished':
      if (!s.calls.includes(e.ConnID)) s.calls = [...s.calls, e.ConnID];
      return;
    case 'EventReleased':
    case 'EventAbandoned':
      s.calls = s.calls.filter((c) => c !== e.ConnID);
      return;
    default:
      return;
  }
}

/** The pending request succeeded. */
function settle(s: S): void {
  s.pending = null;
  s.failures = 0;
}

function onLinkDown(s: S, fx: KwEffect[]): void {
  s.linkUp = false;
  s.pending = null;
  s.registration = 'Unregistered';
  s.confirmed = { state: 'Unknown', workMode: null, reasons: [] };
  s.awaitingLoginState = false;
  s.calls = [];
  s.failures = 0;
  if (s.retryPending && s.failures > 0) {
    s.retryPending = false;
    fx.push({ type: 'cancelTimer', name: 'retry' });
  }
}

function onRequestFailed(s: S, input: Extract<KwInput, { type: 'requestFailed' }>, config: KwConfig, fx: KwEffect[]): void {
  const pending = s.pending;
  if (!pending || pending.requestId !== input.requestId) return;
  s.pending = null;
  s.awaitingLoginState = false;
  s.failures += 1;
  fx.push({ type: 'metric', name: 'tlib-request-failed', value: 1 });
  fx.push({ type: 'log', level: 'warn', msg: 'T-Lib request failed', fields: { userName: s.userName, dn: s.dn, request: pending.message, errorCode: input.errorCode, error: input.message, failures: s.failures } });
  let learned = false;
  switch (pending.message) {
    case 'RequestRegisterAddress':
      s.registration = transitionRegistration(s.registration, 'Unregistered');
      break;
    case 'RequestUnregisterAddress':
      s.registration = input.errorCode === TErr.TERR_NOT_REGISTERED ? 'Unregistered' : 'Registered';
      learned = input.errorCode === TErr.TERR_NOT_REGISTERED;
      break;
    default:
      // What the error tells about the real agent state: act on it at once instead of waiting.
      if (input.errorCode === TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN) {
        s.confirmed = { state: 'LoggedOut', workMode: null, reasons: [] };
        learned = true;
      } else if (input.errorCode === TErr.TERR_SOFT_AGENT_ALREADY_LOGGED_IN) {
        s.confirmed = { state: 'NotReady', workMode: null, reasons: [] };
        learned = true;
      } else if (input.errorCode === TErr.TERR_NOT_REGISTERED) {
        s.registration = 'Unregistered';
        learned = true;
      } else if (input.errorCode === TErr.TERR_IN_SAME_STATE && pending.target) {
        const t = pending.target;
        s.confirmed = t.state === 'LoggedOut' ? { state: 'LoggedOut', workMode: null, reasons: [] } : t.state === 'LoggedIn' ? { ...s.confirmed, state: 'NotReady' } : { state: t.state, workMode: null, reasons: t.reasons };
        s.failures = 0;
        return;
      }
  }
  // Learned something: retry at once, but only for a few rounds in a row, then back off.
  if (learned && s.failures < 3) return;
  s.retryPending = true;
  fx.push({ type: 'startTimer', name: 'retry', ms: retryDelay(config, s.failures) });
}

function agentRequest(s: KwState, target: AgentTarget, config: KwConfig): { request: KwTlibRequest; target: AgentTarget } | null {
  if (target.state === 'LoggedOut') return { request: { message: 'RequestAgentLogout', ThisDN: s.dn, AgentID: s.agentId }, target };
  if (s.confirmed.state === 'LoggedOut' || s.confirmed.state === 'Unknown') {
    const login: KwTlibRequest = {
      message: 'RequestAgentLogin', ThisDN: s.dn, AgentID: s.agentId,
      ...(config.loginQueue ? { ThisQueue: config.loginQueue } : {}),
      ...(s.place ? { Place: s.place } : {}),
    };
    return { request: login, target: { state: 'LoggedIn' } };
  }
  if (target.state === 'LoggedIn') return null;
  const message = target.state === 'Ready' ? 'RequestAgentReady' : 'RequestAgentNotReady';
  const request: KwTlibRequest = {
    message, ThisDN: s.dn, AgentID: s.agentId, Reasons: target.reasons,
    ...(target.workMode !== undefined ? { AgentWorkMode: target.workMode } : {}),
    ...(target.extensions !== undefined && target.extensions.length > 0 ? { Extensions: target.extensions } : {}),
  };
  return { request, target };
}

function send(s: S, request: KwTlibRequest, target: AgentTarget | null, now: number, fx: KwEffect[]): void {
  const requestId = s.nextRequestId;
  s.nextRequestId += 1;
  s.pending = { requestId, message: request.message, target, sentAt: now };
  fx.push({ type: 'tlibRequest', requestId, request });
}

function reconcile(s: S, config: KwConfig, now: number, fx: KwEffect[]): void {
  if (s.linkUp && s.pending === null && !s.retryPending) {
    if (s.monitoring && s.registration === 'Unregistered') {
      s.registration = transitionRegistration(s.registration, 'Registering');
      send(s, { message: 'RequestRegisterAddress', ThisDN: s.dn }, null, now, fx);
    } else if (s.registration === 'Registered') {
      const { target: want, rule } = desire(s, config);
      const req = want && !agentMatches(s.confirmed, want) ? agentRequest(s, want, config) : null;
      if (req) {
        send(s, req.request, req.target, now, fx);
        fx.push({ type: 'log', level: 'debug', msg: 'agent state request', fields: { userName: s.userName, request: req.request.message, rule, autoState: s.autoState, connectorDnd: s.connectorDnd, selected: s.selected !== null } });
      } else if (!s.monitoring) {
        s.registration = transitionRegistration(s.registration, 'Unregistering');
        send(s, { message: 'RequestUnregisterAddress', ThisDN: s.dn }, null, now, fx);
      }
    }
  }
  publishIfChanged(s, config, now, fx);
}

function publishIfChanged(s: S, config: KwConfig, now: number, fx: KwEffect[]): void {
  let want = desiredPublication(s, config);
  if (want?.note) {
    const r = applyNotePolicy(want.note, config.notePolicy);
    if (!r.ok) {
      fx.push({ type: 'log', level: 'warn', msg: 'presence note not published: it holds & or < (presence-note-policy reject)', fields: { userName: s.userName, note: want.note } });
      want = { ...want, note: null };
    } else want = { ...want, note: r.value };
  }
  const cur = s.published;
  if (cur === null && want === null) return;
  if (cur && want && cur.code === want.code && cur.note === want.note && cur.reason === want.reason) return;
  s.published = want;
  fx.push({ type: 'publish', presence: want ? publicationPresence(s, want, now) : null, reason: want ? want.reason : 'restore' });
}

/** The Presence the connector publishes for a publication. */
export function publicationPresence(s: KwState, pub: Publication, now: number): Presence {
  return {
    uri: s.contact ?? '',
    availability: availabilityFromMsPresCode(pub.code, { below3000: 'online' }),
    availabilityCode: pub.code,
    activity: pub.reason === 'on-call' ? { token: 'on-the-phone', text: null } : null,
    note: pub.note ? { text: pub.note, kind: 'personal', lang: null } : null,
    device: null,
    source: s.presence?.source ?? 'standalone',
    version: { publishedAt: now, sequence: null, instance: null },
    observedAt: now,
    basic: 'open',
    lastActive: null,
  };
}
