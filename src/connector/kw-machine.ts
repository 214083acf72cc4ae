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
 * What the connector wants is derived in kw-desired-state.ts; T-Server events and failed requests
 * are taken in kw-tlib-events.ts. docs/connector.md lists every rule with its seed source and its test.
 */
import { applyNotePolicy } from '../presence/note-policy.ts';
import { isStalePresence, presenceStateEquals } from '../presence/presence.ts';
import type { Presence } from '../presence/presence.ts';
import type { KwConfig } from './kw-config.ts';
import type { AgentTarget } from './presence-mapping.ts';
import { copyKwState, transitionRegistration } from './kw-state.ts';
import type { KwEffect, KwInput, KwState, KwStep, KwTimerName, KwTlibRequest } from './kw-state.ts';
import { agentMatches, desire, desiredPublication, isEchoOf, publicationPresence } from './kw-desired-state.ts';
import { onEvent, onLinkDown, onRequestFailed, type MutableKwState } from './kw-tlib-events.ts';

// The machine's public surface, importable from here (the connector index exports this file).
export { agentMatches, autoStateReasons, desiredAgent, desiredPublication, isEchoOf, publicationPresence } from './kw-desired-state.ts';
export { retryDelay } from './kw-tlib-events.ts';

type S = MutableKwState;

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
