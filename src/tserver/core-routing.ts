/**
 * The T-Server core's routing section: delivery of a call to a DN (queued on a routing point or
 * queue, offered to an Extension through the Switch), routing-point arrival with EventQueued /
 * EventRouteRequest and default routing (seed 004, 3.1), RequestRouteCall, the router timeout, and
 * no-answer supervision (3.17), which also takes a routed offer the Switch could not deliver.
 */
import { kvGet, kvGetString, kvUpdate, TErr, type CallState, type ConnId, type TlibRequest } from '../tlib/index.ts';
import { stopTreatment } from './core-treatments.ts';
import type { Call } from './call.ts';
import { routeNoAnswerAction } from './core-agents.ts';
import { CALLABLE, ev, NO_ANSWER_ERROR_CODE, RequestError, ROUTABLE, type CoreContext, type DnRuntime, type RequestContext } from './core-context.ts';
import { PartyState } from './party-state.ts';
import { decideArrival, decideRouterTimeout, type ArrivalContext, type RoutingDecision } from './routing-point.ts';
import type { SwitchCause } from './switch-port.ts';
import { dnKey, parseBoolOption, type NoAnswerAction } from './tserver-config.ts';

/** What a failed delivery means for T-Library: the EventError code and the CallState of the released party. */
export const SWITCH_FAILURES: Readonly<Record<SwitchCause, { code: number; callState: CallState; text: string }>> = {
  noAnswer: { code: NO_ANSWER_ERROR_CODE, callState: 'NoAnswer', text: 'did not answer in time' },
  busy: { code: TErr.TERR_DEST_INV_STATE, callState: 'Busy', text: 'is busy' },
  notFound: { code: TErr.TERR_INV_DEST_DN, callState: 'SitInvalidnum', text: 'cannot be reached' },
  rejected: { code: TErr.TERR_DEST_INV_STATE, callState: 'Dropped', text: 'refused the call' },
  error: { code: TErr.TERR_TIMEOUT, callState: 'GeneralError', text: 'could not be reached (network error)' },
  unknownNumber: { code: TErr.TERR_INV_CALD_DN, callState: 'SitInvalidnum', text: 'is not served here' },
  normal: { code: TErr.TERR_UNKNOWN_ERROR, callState: 'Dropped', text: 'was released' },
};

