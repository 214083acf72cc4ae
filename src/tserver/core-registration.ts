/**
 * The T-Server core's registration section: RequestRegisterAddress / RequestUnregisterAddress,
 * RequestQueryAddress and Do-Not-Disturb (seed 004, 4.1 "Registration" and "Agent & DN").
 */
import { kvGet, TErr, type KvList, type RegisterMode } from '../tlib/index.ts';
import { AgentState } from './agent-state.ts';
import { ev, presenceExtensions, RequestError, type Attrs, type CoreContext, type DnRuntime, type RequestContext } from './core-context.ts';
import { parseBoolOption } from './tserver-config.ts';

export function register(c: CoreContext, ctx: RequestContext, name: string, ext: KvList | undefined, mode: RegisterMode | undefined): void {
  const dn = c.thisDn(name);
  dn.clients.add(ctx.client);
  if (mode === 'ModeMonitor') dn.monitors.add(ctx.client);
  else dn.monitors.delete(ctx.client);
  c.clients.get(ctx.client)?.add(dn.key);
  const lod = kvGet(ext, 'LogoutOnDisconnect');
  if (lod !== undefined && parseBoolOption(typeof lod === 'object' ? undefined : lod) === true) dn.logoutOnDisconnect.add(ctx.client);
  // seed 004, 4.1 note 1: only the requester receives EventRegistered.
  c.send(ctx.client, ev('EventRegistered', { ReferenceID: ctx.ref, ...dnStatus(c, dn), Extensions: presenceExtensions(c.opts['im-reporting']) }));
}

export function unregister(c: CoreContext, ctx: RequestContext, name: string): void {
  const dn = c.thisDn(name);
  if (!dn.clients.has(ctx.client)) throw new RequestError(TErr.TERR_NOT_REGISTERED, { ThisDN: dn.name });
  dn.clients.delete(ctx.client);
  dn.monitors.delete(ctx.client);
  c.clients.get(ctx.client)?.delete(dn.key);
  c.send(ctx.client, ev('EventUnregistered', { ReferenceID: ctx.ref, ThisDN: dn.name }));
  // seed 004, 3.8: the client that logged the agent in unregistering the DN logs the agent out.
  const agent = c.agents.get(dn.key);
  if (agent && agent.loginClient === ctx.client && (c.opts['logout-on-disconnect'] || dn.logoutOnDisconnect.has(ctx.client))) {
    c.runAgent(dn.key, { type: 'logout' }, undefined);
  }
  dn.logoutOnDisconnect.delete(ctx.client);
}

/** A client link closed: its registrations go, and `logout-on-disconnect` logs its agents out (seed 004, 3.8). */
export function disconnect(c: CoreContext, client: string): void {
  const regs = c.clients.get(client);
  c.clients.delete(client);
  for (const key of regs ?? []) {
    const dn = c.dns.get(key);
    dn?.clients.delete(client);
    dn?.monitors.delete(client);
  }
  for (const [key, agent] of [...c.agents]) {
    if (agent.loginClient !== client) continue;
    const dn = c.dns.get(key);
    if (c.opts['logout-on-disconnect'] || dn?.logoutOnDisconnect.has(client)) c.runAgent(key, { type: 'logout' }, undefined);
  }
  for (const key of regs ?? []) c.dns.get(key)?.logoutOnDisconnect.delete(client);
}

function dnStatus(c: CoreContext, dn: DnRuntime): Attrs {
  const a = c.agents.get(dn.key);
  return {
    ThisDN: dn.name,
    DNType: dn.type,
    AgentID: a?.agentId,
    AgentState: a ? (a.state === AgentState.Ready ? 'Ready' : 'NotReady') : 'LoggedOut',
    AgentWorkMode: a?.workMode,
    DNDState: dn.dnd ? 'On' : 'Off',
  };
}

export function queryAddress(c: CoreContext, ctx: RequestContext, name: string): void {
  const dn = c.thisDn(name);
  const first = dn.calls.values().next().value;
  c.send(ctx.client, ev('EventAddressInfo', { ReferenceID: ctx.ref, AddressInfoType: 'DNStatus', ...dnStatus(c, dn), ConnID: first, Extensions: presenceExtensions(c.opts['im-reporting']) }));
}

export function setDnd(c: CoreContext, ctx: RequestContext, name: string, on: boolean): void {
  const dn = c.thisDn(name);
  dn.dnd = on;
  c.emit(dn, ev(on ? 'EventDNDOn' : 'EventDNDOff', { ReferenceID: ctx.ref, ThisDN: dn.name, AgentID: c.agents.get(dn.key)?.agentId, Extensions: [['PresenceType', 'local']] }), ctx.client);
}
