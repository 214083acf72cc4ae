/**
 * The T-Server's view of its configuration: the Switch's DNs (with their `[TServer]` annex options),
 * the Agent Logins, and the Application's `[TServer]` options. `tserver-config-binding.ts` binds this to the config
 * layer; tests build it from a plain object with {@link createTServerConfig}.
 *
 * Option names are the seeds' (seed 004 digest, 5.1 and 5.6). Defaults, kinds and precedence (5.9)
 * come from the option table through the config layer's resolver (src/config/option-resolver.ts),
 * never ad hoc in the state machines.
 */
import { UccError } from '../lib/errors.ts';
import { resolveOptionIn } from '../config/option-resolver.ts';
import { defaultOptionTable } from '../config/option-table.ts';
import type { TlibClientApplication } from './tlib-access.ts';

/** The seed's DN types (seed 004 digest, 2.3). */
export type DnType = 'Extension' | 'ACDQueue' | 'RoutingPoint' | 'VirtualQueue' | 'Trunk' | 'VoIPService';

export const DN_TYPES: readonly DnType[] = ['Extension', 'ACDQueue', 'RoutingPoint', 'VirtualQueue', 'Trunk', 'VoIPService'];

/** `no-answer-action` values; the seed spells the middle one `not ready` (4.2), we also accept `notready`. */
export type NoAnswerAction = 'none' | 'notready' | 'logout';

/** `wrap-up-time`: 0 = no ACW, a number of seconds, or `untimed`. */
export type WrapUpTime = number | 'untimed';

/** Option values as they come from an annex section: strings, numbers or booleans. */
export type OptionValue = string | number | boolean;
export type Options = Readonly<Record<string, OptionValue>>;

/** One configured DN. `options` is its `[TServer]` annex section. */
export interface DnConfig {
  name: string;
  type: DnType;
  /** The DN `register` flag: a DN with `register: false` is out of service (seed 004, 2.2), except ACD queues. */
  register?: boolean;
  options?: Options;
}

/** One configured Agent Login. `options` is its `[TServer]` annex section (`wrap-up-time`, `no-answer-action`...). */
export interface AgentLoginConfig {
  agentId: string;
  /** scrypt hash of the agent's password: RequestAgentLogin must then carry `Password`. */
  passwordHash?: string;
  options?: Options;
}

/** Everything the T-Server reads from configuration. */
export interface TServerConfig {
  /** The Switch name (reported in EventServerInfo). */
  switchName: string;
  dns: readonly DnConfig[];
  agentLogins: readonly AgentLoginConfig[];
  /** The Application's `[TServer]` section. */
  options: Options;
  /** The Applications T-Lib clients authenticate as, and what each may do (tlib-access.ts). */
  applications: readonly TlibClientApplication[];
}

/** The typed, defaulted `[TServer]` Application options the server uses. */
export interface TServerOptions {
  'agent-strict-id': boolean;
  'logout-on-disconnect': boolean;
  /** Minutes (as the Genesys option); 0 disables. */
  'auto-logout-timeout': number;
  'auto-logout-ready': boolean;
  'wrap-up-time': WrapUpTime;
  /** Seconds; 0 disables. */
  'legal-guard-time': number;
  'timed-acw-in-idle': boolean;
  'default-dn': string | undefined;
  'default-redirection-limit': number;
  /** Seconds; 0 disables (the call waits for the router). */
  'router-timeout': number;
  /** Seconds; 0 disables. */
  'no-answer-timeout': number;
  'no-answer-action': NoAnswerAction;
  /** `disabled`: chat calls are kept out of statistics and reporting (seed 004 3.15). */
  'im-reporting': 'default' | 'disabled';
  'pass-transcript-to-agent': boolean;
}

function bad(what: string): never {
  throw new UccError('UCC_ERR_CONFIG_INVALID', `tserver: ${what}`);
}

/** Parses a boolean option (`true`/`false`, `1`/`0`, `yes`/`no`); undefined when absent or invalid. */
export function parseBoolOption(v: OptionValue | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes' || s === 'on') return true;
  if (s === 'false' || s === '0' || s === 'no' || s === 'off') return false;
  return undefined;
}

/** Parses a non-negative number of seconds; undefined when absent or invalid. */
export function parseSecondsOption(v: OptionValue | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) && n >= 0 && String(v).trim() !== '' ? n : undefined;
}

/** Parses `wrap-up-time` / the `WrapUpTime` extension: seconds or `untimed`. */
export function parseWrapUpTime(v: OptionValue | undefined): WrapUpTime | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.trim().toLowerCase() === 'untimed') return 'untimed';
  return parseSecondsOption(v);
}

/** Parses `no-answer-action` / `NO_ANSWER_ACTION`: `none`, `not ready` (or `notready`), `logout`. */
export function parseNoAnswerAction(v: OptionValue | undefined): NoAnswerAction | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim().toLowerCase().replace(/[\s_-]/g, '');
  if (s === 'none') return 'none';
  if (s === 'notready') return 'notready';
  if (s === 'logout') return 'logout';
  return undefined;
}

