/**
 * The declarative routing strategy of one Routing Point: the `[router]` annex section of the
 * Routing Point DN (seed style: routing-point options live in the DN's annex, like its
 * `[uc-connector]` and `[TServer]` sections). Compiled and validated once at load, like Kamailio's
 * fixups, so a call never meets a half-valid strategy; recompiled when the configuration changes.
 *
 * ```yaml
 * - number: '5000'
 *   type: RoutingPoint
 *   annex:
 *     router: { target-type: agent-group, target: Sales, selection: broadcast, max-attempts: 2 }
 * ```
 * docs/router.md describes every option.
 */
import type { OptionSections, OptionValue } from '../config/config-objects.ts';
import { parseOptionValue, type OptionKind } from '../config/option-value.ts';
import { defaultOptionTable } from '../config/option-table.ts';
import { routerSectionRule } from '../config/section-rules.ts';
import { type Result, ok, err } from '../lib/result.ts';

/** The annex section that holds a Routing Point's strategy. */
export const ROUTER_SECTION = 'router';

/** How the strategy picks among candidates. */
export type SelectionMode = 'targeted' | 'round-robin' | 'longest-idle' | 'broadcast';

/** Whom the strategy targets. */
export type StrategyTarget =
  /** One fixed knowledge worker, by Person user name (or AgentID). */
  | { type: 'kw'; kw: string }
  /** The KW named by the value of a UserData key of the call. */
  | { type: 'userdata'; key: string }
  /** The available members of an agent group. */
  | { type: 'agent-group'; group: string };

/** What happens when no KW accepted after every attempt. */
export type NoAcceptAction = 'default-dn' | 'wait';

/** A compiled, valid strategy. */
export interface RoutingStrategy {
  readonly routingPoint: string;
  readonly target: StrategyTarget;
  readonly selection: SelectionMode;
  /** Preview on: offer first and route on accept; off: route to the selected KW at once. */
  readonly preview: boolean;
  /** Countdown per offer in ms; undefined = the KW's `preview-expiration-timeout`. */
  readonly previewTimeoutMs: number | undefined;
  /** Offers (round-robin / longest-idle / targeted) or broadcast rounds before giving up. */
  readonly maxAttempts: number;
  readonly noAcceptAction: NoAcceptAction;
  /** Where the call goes when nobody accepts; undefined = the Routing Point's `[TServer] default-dn`. */
  readonly defaultDn: string | undefined;
  /** The router's own deadline for the whole strategy in ms; undefined = none (the T-Server's router-timeout governs). */
  readonly routerTimeoutMs: number | undefined;
  /** The IM treatment a chat gets before the preview (seed 004 3.14); undefined = none. */
  readonly imTreatment?: ImTreatment | undefined;
}

/** An IM treatment of a strategy: RequestApplyTreatment's type, PROMPT texts and TOTAL_TIMEOUT. */
export interface ImTreatment {
  readonly type: 'PlayAnnouncement' | 'CollectDigits' | 'PlayAnnouncementAndDigits';
  readonly prompts: readonly string[];
  readonly totalTimeoutS: number;
}

/** One problem of a `[router]` section, naming the option. */
export interface StrategyIssue {
  option: string;
  message: string;
}

function read(section: Readonly<Record<string, OptionValue>>, name: string, issues: StrategyIssue[]): OptionValue | string | number | boolean | undefined {
  const spec = defaultOptionTable.find(ROUTER_SECTION, name);
  if (!spec) throw new Error(`router option '${name}' is missing from the option table`);
  const raw = section[name];
  if (raw === undefined) return spec.default as OptionValue | undefined;
  const parsed = parseOptionValue(spec.kind as OptionKind, raw);
  if (!parsed.ok) {
    issues.push({ option: name, message: parsed.error });
    return spec.default as OptionValue | undefined;
  }
  return parsed.value as OptionValue;
}

