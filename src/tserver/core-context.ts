/**
 * The state the T-Server core's sections share (DNs, clients, agents, calls) and the helpers they
 * all use: output (events, timers, Switch commands), request checks with their EventError codes
 * (seed 004, 8.1), option lookup by precedence, and the executors of the pure machines' effects
 * (agent.ts, call-reducer.ts). Only the core and its sections (core-*.ts) use it; core-types.ts
 * holds the types and helpers around it.
 */
import { kvUpdate, TErr, agentWorkModes, type AgentWorkMode, type ConnId, type EventName, type KvList, type TlibEvent } from '../tlib/index.ts';
import { resolveOptionIn, type ResolvedOptionIn } from '../config/option-resolver.ts';
import { reduceAgent, wrapUpExtension, type Agent, type AgentInput } from './agent.ts';
import { ConnIdAllocator, createCall, type Call, type Party } from './call.ts';
import { reduceCall, type CallEffect, type CallInput, type Requester } from './call-reducer.ts';
import { reduceCompletion } from './call-completion.ts';
import type { SwitchCommand } from './switch-port.ts';
import { dnKey, readTServerOptions, type DnConfig, type Options, type OptionValue, type TServerConfig, type TServerOptions } from './tserver-config.ts';
import {
  CALLABLE, ev, MAX_USERDATA_JSON_BYTES, MAX_USERDATA_PAIRS, RequestError, RELEASED_MEMORY, REPLY_KINDS, withoutReference,
  type Attrs, type ClientId, type CoreEffect, type DnRuntime, type ReplyKind, type RequestContext,
} from './core-types.ts';

export * from './core-types.ts';

function newDn(d: DnConfig): DnRuntime {
  return {
    key: dnKey(d.name), name: d.name, type: d.type,
    // seed 004, 2.2: only DNs with register = true are in service (the RG ACD Queue is the exception).
    inService: d.register !== false || d.type === 'ACDQueue',
    options: d.options ?? {}, dnd: false, clients: new Set(), monitors: new Set(), logoutOnDisconnect: new Set(), calls: new Set(),
  };
}

export class CoreContext {
  cfg: TServerConfig;
  opts: TServerOptions;
  readonly dns = new Map<string, DnRuntime>();
  readonly agentLogins = new Map<string, Options>();
  readonly clients = new Map<ClientId, Set<string>>();
  readonly agents = new Map<string, Agent>();
  readonly agentDnById = new Map<string, string>();
  readonly calls = new Map<ConnId, Call>();
  readonly released = new Set<ConnId>();
  /** Requesters waiting for a Switch result, by ConnID, then `kind:DN key`. */
  private readonly replies = new Map<ConnId, Map<string, Requester>>();
  private readonly connIds: ConnIdAllocator;
  out: CoreEffect[] = [];
  now = 0;

  constructor(config: TServerConfig, connIdPrefix: number | undefined) {
    this.cfg = config;
    this.opts = readTServerOptions(config.options);
    this.connIds = new ConnIdAllocator(connIdPrefix);
    for (const d of config.dns) this.dns.set(dnKey(d.name), newDn(d));
    for (const a of config.agentLogins) this.agentLogins.set(a.agentId, a.options ?? {});
  }

