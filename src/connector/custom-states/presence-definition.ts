/**
 * The model of a presence definition document (seed 000 "Customizing Knowledge Worker States",
 * L5930-6120; schema L8355-8620): the custom knowledge-worker states of standalone mode, their
 * localized menu and status texts, icons, the Genesys agent states they request and match, and
 * the auto-states of preview reject / timeout / redirect.
 */

/** The document namespace; any other namespace makes the document invalid. */
export const PRESENCE_DEFINITION_NS = 'http://genesyslab.com/schemas/ucc/presence';

/** Ids the web client uses for its predefined states; a custom state may not take them. */
export const reservedStateIds = [
  'predefLogoutMenu',
  'predefLoggedOut',
  'predefOutOfService',
  'predefReady',
  'predefPartReady',
  'predefNotReady',
  'predefDND',
] as const;
export type PredefinedStateId = (typeof reservedStateIds)[number];

/** The client languages (seed 000 4.20); display entries in other languages are ignored. */
export const supportedLanguages = ['en', 'fr', 'de', 'it', 'ru', 'es'] as const;
export type SupportedLanguage = (typeof supportedLanguages)[number];

/**
 * Agent modes of `<genesysAgent mode>`. `none` is the schema default; `nodisconnect` is accepted as
 * the narrative says (L6075-6091) although the schema enum omits it.
 */
export const genesysAgentModes = ['none', 'manual', 'acw', 'legal', 'auxwork', 'away', 'back', 'nodisconnect'] as const;
export type GenesysAgentMode = (typeof genesysAgentModes)[number];

/** The T-Library AgentWorkMode each mode requests and matches (`back` has none in our T-Library). */
export const workModeOfMode: Readonly<Record<GenesysAgentMode, string | null>> = {
  none: null,
  manual: 'ManualIn',
  acw: 'AfterCallWork',
  legal: 'LegalGuard',
  auxwork: 'AuxWork',
  away: 'WalkAway',
  back: 'ReturnBack',
  nodisconnect: 'NoCallDisconnect',
};

/** The reason of a `<genesysAgent>`: sent in AttributeReasons or AttributeExtensions under `keyName`. */
export interface GenesysAgentReason {
  readonly in: 'reasons' | 'extensions';
  /** Default `ReasonCode`. */
  readonly keyName: string;
  readonly value: string;
}

/** One `<genesysAgent>`: the agent state a custom state requests (the first) and matches (any). */
export interface GenesysAgentState {
  readonly ready: boolean;
  /** Always `none` when `ready` (the mode is ignored for Ready). */
  readonly mode: GenesysAgentMode;
  readonly reason: GenesysAgentReason | null;
}

/** The texts of one `<display>`; at least one of the two is present. */
export interface StateText {
  /** In the state menu; absent: the state is only entered automatically. */
  readonly menuText?: string;
  /** In the status indicator; absent: not shown there. */
  readonly statusText?: string;
}

/** An icon and its derived 10×10 badge (`x.png` → `x-badge.png`). */
export interface StateIcon {
  readonly main: string;
  readonly badge: string;
}

/** One valid `<state>`. */
export interface CustomState {
  readonly id: string;
  readonly icon: StateIcon | null;
  /** `default` is the `<display>` without a language attribute. */
  readonly display: Readonly<Partial<Record<SupportedLanguage | 'default', StateText>>>;
  /** In document order; the first is what selecting the state requests. */
  readonly agent: readonly GenesysAgentState[];
}

export const autoEventNames = ['preview-reject', 'preview-timeout', 'preview-redirect'] as const;
export type AutoEventName = (typeof autoEventNames)[number];

/** One `<auto><event>`: the state entered on the event, and the one after (preview-reject: after dnd-off-timeout). */
export interface AutoStateDefinition {
  readonly onEvent: string;
  readonly postEvent: string | null;
}

/** A valid presence definition. */
export interface PresenceDefinition {
  /** In document order (matching is first-match in this order). */
  readonly states: readonly CustomState[];
  /** Only the events the document defines; the others use the built-in auto-states (seed 000 4.6). */
  readonly auto: Readonly<Partial<Record<AutoEventName, AutoStateDefinition>>>;
}

/** A problem found in a document: errors make it invalid; warnings drop one part of it. */
export interface DefinitionIssue {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** 1-based line in the document, when known. */
  readonly line?: number;
}
