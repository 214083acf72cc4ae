/**
 * The T-Server's functional core: DNs, registrations, emulated agents, calls, routing points and
 * user events. It has no sockets, no clock and no network: each input (a client request, a client
 * leaving, a timer firing, an event from the Switch) comes with `now` and returns effects — events
 * to send to clients, timers to start or cancel, commands for the Switch — which the shell
 * ({@link TServer}) executes. Ordering is therefore explicit and every seed scenario is a plain test.
 *
 * The per-object rules live in the pure machines: agent.ts (agent states, ACW, legal guard,
 * auto-logout), call-reducer.ts (parties and their events) and routing-point.ts. The sections
 * check requests (the EventError codes of seed 004, 8.1) and keep the cross-object rules:
 * core-registration.ts, core-agents.ts, core-calls.ts, core-routing.ts (delivery, routing points,
 * no-answer supervision), core-transfers.ts, core-user-data.ts and core-switch-events.ts, over the
 * shared state of core-context.ts.
 */
import { kvAttach, kvDelete, kvUpdate, TErr, type ConnId, type TlibRequest } from '../tlib/index.ts';
import { InvalidStateTransitionError } from '../lib/errors.ts';
import type { Agent, AgentTimerName } from './agent.ts';
import type { Call } from './call.ts';
import { agentRequest, login, notReady } from './core-agents.ts';
import { answer, holdRetrieve, makeCall, release } from './core-calls.ts';
import { CoreContext, RequestError, type ClientId, type CoreEffect, type RequestContext } from './core-context.ts';
import { disconnect, queryAddress, register, setDnd, unregister } from './core-registration.ts';
import { onNoAnswer, onRouterTimeout, routeCall } from './core-routing.ts';
import { switchEvent } from './core-switch-events.ts';
import { applyTreatment, onTreatmentTimeout } from './core-treatments.ts';
import { complete, initiate, singleStepTransfer } from './core-transfers.ts';
import { changeUserData, distributeUserEvent } from './core-user-data.ts';
import type { SwitchEvent } from './switch-port.ts';
import { dnKey, type TServerConfig, type TServerOptions } from './tserver-config.ts';

export { MAX_USERDATA_JSON_BYTES, MAX_USERDATA_PAIRS, NO_ANSWER_ERROR_CODE, type ClientId, type CoreEffect } from './core-context.ts';

/** The T-Server's state and rules; see the file comment. */
export class TServerCore {
  private readonly c: CoreContext;

  constructor(config: TServerConfig, opts: { connIdPrefix?: number | undefined } = {}) {
    this.c = new CoreContext(config, opts.connIdPrefix);
  }

  /** The configuration in force. */
  get config(): TServerConfig {
    return this.c.cfg;
  }

  /** The Application's `[TServer]` options in force, typed and defaulted. */
  get options(): TServerOptions {
    return this.c.opts;
  }

  /**
   * Applies a new configuration at once (options "take effect immediately"): what happens next uses
   * the new values, while logged-in agents keep the settings resolved at their login and running
   * timers keep their deadlines. New DNs come into service; DNs no longer configured go out of
   * service (requests on them fail with 58; their registrations and calls stay until they end).
   */
  reconfigure(config: TServerConfig): void {
    this.c.reconfigure(config);
  }

  // ---------------------------------------------------------------- inputs

  /** A client link opened. */
  connect(client: ClientId): void {
    if (!this.c.clients.has(client)) this.c.clients.set(client, new Set());
  }

  /** A client link closed: its registrations go, and `logout-on-disconnect` logs its agents out (seed 004, 3.8). */
  disconnect(client: ClientId, now: number): CoreEffect[] {
    this.c.begin(now);
    disconnect(this.c, client);
    return this.c.finish();
  }

  /** A timer started by an earlier effect fired. */
  timer(name: string, now: number): CoreEffect[] {
    const c = this.c;
    c.begin(now);
    // Timers may fire late (style rule 5): each handler re-checks the state it acts on.
    if (name.startsWith('agent:')) {
      const rest = name.slice(6);
      const i = rest.indexOf(':');
      const key = rest.slice(i + 1);
      const dn = c.dns.get(key);
      if (dn) c.runAgent(key, { type: 'timer', name: rest.slice(0, i) as AgentTimerName, onCall: dn.calls.size > 0 }, undefined);
    } else if (name.startsWith('router:')) {
      onRouterTimeout(c, name.slice(7));
    } else if (name.startsWith('noanswer:')) {
      onNoAnswer(c, name.slice(9));
    } else if (name.startsWith('treatment:')) {
      onTreatmentTimeout(c, name.slice(10));
    }
    return c.finish();
  }

  /** A request from a client. Replies and events (or one EventError) come back as effects. */
  request(client: ClientId, req: TlibRequest, now: number): CoreEffect[] {
    this.c.begin(now);
    this.connect(client);
    const ctx: RequestContext = { client, ref: req.ReferenceID, extensions: req.Extensions };
    try {
      this.dispatch(ctx, req);
    } catch (e) {
      if (e instanceof RequestError) this.c.sendError(ctx, e.code, e.message, e.attrs);
      else if (e instanceof InvalidStateTransitionError) this.c.sendError(ctx, TErr.TERR_INVALID_STATE, e.message, {});
      else throw e;
    }
    return this.c.finish();
  }

