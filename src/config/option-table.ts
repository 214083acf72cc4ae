/**
 * The declared options: section, name, kind, default and where each may be set, in precedence
 * order. The loader checks known options against it (and warns on unknown names in a known section);
 * the OptionResolver reads defaults and precedence from it. docs/configuration.md lists the same.
 */
import { UccError } from '../lib/errors.ts';
import type { NumberRange, OptionKind, ParsedOptionValue } from './option-value.ts';
import { verboseValues } from '../lib/log-options.ts';

/**
 * Where an option may be set. An option's `levels` are in precedence order, highest first
 * (seed 004 5.9: Agent Login > Extension DN > Application for `no-answer-action`; seed 000 5.5:
 * the Person annex overrides the Application).
 */
export type OptionLevel = 'agentLogin' | 'dn' | 'person' | 'switch' | 'application';

/** One declared option. A name ending in `<n>` stands for a numbered family (`attribute1`, `attribute2`...). */
export interface OptionSpec {
  section: string;
  name: string;
  kind: OptionKind;
  /** Undefined: no default (the option is unset unless configured). */
  default: ParsedOptionValue | undefined;
  levels: readonly OptionLevel[];
  /** When a change takes effect; the seeds mark most options "immediately". */
  effect: 'immediate' | 'restart';
  description: string;
}

type SpecInput = Omit<OptionSpec, 'section' | 'effect'> & { effect?: OptionSpec['effect'] };

const int0 = { type: 'integer', min: 0 } as const;
const pos = { type: 'integer', min: 1 } as const;
const bool = { type: 'boolean' } as const;
const str = { type: 'string' } as const;
const app = ['application'] as const;

function section(name: string, specs: SpecInput[]): OptionSpec[] {
  return specs.map((s) => ({ effect: 'immediate', ...s, section: name }));
}