  /** See {@link TServerCore.reconfigure}. */
  reconfigure(config: TServerConfig): void {
    const options = readTServerOptions(config.options);
    this.cfg = config;
    this.opts = options;
    const keep = new Set<string>();
    for (const d of config.dns) {
      const key = dnKey(d.name);
      keep.add(key);
      const dn = this.dns.get(key);
      if (!dn) this.dns.set(key, newDn(d));
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

  begin(now: number): void {
    this.now = now;
    this.out = [];
  }

  finish(): CoreEffect[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  // ---------------------------------------------------------------- output

  send(to: ClientId, event: TlibEvent): void {
    this.out.push({ type: 'send', to, event });
  }

  /**
   * Sends an event about a DN to every client registered on it, and to the requester when it carries
   * the requester's ReferenceID. ReferenceIDs are per client, so only the requester's copy keeps it.
   */
  emit(dn: DnRuntime, event: TlibEvent, requester?: ClientId): void {
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

  sendError(to: Requester, code: number, message: string, attrs: Attrs): void {
    this.send(to.client, ev('EventError', { ReferenceID: to.ref, ErrorCode: code, ErrorMessage: message, ...attrs }));
  }

  startTimer(name: string, ms: number): void {
    this.out.push({ type: 'startTimer', name, ms });
  }

  cancelTimer(name: string): void {
    this.out.push({ type: 'cancelTimer', name });
  }

  command(command: SwitchCommand): void {
    this.out.push({ type: 'switch', command });
  }

  // ---------------------------------------------------------------- lookups and checks

  /** ThisDN of a request: missing -> 53, unknown -> 59, out of service -> 58. */
  thisDn(name: string | undefined): DnRuntime {
    if (!name) throw new RequestError(TErr.TERR_INVALID_ATTR, {}, 'ThisDN is missing.');
    const dn = this.dns.get(dnKey(name));
    if (!dn) throw new RequestError(TErr.TERR_NOT_CONFIGURED, { ThisDN: name });
    if (!dn.inService) throw new RequestError(TErr.TERR_OUT_OF_SERVICE, { ThisDN: name });
    return dn;
  }

  /** A called DN: missing, unknown or not callable -> 71, out of service -> 58, DND on -> 93. */
  calledDn(name: string | undefined, from: DnRuntime | undefined): DnRuntime {
    const dn = name ? this.dns.get(dnKey(name)) : undefined;
    if (!dn || !CALLABLE.has(dn.type) || dn === from) throw new RequestError(TErr.TERR_INV_CALD_DN, { OtherDN: name }, name ? `Invalid called DN '${name}'.` : 'OtherDN is missing.');
    if (!dn.inService) throw new RequestError(TErr.TERR_OUT_OF_SERVICE, { OtherDN: name });
    if (dn.dnd) throw new RequestError(TErr.TERR_DEST_INV_STATE, { OtherDN: name }, `'${dn.name}' is in Do-Not-Disturb.`);
    return dn;
  }

  /** The call of a request: unknown ConnID -> 56 (237 if it was released), no call -> 563, DN not on it -> 470. */
  callOf(dn: DnRuntime, connId: ConnId | undefined): { call: Call; party: Party } {
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

  lookupCall(id: ConnId): Call {
    const call = this.calls.get(id);
    if (call) return call;
    if (this.released.has(id)) throw new RequestError(TErr.TERR_CALL_DISCONNECTED, { ConnID: id });
    throw new RequestError(TErr.TERR_INV_CONNID, { ConnID: id });
  }

  workMode(v: unknown): AgentWorkMode | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (agentWorkModes as readonly string[]).includes(v)) return v as AgentWorkMode;
    throw new RequestError(TErr.TERR_INVALID_ATTR, {}, `AgentWorkMode '${String(v)}' is invalid.`);
  }

  checkUserData(list: KvList): void {
    if (list.length > MAX_USERDATA_PAIRS || JSON.stringify(list).length > MAX_USERDATA_JSON_BYTES) {
      throw new RequestError(TErr.TERR_INVALID_ATTR, {}, `UserData exceeds ${MAX_USERDATA_PAIRS} pairs or ${MAX_USERDATA_JSON_BYTES} bytes.`);
    }
  }

  /**
   * A `[TServer]` option by precedence (seed 004, 5.9), through the config layer's resolver: the
   * request's Extension value, then the levels the option table declares (Agent Login, DN), then
   * the Application; defaults from the option table.
   */
  option(name: string, levels: { agentLogin?: Options | undefined; dn?: Options | undefined }, request?: OptionValue): ResolvedOptionIn {
    return resolveOptionIn('TServer', name, { ...levels, application: this.cfg.options }, { request });
  }

  // ---------------------------------------------------------------- agents

  /** Runs the agent reducer and executes its effects; the first event carries the request's ReferenceID. */
  runAgent(key: string, input: AgentInput, ctx: RequestContext | undefined): void {
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

  wrapUpExt(key: string): KvList | undefined {
    const a = this.agents.get(key);
    return a ? [['WrapUpTime', wrapUpExtension(a.settings.wrapUpTime)]] : undefined;
  }

  // ---------------------------------------------------------------- calls

  newCall(callType: Call['callType'], origin: DnRuntime, userData: KvList, more: Pick<Call, 'mediaType'> & Partial<Pick<Call, 'ani' | 'dnis' | 'consultation'>>): Call {
    const connId = this.connIds.next((id) => this.calls.has(id));
    const call = createCall({ connId, callType, originKey: origin.key, userData, ...more });
    this.calls.set(connId, call);
    return call;
  }

  /** Call-event attributes common to every party event. */
  private callAttrs(call: Call, p: Party): Attrs {
    const a = this.agents.get(p.key);
    return { ThisDN: p.dn, ConnID: call.connId, CallType: call.callType, AgentID: a?.agentId, UserData: call.userData.length ? call.userData : undefined, ANI: call.ani, DNIS: call.dnis, MediaType: call.mediaType === 'chat' ? 'Chat' : undefined };
  }

  emitCall(name: EventName, call: Call, p: Party, extra: Attrs, requester?: ClientId): void {
    const dn = this.dns.get(p.key);
    if (!dn) return;
    // An agent's EventEstablished says how long its ACW will be (seed 004, 4.2 WrapUpTime).
    const attrs = name === 'EventEstablished' ? { ...this.callAttrs(call, p), ...extra, Extensions: this.wrapUpExt(p.key) } : { ...this.callAttrs(call, p), ...extra };
    this.emit(dn, ev(name, attrs), requester);
  }

  /**
   * Runs the call reducer on the live call `connId` and executes its effects in order. Returns the
   * routing point key when the call must go back to it (the caller re-queues it).
   */
  step(connId: ConnId, input: CallInput): string | undefined {
    const call = this.calls.get(connId);
    if (!call) return undefined;
    const s = reduceCall(call, input);
    this.store(connId, s.call);
    return this.applyCallEffects(s.effects);
  }

  /** RequestCompleteTransfer / RequestCompleteConference through the completion reducer. */
  complete(main: Call, consult: Call, input: Parameters<typeof reduceCompletion>[2]): void {
    const s = reduceCompletion(main, consult, input);
    this.store(main.connId, s.main);
    this.store(consult.connId, s.consult);
    this.applyCallEffects(s.effects);
  }

  private store(connId: ConnId, call: Call | undefined): void {
    if (call) this.calls.set(connId, call);
    else this.calls.delete(connId);
  }

  private applyCallEffects(effects: readonly CallEffect[]): string | undefined {
    let reroute: string | undefined;
    for (const e of effects) {
      switch (e.type) {
        case 'event':
          this.emitCall(e.name, e.call, e.party, e.attrs, e.requester);
          break;
        case 'joined':
          this.dns.get(e.key)?.calls.add(e.connId);
          break;
        case 'left': {
          const dn = this.dns.get(e.key);
          dn?.calls.delete(e.connId);
          const pending = this.replies.get(e.connId);
          if (pending) for (const kind of REPLY_KINDS) pending.delete(`${kind}:${e.key}`);
          if (e.established !== undefined && dn && this.agents.has(e.key)) this.runAgent(e.key, { type: 'callReleased', established: e.established, otherCalls: dn.calls.size }, undefined);
          break;
        }
        case 'agentActivity':
          if (this.agents.has(e.key)) this.runAgent(e.key, { type: 'callActivity' }, undefined);
          break;
        case 'switch':
          this.command(e.command);
          break;
        case 'startTimer':
          this.startTimer(`${e.name}:${e.connId}`, e.ms);
          break;
        case 'cancelTimer':
          this.cancelTimer(`${e.name}:${e.connId}`);
          break;
        case 'reroute':
          reroute = e.rpKey;
          break;
        case 'ended':
          this.forget(e.call);
          break;
      }
    }
    return reroute;
  }

  private forget(call: Call): void {
    for (const p of call.parties.values()) this.dns.get(p.key)?.calls.delete(call.connId);
    if (this.calls.get(call.connId) === call) this.calls.delete(call.connId);
    this.replies.delete(call.connId);
    this.released.add(call.connId);
    if (this.released.size > RELEASED_MEMORY) {
      const oldest = this.released.values().next().value;
      if (oldest !== undefined) this.released.delete(oldest);
    }
  }

  /** Remembers who asks the Switch to answer, hold or retrieve `key`'s leg: the Switch's event answers them. */
  expectReply(connId: ConnId, kind: ReplyKind, key: string, by: Requester): void {
    let m = this.replies.get(connId);
    if (!m) this.replies.set(connId, (m = new Map()));
    m.set(`${kind}:${key}`, { client: by.client, ref: by.ref });
  }

  hasReply(connId: ConnId, kind: ReplyKind, key: string): boolean {
    return this.replies.get(connId)?.has(`${kind}:${key}`) === true;
  }

  takeReply(connId: ConnId, kind: ReplyKind, key: string): Requester | undefined {
    const m = this.replies.get(connId);
    const r = m?.get(`${kind}:${key}`);
    if (r) {
      m?.delete(`${kind}:${key}`);
      if (m?.size === 0) this.replies.delete(connId);
    }
    return r;
  }
}
