/**
 * The T-Server core's call section: RequestMakeCall, RequestAnswerCall, RequestHoldCall /
 * RequestRetrieveCall and RequestReleaseCall. Each checks the request (seed 004, 8.1 codes) and
 * asks the Switch or the call reducer; answers, holds and retrieves take effect when the Switch
 * reports them (core-switch-events.ts), and the reply carries the request's ReferenceID then.
 */
import { TErr, type ConnId, type KvList } from '../tlib/index.ts';
import type { Requester } from './call-reducer.ts';
import { extensionValue } from './core-agents.ts';
import { RequestError, type CoreContext, type RequestContext } from './core-context.ts';
import { arriveAtRoutingPoint, offerTo } from './core-routing.ts';
import { PartyState } from './party-state.ts';
import { parseBoolOption } from './tserver-config.ts';

export function makeCall(c: CoreContext, ctx: RequestContext, from: string, to: string, userData: KvList | undefined): void {
  const origin = c.thisDn(from);
  if (origin.type !== 'Extension' && origin.type !== 'Trunk') throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: origin.name }, 'Calls are made from Extension or Trunk DNs.');
  const dest = c.calledDn(to, origin);
  if (userData) c.checkUserData(userData);
  // seed 004, 4.2: the `chat = true` Extension makes an IM call.
  const chat = parseBoolOption(extensionValue(ctx.extensions, 'chat')) === true;
  // A call from a Trunk is an inbound customer call (docs/protocols/tlib.md, "T-Server").
  const call = c.newCall(origin.type === 'Trunk' ? 'Inbound' : 'Internal', origin, userData ?? [], { mediaType: chat ? 'chat' : 'voice' });
  c.step(call.connId, { type: 'dial', key: origin.key, dn: origin.name, otherDn: dest.name, by: ctx });
  offerTo(c, call.connId, dest);
}

/** RequestAnswerCall: the Switch answers the ringing leg; EventEstablished follows its `answered`. */
export function answer(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId): void {
  const dn = c.thisDn(name);
  const { call, party } = c.callOf(dn, connId);
  if (party.state === PartyState.Established) throw new RequestError(TErr.TERR_IN_SAME_STATE, { ThisDN: dn.name, ConnID: call.connId });
  if (party.state !== PartyState.Ringing) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
  c.expectReply(call.connId, 'answer', dn.key, ctx);
  c.command({ kind: 'answer', connId: call.connId, dn: dn.name });
}

/** RequestHoldCall / RequestRetrieveCall: EventHeld / EventRetrieved follow the Switch's `held` / `retrieved`. */
export function holdRetrieve(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId, hold: boolean): void {
  const dn = c.thisDn(name);
  const { call, party } = c.callOf(dn, connId);
  const want = hold ? PartyState.Held : PartyState.Established;
  if (party.state === want) throw new RequestError(TErr.TERR_IN_SAME_STATE, { ThisDN: dn.name, ConnID: call.connId });
  if (party.state !== (hold ? PartyState.Established : PartyState.Held)) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
  c.expectReply(call.connId, hold ? 'hold' : 'retrieve', dn.key, ctx);
  c.command({ kind: hold ? 'hold' : 'retrieve', connId: call.connId, dn: dn.name });
}

export function release(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId): void {
  const dn = c.thisDn(name);
  const { call, party } = c.callOf(dn, connId);
  if (party.state === PartyState.Queued) throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: dn.name, ConnID: call.connId }, 'A routing point does not release calls; use RequestRouteCall.');
  hangUp(c, call.connId, dn.key, ctx, false);
}

/** A party hangs up (by request, or the Switch reports it); a routed call refused while ringing goes back to its routing point. */
export function hangUp(c: CoreContext, connId: ConnId, key: string, by: Requester | undefined, fromSwitch: boolean): void {
  const rpKey = c.step(connId, { type: 'release', key, by, fromSwitch });
  const rp = rpKey === undefined ? undefined : c.dns.get(rpKey);
  if (rp) arriveAtRoutingPoint(c, connId, rp);
}