/** T-Server `[TServer]` options (seed 004 5.1, 5.6). Defaults the seed leaves unstated are OpenUCC's. */
const tserver = section('TServer', [
  { name: 'wrap-up-time', kind: { type: 'seconds-or-untimed' }, default: 0, levels: ['agentLogin', 'dn', 'application'], description: 'Emulated after-call work after a business call: seconds (0 = none) or untimed.' },
  { name: 'legal-guard-time', kind: int0, default: 0, levels: ['agentLogin', 'application'], description: 'Seconds of legal guard before Ready after a business call or timed ACW.' },
  { name: 'agent-strict-id', kind: bool, default: false, levels: app, description: 'Only configured Agent Logins may log in.' },
  { name: 'logout-on-disconnect', kind: bool, default: true, levels: app, description: 'Log out agents whose logging-in client disconnects or unregisters the DN.' },
  { name: 'logout-on-out-of-service', kind: bool, default: false, levels: app, description: 'Log out agents whose DN goes out of service.' },
  { name: 'auto-logout-timeout', kind: int0, default: 0, levels: app, description: 'Minutes of inactivity before an automatic logout (0 = never).' },
  { name: 'auto-logout-ready', kind: bool, default: false, levels: app, description: 'Whether automatic logout also applies to agents in Ready.' },
  { name: 'timed-acw-in-idle', kind: bool, default: true, levels: app, description: 'ACW requested while idle is timed by wrap-up-time.' },
  { name: 'router-timeout', kind: int0, default: 10, levels: ['dn', 'application'], description: 'Seconds to wait for a routing instruction before default-dn (0 = wait forever).' },
  { name: 'default-dn', kind: str, default: '', levels: ['dn', 'application'], description: 'Alternate-routing destination when no router answers in time.' },
  { name: 'default-redirection-limit', kind: int0, default: 5, levels: app, description: 'Maximum redirections of one call, to stop loops.' },
  { name: 'no-answer-timeout', kind: int0, default: 15, levels: app, description: 'Seconds a routed call may ring before EventError and release (0 = no limit).' },
  { name: 'no-answer-action', kind: { type: 'enum', values: ['none', 'notready', 'logout'], aliases: { 'not ready': 'notready' } }, default: 'none', levels: ['agentLogin', 'dn', 'application'], description: 'What happens to an agent who does not answer a routed call.' },
  { name: 'handle-direct-calls', kind: bool, default: true, levels: ['dn', 'application'], description: 'CTI handling of direct (non-routed) calls.' },
  { name: 'allow-pass-through-calls', kind: { type: 'enum', values: ['true', 'false', 'iscc'] }, default: 'true', levels: ['dn', 'application'], description: 'Allow calls without CTI-controlled parties.' },
  { name: 'hide-sensitive-data', kind: bool, default: true, levels: app, description: 'Mask UserData values, digits, treatment parameters and chat text in logs.' },
  { name: 'im-reporting', kind: { type: 'enum', values: ['default', 'disabled'] }, default: 'default', levels: app, effect: 'restart', description: 'IM call reporting: default reports chat calls (MediaType Chat); disabled keeps them out of statistics and reporting.' },
  { name: 'pass-transcript-to-agent', kind: bool, default: true, levels: app, description: 'A routed chat shows the agent the customer exchange with the IM treatments; the RequestRouteCall extension of the same name wins.' },
  // The SIP switch (src/switch/sip, docs/switch.md): SIP Server options with the values of the
  // Lync / SfB Mediation Server interop profile as defaults (seed 002 3.1-3.2, seed 004 5.8).
  { name: 'contact', kind: { type: 'sip-uri' }, default: undefined, levels: ['dn'], description: 'Where the SIP switch sends calls offered to this DN (e.g. the Mediation Server, sip:mediation.example.test:5068;transport=tcp); unset: the DN\'s registered contact.' },
  { name: 'sip-enable-moh', kind: bool, default: false, levels: app, description: 'Play music on hold to a held party.' },
  { name: 'sip-enable-100rel', kind: bool, default: false, levels: app, description: 'Offer reliable provisional responses (100rel, RFC 3262) and early media; off for the Mediation Server.' },
  { name: 'reuse-sdp-on-reinvite', kind: bool, default: true, levels: ['dn', 'application'], description: 'A re-INVITE carries the last valid SDP of the other side, never an offer-less re-INVITE (media bypass needs it).' },
  { name: 'refer-enabled', kind: bool, default: false, levels: ['dn', 'application'], description: 'Transfer with REFER; false keeps the B2BUA in the call (needed for the RFC 3725 flow).' },
  { name: 'dual-dialog-enabled', kind: bool, default: false, levels: ['dn', 'application'], description: 'A consultation call opens a second dialog to the endpoint; false reuses the existing dialog.' },
  { name: 'make-call-rfc3725-flow', kind: { type: 'integer', min: 1, max: 4 }, default: 1, levels: ['dn', 'application'], description: 'The RFC 3725 third-party call control flow of RequestMakeCall (1: no initial black-hole SDP INVITE).' },
  { name: 'sip-port-tls', kind: { type: 'integer', min: 0, max: 65535 }, default: 0, levels: app, effect: 'restart', description: 'TLS listening port of the SIP switch (0 = no TLS listener).' },
]);

