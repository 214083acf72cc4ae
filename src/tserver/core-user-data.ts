/** The T-Server core's UserData and user-event section: Request{Attach,Update,Delete}UserData, RequestDeletePair, RequestDistributeUserEvent. */
import type { ConnId, KvList, TlibRequest } from '../tlib/index.ts';
import { ev, type CoreContext, type RequestContext } from './core-context.ts';

export function changeUserData(c: CoreContext, ctx: RequestContext, name: string, connId: ConnId, change: (l: KvList) => KvList): void {
  const dn = c.thisDn(name);
  const { call } = c.callOf(dn, connId);
  const next = change(call.userData);
  c.checkUserData(next);
  c.step(call.connId, { type: 'setUserData', userData: next });
  const updated = c.calls.get(call.connId) ?? call;
  // Every party of the call learns the complete new UserData; the requester's copy carries the ReferenceID.
  for (const p of updated.parties.values()) {
    const mine = p.key === dn.key;
    c.emitCall('EventAttachedDataChanged', updated, p, { ReferenceID: mine ? ctx.ref : undefined, ThirdPartyDN: dn.name, UserData: next }, mine ? ctx.client : undefined);
  }
}

export function distributeUserEvent(c: CoreContext, ctx: RequestContext, r: Extract<TlibRequest, { message: 'RequestDistributeUserEvent' }>): void {
  const dn = c.thisDn(r.ThisDN);
  if (r.UserData) c.checkUserData(r.UserData);
  const e = ev('EventUserEvent', { ThisDN: dn.name, ConnID: r.ConnID, OtherDN: r.OtherDN, AgentID: r.AgentID ?? c.agents.get(dn.key)?.agentId, Place: r.Place, CallUUID: r.CallUUID, UserData: r.UserData });
  for (const client of dn.clients) c.send(client, e);
  c.send(ctx.client, ev('EventACK', { ReferenceID: ctx.ref, ThisDN: dn.name }));
}
