/**
 * The T-Server's functional core: DNs, registrations, emulated agents, calls, routing points and
 * user events. It has no sockets and no clock: each input (a client request, a client leaving, a
 * timer firing) comes with `now` and returns effects — events to send to clients and timers to
 * start or cancel — which the shell ({@link TServer}) executes. Ordering is therefore explicit and
 * every seed scenario is a plain test.
 *
 * The per-object rules live in the pure machines: agent.ts (agent states, ACW, legal guard,
 * auto-logout) and party-state.ts (party states). This file routes requests to them, checks the
 * request (the EventError codes of seed 004, 8.1) and keeps the cross-object rules: event fan-out
 * to every client registered on a DN, ConnID allocation, routing-point delivery, default routing,
 * no-answer supervision, transfers and conferences.
 */
import {
  kvAttach, kvDelete, kvGet, kvUpdate, tlibErrorMessage, TErr,
  agentWorkModes,
  type AgentWorkMode, type AttributeTypes, type CallState, type ConnId, type EventName, type KvList, type RegisterMode, type TlibEvent, type TlibRequest,
} from '../tlib/index.ts';
import { InvalidStateTransitionError } from '../lib/errors.ts';
import { reduceAgent, wrapUpExtension, type Agent, type AgentInput, type AgentSettings, type AgentTimerName } from './agent.ts';
import { AgentState } from './agent-state.ts';
import { addParty, ConnIdAllocator, otherParties, setPartyState, type Call, type Party } from './call.ts';
import { PartyState } from './party-state.ts';
import { decideArrival, decideRouterTimeout, RoutingState, transitionRouting, type ArrivalContext, type RoutingDecision } from './routing-point.ts';
import {
  dnKey, parseBoolOption, parseNoAnswerAction, parseSecondsOption, parseWrapUpTime, readTServerOptions,
  type DnConfig, type DnType, type NoAnswerAction, type Options, type OptionValue, type TServerConfig, type TServerOptions,
} from './tserver-config.ts';

/** Identifies one client connection (a T-Lib link). */
export type ClientId = string;

/** What the shell must do after an input. */
export type CoreEffect =
  | { type: 'send'; to: ClientId; event: TlibEvent }
  | { type: 'startTimer'; name: string; ms: number }
  | { type: 'cancelTimer'; name: string };

/** Seed 004 names TERR_DN_NO_ANSWER without a number; OpenUCC reports it as 236 ("Timeout performing operation"). */
export const NO_ANSWER_ERROR_CODE = TErr.TERR_OPERATION_TIMEOUT;

/** Bounds on a call's UserData (the seed's capacity figure is 100 updates per call; the size bound stops abuse). */
export const MAX_USERDATA_PAIRS = 1000;
export const MAX_USERDATA_JSON_BYTES = 64 * 1024;

/** How many released ConnIDs are remembered, so late requests on them get 237 instead of 56. */
const RELEASED_MEMORY = 10_000;

const PRESENCE_EXTENSIONS: KvList = [['PresenceType', 'local'], ['im-reporting', 'default']];

interface DnRuntime {
  key: string;
  name: string;
  type: DnType;
  inService: boolean;
  options: Options;
  dnd: boolean;
  clients: Set<ClientId>;
  /** Clients registered with RegisterMode ModeMonitor (Stat Server, reporting): they see events but never route. */
  monitors: Set<ClientId>;
  /** Clients that registered with `LogoutOnDisconnect = true`. */
  logoutOnDisconnect: Set<ClientId>;
  calls: Set<ConnId>;
}

interface RequestContext {
  client: ClientId;
  ref: number | undefined;
  /** The request's Extensions: agent requests carry them into their reply event. */
  extensions: KvList | undefined;
}

type Attrs = { [K in keyof AttributeTypes]?: AttributeTypes[K] | undefined };

/** A request that failed with a T-Library error code (internal control flow only). */
class RequestError extends Error {
  constructor(readonly code: number, readonly attrs: Attrs = {}, detail?: string) {
    super(detail ?? tlibErrorMessage(code));
  }
}

const ROUTABLE: ReadonlySet<DnType> = new Set(['RoutingPoint', 'ACDQueue', 'VirtualQueue']);
const CALLABLE: ReadonlySet<DnType> = new Set(['Extension', 'RoutingPoint', 'ACDQueue', 'VirtualQueue']);

function ev(name: EventName, attrs: Attrs): TlibEvent {
  const out: Record<string, unknown> = { message: name };
  for (const k in attrs) {
    const v = attrs[k as keyof Attrs];
    if (v !== undefined) out[k] = v;
  }
  return out as TlibEvent;
}

function withoutReference(event: TlibEvent): TlibEvent {
  const { ReferenceID: _ref, ...rest } = event;
  return rest as TlibEvent;
}

/** The T-Server's state and rules; see the file comment. */
export class TServerCore {
  private cfg: TServerConfig;
  private opts: TServerOptions;
  private readonly dns = new Map<string, DnRuntime>();
  private readonly agentLogins = new Map<string, Options>();
  private readonly clients = new Map<ClientId, Set<string>>();
  private readonly agents = new Map<string, Agent>();
  private readonly agentDnById = new Map<string, string>();
  private readonly calls = new Map<ConnId, Call>();
  private readonly released = new Set<ConnId>();
  private readonly connIds: ConnIdAllocator;
  private out: CoreEffect[] = [];
  private now = 0;

  constructor(config: TServerConfig, opts: { connIdPrefix?: number } = {}) {
    this.cfg = config;
    this.opts = readTServerOptions(config.options);
    this.connIds = new ConnIdAllocator(opts.connIdPrefix);
    for (const d of config.dns) this.addDn(d);
    for (const a of config.agentLogins) this.agentLogins.set(a.agentId, a.options ?? {});
  }

  /** The configuration in force. */
  get config(): TServerConfig {
    return this.cfg;
  }

  /** The Application's `[TServer]` options in force, typed and defaulted. */
  get options(): TServerOptions {
    return this.opts;
  }

  /**
   * Applies a new configuration at once (options "take effect immediately"): what happens next uses
   * the new values, while logged-in agents keep the settings resolved at their login and running
   * timers keep their deadlines. New DNs come into service; DNs no longer configured go out of
   * service (requests on them fail with 58; their registrations and calls stay until they end).
   */
  reconfigure(config: TServerConfig): void {
    const options = readTServerOptions(config.options);
    this.cfg = config;
    this.opts = options;
    const keep = new Set<string>();
    for (const d of config.dns) {
      const key = dnKey(d.name);
      keep.add(key);
      const dn = this.dns.get(key);
      if (!dn) this.addDn(d);
      else {
        dn.name = d.name;
        dn.type = d.type;
        dn.options = d.options ?? {};
        dn.inService = d.register !== false || d.type === 'ACDQueue';
      }
    }
    for (const dn of this.dns.values()) if (!keep.has(dn.key)) dn.inService = false;
    this.agentLogins.clear();
    for (const a of config.agentLogins) this.agentLogins.set(a.agentId, a.options ?? {});
  }