/** UC Connector `[uc-connector]` (seed 000 5.1, Person annex 5.5, Routing Point annex 5.6). */
const ucConnector = section('uc-connector', [
  { name: 'preview-expiration-timeout', kind: pos, default: 15000, levels: ['person', 'application'], description: 'Milliseconds to accept or reject a preview; on expiry the call goes back to the router and the KW becomes NotReady.' },
  { name: 'preview-itx-arrival-timeout', kind: pos, default: 9000, levels: app, description: 'Milliseconds to wait for the interaction after a preview is accepted.' },
  { name: 'dnd-off-timeout', kind: pos, default: 300000, levels: app, description: 'Milliseconds of DND/NotReady after a preview reject.' },
  { name: 'itx-window-close-timeout', kind: pos, default: 9000, levels: app, description: 'Milliseconds the interaction window stays open after release.' },
  { name: 'user-unregister-timeout', kind: pos, default: 60000, levels: app, description: 'Milliseconds after the last web session closes before the KW DN is unregistered.' },
  { name: 'user-auto-registration', kind: bool, default: false, levels: app, effect: 'restart', description: 'Register and monitor every KW DN at start.' },
  { name: 'login-queue', kind: str, default: '', levels: app, description: 'Queue sent in agent login; default routing when the router fails.' },
  { name: 'enable-logout-menu', kind: bool, default: false, levels: app, description: 'Show Logout to users with no UC-platform annex.' },
  { name: 'enable-preview-reporting', kind: bool, default: false, levels: app, description: 'Emit preview reporting events.' },
  { name: 'presence-location', kind: str, default: '', levels: app, description: 'Location of the presence definition XML; empty = built-in defaults.' },
  { name: 'presence-gateway-mode', kind: bool, default: false, levels: ['dn', 'application'], description: 'Never INVITE the UC client when the user has no web session.' },
  { name: 'locale', kind: { type: 'enum', values: ['en', 'fr', 'de', 'it', 'ru', 'es', 'default'] }, default: 'en', levels: app, description: 'Default UI language.' },
  { name: 'preview-info-keys', kind: str, default: 'UCC_ConnId,UCC_UserId,UCC_AgentId,UCC_Reason', levels: app, description: 'Reporting key names.' },
  { name: 'preview-state-name', kind: str, default: '3721,UCC_Preview', levels: app, description: 'Custom state id and key for preview offers.' },
  { name: 'redirect-setup-enabled', kind: bool, default: false, levels: ['person', 'application'], description: 'Users may set a redirect number (the Person annex overrides).' },
  { name: 'redirect-enabled', kind: bool, default: false, levels: ['person'], description: 'Accept previews on redirect-number.' },
  { name: 'redirect-number', kind: str, default: '', levels: ['person'], description: 'Phone number previews are redirected to.' },
  { name: 'enabled', kind: bool, default: true, levels: ['person', 'dn'], description: 'The Person (or contact-point Routing Point) is usable by the UC Connector.' },
  { name: 'display-name', kind: str, default: undefined, levels: ['dn'], effect: 'restart', description: 'Contact-point name shown in the interaction window.' },
  { name: 'attribute<n>', kind: str, default: undefined, levels: ['dn'], description: 'Contact-point hover statistic.' },
  { name: 'chat-title', kind: str, default: 'Chat', levels: app, description: 'Title of the chat window.' },
  { name: 'chat-consult-title', kind: str, default: 'Consulting Chat', levels: app, description: 'Title of the consultation chat window.' },
  { name: 'audio-on-preview', kind: str, default: '', levels: app, description: 'Looping audio while the Preview window shows.' },
  { name: 'audio-on-ring', kind: str, default: '', levels: app, description: 'Looping audio while the Ringing window shows.' },
  { name: 'help-callcontrol-url', kind: str, default: '', levels: app, description: 'Help page of the call-control and preview windows.' },
  { name: 'help-interaction-url', kind: str, default: '', levels: app, description: 'Help page of the interaction window.' },
  { name: 'help-login-url', kind: str, default: '', levels: app, description: 'Help page of the login screen.' },
  { name: 'preview-shortkey-accept', kind: str, default: '', levels: app, effect: 'restart', description: 'Hotkey accepting a preview while the Preview window has focus: `#<ASCII decimal>` or characters (a leading # written ##); blank disables it.' },
  { name: 'preview-shortkey-reject', kind: str, default: '', levels: app, effect: 'restart', description: 'Hotkey rejecting a preview (same format as preview-shortkey-accept); blank disables it.' },
  { name: 'popup-udata-key', kind: str, default: '', levels: app, description: 'Only pop the call-control window for calls carrying this UserData key.' },
  { name: 'userdata-preview-format<n>', kind: str, default: undefined, levels: app, description: 'A field of the Preview window.' },
  { name: 'userdata-call-format<n>', kind: str, default: undefined, levels: app, description: 'A field of the interaction window.' },
  { name: 'userdata-contact-format', kind: str, default: 'title: Contact, value: [USER-ID]', levels: app, description: 'The contact field.' },
  { name: 'userdata-note-key', kind: str, default: 'KW_ITX_NOTES', levels: app, description: 'UserData key of notes.' },
  { name: 'transfer-dial-plan', kind: str, default: '', levels: app, description: 'Transfer and conference targets a KW may dial besides the contact points: comma-separated regular expressions, each matched against the whole target (empty: contact points only).' },
  { name: 'userdata-title', kind: str, default: 'Case data', levels: app, description: 'Heading of the case-data fields.' },
  { name: 'userdata-note-title', kind: str, default: 'Notes', levels: app, description: 'Heading of the notes area.' },
  { name: 'userdata-onringing', kind: bool, default: false, levels: app, description: 'Show UserData while ringing.' },
  { name: 'userdata-note-onpreview', kind: bool, default: false, levels: app, description: 'Show notes in the Preview window.' },
  { name: 'userdata-note-onringing', kind: bool, default: false, levels: app, description: 'Show notes while ringing.' },
  { name: 'userdata-contact-onpreview', kind: bool, default: false, levels: app, description: 'Show the contact in the Preview window.' },
  { name: 'userdata-contact-onringing', kind: bool, default: false, levels: app, description: 'Show the contact while ringing.' },
  { name: 'presence-sync-mode', kind: { type: 'enum', values: ['pull', 'push'] }, default: 'pull', levels: ['person', 'application'], description: 'pull: UC presence drives the agent state (presence integration); push: the agent state drives the UC presence (presence connector mode).' },
]);

