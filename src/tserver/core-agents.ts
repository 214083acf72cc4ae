/**
 * The T-Server core's agent section: RequestAgentLogin with the session settings resolved by option
 * precedence (seed 004, 5.9), and the agent requests the agent machine (agent.ts) answers.
 */
import { kvGet, TErr, type KvList, type TlibRequest } from '../tlib/index.ts';
import type { AgentInput, AgentSettings } from './agent.ts';
import { RequestError, type CoreContext, type DnRuntime, type RequestContext } from './core-context.ts';
import { parseNoAnswerAction, parseWrapUpTime, type NoAnswerAction, type Options, type OptionValue, type WrapUpTime } from './tserver-config.ts';

/** A scalar Extension value (a nested list is no option value). */
export function extensionValue(ext: KvList | undefined, key: string): OptionValue | undefined {
  const v = kvGet(ext, key);
  return typeof v === 'object' ? undefined : v;
}

/** NO_ANSWER_ACTION as T-Library clients spell it (`not ready`, `NOT_READY`, `notready`...), normalised for the option table. */
export function noAnswerActionExtension(ext: KvList | undefined): OptionValue | undefined {
  const raw = extensionValue(ext, 'NO_ANSWER_ACTION');
  return raw === undefined ? undefined : parseNoAnswerAction(raw) ?? raw;
}

const NO_ANSWER_ACTION_INVALID = 'Extensions NO_ANSWER_ACTION must be none, not ready or logout.';
const WRAP_UP_TIME_INVALID = 'Extensions WrapUpTime must be seconds or untimed.';

export function login(c: CoreContext, ctx: RequestContext, r: Extract<TlibRequest, { message: 'RequestAgentLogin' }>): void {
  const dn = c.thisDn(r.ThisDN);
  if (dn.type !== 'Extension') throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: dn.name }, 'Agents log in on Extension DNs only.');
  const agentId = r.AgentID;
  if (!agentId) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name });
  const loginOpts = c.agentLogins.get(agentId);
  // seed 004, 2.5 / 9.6 item 53: agent-strict-id forbids unconfigured agent IDs.
  if (c.opts['agent-strict-id'] && !loginOpts) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name, AgentID: agentId });
  if (c.agents.has(dn.key) || c.agentDnById.has(agentId)) throw new RequestError(TErr.TERR_SOFT_AGENT_ALREADY_LOGGED_IN, { ThisDN: dn.name, AgentID: agentId });
  const settings = agentSettings(c, dn, loginOpts, r.Extensions);
  c.agentDnById.set(agentId, dn.key);
  c.runAgent(dn.key, { type: 'login', agentId, dn: dn.name, queue: r.ThisQueue, workMode: c.workMode(r.AgentWorkMode), reasons: r.Reasons, clientId: ctx.client, settings }, ctx);
}

/**
 * An agent's session settings, each through the option resolver: the login Extension (WrapUpTime,
 * NO_ANSWER_ACTION, LegalGuardTime), then the levels the option table declares for it (Agent
 * Login, Extension DN), then the Application, then the table's default (seed 004, 5.9).
 */
function agentSettings(c: CoreContext, dn: DnRuntime, login: Options | undefined, ext: KvList | undefined): AgentSettings {
  const levels = { agentLogin: login, dn: dn.options };
  const rawWrap = extensionValue(ext, 'WrapUpTime');
  const wrap = c.option('wrap-up-time', levels, rawWrap === undefined ? undefined : parseWrapUpTime(rawWrap) ?? rawWrap);
  if (wrap.invalid?.level === 'request') throw new RequestError(TErr.TERR_INVALID_ATTR, {}, WRAP_UP_TIME_INVALID);
  const action = c.option('no-answer-action', levels, noAnswerActionExtension(ext));
  if (action.invalid?.level === 'request') throw new RequestError(TErr.TERR_INVALID_ATTR, {}, NO_ANSWER_ACTION_INVALID);
  // An unusable LegalGuardTime Extension is ignored: the configured value applies.
  let guard = c.option('legal-guard-time', levels, extensionValue(ext, 'LegalGuardTime'));
  if (guard.invalid?.level === 'request') guard = c.option('legal-guard-time', levels);
  return {
    wrapUpTime: wrap.value as WrapUpTime,
    legalGuardTime: guard.value as number,
    timedAcwInIdle: c.opts['timed-acw-in-idle'],
    // auto-logout-timeout is in minutes, as in Genesys; the agent machine counts seconds.
    autoLogoutTimeout: 60 * (c.option('auto-logout-timeout', levels).value as number),
    autoLogoutReady: c.option('auto-logout-ready', levels).value as boolean,
    noAnswerAction: action.value as NoAnswerAction,
  };
}

/** NO_ANSWER_ACTION of a RequestRouteCall, when given (an invalid one is refused with 53). */
export function routeNoAnswerAction(c: CoreContext, ext: KvList | undefined): NoAnswerAction | undefined {
  const raw = noAnswerActionExtension(ext);
  if (raw === undefined) return undefined;
  const r = c.option('no-answer-action', {}, raw);
  if (r.invalid) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, NO_ANSWER_ACTION_INVALID);
  return r.value as NoAnswerAction;
}

export function agentRequest(c: CoreContext, ctx: RequestContext, name: string, agentId: string | undefined, input: AgentInput): void {
  const dn = c.thisDn(name);
  const agent = c.agents.get(dn.key);
  if (!agent) throw new RequestError(TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN, { ThisDN: dn.name, AgentID: agentId });
  if (agentId !== undefined && agentId !== agent.agentId) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name, AgentID: agentId });
  c.runAgent(dn.key, input, ctx);
}

/** RequestAgentNotReady: the WrapUpTime Extension starts or extends ACW (seed 004, 3.8). */
export function notReady(c: CoreContext, ctx: RequestContext, r: Extract<TlibRequest, { message: 'RequestAgentNotReady' }>): void {
  const raw = kvGet(r.Extensions, 'WrapUpTime');
  const w = raw === undefined ? undefined : parseWrapUpTime(typeof raw === 'object' ? undefined : raw);
  if (raw !== undefined && w === undefined) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, WRAP_UP_TIME_INVALID);
  agentRequest(c, ctx, r.ThisDN, r.AgentID, { type: 'notReady', workMode: c.workMode(r.AgentWorkMode), reasons: r.Reasons, wrapUpTime: w });
}