  private addDn(d: DnConfig): void {
    const key = dnKey(d.name);
    this.dns.set(key, {
      key, name: d.name, type: d.type,
      // seed 004, 2.2: only DNs with register = true are in service (the RG ACD Queue is the exception).
      inService: d.register !== false || d.type === 'ACDQueue',
      options: d.options ?? {}, dnd: false, clients: new Set(), monitors: new Set(), logoutOnDisconnect: new Set(), calls: new Set(),
    });
  }

  // ---------------------------------------------------------------- inputs

  /** A client link opened. */
  connect(client: ClientId): void {
    if (!this.clients.has(client)) this.clients.set(client, new Set());
  }

  /** A client link closed: its registrations go, and `logout-on-disconnect` logs its agents out (seed 004, 3.8). */
  disconnect(client: ClientId, now: number): CoreEffect[] {
    this.begin(now);
    const regs = this.clients.get(client);
    this.clients.delete(client);
    for (const key of regs ?? []) {
      const dn = this.dns.get(key);
      dn?.clients.delete(client);
      dn?.monitors.delete(client);
    }
    for (const [key, agent] of [...this.agents]) {
      if (agent.loginClient !== client) continue;
      const dn = this.dns.get(key);
      if (this.options['logout-on-disconnect'] || dn?.logoutOnDisconnect.has(client)) this.runAgent(key, { type: 'logout' }, undefined);
    }
    for (const key of regs ?? []) this.dns.get(key)?.logoutOnDisconnect.delete(client);
    return this.finish();
  }

  /** A timer started by an earlier effect fired. */
  timer(name: string, now: number): CoreEffect[] {
    this.begin(now);
    // Timers may fire late (style rule 5): each handler re-checks the state it acts on.
    if (name.startsWith('agent:')) {
      const rest = name.slice(6);
      const i = rest.indexOf(':');
      const key = rest.slice(i + 1);
      const dn = this.dns.get(key);
      if (dn) this.runAgent(key, { type: 'timer', name: rest.slice(0, i) as AgentTimerName, onCall: dn.calls.size > 0 }, undefined);
    } else if (name.startsWith('router:')) {
      this.onRouterTimeout(name.slice(7));
    } else if (name.startsWith('noanswer:')) {
      this.onNoAnswer(name.slice(9));
    }
    return this.finish();
  }

  /** A request from a client. Replies and events (or one EventError) come back as effects. */
  request(client: ClientId, req: TlibRequest, now: number): CoreEffect[] {
    this.begin(now);
    this.connect(client);
    const ctx: RequestContext = { client, ref: req.ReferenceID, extensions: req.Extensions };
    try {
      this.dispatch(ctx, req);
    } catch (e) {
      if (e instanceof RequestError) this.sendError(ctx, e.code, e.message, e.attrs);
      else if (e instanceof InvalidStateTransitionError) this.sendError(ctx, TErr.TERR_INVALID_STATE, e.message, {});
      else throw e;
    }
    return this.finish();
  }

  private begin(now: number): void {
    this.now = now;
    this.out = [];
  }

  private finish(): CoreEffect[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private dispatch(ctx: RequestContext, r: TlibRequest): void {
    switch (r.message) {
      case 'RequestRegisterAddress': return this.register(ctx, r.ThisDN, r.Extensions, r.RegisterMode);
      case 'RequestUnregisterAddress': return this.unregister(ctx, r.ThisDN);
      case 'RequestQueryAddress': return this.queryAddress(ctx, r.ThisDN);
      case 'RequestAgentLogin': return this.login(ctx, r);
      case 'RequestAgentLogout': return this.agentRequest(ctx, r.ThisDN, r.AgentID, { type: 'logout', reasons: r.Reasons });
      case 'RequestAgentReady': return this.agentRequest(ctx, r.ThisDN, r.AgentID, { type: 'ready', workMode: this.workMode(r.AgentWorkMode), reasons: r.Reasons });
      case 'RequestAgentNotReady': {
        const raw = kvGet(r.Extensions, 'WrapUpTime');
        const w = raw === undefined ? undefined : parseWrapUpTime(typeof raw === 'object' ? undefined : raw);
        if (raw !== undefined && w === undefined) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'Extensions WrapUpTime must be seconds or untimed.');
        return this.agentRequest(ctx, r.ThisDN, r.AgentID, { type: 'notReady', workMode: this.workMode(r.AgentWorkMode), reasons: r.Reasons, wrapUpTime: w });
      }
      case 'RequestSetDNDOn': return this.setDnd(ctx, r.ThisDN, true);
      case 'RequestSetDNDOff': return this.setDnd(ctx, r.ThisDN, false);
      case 'RequestMakeCall': return this.makeCall(ctx, r.ThisDN, r.OtherDN, r.UserData);
      case 'RequestAnswerCall': return this.answer(ctx, r.ThisDN, r.ConnID);
      case 'RequestReleaseCall': return this.release(ctx, r.ThisDN, r.ConnID);
      case 'RequestHoldCall': return this.holdRetrieve(ctx, r.ThisDN, r.ConnID, true);
      case 'RequestRetrieveCall': return this.holdRetrieve(ctx, r.ThisDN, r.ConnID, false);
      case 'RequestInitiateTransfer': return this.initiate(ctx, r.ThisDN, r.ConnID, r.OtherDN, r.UserData, 'transfer');
      case 'RequestInitiateConference': return this.initiate(ctx, r.ThisDN, r.ConnID, r.OtherDN, r.UserData, 'conference');
      case 'RequestCompleteTransfer': return this.complete(ctx, r.ThisDN, r.ConnID, r.TransferConnID, 'transfer');
      case 'RequestCompleteConference': return this.complete(ctx, r.ThisDN, r.ConnID, r.TransferConnID, 'conference');
      case 'RequestSingleStepTransfer': return this.singleStepTransfer(ctx, r.ThisDN, r.ConnID, r.OtherDN);
      case 'RequestRouteCall': return this.routeCall(ctx, r);
      case 'RequestAttachUserData': return this.changeUserData(ctx, r.ThisDN, r.ConnID, (l) => kvAttach(l, r.UserData));
      case 'RequestUpdateUserData': return this.changeUserData(ctx, r.ThisDN, r.ConnID, (l) => kvUpdate(l, r.UserData));
      case 'RequestDeleteUserData': return this.changeUserData(ctx, r.ThisDN, r.ConnID, () => []);
      case 'RequestDeletePair': return this.changeUserData(ctx, r.ThisDN, r.ConnID, (l) => kvDelete(l, r.Key));
      case 'RequestDistributeUserEvent': return this.distributeUserEvent(ctx, r);
      default:
        throw new RequestError(TErr.TERR_UNSUP_OPER, {}, `${(r as { message: string }).message} is not supported.`);
    }
  }

