/**
 * Presence → agent state (seed 000 4.1, Table 4 / Table 8, requirements 1-8; seed 003 default
 * mapping): the `agent-status-ready` / `-notready` / `-logout` code lists, the note triggers and the
 * `KW_UC_STATUS` / `KW_UC_NOTE` Reasons. Pure.
 *
 * Overlapping lists (the seed leaves priority unspecified; its Person examples overlap the
 * Application defaults, e.g. logout `18500,0-2999,18000-` against ready `0-4499`): among every
 * list entry containing the code, a single code beats a range, a narrower range beats a wider one
 * (open-ended ranges are the widest), and on a tie LoggedOut beats NotReady beats Ready (the less
 * available state wins). docs/connector.md explains the choice.
 */
import type { NumberRange } from '../config/option-value.ts';
import type { KvList } from '../lib/kv-list.ts';
import type { AgentWorkMode } from '../tlib/messages/attribute-types.ts';
import { availabilityFromMsPresCode, msPresCodeForAvailability } from '../presence/availability.ts';
import type { Availability, Presence } from '../presence/presence.ts';
import type { KwConfig, NoteTriggerState } from './kw-config.ts';

/** The Reasons key carrying the UC status word (seed 000 Table 8). */
export const KW_UC_STATUS = 'KW_UC_STATUS';
/** The Reasons key carrying the presence note (seed 001 log sample). */
export const KW_UC_NOTE = 'KW_UC_NOTE';
/** OpenUCC's Reasons key naming a connector auto-state (`connector-dnd`, `preview-reject`...). */
export const KW_UCC_AUTO_STATE = 'KW_UCC_AUTO_STATE';

/** An agent state the connector wants. `LoggedIn`: logged in, Ready or NotReady as the T-Server decides. */
export type AgentTarget =
  | { readonly state: 'LoggedOut' }
  | { readonly state: 'LoggedIn' }
  | {
      readonly state: 'Ready' | 'NotReady';
      readonly reasons: KvList;
      /** Only a KW-selected custom state sets these (its `<genesysAgent mode>` and `<reason in="extensions">`). */
      readonly workMode?: AgentWorkMode;
      readonly extensions?: KvList;
    };

/** Which list (or rule) decided a mapping; for logs, the view and tests. */
export type MappingRule = 'agent-status-ready' | 'agent-status-notready' | 'agent-status-logout' | 'no-list-matched' | 'agent-onnote-tstatus' | 'unknown-presence';

/** A mapping decision. */
export interface PresenceMapping {
  readonly target: AgentTarget | null;
  readonly rule: MappingRule;
}

/** KW_UC_STATUS word per availability (seed 000 Table 8 for the five it lists). */
const statusWords: Readonly<Record<Availability, string>> = {
  online: 'ready',
  'online-idle': 'idle',
  busy: 'busy',
  'busy-idle': 'busy-idle',
  'do-not-disturb': 'dnd',
  'be-right-back': 'be-right-back',
  away: 'away',
  offline: 'offline',
  unknown: 'unknown',
};

/** The KW_UC_STATUS word of an availability. */
export function ucStatusWord(availability: Availability): string {
  return statusWords[availability];
}

/** The Reasons sent with a presence-driven request: KW_UC_STATUS and KW_UC_NOTE (always both, as in seed 001's log). */
export function presenceReasons(presence: Presence): KvList {
  // A code the codec left `unknown` (0-2999) is "Available" in seed 000 Table 14.
  const availability = presence.availability === 'unknown' && presence.availabilityCode !== null ? availabilityFromMsPresCode(presence.availabilityCode, { below3000: 'online' }) : presence.availability;
  return [[KW_UC_STATUS, ucStatusWord(availability)], [KW_UC_NOTE, presence.note?.text ?? '']];
}

type ListState = 'Ready' | 'NotReady' | 'LoggedOut';
/** On equal specificity the less available state wins: lists are searched in this order. */
const listOrder: readonly ListState[] = ['LoggedOut', 'NotReady', 'Ready'];

/** Width of a range for specificity; a single code is 0, open ranges are Infinity. */
function width(r: NumberRange): number {
  return r.to - r.from;
}

/**
 * The state whose list claims `code` (most specific entry wins; see the file comment), or null
 * when no list contains it.
 */
export function matchCodeLists(code: number, lists: { ready: readonly NumberRange[]; notReady: readonly NumberRange[]; logout: readonly NumberRange[] }): { state: ListState; range: NumberRange } | null {
  // Lists in tie order (LoggedOut first), so a later list wins only with a strictly narrower range.
  let bestState: ListState | null = null;
  let bestRange: NumberRange | null = null;
  for (const state of listOrder) {
    const ranges = state === 'LoggedOut' ? lists.logout : state === 'NotReady' ? lists.notReady : lists.ready;
    for (const r of ranges) {
      if (code < r.from || code > r.to) continue;
      if (!bestRange || width(r) < width(bestRange)) {
        bestState = state;
        bestRange = r;
      }
    }
  }
  return bestState && bestRange ? { state: bestState, range: bestRange } : null;
}

function targetFor(state: NoteTriggerState, reasons: KvList): AgentTarget {
  return state === 'LoggedOut' ? { state } : { state, reasons };
}

/**
 * Maps a presence to the agent state the connector wants:
 * 1. a note equal to an `agent-onnote-tstatus<x>` note (trimmed, case-insensitive; first option wins);
 * 2. the availability code through the code lists (for sources without a code, the typical code of
 *    the normalized availability);
 * 3. no list matched: NotReady + reason (seed 003 "any other status").
 * `unknown` availability with no code (nothing known yet) gives no target: the agent is left as is.
 */
export function mapPresence(presence: Presence, config: KwConfig): PresenceMapping {
  const reasons = presenceReasons(presence);
  const noteText = presence.note?.text.trim().toLowerCase();
  if (noteText) {
    const trig = config.noteTriggers.find((t) => t.note.toLowerCase() === noteText);
    if (trig) return { target: targetFor(trig.state, reasons), rule: 'agent-onnote-tstatus' };
  }
  const code = presence.availabilityCode ?? msPresCodeForAvailability(presence.availability);
  if (code === null) return { target: null, rule: 'unknown-presence' };
  const m = matchCodeLists(code, { ready: config.agentStatusReady, notReady: config.agentStatusNotReady, logout: config.agentStatusLogout });
  if (!m) return { target: { state: 'NotReady', reasons }, rule: 'no-list-matched' };
  const rule: MappingRule = m.state === 'Ready' ? 'agent-status-ready' : m.state === 'NotReady' ? 'agent-status-notready' : 'agent-status-logout';
  return { target: targetFor(m.state, reasons), rule };
}
