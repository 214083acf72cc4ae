/**
 * The T-Server core's transfer and conference section (seed 004, 4.1): two-step transfer and
 * conference through a consultation call, and single-step transfer. The moves themselves are the
 * call reducer's; the Switch holds, moves and releases the legs.
 */
import { kvUpdate, TErr, type ConnId, type KvList } from '../tlib/index.ts';
import { otherParties } from './call.ts';
import { RequestError, ROUTABLE, type CoreContext, type DnRuntime, type RequestContext } from './core-context.ts';
import { arriveAtRoutingPoint, contactOf, offerTo } from './core-routing.ts';
import { PartyState } from './party-state.ts';
import type { Call } from './call.ts';

function established(dn: DnRuntime, call: Call, state: PartyState): void {
  if (state !== PartyState.Established && state !== PartyState.Held) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
}

function notOnCall(dest: DnRuntime, call: Call): void {
  if (dest.calls.has(call.connId) || call.offers.has(dest.key)) throw new RequestError(TErr.TERR_INV_CALD_DN, { OtherDN: dest.name }, `'${dest.name}' is already on the call.`);
}

/** RequestInitiateTransfer / RequestInitiateConference: EventHeld, then EventDialing on a consultation call. */
export function initiate(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId, to: string, userData: KvList | undefined, kind: 'transfer' | 'conference'): void {
  const dn = c.thisDn(name);
  const { call, party } = c.callOf(dn, connId);
  established(dn, call, party.state);
  for (const other of c.calls.values()) {
    if (other.consultation?.mainConnId === call.connId && other.consultation.initiatorKey === dn.key) {
      throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: dn.name, ConnID: call.connId }, 'A consultation call for this call is already in progress.');
    }
  }
  const dest = c.calledDn(to, dn);
  notOnCall(dest, call);
  const ud = userData ? kvUpdate(call.userData, userData) : call.userData;
  c.checkUserData(ud);
  // The Switch holds the main call's leg; EventHeld follows its `held`.
  if (party.state === PartyState.Established) c.command({ kind: 'hold', connId: call.connId, dn: dn.name });
  // The consultation call starts with a copy of the main call's UserData.
  const consult = c.newCall('Consult', dn, ud, { mediaType: call.mediaType, consultation: { mainConnId: call.connId, initiatorKey: dn.key, kind } });
  c.step(consult.connId, { type: 'dial', key: dn.key, dn: dn.name, otherDn: dest.name, transferConnId: call.connId, by: ctx });
  offerTo(c, consult.connId, dest);
}

/** RequestCompleteTransfer / RequestCompleteConference: the consulted parties join the main call. */
export function complete(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId, transferConnId: ConnId, kind: 'transfer' | 'conference'): void {
  const dn = c.thisDn(name);
  const { call: main } = c.callOf(dn, connId);
  const { call: consult } = c.callOf(dn, transferConnId);
  const cannot = (why: string): never => { throw new RequestError(TErr.TERR_CANNOT_COMPLETE_TRANSFER, { ThisDN: dn.name, ConnID: main.connId }, why); };
  if (consult.consultation?.mainConnId !== main.connId) cannot('TransferConnID is not a consultation of ConnID.');
  const added = otherParties(consult, dn.key);
  if (added.length === 0 || added.some((q) => q.state !== PartyState.Established)) cannot('The consultation call is not established.');
  c.complete(main, consult, { kind, key: dn.key, by: ctx });
}

/** RequestSingleStepTransfer: the recipient rings; the transferring DN leaves once it answers (seed 004, 4.1). */
export function singleStepTransfer(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId, to: string): void {
  const dn = c.thisDn(name);
  const { call, party } = c.callOf(dn, connId);
  established(dn, call, party.state);
  if (call.singleStep || call.routing?.ringingKey) throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: dn.name, ConnID: call.connId });
  const dest = c.calledDn(to, dn);
  notOnCall(dest, call);
  if (ROUTABLE.has(dest.type)) {
    // To a routing point or queue the transferring DN leaves at once; routing takes over.
    c.step(call.connId, { type: 'leave', key: dn.key, otherDn: dest.name, by: ctx });
    arriveAtRoutingPoint(c, call.connId, dest);
    return;
  }
  c.step(call.connId, { type: 'singleStep', fromKey: dn.key, fromDn: dn.name, key: dest.key, dn: dest.name, contact: contactOf(c, dest), by: ctx });
}