  /**
   * An event from the Switch (returned by `execute()` or sent to its listener). A late or stale
   * event (a call already gone, a leg in another state) changes nothing.
   */
  switchEvent(event: SwitchEvent, now: number): CoreEffect[] {
    this.c.begin(now);
    try {
      switchEvent(this.c, event);
    } catch (e) {
      if (!(e instanceof RequestError) && !(e instanceof InvalidStateTransitionError)) throw e;
    }
    return this.c.finish();
  }

  private dispatch(ctx: RequestContext, r: TlibRequest): void {
    const c = this.c;
    switch (r.message) {
      case 'RequestRegisterAddress': return register(c, ctx, r.ThisDN, r.Extensions, r.RegisterMode);
      case 'RequestUnregisterAddress': return unregister(c, ctx, r.ThisDN);
      case 'RequestQueryAddress': return queryAddress(c, ctx, r.ThisDN);
      case 'RequestAgentLogin': return login(c, ctx, r);
      case 'RequestAgentLogout': return agentRequest(c, ctx, r.ThisDN, r.AgentID, { type: 'logout', reasons: r.Reasons });
      case 'RequestAgentReady': return agentRequest(c, ctx, r.ThisDN, r.AgentID, { type: 'ready', workMode: c.workMode(r.AgentWorkMode), reasons: r.Reasons });
      case 'RequestAgentNotReady': return notReady(c, ctx, r);
      case 'RequestSetDNDOn': return setDnd(c, ctx, r.ThisDN, true);
      case 'RequestSetDNDOff': return setDnd(c, ctx, r.ThisDN, false);
      case 'RequestMakeCall': return makeCall(c, ctx, r.ThisDN, r.OtherDN, r.UserData);
      case 'RequestAnswerCall': return answer(c, ctx, r.ThisDN, r.ConnID);
      case 'RequestReleaseCall': return release(c, ctx, r.ThisDN, r.ConnID);
      case 'RequestHoldCall': return holdRetrieve(c, ctx, r.ThisDN, r.ConnID, true);
      case 'RequestRetrieveCall': return holdRetrieve(c, ctx, r.ThisDN, r.ConnID, false);
      case 'RequestInitiateTransfer': return initiate(c, ctx, r.ThisDN, r.ConnID, r.OtherDN, r.UserData, 'transfer');
      case 'RequestInitiateConference': return initiate(c, ctx, r.ThisDN, r.ConnID, r.OtherDN, r.UserData, 'conference');
      case 'RequestCompleteTransfer': return complete(c, ctx, r.ThisDN, r.ConnID, r.TransferConnID, 'transfer');
      case 'RequestCompleteConference': return complete(c, ctx, r.ThisDN, r.ConnID, r.TransferConnID, 'conference');
      case 'RequestSingleStepTransfer': return singleStepTransfer(c, ctx, r.ThisDN, r.ConnID, r.OtherDN);
      case 'RequestRouteCall': return routeCall(c, ctx, r);
      case 'RequestApplyTreatment': return applyTreatment(c, ctx, r);
      case 'RequestAttachUserData': return changeUserData(c, ctx, r.ThisDN, r.ConnID, (l) => kvAttach(l, r.UserData));
      case 'RequestUpdateUserData': return changeUserData(c, ctx, r.ThisDN, r.ConnID, (l) => kvUpdate(l, r.UserData));
      case 'RequestDeleteUserData': return changeUserData(c, ctx, r.ThisDN, r.ConnID, () => []);
      case 'RequestDeletePair': return changeUserData(c, ctx, r.ThisDN, r.ConnID, (l) => kvDelete(l, r.Key));
      case 'RequestDistributeUserEvent': return distributeUserEvent(c, ctx, r);
      default:
        throw new RequestError(TErr.TERR_UNSUP_OPER, {}, `${(r as { message: string }).message} is not supported.`);
    }
  }

  // ---------------------------------------------------------------- read-only views (stats, tests, the web role)

  /** The agent logged in on a DN, if any. */
  agentOn(dn: string): Readonly<Agent> | undefined {
    return this.c.agents.get(dnKey(dn));
  }

  /**
   * Live calls counted by state and media (metrics, on scrape): `established` when a party talks or
   * holds, `routing` while at a routing point, `ringing` when a party rings, else `dialing`.
   */
  callsByState(): Map<string, number> {
    const out = new Map<string, number>();
    for (const call of this.c.calls.values()) {
      let state = 'dialing';
      let ringing = false;
      for (const p of call.parties.values()) {
        if (p.state === 'Established' || p.state === 'Held') state = 'established';
        else if (p.state === 'Ringing') ringing = true;
      }
      if (state !== 'established') state = call.routing ? 'routing' : ringing || call.offers.size > 0 ? 'ringing' : 'dialing';
      const key = `${call.mediaType}|${state}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }

  /** A live call by ConnID. */
  call(connId: ConnId): Readonly<Call> | undefined {
    return this.c.calls.get(connId);
  }

  /** ConnIDs of the live calls a DN takes part in. */
  callsOn(dn: string): ConnId[] {
    return [...(this.c.dns.get(dnKey(dn))?.calls ?? [])];
  }

  /** Number of live calls. */
  get callCount(): number {
    return this.c.calls.size;
  }

  /** Clients registered on a DN. */
  registeredClients(dn: string): ClientId[] {
    return [...(this.c.dns.get(dnKey(dn))?.clients ?? [])];
  }
}