/**
 * Compiles one Routing Point's `[router]` section. Per-option kinds are those of the option table
 * (so `ucc check-config` reports them with file:line); this adds the rules that span options.
 */
export function compileStrategy(routingPoint: string, section: Readonly<Record<string, OptionValue>>): Result<RoutingStrategy, StrategyIssue[]> {
  const issues: StrategyIssue[] = [];
  for (const name of Object.keys(section)) {
    if (!defaultOptionTable.find(ROUTER_SECTION, name)) issues.push({ option: name, message: 'unknown option in section router' });
  }
  const targetType = String(read(section, 'target-type', issues));
  const targetName = String(read(section, 'target', issues) ?? '').trim();
  const selection = targetType === 'kw' || targetType === 'userdata' ? 'targeted' : (String(read(section, 'selection', issues)) as SelectionMode);
  const preview = read(section, 'preview', issues) as boolean;
  // The rules spanning options are the configuration's (checked at load too).
  issues.push(...routerSectionRule(section));
  const target: StrategyTarget | undefined = targetName === '' ? undefined : targetType === 'kw' ? { type: 'kw', kw: targetName } : targetType === 'userdata' ? { type: 'userdata', key: targetName } : { type: 'agent-group', group: targetName };
  const timeout = read(section, 'preview-timeout', issues) as number;
  const maxAttempts = read(section, 'max-attempts', issues) as number;
  const noAcceptAction = String(read(section, 'no-accept-action', issues)) as NoAcceptAction;
  const defaultDn = String(read(section, 'default-dn', issues) ?? '').trim();
  const routerTimeout = read(section, 'router-timeout', issues) as number;
  const treatmentType = String(read(section, 'im-treatment', issues));
  const prompts = String(read(section, 'im-treatment-prompt', issues) ?? '').split('|').map((p) => p.trim()).filter((p) => p !== '');
  const totalTimeoutS = read(section, 'im-treatment-total-timeout', issues) as number;
  if (treatmentType !== 'none' && treatmentType !== 'CollectDigits' && prompts.length === 0) issues.push({ option: 'im-treatment-prompt', message: `${treatmentType} needs at least one prompt text` });
  if (issues.length > 0 || !target) return err(issues);
  return ok({
    routingPoint,
    target,
    selection,
    preview,
    previewTimeoutMs: timeout > 0 ? timeout : undefined,
    maxAttempts,
    noAcceptAction,
    defaultDn: defaultDn === '' ? undefined : defaultDn,
    routerTimeoutMs: routerTimeout > 0 ? routerTimeout * 1000 : undefined,
    imTreatment: treatmentType === 'none' ? undefined : { type: treatmentType as ImTreatment['type'], prompts, totalTimeoutS },
  });
}

/** A DN as the strategy loader needs it (a subset of the config DnObject). */
export interface StrategyDn {
  number: string;
  type: string;
  annex: OptionSections;
}

/** Every Routing Point with a `[router]` section, compiled; invalid ones are reported and left out. */
export function compileStrategies(dns: readonly StrategyDn[]): { strategies: Map<string, RoutingStrategy>; issues: Array<StrategyIssue & { routingPoint: string }> } {
  const strategies = new Map<string, RoutingStrategy>();
  const issues: Array<StrategyIssue & { routingPoint: string }> = [];
  for (const dn of dns) {
    // The configuration spells the type 'Routing Point' (seed), the T-Server 'RoutingPoint'.
    if (dn.type !== 'Routing Point' && dn.type !== 'RoutingPoint') continue;
    const section = Object.entries(dn.annex).find(([k]) => k.toLowerCase() === ROUTER_SECTION)?.[1];
    if (!section) continue;
    const r = compileStrategy(dn.number, section);
    if (r.ok) strategies.set(dn.number, r.value);
    else for (const i of r.error) issues.push({ ...i, routingPoint: dn.number });
  }
  return { strategies, issues };
}
