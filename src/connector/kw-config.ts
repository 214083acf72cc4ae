/**
 * The options one knowledge worker's machine reads, resolved to plain data. The machine is pure:
 * the shell resolves a fresh KwConfig (Person annex over Application, through OptionResolver) for
 * every input, so option changes take effect immediately (seed 000 section 5: "Imm.").
 */
import type { ConfigView } from '../config/config-index.ts';
import { findSection } from '../config/config-objects.ts';
import type { OptionResolver } from '../config/option-resolver.ts';
import { declaredBoolean, declaredNumber, declaredRangeList, declaredString } from '../config/option-table.ts';
import type { NumberRange } from '../config/option-value.ts';
import type { NoteCharacterPolicy } from '../presence/note-policy.ts';

/**
 * `pull` (presence integration, seed 001 "pull mode"): UC presence drives the agent state.
 * `push` (presence connector mode, seed 003): agent states drive the UC presence.
 */
export type PresenceSyncMode = 'pull' | 'push';

/** A Genesys agent state a note can trigger (`agent-onnote-tstatus<x>`). */
export type NoteTriggerState = 'Ready' | 'NotReady' | 'LoggedOut';

/** One parsed `agent-onnote-tstatus<x> = <tserver status>, <note>`. */
export interface NoteTrigger {
  /** The option name it came from (for logs). */
  readonly option: string;
  readonly state: NoteTriggerState;
  /** The triggering note text, trimmed. */
  readonly note: string;
}