/** The DN's `contact` (its `[TServer]` annex), where the Switch reaches it. */
export function contactOf(c: CoreContext, dn: DnRuntime): string | undefined {
  const v = c.option('contact', { dn: dn.options }).value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Delivers a call to a DN: a routing point or queue queues it; an Extension is offered through the
 * Switch (EventRinging follows its `ringing`). A routed delivery is supervised: only an answer
 * counts (seed 004, 3.17).
 */
export function offerTo(c: CoreContext, connId: ConnId, dest: DnRuntime, routedFrom?: DnRuntime, noAnswerSecs?: number, noAnswerAction?: NoAnswerAction): void {
  if (ROUTABLE.has(dest.type)) return arriveAtRoutingPoint(c, connId, dest);
  const call = c.calls.get(connId);
  if (!call) return;
  const origin = call.parties.get(call.originKey);
  const secs = noAnswerSecs ?? c.opts['no-answer-timeout'];
  const routed = routedFrom && call.routing ? { noAnswerAction, noAnswerMs: secs > 0 ? secs * 1000 : undefined } : undefined;
  const from = origin?.dn ?? call.parties.values().next().value?.dn ?? '';
  c.step(connId, { type: 'offer', key: dest.key, dn: dest.name, from, contact: contactOf(c, dest), thirdPartyDn: routedFrom?.name, routed });
}

/** A call arrives at a routing point or queue: EventQueued, then EventRouteRequest to the routing client, or default routing. */
export function arriveAtRoutingPoint(c: CoreContext, connId: ConnId, rp: DnRuntime): void {
  c.step(connId, { type: 'queue', key: rp.key, dn: rp.name });
  const call = c.calls.get(connId);
  if (call) applyRouting(c, connId, rp, decideArrival(arrivalContext(c, call, rp)));
}

/** The routing-point facts the pure decisions need, options resolved by precedence (the routing point, then the Application). */
function arrivalContext(c: CoreContext, call: Call, rp: DnRuntime): ArrivalContext {
  // An empty default-dn on the routing point leaves the Application's in force.
  const own = rp.options['default-dn'];
  const name = String(c.option('default-dn', { dn: own !== undefined && String(own) !== '' ? rp.options : undefined }).value ?? '');
  const target = name ? c.dns.get(dnKey(name)) : undefined;
  const usable = target && target !== rp && target.inService && CALLABLE.has(target.type);
  return {
    dnType: rp.type,
    // A monitoring client (ModeMonitor) watches the routing point but will never route its calls.
    routingClients: rp.clients.size - rp.monitors.size,
    routerTimeout: c.option('router-timeout', { dn: rp.options }).value as number,
    defaultDn: usable ? target.name : undefined,
    redirections: call.routing?.redirections ?? 0,
    redirectionLimit: c.opts['default-redirection-limit'],
  };
}

function applyRouting(c: CoreContext, connId: ConnId, rp: DnRuntime, d: RoutingDecision): void {
  const call = c.calls.get(connId);
  const p = call?.parties.get(rp.key);
  if (!call || !p) return;
  if (d.action === 'routeRequest') {
    c.emitCall('EventRouteRequest', call, p, { OtherDN: call.parties.get(call.originKey)?.dn });
    if (d.timerMs !== undefined) c.startTimer(`router:${connId}`, d.timerMs);
  } else if (d.action === 'defaultRoute') {
    // Alternate routing (seed 004, 3.1): EventDiverted to default-dn, one more redirection.
    const target = c.dns.get(dnKey(d.target));
    if (!target || !call.routing) return;
    c.step(connId, { type: 'unqueue', key: rp.key, target: target.name, redirected: true });
    offerTo(c, connId, target, rp);
  }
  // 'wait': the call stays queued (no router and no usable default-dn, or the redirection limit reached).
}

export function onRouterTimeout(c: CoreContext, connId: ConnId): void {
  const call = c.calls.get(connId);
  const r = call?.routing;
  if (!call || !r || r.state !== 'Waiting' || call.parties.get(r.rpKey)?.state !== PartyState.Queued) return;
  const rp = c.dns.get(r.rpKey);
  if (rp) applyRouting(c, connId, rp, decideRouterTimeout(arrivalContext(c, call, rp)));
}

export function routeCall(c: CoreContext, ctx: RequestContext, req: Extract<TlibRequest, { message: 'RequestRouteCall' }>): void {
  const rp = c.thisDn(req.ThisDN);
  const call = c.lookupCall(req.ConnID);
  const p = call.parties.get(rp.key);
  if (!p) {
    if (call.routing?.rpKey === rp.key && call.routing.ringingKey) throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: rp.name, ConnID: call.connId }, 'The call is already routed and ringing.');
    throw new RequestError(TErr.TERR_PARTY_NOT_ON_CALL, { ThisDN: rp.name, ConnID: call.connId });
  }
  if (p.state !== PartyState.Queued) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: rp.name, ConnID: call.connId });
  const type = req.RouteType ?? 'Default';
  if (type === 'Reject' || type === 'CallDisconnect') {
    c.step(call.connId, { type: 'unqueue', key: rp.key, by: ctx });
    c.step(call.connId, { type: 'releaseAll', callState: type === 'Reject' ? 'Busy' : 'Cleared' });
    return;
  }
  const target = c.calledDn(req.OtherDN, rp);
  // Routing delivers to agents: an Extension with nobody signed in is refused (seed 004, 9.19 item 140).
  if (target.type === 'Extension' && !c.agents.has(target.key)) throw new RequestError(TErr.TERR_NOT_SIGNED_AGENT, { ThisDN: rp.name, ConnID: call.connId, OtherDN: target.name });
  const ext = req.Extensions;
  // seed 004, 3.17 / 5.9: NO_ANSWER_TIMEOUT beats the Application's no-answer-timeout; 0 (or an unusable value) is ignored.
  const rawTimeout = kvGet(ext, 'NO_ANSWER_TIMEOUT') ?? kvGet(ext, 'no-answer-timeout');
  const byRequest = rawTimeout === undefined || typeof rawTimeout === 'object' ? undefined : c.option('no-answer-timeout', {}, rawTimeout);
  const t = byRequest?.source === 'request' && (byRequest.value as number) > 0 ? (byRequest.value as number) : undefined;
  const na = routeNoAnswerAction(c, ext);
  if (req.UserData) {
    const next = kvUpdate(call.userData, req.UserData);
    c.checkUserData(next);
    c.step(call.connId, { type: 'setUserData', userData: next });
  }
  if (call.mediaType === 'chat') {
    stopTreatment(c, call);
    // seed 004 3.14: the RequestRouteCall extension beats the Application option.
    call.passTranscript = parseBoolOption(kvGetString(ext, 'pass-transcript-to-agent')) ?? c.opts['pass-transcript-to-agent'];
  }
  c.step(call.connId, { type: 'unqueue', key: rp.key, target: target.name, by: ctx });
  offerTo(c, call.connId, target, rp, t, na);
}

/** The no-answer timer of a routed call fired: the ringing DN is released at the Switch (seed 004, 3.17). */
export function onNoAnswer(c: CoreContext, connId: ConnId): void {
  const call = c.calls.get(connId);
  const key = call?.routing?.ringingKey;
  if (!call || !key) return;
  const p = call.parties.get(key);
  if (p ? p.state !== PartyState.Ringing : !call.offers.has(key)) return;
  undelivered(c, call, key, 'noAnswer', false);
}

/**
 * A routed delivery failed (no answer in time, or the Switch could not deliver it): EventError to
 * the DN and the routing point, EventReleased where it rang, `no-answer-action` for the agent who
 * did not answer, and the call goes back to the routing point to be routed again or default-routed.
 */
export function undelivered(c: CoreContext, call: Call, key: string, cause: SwitchCause, fromSwitch: boolean): void {
  const r = call.routing;
  const dn = c.dns.get(key);
  const rp = r ? c.dns.get(r.rpKey) : undefined;
  if (!r || !dn || !rp) return;
  const f = SWITCH_FAILURES[cause];
  const message = cause === 'noAnswer' ? `TERR_DN_NO_ANSWER: '${dn.name}' did not answer in time.` : `'${dn.name}' ${f.text}.`;
  const err = { ErrorCode: f.code, ErrorMessage: message, ConnID: call.connId, OtherDN: rp.name };
  if (call.parties.has(key)) c.emit(dn, ev('EventError', { ...err, ThisDN: dn.name }));
  c.emit(rp, ev('EventError', { ...err, ThisDN: rp.name, OtherDN: dn.name }));
  const agent = c.agents.get(dn.key);
  const action: NoAnswerAction = r.noAnswerAction ?? agent?.settings.noAnswerAction ?? c.opts['no-answer-action'];
  c.step(call.connId, { type: 'noAnswer', key, callState: f.callState, cause, fromSwitch });
  if (agent && action !== 'none' && cause === 'noAnswer') c.runAgent(dn.key, { type: 'noAnswer', action }, undefined);
  arriveAtRoutingPoint(c, call.connId, rp);
}
