/**
 * What the connector wants for one KW, derived from its state and configuration alone: the agent
 * state to drive the T-Server to ({@link desiredAgent}), the presence to publish on the KW's behalf
 * ({@link desiredPublication}), and the checks the machine reconciles with (does the confirmed
 * agent state satisfy the target, is a presence our own publication echoed back).
 */
import { kvEquals } from '../lib/kv-list.ts';
import type { KvList } from '../lib/kv-list.ts';
import { availabilityFromMsPresCode } from '../presence/availability.ts';
import type { Presence } from '../presence/presence.ts';
import type { KwConfig } from './kw-config.ts';
import { KW_UCC_AUTO_STATE, KW_UC_NOTE, KW_UC_STATUS, mapPresence } from './presence-mapping.ts';
import type { AgentTarget, MappingRule } from './presence-mapping.ts';
import type { AutoStateKind, ConfirmedAgent, KwState, Publication } from './kw-state.ts';

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
export function desire(s: KwState, config: KwConfig): { target: AgentTarget | null; rule?: MappingRule } {
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