/** Everything the machine reads from configuration for one KW. */
export interface KwConfig {
  readonly syncMode: PresenceSyncMode;
  readonly agentStatusReady: readonly NumberRange[];
  readonly agentStatusNotReady: readonly NumberRange[];
  readonly agentStatusLogout: readonly NumberRange[];
  readonly noteTriggers: readonly NoteTrigger[];
  readonly dndOffTimeoutMs: number;
  readonly userUnregisterTimeoutMs: number;
  /** Empty: no queue in RequestAgentLogin. */
  readonly loginQueue: string;
  readonly pushOnCallStatus: boolean;
  readonly onCallStatus: number;
  readonly acwStatus: number;
  readonly acwNote: string;
  readonly lgStatus: number;
  readonly lgNote: string;
  /** Presence connector mode: availability published for Ready / NotReady. */
  readonly readyStatus: number;
  readonly notReadyStatus: number;
  /** What to do with `&` / `<` in published notes (Lync 2010 rejects them). */
  readonly notePolicy: NoteCharacterPolicy;
  /** Retry backoff after a failed or unanswered T-Lib request. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

const UCC = 'uc-connector';
const OCS = 'Microsoft-OCS';

/** The defaults of every KwConfig field: the option table's (retry is OpenUCC's own, not an option). */
export const defaultKwConfig: KwConfig = Object.freeze({
  syncMode: declaredString(UCC, 'presence-sync-mode') as PresenceSyncMode,
  agentStatusReady: declaredRangeList(OCS, 'agent-status-ready'),
  agentStatusNotReady: declaredRangeList(OCS, 'agent-status-notready'),
  agentStatusLogout: declaredRangeList(OCS, 'agent-status-logout'),
  noteTriggers: [],
  dndOffTimeoutMs: declaredNumber(UCC, 'dnd-off-timeout'),
  userUnregisterTimeoutMs: declaredNumber(UCC, 'user-unregister-timeout'),
  loginQueue: declaredString(UCC, 'login-queue'),
  pushOnCallStatus: declaredBoolean(OCS, 'enable-push-oncall-status'),
  onCallStatus: declaredNumber(OCS, 'oncall-status'),
  acwStatus: declaredNumber(OCS, 'presence-acw-status'),
  acwNote: declaredString(OCS, 'presence-acw-note'),
  lgStatus: declaredNumber(OCS, 'presence-lg-status'),
  lgNote: declaredString(OCS, 'presence-lg-note'),
  readyStatus: declaredNumber(OCS, 'presence-ready-status'),
  notReadyStatus: declaredNumber(OCS, 'presence-notready-status'),
  notePolicy: declaredString(OCS, 'presence-note-policy') as NoteCharacterPolicy,
  retryInitialMs: 1000,
  retryMaxMs: 30_000,
} satisfies KwConfig);

const NOTE_TRIGGER_NAME = /^agent-onnote-tstatus(\d*)$/;
const MAX_NOTE_TRIGGERS = 64;

/**
 * Parses `<tserver status>, <note>` (seed 000: status is `ready`, `not ready` or `logout`; the
 * seed's own example writes `NotReady, I am busy`, so case and the space are not significant).
 * The note is everything after the first comma, trimmed (a note may itself hold commas).
 */
export function parseNoteTrigger(option: string, value: string): NoteTrigger | undefined {
  const comma = value.indexOf(',');
  if (comma < 0) return undefined;
  const status = value.slice(0, comma).trim().toLowerCase().replace(/[\s_-]+/g, '');
  const note = value.slice(comma + 1).trim();
  if (note === '') return undefined;
  const state: NoteTriggerState | undefined = status === 'ready' ? 'Ready' : status === 'notready' ? 'NotReady' : status === 'logout' || status === 'loggedout' ? 'LoggedOut' : undefined;
  return state ? { option, state, note } : undefined;
}

/**
 * The note triggers of the Application's `[Microsoft-OCS]` section, ordered by `<x>` (the bare
 * `agent-onnote-tstatus` first). Invalid values are skipped and reported through `invalid`.
 */
export function readNoteTriggers(view: ConfigView, application: string, invalid?: (option: string, value: string) => void): NoteTrigger[] {
  const app = view.get('applications', application);
  const section = app ? findSection(app.options, 'Microsoft-OCS') : undefined;
  if (!section) return [];
  const found: Array<{ x: number; t: NoteTrigger }> = [];
  for (const [name, raw] of Object.entries(section)) {
    const m = NOTE_TRIGGER_NAME.exec(name);
    if (!m) continue;
    const t = parseNoteTrigger(name, String(raw));
    if (!t) {
      invalid?.(name, String(raw));
      continue;
    }
    found.push({ x: m[1] === '' ? 0 : Number(m[1]), t });
    if (found.length >= MAX_NOTE_TRIGGERS) break;
  }
  return found.sort((a, b) => a.x - b.x).map((f) => f.t);
}

/**
 * Resolves a KW's configuration: each option from the Person annex when set there, else from the
 * Application, else its default (OptionResolver; seed 000 5.5 and requirement 83).
 */
export function resolveKwConfig(resolver: OptionResolver, view: ConfigView, application: string, person: string, base: Partial<KwConfig> = {}): KwConfig {
  const ctx = { person };
  return {
    ...defaultKwConfig,
    ...base,
    syncMode: resolver.getString(UCC, 'presence-sync-mode', ctx) === 'push' ? 'push' : 'pull',
    agentStatusReady: resolver.getRangeList(OCS, 'agent-status-ready', ctx),
    agentStatusNotReady: resolver.getRangeList(OCS, 'agent-status-notready', ctx),
    agentStatusLogout: resolver.getRangeList(OCS, 'agent-status-logout', ctx),
    noteTriggers: readNoteTriggers(view, application),
    dndOffTimeoutMs: resolver.getNumber(UCC, 'dnd-off-timeout', ctx),
    userUnregisterTimeoutMs: resolver.getNumber(UCC, 'user-unregister-timeout', ctx),
    loginQueue: resolver.getString(UCC, 'login-queue', ctx) ?? defaultKwConfig.loginQueue,
    pushOnCallStatus: resolver.getBoolean(OCS, 'enable-push-oncall-status', ctx),
    onCallStatus: resolver.getNumber(OCS, 'oncall-status', ctx),
    acwStatus: resolver.getNumber(OCS, 'presence-acw-status', ctx),
    acwNote: resolver.getString(OCS, 'presence-acw-note', ctx) ?? defaultKwConfig.acwNote,
    lgStatus: resolver.getNumber(OCS, 'presence-lg-status', ctx),
    lgNote: resolver.getString(OCS, 'presence-lg-note', ctx) ?? defaultKwConfig.lgNote,
    readyStatus: resolver.getNumber(OCS, 'presence-ready-status', ctx),
    notReadyStatus: resolver.getNumber(OCS, 'presence-notready-status', ctx),
    notePolicy: (resolver.getString(OCS, 'presence-note-policy', ctx) ?? defaultKwConfig.notePolicy) as NoteCharacterPolicy,
  };
}