const person = ['person', 'application'] as const;

/** `[Microsoft-OCS]` (seed 000 5.2, Person annex 5.5). */
const microsoftOcs = section('Microsoft-OCS', [
  { name: 'contact', kind: { type: 'sip-uri' }, default: undefined, levels: person, description: 'SIP URI: the UC Connector principal (Application) or the KW sign-in (Person).' },
  { name: 'registrar-uri', kind: { type: 'sip-uri' }, default: undefined, levels: app, description: 'Registrar (pool) SIP URI.' },
  { name: 'agent-status-ready', kind: { type: 'range-list' }, default: [{ from: 0, to: 4499 }], levels: person, description: 'Availability codes mapped to Ready.' },
  { name: 'agent-status-notready', kind: { type: 'range-list' }, default: [{ from: 4500, to: 17999 }], levels: person, description: 'Availability codes mapped to NotReady.' },
  { name: 'agent-status-logout', kind: { type: 'range-list' }, default: [{ from: 18000, to: Infinity }], levels: person, description: 'Availability codes mapped to Logout.' },
  { name: 'agent-onnote-tstatus<n>', kind: str, default: undefined, levels: app, description: '`<ready|not ready|logout>, <note text>`: a note that triggers an agent state.' },
  { name: 'agent-onnote-tstatus', kind: str, default: undefined, levels: app, description: 'The single note trigger, when there is only one (same syntax as agent-onnote-tstatus<n>).' },
  { name: 'enable-push-oncall-status', kind: bool, default: false, levels: person, description: 'Publish on-call presence while the KW has a contact-center call.' },
  { name: 'oncall-status', kind: { type: 'integer', min: 1, max: 18500 }, default: 9500, levels: person, description: 'Availability published while on a call.' },
  { name: 'presence-acw-status', kind: { type: 'integer', min: 1, max: 18500 }, default: 6500, levels: app, description: 'Availability published on after-call work.' },
  { name: 'presence-acw-note', kind: str, default: 'Working after call', levels: app, description: 'Note published on after-call work.' },
  { name: 'presence-lg-status', kind: { type: 'integer', min: 1, max: 18500 }, default: 6500, levels: app, description: 'Availability published on legal guard.' },
  { name: 'presence-lg-note', kind: str, default: 'Statutory pause', levels: app, description: 'Note published on legal guard.' },
  { name: 'presence-ready-status', kind: { type: 'integer', min: 1, max: 18500 }, default: 3500, levels: person, description: 'Presence connector mode: availability published while the agent is Ready.' },
  { name: 'presence-notready-status', kind: { type: 'integer', min: 1, max: 18500 }, default: 6500, levels: person, description: 'Presence connector mode: availability published while the agent is NotReady.' },
  { name: 'presence-note-policy', kind: { type: 'enum', values: ['escape', 'reject', 'strip'] }, default: 'escape', levels: app, description: 'Published notes holding & or <: escape (send escaped), reject (publish without the note), strip (remove the characters); Lync 2010 rejects them.' },
  { name: 'invite-message', kind: str, default: 'Please use the window on the right to access data about current interactions', levels: app, description: 'Welcome text of the UC-client extension window.' },
  { name: 'password', kind: str, default: undefined, levels: app, description: 'Password of the UC Connector principal.' },
]);

/** `[uc]`: OpenUCC's platform-neutral Person annex (the KW on whichever UC platform is configured). */
const uc = section('uc', [
  { name: 'contact', kind: { type: 'sip-uri' }, default: undefined, levels: ['person'], description: "SIP URI of the knowledge worker on the UC platform (e.g. sip:alice@example.test)." },
  { name: 'role', kind: { type: 'enum', values: ['knowledge-worker', 'supervisor'] }, default: 'knowledge-worker', levels: ['person'], description: 'supervisor: the Person may open the supervisor dashboard and reports (docs/supervisor.md); with Agent Logins a supervisor is also a knowledge worker.' },
]);

/**
 * `[router]`: the routing strategy of a Routing Point DN (OpenUCC's URS role, docs/router.md).
 * Per-option kinds are checked here; src/router/routing-strategy.ts adds the rules spanning options.
 */
