/**
 * How the KW machine takes what the T-Server says: T-Lib events on the KW's DN (registration,
 * agent state, calls), the link going down, and a request that failed or got no reply (with what
 * the error tells about the real agent state, and the retry backoff). Each function updates the
 * machine's working copy of the state and appends effects; kw-machine.ts calls them.
 */
import { backoffDelay } from '../lib/backoff.ts';
import type { KvList } from '../lib/kv-list.ts';
import type { AgentWorkMode, TlibEvent } from '../tlib/index.ts';
import { TErr } from '../tlib/error-codes.ts';
import type { KwConfig } from './kw-config.ts';
import { transitionRegistration } from './kw-state.ts';
import type { KwEffect, KwInput, KwState } from './kw-state.ts';

/** The machine's working copy of a KW's state during one step. */
export type MutableKwState = { -readonly [K in keyof KwState]: KwState[K] };
type S = MutableKwState;

/** Backoff before retry `failures` (1-based): initial × 2^(n-1), capped. */
export function retryDelay(config: KwConfig, failures: number): number {
  return backoffDelay(failures, { baseMs: config.retryInitialMs, maxMs: config.retryMaxMs });
}

function sameDn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function acwOf(workMode: AgentWorkMode | undefined): KwState['acw'] {
  return workMode === 'AfterCallWork' ? 'acw' : workMode === 'LegalGuard' ? 'legal-guard' : 'none';
}

export function onEvent(s: S, e: TlibEvent, config: KwConfig, fx: KwEffect[]): void {
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

export function onLinkDown(s: S, fx: KwEffect[]): void {
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

export function onRequestFailed(s: S, input: Extract<KwInput, { type: 'requestFailed' }>, config: KwConfig, fx: KwEffect[]): void {
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