/**
 * Reads the Application options, defaults from the option table (src/config/option-table.ts); an
 * invalid value is a configuration error naming the option.
 */
export function readTServerOptions(o: Options): TServerOptions {
  const pick = <T>(name: keyof TServerOptions): T => {
    const r = resolveOptionIn('TServer', name, { application: o });
    if (r.invalid) bad(`option ${name}: invalid value '${String(r.invalid.raw)}' (${r.invalid.problem})`);
    return r.value as T;
  };
  const dn = pick<string | undefined>('default-dn');
  return {
    'agent-strict-id': pick('agent-strict-id'),
    'logout-on-disconnect': pick('logout-on-disconnect'),
    'auto-logout-timeout': pick('auto-logout-timeout'),
    'auto-logout-ready': pick('auto-logout-ready'),
    'wrap-up-time': pick('wrap-up-time'),
    'legal-guard-time': pick('legal-guard-time'),
    'timed-acw-in-idle': pick('timed-acw-in-idle'),
    'default-dn': dn === undefined || dn === '' ? undefined : dn,
    'default-redirection-limit': pick('default-redirection-limit'),
    'router-timeout': pick('router-timeout'),
    'no-answer-timeout': pick('no-answer-timeout'),
    'no-answer-action': pick('no-answer-action'),
    'im-reporting': pick('im-reporting'),
    'pass-transcript-to-agent': pick('pass-transcript-to-agent'),
  };
}

/** The Application option values when none is set: the option table's defaults. */
export const TSERVER_OPTION_DEFAULTS: TServerOptions = readTServerOptions({});

/** Checks the `[TServer]` options of a DN or Agent Login annex that are read on that level (option table kinds). */
function checkAnnex(owner: string, level: 'dn' | 'agentLogin', options: Options): void {
  for (const name of Object.keys(options)) {
    if (!defaultOptionTable.find('TServer', name)?.levels.includes(level)) continue;
    const r = resolveOptionIn('TServer', name, { [level]: options });
    if (r.invalid) bad(`${owner}: option ${name}: invalid value '${String(r.invalid.raw)}' (${r.invalid.problem})`);
  }
}

/** Lower-cases a DN name: DN names compare case-insensitively (seed 004, 2.2). */
export function dnKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Validates a plain object as a {@link TServerConfig} (tests, the CLI, the config layer's output).
 * Two DNs differing only by case are rejected (the seed keeps only one in service and raises
 * MSG_TS_COMMON_DN_MISCONFIGURED; refusing the configuration says the same thing earlier).
 */
export function createTServerConfig(input: {
  switchName?: string;
  dns?: ReadonlyArray<DnConfig>;
  agentLogins?: ReadonlyArray<AgentLoginConfig | string>;
  options?: Options;
  applications?: ReadonlyArray<TlibClientApplication>;
}): TServerConfig {
  const dns: DnConfig[] = [];
  const seen = new Set<string>();
  for (const d of input.dns ?? []) {
    if (!d || typeof d.name !== 'string' || d.name.trim() === '') bad('a DN has no name');
    if (!DN_TYPES.includes(d.type)) bad(`DN ${d.name}: unknown type '${String(d.type)}' (one of ${DN_TYPES.join(', ')})`);
    if (d.name.length > 256) bad(`DN ${d.name.slice(0, 32)}...: name longer than 256 characters`);
    if (!/^[\x20-\x7e]+$/.test(d.name)) bad(`DN ${d.name}: non-ASCII names are not supported`);
    const k = dnKey(d.name);
    if (seen.has(k)) bad(`DN ${d.name}: MSG_TS_COMMON_DN_MISCONFIGURED (another DN differs only by case)`);
    seen.add(k);
    dns.push({ name: d.name, type: d.type, register: d.register ?? true, options: { ...(d.options ?? {}) } });
  }
  const agentLogins = (input.agentLogins ?? []).map((a): AgentLoginConfig => {
    if (typeof a === 'string') return { agentId: a, options: {} };
    return { agentId: a.agentId, options: { ...(a.options ?? {}) }, ...(a.passwordHash !== undefined ? { passwordHash: a.passwordHash } : {}) };
  });
  const options = { ...(input.options ?? {}) };
  readTServerOptions(options); // validate early
  for (const d of dns) checkAnnex(`DN ${d.name}`, 'dn', d.options ?? {});
  for (const a of agentLogins) checkAnnex(`Agent Login ${a.agentId}`, 'agentLogin', a.options ?? {});
  const applications = (input.applications ?? []).map((a) => ({ ...a }));
  return { switchName: input.switchName ?? 'SIP_Switch', dns, agentLogins, options, applications };
}