const router = section('router', [
  { name: 'target-type', kind: { type: 'enum', values: ['agent-group', 'kw', 'userdata'] }, default: 'agent-group', levels: ['dn'], description: 'Whom the strategy targets: an agent group, one fixed KW, or the KW named by a UserData key.' },
  { name: 'target', kind: str, default: '', levels: ['dn'], description: "The agent group name, the KW's user name (or AgentID), or the UserData key, per target-type." },
  { name: 'selection', kind: { type: 'enum', values: ['targeted', 'round-robin', 'longest-idle', 'broadcast'] }, default: 'round-robin', levels: ['dn'], description: 'How KWs are picked: targeted (kw / userdata), round-robin, longest-idle or broadcast (agent-group).' },
  { name: 'preview', kind: bool, default: true, levels: ['dn'], description: 'Offer a preview first and route on accept; false routes to the selected KW at once.' },
  { name: 'preview-timeout', kind: int0, default: 0, levels: ['dn'], description: "Milliseconds of each offer's countdown; 0 = the KW's preview-expiration-timeout." },
  { name: 'max-attempts', kind: pos, default: 3, levels: ['dn'], description: 'Offers (or broadcast rounds) before nobody-accepted handling.' },
  { name: 'no-accept-action', kind: { type: 'enum', values: ['default-dn', 'wait'] }, default: 'default-dn', levels: ['dn'], description: 'When nobody accepts: route to default-dn, or leave the call waiting (the T-Server router-timeout may still apply).' },
  { name: 'default-dn', kind: str, default: '', levels: ['dn'], description: "Where the router sends a call nobody accepted; empty = the Routing Point's [TServer] default-dn." },
  { name: 'router-timeout', kind: int0, default: 0, levels: ['dn'], description: "Seconds the router works on one call before default routing; 0 = none. Keep it below the T-Server's router-timeout." },
  { name: 'im-treatment', kind: { type: 'enum', values: ['none', 'PlayAnnouncement', 'CollectDigits', 'PlayAnnouncementAndDigits'] }, default: 'none', levels: ['dn'], description: 'The IM treatment a chat call gets on the Routing Point before the preview (RequestApplyTreatment).' },
  { name: 'im-treatment-prompt', kind: str, default: '', levels: ['dn'], description: 'The PROMPT texts of the IM treatment, separated by |, sent to the customer in order.' },
  { name: 'im-treatment-total-timeout', kind: int0, default: 0, levels: ['dn'], description: 'TOTAL_TIMEOUT seconds of a CollectDigits / PlayAnnouncementAndDigits treatment; 0 = wait for the reply.' },
]);

/**
 * `[tlib-client]`: what a T-Lib client Application may do (docs/protocols/tlib.md 1.2). The roles
 * (`ucc`, `router`, `stat-server`, `reporting`, `tserver` Applications) may always do everything.
 */
const tlibClient = section('tlib-client', [
  { name: 'access', kind: { type: 'enum', values: ['own-dns', 'all'] }, default: 'own-dns', levels: app, description: 'own-dns: control and monitor only the DNs below; all: every DN (a trusted CTI application).' },
  { name: 'dns', kind: str, default: '', levels: app, description: 'Comma-separated DN numbers this Application owns.' },
  { name: 'places', kind: str, default: '', levels: app, description: 'Comma-separated Place names whose DNs this Application owns.' },
  { name: 'persons', kind: str, default: '', levels: app, description: "Comma-separated Person user names whose default Place's DNs this Application owns." },
  { name: 'certificate-cn', kind: str, default: '', levels: app, description: 'Subject CN of a TLS client certificate that authenticates as this Application (empty = the Application name).' },
]);

/**
 * `[log]` (seed 004 3.13: a Switch annex section of the Connector): what the logs hide. The values
 * of the listed headers in logged SIP message text print as `**** (length:nn)` (src/lib/log-masking.ts).
 */