  // ---------------------------------------------------------------- output helpers

  private send(to: ClientId, event: TlibEvent): void {
    this.out.push({ type: 'send', to, event });
  }

  /**
   * Sends an event about a DN to every client registered on it, and to the requester when it carries
   * the requester's ReferenceID. ReferenceIDs are per client, so only the requester's copy keeps it.
   */
  private emit(dn: DnRuntime, event: TlibEvent, requester?: ClientId): void {
    if (event.ReferenceID === undefined) {
      for (const c of dn.clients) this.send(c, event);
      return;
    }
    let shared: TlibEvent | undefined;
    for (const c of dn.clients) {
      if (c === requester) this.send(c, event);
      else this.send(c, (shared ??= withoutReference(event)));
    }
    if (requester !== undefined && !dn.clients.has(requester) && this.clients.has(requester)) this.send(requester, event);
  }

  private sendError(ctx: RequestContext, code: number, message: string, attrs: Attrs): void {
    this.send(ctx.client, ev('EventError', { ReferenceID: ctx.ref, ErrorCode: code, ErrorMessage: message, ...attrs }));
  }

  private startTimer(name: string, ms: number): void {
    this.out.push({ type: 'startTimer', name, ms });
  }

  private cancelTimer(name: string): void {
    this.out.push({ type: 'cancelTimer', name });
  }

  // ---------------------------------------------------------------- lookups and checks

  /** ThisDN of a request: missing -> 53, unknown -> 59, out of service -> 58. */
  private thisDn(name: string | undefined): DnRuntime {
    if (!name) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'ThisDN is missing.');
    const dn = this.dns.get(dnKey(name));
    if (!dn) throw new RequestError(TErr.TERR_NOT_CONFIGURED, { ThisDN: name });
    if (!dn.inService) throw new RequestError(TErr.TERR_OUT_OF_SERVICE, { ThisDN: name });
    return dn;
  }

  /** A called DN: missing, unknown or not callable -> 71, out of service -> 58, DND on -> 93. */
  private calledDn(name: string | undefined, from: DnRuntime | undefined): DnRuntime {
    const dn = name ? this.dns.get(dnKey(name)) : undefined;
    if (!dn || !CALLABLE.has(dn.type) || dn === from) throw new RequestError(TErr.TERR_INV_CALD_DN, { OtherDN: name }, name ? `Invalid called DN '${name}'.` : 'OtherDN is missing.');
    if (!dn.inService) throw new RequestError(TErr.TERR_OUT_OF_SERVICE, { OtherDN: name });
    if (dn.dnd) throw new RequestError(TErr.TERR_DEST_INV_STATE, { OtherDN: name }, `'${dn.name}' is in Do-Not-Disturb.`);
    return dn;
  }

  /** The call of a request: unknown ConnID -> 56 (237 if it was released), no call -> 563, DN not on it -> 470. */
  private callOf(dn: DnRuntime, connId: ConnId | undefined): { call: Call; party: Party } {
    let id = connId;
    if (id === undefined) {
      id = dn.calls.values().next().value;
      if (id === undefined) throw new RequestError(TErr.TERR_NO_CALL, { ThisDN: dn.name });
    }
    const call = this.lookupCall(id);
    const party = call.parties.get(dn.key);
    if (!party) throw new RequestError(TErr.TERR_PARTY_NOT_ON_CALL, { ThisDN: dn.name, ConnID: id });
    return { call, party };
  }

  private lookupCall(id: ConnId): Call {
    const call = this.calls.get(id);
    if (call) return call;
    if (this.released.has(id)) throw new RequestError(TErr.TERR_CALL_DISCONNECTED, { ConnID: id });
    throw new RequestError(TErr.TERR_INV_CONNID, { ConnID: id });
  }

  private workMode(v: unknown): AgentWorkMode | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (agentWorkModes as readonly string[]).includes(v)) return v as AgentWorkMode;
    throw new RequestError(TErr.TERR_INVALID_ATTR, {}, `AgentWorkMode '${String(v)}' is invalid.`);
  }

  // ---------------------------------------------------------------- registration

  private register(ctx: RequestContext, name: string, ext: KvList | undefined, mode: RegisterMode | undefined): void {
    const dn = this.thisDn(name);
    dn.clients.add(ctx.client);
    if (mode === 'ModeMonitor') dn.monitors.add(ctx.client);
    else dn.monitors.delete(ctx.client);
    this.clients.get(ctx.client)?.add(dn.key);
    const lod = kvGet(ext, 'LogoutOnDisconnect');
    if (lod !== undefined && parseBoolOption(typeof lod === 'object' ? undefined : lod) === true) dn.logoutOnDisconnect.add(ctx.client);
    // seed 004, 4.1 note 1: only the requester receives EventRegistered.
    this.send(ctx.client, ev('EventRegistered', { ReferenceID: ctx.ref, ...this.dnStatus(dn), Extensions: PRESENCE_EXTENSIONS }));
  }

  private unregister(ctx: RequestContext, name: string): void {
    const dn = this.thisDn(name);
    if (!dn.clients.has(ctx.client)) throw new RequestError(TErr.TERR_NOT_REGISTERED, { ThisDN: dn.name });
    dn.clients.delete(ctx.client);
    dn.monitors.delete(ctx.client);
    this.clients.get(ctx.client)?.delete(dn.key);
    this.send(ctx.client, ev('EventUnregistered', { ReferenceID: ctx.ref, ThisDN: dn.name }));
    // seed 004, 3.8: the client that logged the agent in unregistering the DN logs the agent out.
    const agent = this.agents.get(dn.key);
    if (agent && agent.loginClient === ctx.client && (this.options['logout-on-disconnect'] || dn.logoutOnDisconnect.has(ctx.client))) {
      this.runAgent(dn.key, { type: 'logout' }, undefined);
    }
    dn.logoutOnDisconnect.delete(ctx.client);
  }

  private dnStatus(dn: DnRuntime): Attrs {
    const a = this.agents.get(dn.key);
    return {
      ThisDN: dn.name,
      DNType: dn.type,
      AgentID: a?.agentId,
      AgentState: a ? (a.state === AgentState.Ready ? 'Ready' : 'NotReady') : 'LoggedOut',
      AgentWorkMode: a?.workMode,
      DNDState: dn.dnd ? 'On' : 'Off',
    };
  }

  private queryAddress(ctx: RequestContext, name: string): void {
    const dn = this.thisDn(name);
    const first = dn.calls.values().next().value;
    this.send(ctx.client, ev('EventAddressInfo', { ReferenceID: ctx.ref, AddressInfoType: 'DNStatus', ...this.dnStatus(dn), ConnID: first, Extensions: PRESENCE_EXTENSIONS }));
  }

  private setDnd(ctx: RequestContext, name: string, on: boolean): void {
    const dn = this.thisDn(name);
    dn.dnd = on;
    this.emit(dn, ev(on ? 'EventDNDOn' : 'EventDNDOff', { ReferenceID: ctx.ref, ThisDN: dn.name, AgentID: this.agents.get(dn.key)?.agentId, Extensions: [['PresenceType', 'local']] }), ctx.client);
  }

  // ---------------------------------------------------------------- agents

  /** An option by precedence: the first defined of the given sections, then the Application. */
  private opt(name: string, ...sections: Array<Options | undefined>): OptionValue | undefined {
    for (const s of sections) if (s && s[name] !== undefined) return s[name];
    return this.config.options[name];
  }

  private login(ctx: RequestContext, r: Extract<TlibRequest, { message: 'RequestAgentLogin' }>): void {
    const dn = this.thisDn(r.ThisDN);
    if (dn.type !== 'Extension') throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: dn.name }, 'Agents log in on Extension DNs only.');
    const agentId = r.AgentID;
    if (!agentId) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name });
    const loginOpts = this.agentLogins.get(agentId);
    // seed 004, 2.5 / 9.6 item 53: agent-strict-id forbids unconfigured agent IDs.
    if (this.options['agent-strict-id'] && !loginOpts) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name, AgentID: agentId });
    if (this.agents.has(dn.key) || this.agentDnById.has(agentId)) throw new RequestError(TErr.TERR_SOFT_AGENT_ALREADY_LOGGED_IN, { ThisDN: dn.name, AgentID: agentId });
    const settings = this.agentSettings(dn, loginOpts, r.Extensions);
    this.agentDnById.set(agentId, dn.key);
    this.runAgent(dn.key, { type: 'login', agentId, dn: dn.name, queue: r.ThisQueue, workMode: this.workMode(r.AgentWorkMode), reasons: r.Reasons, clientId: ctx.client, settings }, ctx);
  }

  /** Resolves an agent's settings: login Extensions > Agent Login `[TServer]` > Extension DN `[TServer]` > Application (seed 004, 5.9). */
  private agentSettings(dn: DnRuntime, login: Options | undefined, ext: KvList | undefined): AgentSettings {
    const fromExt = (key: string): OptionValue | undefined => {
      const v = kvGet(ext, key);
      return typeof v === 'object' ? undefined : v;
    };
    const w = fromExt('WrapUpTime');
    const wrapUpTime = w !== undefined ? parseWrapUpTime(w) : parseWrapUpTime(this.opt('wrap-up-time', login, dn.options));
    if (w !== undefined && wrapUpTime === undefined) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'Extensions WrapUpTime must be seconds or untimed.');
    const naExt = fromExt('NO_ANSWER_ACTION');
    const noAnswerAction = naExt !== undefined ? parseNoAnswerAction(naExt) : parseNoAnswerAction(this.opt('no-answer-action', login, dn.options));
    if (naExt !== undefined && noAnswerAction === undefined) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'Extensions NO_ANSWER_ACTION must be none, not ready or logout.');
    return {
      wrapUpTime: wrapUpTime ?? this.options['wrap-up-time'],
      legalGuardTime: parseSecondsOption(fromExt('LegalGuardTime') ?? this.opt('legal-guard-time', login, dn.options)) ?? this.options['legal-guard-time'],
      timedAcwInIdle: this.options['timed-acw-in-idle'],
      // auto-logout-timeout is in minutes, as in Genesys; the agent machine counts seconds.
      autoLogoutTimeout: 60 * (parseSecondsOption(this.opt('auto-logout-timeout', login, dn.options)) ?? this.options['auto-logout-timeout']),
      autoLogoutReady: parseBoolOption(this.opt('auto-logout-ready', login, dn.options)) ?? this.options['auto-logout-ready'],
      noAnswerAction: noAnswerAction ?? this.options['no-answer-action'],
    };
  }

  private agentRequest(ctx: RequestContext, name: string, agentId: string | undefined, input: AgentInput): void {
    const dn = this.thisDn(name);
    const agent = this.agents.get(dn.key);
    if (!agent) throw new RequestError(TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN, { ThisDN: dn.name, AgentID: agentId });
    if (agentId !== undefined && agentId !== agent.agentId) throw new RequestError(TErr.TERR_SOFT_AGENT_WRONG_ID, { ThisDN: dn.name, AgentID: agentId });
    this.runAgent(dn.key, input, ctx);
  }

  /** Runs the agent reducer and executes its effects; the first event carries the request's ReferenceID. */
  private runAgent(key: string, input: AgentInput, ctx: RequestContext | undefined): void {
    const dn = this.dns.get(key);
    if (!dn) return;
    const before = this.agents.get(key);
    const step = reduceAgent(before, input, this.now);
    if (step.agent) this.agents.set(key, step.agent);
    else if (before) {
      this.agents.delete(key);
      this.agentDnById.delete(before.agentId);
    }
    const a = step.agent ?? before;
    let first = ctx !== undefined;
    for (const e of step.effects) {
      if (e.type === 'event') {
        // The reply carries the request's Extensions, with the server's own keys (WrapUpTime) on top.
        const reqExt = first ? ctx?.extensions : undefined;
        const extensions = reqExt?.length ? kvUpdate(reqExt, e.extensions ?? []) : e.extensions;
        this.emit(dn, ev(e.name, {
          ReferenceID: first ? ctx?.ref : undefined, ThisDN: dn.name, AgentID: a?.agentId, ThisQueue: a?.queue, AgentWorkMode: e.name === 'EventAgentLogout' ? undefined : e.workMode,
          Reasons: e.reasons, Extensions: extensions,
        }), ctx?.client);
        first = false;
      } else if (e.type === 'startTimer') this.startTimer(`agent:${e.name}:${key}`, e.ms);
      else this.cancelTimer(`agent:${e.name}:${key}`);
    }
  }

  // ---------------------------------------------------------------- calls

  private newCall(callType: Call['callType'], origin: DnRuntime, userData: KvList): Call {
    const connId = this.connIds.next((id) => this.calls.has(id));
    const call: Call = { connId, callType, parties: new Map(), userData, originKey: origin.key };
    this.calls.set(connId, call);
    return call;
  }

  private join(call: Call, dn: DnRuntime, state: PartyState): Party {
    dn.calls.add(call.connId);
    return addParty(call, dn.key, dn.name, state);
  }

  /** Call-event attributes common to every party event. */
  private callAttrs(call: Call, p: Party): Attrs {
    const a = this.agents.get(p.key);
    return { ThisDN: p.dn, ConnID: call.connId, CallType: call.callType, AgentID: a?.agentId, UserData: call.userData.length ? call.userData : undefined };
  }

  private emitCall(name: EventName, call: Call, p: Party, extra: Attrs, requester?: ClientId): void {
    const dn = this.dns.get(p.key);
    if (dn) this.emit(dn, ev(name, { ...this.callAttrs(call, p), ...extra }), requester);
  }

  private checkUserData(list: KvList): void {
    if (list.length > MAX_USERDATA_PAIRS || JSON.stringify(list).length > MAX_USERDATA_JSON_BYTES) {
      throw new RequestError(TErr.TERR_INVALID_ATTR, {}, `UserData exceeds ${MAX_USERDATA_PAIRS} pairs or ${MAX_USERDATA_JSON_BYTES} bytes.`);
    }
  }

  private wrapUpExt(key: string): KvList | undefined {
    const a = this.agents.get(key);
    return a ? [['WrapUpTime', wrapUpExtension(a.settings.wrapUpTime)]] : undefined;
  }

  private makeCall(ctx: RequestContext, from: string, to: string, userData: KvList | undefined): void {
    const origin = this.thisDn(from);
    if (origin.type !== 'Extension' && origin.type !== 'Trunk') throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: origin.name }, 'Calls are made from Extension or Trunk DNs.');
    const dest = this.calledDn(to, origin);
    if (userData) this.checkUserData(userData);
    // A call from a Trunk is an inbound customer call (docs/protocols/tlib.md, "T-Server").
    const call = this.newCall(origin.type === 'Trunk' ? 'Inbound' : 'Internal', origin, userData ?? []);
    const p = this.join(call, origin, PartyState.Dialing);
    this.emitCall('EventDialing', call, p, { ReferenceID: ctx.ref, OtherDN: dest.name, ThisDNRole: 'Origination' }, ctx.client);
    this.offer(call, dest, undefined);
  }

  /** Delivers a call to a DN: an Extension rings, a routing point or queue queues it. */
  private offer(call: Call, dest: DnRuntime, routedFrom: DnRuntime | undefined, noAnswerTimeout?: number): void {
    if (ROUTABLE.has(dest.type)) return this.arriveAtRoutingPoint(call, dest);
    const p = this.join(call, dest, PartyState.Ringing);
    const origin = call.parties.get(call.originKey);
    this.emitCall('EventRinging', call, p, { OtherDN: origin?.dn, ThirdPartyDN: routedFrom?.name, ThisDNRole: 'Destination' });
    if (this.agents.has(dest.key)) this.runAgent(dest.key, { type: 'callActivity' }, undefined);
    if (routedFrom && call.routing) {
      // No-answer supervision (seed 004, 3.1 and 3.17): only an answer counts as delivery.
      call.routing.state = transitionRouting(call.routing.state, RoutingState.Ringing);
      call.routing.ringingKey = dest.key;
      const secs = noAnswerTimeout ?? this.options['no-answer-timeout'];
      if (secs > 0) this.startTimer(`noanswer:${call.connId}`, secs * 1000);
    }
  }

  /** A call arrives at a routing point or queue: EventQueued, then EventRouteRequest to the routing client, or default routing. */
  private arriveAtRoutingPoint(call: Call, rp: DnRuntime): void {
    const p = this.join(call, rp, PartyState.Queued);
    const prev = call.routing;
    const live = prev && prev.state !== RoutingState.Answered && prev.state !== RoutingState.Dropped;
    call.routing = { state: live ? transitionRouting(prev.state, RoutingState.Waiting) : RoutingState.Waiting, rpKey: rp.key, rpDn: rp.name, redirections: prev?.redirections ?? 0 };
    const origin = call.parties.get(call.originKey);
    this.emitCall('EventQueued', call, p, { OtherDN: origin?.dn });
    this.applyRouting(call, rp, decideArrival(this.arrivalContext(call, rp)));
  }

  /** The routing-point facts the pure decisions need, with option precedence resolved (routing point, then Application). */
  private arrivalContext(call: Call, rp: DnRuntime): ArrivalContext {
    const name = rp.options['default-dn'] !== undefined && String(rp.options['default-dn']) !== '' ? String(rp.options['default-dn']) : this.options['default-dn'];
    const target = name ? this.dns.get(dnKey(name)) : undefined;
    const usable = target && target !== rp && target.inService && CALLABLE.has(target.type);
    return {
      dnType: rp.type,
      // A monitoring client (ModeMonitor) watches the routing point but will never route its calls.
      routingClients: rp.clients.size - rp.monitors.size,
      routerTimeout: parseSecondsOption(rp.options['router-timeout']) ?? this.options['router-timeout'],
      defaultDn: usable ? target.name : undefined,
      redirections: call.routing?.redirections ?? 0,
      redirectionLimit: this.options['default-redirection-limit'],
    };
  }

  private applyRouting(call: Call, rp: DnRuntime, d: RoutingDecision): void {
    const p = call.parties.get(rp.key);
    if (!p) return;
    if (d.action === 'routeRequest') {
      this.emitCall('EventRouteRequest', call, p, { OtherDN: call.parties.get(call.originKey)?.dn });
      if (d.timerMs !== undefined) this.startTimer(`router:${call.connId}`, d.timerMs);
    } else if (d.action === 'defaultRoute') {
      // Alternate routing (seed 004, 3.1): EventDiverted to default-dn, one more redirection.
      const target = this.dns.get(dnKey(d.target));
      if (!target || !call.routing) return;
      call.routing.redirections++;
      this.leaveRoutingPoint(call, rp, target, undefined);
      this.offer(call, target, rp);
    }
    // 'wait': the call stays queued (no router and no usable default-dn, or the redirection limit reached).
  }

  private leaveRoutingPoint(call: Call, rp: DnRuntime, target: DnRuntime | undefined, ctx: RequestContext | undefined): void {
    const p = call.parties.get(rp.key);
    if (!p) return;
    this.cancelTimer(`router:${call.connId}`);
    if (ctx) this.emitCall('EventRouteUsed', call, p, { ReferenceID: ctx.ref, OtherDN: target?.name }, ctx.client);
    setPartyState(p, PartyState.Released);
    call.parties.delete(rp.key);
    rp.calls.delete(call.connId);
    if (target) this.emitCall('EventDiverted', call, p, { OtherDN: target.name, ThirdPartyDN: target.name });
  }

  private onRouterTimeout(connId: ConnId): void {
    const call = this.calls.get(connId);
    const r = call?.routing;
    if (!call || !r || r.state !== RoutingState.Waiting || call.parties.get(r.rpKey)?.state !== PartyState.Queued) return;
    const rp = this.dns.get(r.rpKey);
    if (rp) this.applyRouting(call, rp, decideRouterTimeout(this.arrivalContext(call, rp)));
  }

  private routeCall(ctx: RequestContext, req: Extract<TlibRequest, { message: 'RequestRouteCall' }>): void {
    const rp = this.thisDn(req.ThisDN);
    const call = this.lookupCall(req.ConnID);
    const p = call.parties.get(rp.key);
    if (!p) {
      if (call.routing?.rpKey === rp.key && call.routing.ringingKey) throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: rp.name, ConnID: call.connId }, 'The call is already routed and ringing.');
      throw new RequestError(TErr.TERR_PARTY_NOT_ON_CALL, { ThisDN: rp.name, ConnID: call.connId });
    }
    if (p.state !== PartyState.Queued) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: rp.name, ConnID: call.connId });
    const type = req.RouteType ?? 'Default';
    if (type === 'Reject' || type === 'CallDisconnect') {
      this.leaveRoutingPoint(call, rp, undefined, ctx);
      this.releaseAll(call, type === 'Reject' ? 'Busy' : 'Cleared');
      return;
    }
    const target = this.calledDn(req.OtherDN, rp);
    // Routing delivers to agents: an Extension with nobody signed in is refused (seed 004, 9.19 item 140).
    if (target.type === 'Extension' && !this.agents.has(target.key)) throw new RequestError(TErr.TERR_NOT_SIGNED_AGENT, { ThisDN: rp.name, ConnID: call.connId, OtherDN: target.name });
    const ext = req.Extensions;
    const rawTimeout = kvGet(ext, 'NO_ANSWER_TIMEOUT') ?? kvGet(ext, 'no-answer-timeout');
    // seed 004, 3.17: a NO_ANSWER_TIMEOUT of 0 is ignored.
    const t = typeof rawTimeout === 'object' ? undefined : parseSecondsOption(rawTimeout);
    const naRaw = kvGet(ext, 'NO_ANSWER_ACTION');
    const na = typeof naRaw === 'object' ? undefined : parseNoAnswerAction(naRaw);
    if (naRaw !== undefined && na === undefined) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'Extensions NO_ANSWER_ACTION must be none, not ready or logout.');
    if (req.UserData) {
      const next = kvUpdate(call.userData, req.UserData);
      this.checkUserData(next);
      call.userData = next;
    }
    if (call.routing) call.routing.noAnswerAction = na;
    this.leaveRoutingPoint(call, rp, target, ctx);
    this.offer(call, target, rp, t && t > 0 ? t : undefined);
  }

  private onNoAnswer(connId: ConnId): void {
    const call = this.calls.get(connId);
    const r = call?.routing;
    if (!call || !r?.ringingKey) return;
    const p = call.parties.get(r.ringingKey);
    const dn = this.dns.get(r.ringingKey);
    const rp = this.dns.get(r.rpKey);
    if (!p || !dn || !rp || p.state !== PartyState.Ringing) return;
    // seed 004, 3.17: EventError TERR_DN_NO_ANSWER, the ringing party is released, the call can be routed again.
    const message = `TERR_DN_NO_ANSWER: '${dn.name}' did not answer in time.`;
    const err = { ErrorCode: NO_ANSWER_ERROR_CODE, ErrorMessage: message, ConnID: call.connId, OtherDN: rp.name };
    this.emit(dn, ev('EventError', { ...err, ThisDN: dn.name }));
    this.emit(rp, ev('EventError', { ...err, ThisDN: rp.name, OtherDN: dn.name }));
    r.ringingKey = undefined;
    setPartyState(p, PartyState.Released);
    call.parties.delete(p.key);
    dn.calls.delete(call.connId);
    const agent = this.agents.get(dn.key);
    this.emitCall('EventReleased', call, p, { CallState: 'NoAnswer' });
    const action: NoAnswerAction = r.noAnswerAction ?? agent?.settings.noAnswerAction ?? this.options['no-answer-action'];
    if (agent && action !== 'none') this.runAgent(dn.key, { type: 'noAnswer', action }, undefined);
    this.arriveAtRoutingPoint(call, rp);
  }

  private answer(ctx: RequestContext, name: string, connId: ConnId): void {
    const dn = this.thisDn(name);
    const { call, party } = this.callOf(dn, connId);
    if (party.state === PartyState.Established) throw new RequestError(TErr.TERR_IN_SAME_STATE, { ThisDN: dn.name, ConnID: call.connId });
    if (party.state !== PartyState.Ringing) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
    setPartyState(party, PartyState.Established);
    if (call.routing?.ringingKey === dn.key) {
      this.cancelTimer(`noanswer:${call.connId}`);
      call.routing.state = transitionRouting(call.routing.state, RoutingState.Answered);
      call.routing.ringingKey = undefined;
    }
    const dialing = [...call.parties.values()].filter((q) => q.state === PartyState.Dialing);
    for (const q of dialing) setPartyState(q, PartyState.Established);
    const other = otherParties(call, dn.key)[0];
    this.emitCall('EventEstablished', call, party, { ReferenceID: ctx.ref, OtherDN: other?.dn, ThisDNRole: 'Destination', Extensions: this.wrapUpExt(dn.key) }, ctx.client);
    for (const q of dialing) this.emitCall('EventEstablished', call, q, { OtherDN: dn.name, ThisDNRole: 'Origination', Extensions: this.wrapUpExt(q.key) });
    if (call.singleStep?.targetKey === dn.key) this.finishSingleStep(call);
  }

  private holdRetrieve(ctx: RequestContext, name: string, connId: ConnId, hold: boolean): void {
    const dn = this.thisDn(name);
    const { call, party } = this.callOf(dn, connId);
    const want = hold ? PartyState.Held : PartyState.Established;
    if (party.state === want) throw new RequestError(TErr.TERR_IN_SAME_STATE, { ThisDN: dn.name, ConnID: call.connId });
    if (party.state !== (hold ? PartyState.Established : PartyState.Held)) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
    setPartyState(party, want);
    this.emitCall(hold ? 'EventHeld' : 'EventRetrieved', call, party, { ReferenceID: ctx.ref, OtherDN: otherParties(call, dn.key)[0]?.dn }, ctx.client);
  }

  /** Releases one party: ACW (EventAgentNotReady) goes out before EventReleased (seed 004, 3.8). */
  private releaseParty(call: Call, p: Party, extra: Attrs, requester?: ClientId): void {
    const established = p.wasEstablished && (p.state === PartyState.Established || p.state === PartyState.Held);
    setPartyState(p, PartyState.Released);
    call.parties.delete(p.key);
    const dn = this.dns.get(p.key);
    dn?.calls.delete(call.connId);
    if (dn && this.agents.has(p.key)) this.runAgent(p.key, { type: 'callReleased', established, otherCalls: dn.calls.size }, undefined);
    this.emitCall('EventReleased', call, p, extra, requester);
  }

  private endCall(call: Call): void {
    const r = call.routing;
    if (r && r.state !== RoutingState.Answered && r.state !== RoutingState.Dropped) r.state = transitionRouting(r.state, RoutingState.Dropped);
    this.cancelTimer(`router:${call.connId}`);
    this.cancelTimer(`noanswer:${call.connId}`);
    for (const p of call.parties.values()) this.dns.get(p.key)?.calls.delete(call.connId);
    this.calls.delete(call.connId);
    this.released.add(call.connId);
    if (this.released.size > RELEASED_MEMORY) {
      const oldest = this.released.values().next().value;
      if (oldest !== undefined) this.released.delete(oldest);
    }
  }

  /** Releases every remaining party (route Reject / CallDisconnect, the last party of a call). */
  private releaseAll(call: Call, state: CallState): void {
    for (const p of [...call.parties.values()]) {
      if (p.state === PartyState.Queued) this.leaveRoutingPoint(call, this.dns.get(p.key) as DnRuntime, undefined, undefined);
      else this.releaseParty(call, p, { CallState: state });
    }
    this.endCall(call);
  }

  private release(ctx: RequestContext, name: string, connId: ConnId): void {
    const dn = this.thisDn(name);
    const { call, party } = this.callOf(dn, connId);
    if (party.state === PartyState.Queued) throw new RequestError(TErr.TERR_CSTA_OPER_REQ_INCOMPAT, { ThisDN: dn.name, ConnID: call.connId }, 'A routing point does not release calls; use RequestRouteCall.');
    const reply: Attrs = { ReferenceID: ctx.ref, OtherDN: otherParties(call, dn.key)[0]?.dn };

    // A routed call rejected at the destination goes back to the routing point.
    if (party.state === PartyState.Ringing && call.routing?.ringingKey === dn.key) {
      const rp = this.dns.get(call.routing.rpKey);
      this.cancelTimer(`noanswer:${call.connId}`);
      call.routing.ringingKey = undefined;
      this.releaseParty(call, party, reply, ctx.client);
      if (rp) this.arriveAtRoutingPoint(call, rp);
      return;
    }
    // A single-step transfer refused by its recipient: the transfer is dropped, the call stays.
    if (party.state === PartyState.Ringing && call.singleStep?.targetKey === dn.key) {
      call.singleStep = undefined;
      this.releaseParty(call, party, reply, ctx.client);
      return;
    }
    const answered = [...call.parties.values()].some((q) => q.wasEstablished);
    if (!answered && party.key === call.originKey) {
      // The caller hangs up before an answer: EventAbandoned where the call was offered.
      this.releaseParty(call, party, { ...reply, CallState: 'Abandoned' }, ctx.client);
      for (const q of [...call.parties.values()]) {
        setPartyState(q, PartyState.Released);
        call.parties.delete(q.key);
        this.dns.get(q.key)?.calls.delete(call.connId);
        this.emitCall('EventAbandoned', call, q, { OtherDN: party.dn, CallState: 'Abandoned' });
      }
      this.endCall(call);
      return;
    }
    this.releaseParty(call, party, { ...reply, CallState: 'Ok' }, ctx.client);
    const rest = [...call.parties.values()];
    const live = rest.filter((q) => q.state !== PartyState.Queued);
    if (live.length >= 2) {
      for (const q of rest) this.emitCall('EventPartyDeleted', call, q, { ThirdPartyDN: party.dn, OtherDN: party.dn });
      return;
    }
    this.releaseAll(call, 'Ok');
  }

  // ---------------------------------------------------------------- transfer and conference

  private initiate(ctx: RequestContext, name: string, connId: ConnId, to: string, userData: KvList | undefined, kind: 'transfer' | 'conference'): void {
    const dn = this.thisDn(name);
    const { call, party } = this.callOf(dn, connId);
    if (party.state !== PartyState.Established && party.state !== PartyState.Held) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
    for (const c of this.calls.values()) {
      if (c.consultation?.mainConnId === call.connId && c.consultation.initiatorKey === dn.key) {
        throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: dn.name, ConnID: call.connId }, 'A consultation call for this call is already in progress.');
      }
    }
    const dest = this.calledDn(to, dn);
    if (dest.calls.has(call.connId)) throw new RequestError(TErr.TERR_INV_CALD_DN, { OtherDN: dest.name }, `'${dest.name}' is already on the call.`);
    const ud = userData ? kvUpdate(call.userData, userData) : call.userData;
    this.checkUserData(ud);
    if (party.state === PartyState.Established) {
      setPartyState(party, PartyState.Held);
      this.emitCall('EventHeld', call, party, { OtherDN: otherParties(call, dn.key)[0]?.dn });
    }
    // The consultation call starts with a copy of the main call's UserData.
    const consult = this.newCall('Consult', dn, ud);
    consult.consultation = { mainConnId: call.connId, initiatorKey: dn.key, kind };
    const p = this.join(consult, dn, PartyState.Dialing);
    this.emitCall('EventDialing', consult, p, { ReferenceID: ctx.ref, OtherDN: dest.name, TransferConnID: call.connId, ThisDNRole: 'Origination' }, ctx.client);
    this.offer(consult, dest, undefined);
  }

  private complete(ctx: RequestContext, name: string, connId: ConnId, transferConnId: ConnId, kind: 'transfer' | 'conference'): void {
    const dn = this.thisDn(name);
    const { call: main, party: a } = this.callOf(dn, connId);
    const { call: consult, party: aConsult } = this.callOf(dn, transferConnId);
    const cannot = (why: string): never => { throw new RequestError(TErr.TERR_CANNOT_COMPLETE_TRANSFER, { ThisDN: dn.name, ConnID: main.connId }, why); };
    if (consult.consultation?.mainConnId !== main.connId) cannot('TransferConnID is not a consultation of ConnID.');
    const added = otherParties(consult, dn.key);
    if (added.length === 0 || added.some((q) => q.state !== PartyState.Established)) cannot('The consultation call is not established.');
    const before = otherParties(main, dn.key);
    // The consulted parties move into the main call.
    for (const q of added) {
      consult.parties.delete(q.key);
      const qdn = this.dns.get(q.key);
      qdn?.calls.delete(consult.connId);
      if (qdn) this.join(main, qdn, PartyState.Established).wasEstablished = true;
    }
    if (kind === 'transfer') {
      // seed 004, 4.1: EventReleased (with the ReferenceID), then EventPartyChanged.
      this.releaseParty(main, a, { ReferenceID: ctx.ref, CallState: 'Transferred', OtherDN: added[0]?.dn }, ctx.client);
      this.releaseParty(consult, aConsult, { CallState: 'Transferred' });
      this.endCall(consult);
      for (const b of before) this.emitCall('EventPartyChanged', main, b, { OtherDN: added[0]?.dn, ThirdPartyDN: dn.name, CallState: 'Transferred' });
      for (const q of added) this.emitCall('EventPartyChanged', main, this.partyIn(main, q.key), { PreviousConnID: consult.connId, OtherDN: before[0]?.dn, ThirdPartyDN: dn.name, CallState: 'Transferred' });
      return;
    }
    // seed 004, 4.1: EventReleased* (consultation), EventRetrieved, EventPartyAdded, EventPartyChanged.
    this.releaseParty(consult, aConsult, { ReferenceID: ctx.ref, CallState: 'Conferenced' }, ctx.client);
    this.endCall(consult);
    if (a.state === PartyState.Held) {
      setPartyState(a, PartyState.Established);
      this.emitCall('EventRetrieved', main, a, { OtherDN: before[0]?.dn });
    }
    for (const q of added) {
      for (const m of [a, ...before]) this.emitCall('EventPartyAdded', main, m, { ThirdPartyDN: q.dn, OtherDN: q.dn, CallState: 'Conferenced' });
      this.emitCall('EventPartyChanged', main, this.partyIn(main, q.key), { PreviousConnID: consult.connId, OtherDN: dn.name, ThirdPartyDN: dn.name, CallState: 'Conferenced' });
    }
  }

  private partyIn(call: Call, key: string): Party {
    const p = call.parties.get(key);
    if (!p) throw new RequestError(TErr.TERR_INTERNAL);
    return p;
  }

  private singleStepTransfer(ctx: RequestContext, name: string, connId: ConnId, to: string): void {
    const dn = this.thisDn(name);
    const { call, party } = this.callOf(dn, connId);
    if (party.state !== PartyState.Established && party.state !== PartyState.Held) throw new RequestError(TErr.TERR_INVALID_STATE, { ThisDN: dn.name, ConnID: call.connId });
    if (call.singleStep || call.routing?.ringingKey) throw new RequestError(TErr.TERR_OPERATION_IN_PROGRESS, { ThisDN: dn.name, ConnID: call.connId });
    const dest = this.calledDn(to, dn);
    if (dest.calls.has(call.connId)) throw new RequestError(TErr.TERR_INV_CALD_DN, { OtherDN: dest.name }, `'${dest.name}' is already on the call.`);
    if (ROUTABLE.has(dest.type)) {
      // To a routing point or queue the transferring DN leaves at once; routing takes over.
      this.releaseParty(call, party, { ReferenceID: ctx.ref, CallState: 'Transferred', OtherDN: dest.name }, ctx.client);
      this.arriveAtRoutingPoint(call, dest);
      return;
    }
    call.singleStep = { fromKey: dn.key, fromDn: dn.name, targetKey: dest.key, referenceId: ctx.ref, clientId: ctx.client };
    const p = this.join(call, dest, PartyState.Ringing);
    const remaining = otherParties(call, dn.key).filter((q) => q.key !== dest.key)[0];
    this.emitCall('EventRinging', call, p, { OtherDN: remaining?.dn, ThirdPartyDN: dn.name, ThisDNRole: 'Destination' });
  }

  /** seed 004, 4.1: EventReleased on the transferring DN only once the call connected at the recipient. */
  private finishSingleStep(call: Call): void {
    const s = call.singleStep;
    call.singleStep = undefined;
    if (!s) return;
    const from = call.parties.get(s.fromKey);
    if (!from) return;
    this.releaseParty(call, from, { ReferenceID: s.referenceId, CallState: 'Transferred', OtherDN: this.dns.get(s.targetKey)?.name }, s.clientId);
    const target = call.parties.get(s.targetKey);
    for (const q of call.parties.values()) {
      if (q.key !== s.targetKey) this.emitCall('EventPartyChanged', call, q, { OtherDN: target?.dn, ThirdPartyDN: s.fromDn, CallState: 'Transferred' });
    }
  }

  // ---------------------------------------------------------------- user data and user events

  private changeUserData(ctx: RequestContext, name: string, connId: ConnId, change: (l: KvList) => KvList): void {
    const dn = this.thisDn(name);
    const { call } = this.callOf(dn, connId);
    const next = change(call.userData);
    this.checkUserData(next);
    call.userData = next;
    // Every party of the call learns the complete new UserData; the requester's copy carries the ReferenceID.
    for (const p of call.parties.values()) {
      const mine = p.key === dn.key;
      this.emitCall('EventAttachedDataChanged', call, p, { ReferenceID: mine ? ctx.ref : undefined, ThirdPartyDN: dn.name, UserData: next }, mine ? ctx.client : undefined);
    }
  }

  private distributeUserEvent(ctx: RequestContext, r: Extract<TlibRequest, { message: 'RequestDistributeUserEvent' }>): void {
    const dn = this.thisDn(r.ThisDN);
    if (r.UserData) this.checkUserData(r.UserData);
    const e = ev('EventUserEvent', { ThisDN: dn.name, ConnID: r.ConnID, OtherDN: r.OtherDN, AgentID: r.AgentID ?? this.agents.get(dn.key)?.agentId, Place: r.Place, CallUUID: r.CallUUID, UserData: r.UserData });
    for (const c of dn.clients) this.send(c, e);
    this.send(ctx.client, ev('EventACK', { ReferenceID: ctx.ref, ThisDN: dn.name }));
  }

  // ---------------------------------------------------------------- read-only views (stats, tests, the web role)

  /** The agent logged in on a DN, if any. */
  agentOn(dn: string): Readonly<Agent> | undefined {
    return this.agents.get(dnKey(dn));
  }

  /** A live call by ConnID. */
  call(connId: ConnId): Readonly<Call> | undefined {
    return this.calls.get(connId);
  }

  /** ConnIDs of the live calls a DN takes part in. */
  callsOn(dn: string): ConnId[] {
    return [...(this.dns.get(dnKey(dn))?.calls ?? [])];
  }

  /** Number of live calls. */
  get callCount(): number {
    return this.calls.size;
  }

  /** Clients registered on a DN. */
  registeredClients(dn: string): ClientId[] {
    return [...(this.dns.get(dnKey(dn))?.clients ?? [])];
  }
}