const log = section('log', [
  { name: 'hide-header', kind: str, default: '', levels: ['switch', 'application'], description: 'Comma-separated SIP header names whose values are masked in logs (e.g. From, To, P-Asserted-Identity).' },
  // The standard log options (seed 004 5.4), read from the ucc Application at start, on SIGHUP and on
  // every configuration change (docs/operations.md). Unset: `ucc start --log-level`, stderr, one file.
  { name: 'verbose', kind: { type: 'enum', values: verboseValues }, default: undefined, levels: app, description: 'Log level: all/debug -> debug, trace/interaction -> info, standard -> warn, none -> silent.' },
  { name: 'all', kind: { type: 'log-outputs' }, default: undefined, levels: app, description: 'Comma-separated outputs: stdout, stderr or file names (.log appended when no extension).' },
  { name: 'segment', kind: { type: 'log-segment' }, default: undefined, levels: app, description: 'Rotate log files: false, N KB, N MB or N hr.' },
  { name: 'expire', kind: { type: 'log-expire' }, default: undefined, levels: app, description: 'Old log files kept: false, N file or N day.' },
]);

/**
 * `[chat]` in a Routing Point's annex: the customer chat page that opens chats with it
 * (docs/chat.md). OpenUCC options; the seeds' chats come from Genesys eServices or SfB.
 */
const chat = section('chat', [
  { name: 'page-path', effect: 'restart', kind: str, default: '', levels: ['dn'], description: 'URL path of the customer chat page for this Routing Point (e.g. /chat/sales); empty = no page.' },
  { name: 'trunk', effect: 'restart', kind: str, default: 'chat', levels: ['dn'], description: 'The Trunk DN the page\'s chats arrive through (it must be configured).' },
  { name: 'page-title', effect: 'restart', kind: str, default: 'Chat with us', levels: ['dn'], description: 'Title of the customer chat page.' },
]);

/** Every option OpenUCC declares. */
export const knownOptions: readonly OptionSpec[] = [...tserver, ...ucConnector, ...microsoftOcs, ...uc, ...router, ...tlibClient, ...log, ...chat];

/** Lookup over a list of specs; sections match case-insensitively, `<n>` names match numbered families. */
export class OptionTable {
  private readonly bySection = new Map<string, OptionSpec[]>();

  constructor(specs: readonly OptionSpec[] = knownOptions) {
    for (const s of specs) {
      const key = s.section.toLowerCase();
      const list = this.bySection.get(key) ?? [];
      list.push(s);
      this.bySection.set(key, list);
    }
  }

  /** True when the table declares options for this section (unknown names in it are then warned about). */
  hasSection(section: string): boolean {
    return this.bySection.has(section.toLowerCase());
  }

  /** The spec of an option, or undefined. */
  find(section: string, name: string): OptionSpec | undefined {
    const list = this.bySection.get(section.toLowerCase());
    if (!list) return undefined;
    return list.find((s) => s.name === name) ?? list.find((s) => s.name.endsWith('<n>') && matchesFamily(s.name, name));
  }

  /** Every declared spec. */
  all(): OptionSpec[] {
    return [...this.bySection.values()].flat();
  }
}

function matchesFamily(pattern: string, name: string): boolean {
  const stem = pattern.slice(0, -3);
  return name.startsWith(stem) && /^\d+$/.test(name.slice(stem.length));
}

/** The table of every known option. */
export const defaultOptionTable = new OptionTable();

/**
 * The declared default of an option: the one default every role falls back to when it has no
 * resolver (a test, a bench, a role built without configuration). Throws for an option the table
 * does not declare or declares without a default, so a misspelt name fails at load.
 */
export function declaredDefault(section: string, name: string, table: OptionTable = defaultOptionTable): ParsedOptionValue {
  const spec = table.find(section, name);
  if (spec?.default === undefined) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `${section}/${name} has no declared default`);
  return spec.default;
}

/** {@link declaredDefault} of an integer option. */
export function declaredNumber(section: string, name: string): number {
  return declaredOfKind(section, name, 'number') as number;
}

/** {@link declaredDefault} of a string, SIP URI or enumerated option. */
export function declaredString(section: string, name: string): string {
  return declaredOfKind(section, name, 'string') as string;
}

/** {@link declaredDefault} of a boolean option. */
export function declaredBoolean(section: string, name: string): boolean {
  return declaredOfKind(section, name, 'boolean') as boolean;
}

/** {@link declaredDefault} of a code-list option such as `agent-status-ready`. */
export function declaredRangeList(section: string, name: string): NumberRange[] {
  const v = declaredDefault(section, name);
  if (!Array.isArray(v)) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `${section}/${name} is not a range list`);
  return v;
}

function declaredOfKind(section: string, name: string, type: 'number' | 'string' | 'boolean'): ParsedOptionValue {
  const v = declaredDefault(section, name);
  if (typeof v !== type) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `${section}/${name} is not a ${type} option`);
  return v;
}
