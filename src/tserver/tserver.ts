/**
 * The T-Server shell: it moves frames between T-Lib clients and the {@link TServerCore}, runs the
 * core's timers on the injected Clock, and carries the core's commands to the {@link Switch} (the
 * emulated one unless another is given), feeding the Switch's events back into the core. Nothing
 * here decides anything (ARCHITECTURE.md: "the server shell only moves frames and runs timers").
 *
 * Clients reach it through the T-Lib server framework: TCP/TLS, in-memory streams, or in-process
 * pipes (`connectInProcess()`, what the roles of `ucc start` use through their TlibClient). Tests
 * and benchmarks that script a phone or a caller use {@link TServer.attach}, a synchronous port with
 * no framing.
 */
import { SystemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TlibServer, type TlibListenOptions } from '../tlib/server/tlib-server.ts';
import type { TlibSession } from '../tlib/server/tlib-session.ts';
import type { TlibEvent, TlibRequest } from '../tlib/index.ts';
import type { Duplex } from 'node:stream';
import type { MessagePipeEnd } from '../lib/framed-json/message-pipe.ts';
import { TServerCore, type ClientId, type CoreEffect } from './tserver-core.ts';
import type { TServerConfig } from './tserver-config.ts';
import type { Switch, SwitchEvent } from './switch-port.ts';
import { expandSwitchEffects } from './switch-effects.ts';
import { EmulatedSwitch } from '../switch/emulated/emulated-switch.ts';
import { TErr } from '../tlib/index.ts';
import { verifyPassword, verifyPasswordAsync } from '../config/password-hash.ts';
import { TlibAccess } from './tlib-access.ts';
import type { ConnectionLimits } from '../lib/framed-json/connection-limits.ts';

/** Construction options of {@link TServer}. */
export interface TServerInit {
  config: TServerConfig;
  clock?: Clock;
  logger?: Logger;
  /** Fixes the ConnID prefix (tests); random by default. */
  connIdPrefix?: number;
  /** Sent in EventLinkConnected. */
  applicationName?: string;
  /** Where call legs live (switch-port.ts); default: the emulated switch (no media). Started here, stopped by close(). */
  switch?: Switch;
  /** Bounds of the T-Lib listeners (tlib-server.ts defaults). */
  limits?: Partial<ConnectionLimits>;
}

/** An in-process client of {@link TServer.attach}: requests in, events out through `onEvent`. */
export interface AttachedClient {
  readonly id: ClientId;
  /** Handles one request synchronously; the events it causes are delivered before this returns. */
  request(req: TlibRequest): void;
  /** Closes the client (as a disconnect: logout-on-disconnect applies). */
  close(): void;
}

export class TServer {
  readonly core: TServerCore;
  readonly tlib: TlibServer;
  readonly switch: Switch;
  /** Settles once the Switch started (a failure is logged; the T-Server still serves agents). */
  readonly switchStarted: Promise<void>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timers = new Map<string, TimerHandle>();
  private readonly attached = new Map<ClientId, (e: TlibEvent) => void>();
  private readonly sessions = new Map<ClientId, TlibSession>();
  /**
   * Graceful shutdown: no new call is taken (RequestMakeCall and new inbound calls from the switch
   * are refused); calls already up go on.
   */
  draining = false;
  /** T-Lib requests by result (metrics): answered, answered with EventError, refused by access rules. */
  readonly requestResults = { ok: 0, error: 0, refused: 0 };
  /** Who may connect and what each Application may do. */
  private readonly access: TlibAccess;
  /** Agent Login password hashes by AgentID. */
  private agentPasswords = new Map<string, string>();
  /** Requests of a session held behind an agent password check, so its requests keep their order. */
  private readonly held = new Map<ClientId, TlibRequest[]>();
  private nextAttached = 1;
  private closed = false;

  constructor(init: TServerInit) {
    this.clock = init.clock ?? new SystemClock();
    this.logger = init.logger ?? silentLogger;
    this.core = new TServerCore(init.config, { connIdPrefix: init.connIdPrefix });
    this.access = new TlibAccess(init.config.applications);
    this.agentPasswords = agentPasswordsOf(init.config);
    this.tlib = new TlibServer({
      handler: (req, session) => this.onSessionRequest(req, session),
      logger: this.logger,
      clock: this.clock,
      applicationName: init.applicationName ?? 'OpenUCC T-Server',
      authenticator: this.access,
      ...(init.limits ? { limits: init.limits } : {}),
    });
    this.tlib.on('sessionOpen', (s) => this.onSessionOpen(s));
    this.switch = init.switch ?? new EmulatedSwitch();
    this.switchStarted = this.switch.start((e) => this.onSwitchEvent(e)).catch((err: unknown) => {
      this.logger.error('switch failed to start', { switch: this.switch.name, error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Starts a T-Lib listener (TCP, or TLS with `tls`); port 0 picks a free port. */
  listen(options: TlibListenOptions = {}): Promise<{ host: string; port: number }> {
    return this.tlib.listen(options);
  }

  /**
   * A framed in-memory connection (the same path as TCP, without a socket), authenticated as the
   * configured Application `application` (default: the process itself, with access to everything).
   */
  connectInMemory(application?: string): Duplex {
    return this.tlib.connectInMemory(application);
  }

  /**
   * An in-process T-Lib connection: messages copied and validated, never serialized (`ucc start`).
   * It is authenticated as the configured Application `application`, whose access then applies
   * (default: the process itself, with access to everything).
   */
  connectInProcess(application?: string): MessagePipeEnd {
    return this.tlib.connectInProcess(application);
  }

  /** An unframed in-process client for tests and benchmarks: events are handed to `onEvent` synchronously. */
  attach(onEvent: (event: TlibEvent) => void): AttachedClient {
    const id = `a${this.nextAttached++}`;
    this.attached.set(id, onEvent);
    this.core.connect(id);
    return {
      id,
      request: (req) => {
        if (!this.attached.has(id)) return;
        if (this.dumpTraffic()) this.logger.debug('T-Lib request', { client: id, request: req });
        const hash = this.agentPasswordHash(req);
        if (hash !== undefined && !verifyPassword(req.message === 'RequestAgentLogin' ? req.Password ?? '' : '', hash)) {
          onEvent(wrongAgentPassword(req));
          return;
        }
        this.run(this.core.request(id, req, this.clock.now()));
      },
      close: () => {
        if (this.attached.delete(id)) this.run(this.core.disconnect(id, this.clock.now()));
      },
    };
  }

  /** Applies a new configuration at once (see {@link TServerCore.reconfigure}). */
  reconfigure(config: TServerConfig): void {
    this.core.reconfigure(config);
    this.access.update(config.applications);
    this.agentPasswords = agentPasswordsOf(config);
  }

  /** Stops listening, closes every client and cancels every timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.timers.values()) this.clock.cancel(h);
    this.timers.clear();
    this.attached.clear();
    await this.tlib.close('T-Server shutting down');
    await this.switchStarted;
    await this.switch.stop().catch((err: unknown) => this.logger.error('switch failed to stop', { switch: this.switch.name, error: err instanceof Error ? err.message : String(err) }));
  }

  private onSessionOpen(session: TlibSession): void {
    this.sessions.set(session.id, session);
    this.core.connect(session.id);
    session.onClose(() => {
      this.sessions.delete(session.id);
      if (!this.closed) this.run(this.core.disconnect(session.id, this.clock.now()));
    });
  }

  private onSessionRequest(req: TlibRequest, session: TlibSession): void {
    if (!this.sessions.has(session.id)) this.onSessionOpen(session);
    const held = this.held.get(session.id);
    if (held) held.push(req);
    else this.handle(req, session);
  }

  /** Whether the debug dump of T-Lib traffic is written: its fields are not even built otherwise (hot path). */
  private dumpTraffic(): boolean {
    return this.logger.enabled?.('debug') ?? true;
  }

  /** Authorises, checks an agent password (off the event loop), then hands the request to the core. */
  private handle(req: TlibRequest, session: TlibSession): void {
    // The debug dump of T-Lib traffic; the process's logger masks UserData and digits (log-masking.ts).
    if (this.dumpTraffic()) this.logger.debug('T-Lib request', { client: session.id, application: session.principal?.application, request: req });
    const refusal = this.draining && req.message === 'RequestMakeCall' ? 'the T-Server is shutting down: no new calls' : this.access.refusal(session.principal, req);
    if (refusal !== undefined) {
      this.logger.warn('T-Lib request refused', { session: session.id, application: session.principal?.application, request: req.message, reason: refusal });
      this.requestResults.refused++;
      this.tlib.replyError(session, req, TErr.TERR_PRIVILEGE_VIOLATION_SPECIFIED, refusal);
      return;
    }
    const hash = this.agentPasswordHash(req);
    if (hash === undefined) {
      this.request(session, req);
      return;
    }
    const held: TlibRequest[] = [];
    this.held.set(session.id, held);
    const password = req.message === 'RequestAgentLogin' ? req.Password ?? '' : '';
    void verifyPasswordAsync(password, hash).then((ok) => {
      this.held.delete(session.id);
      if (this.closed || session.closed) return;
      if (ok) this.request(session, req);
      else {
        this.requestResults.error++;
        session.send(wrongAgentPassword(req));
      }
      // What arrived meanwhile goes on in order (it may be held again behind another login).
      for (const next of held) this.onSessionRequest(next, session);
    });
  }

  /** One request through the core, counted by whether it answered the client with EventError. */
  private request(session: TlibSession, req: TlibRequest): void {
    const effects = this.core.request(session.id, req, this.clock.now());
    let failed = false;
    for (const e of effects) if (e.type === 'send' && e.to === session.id && e.event.message === 'EventError') failed = true;
    if (failed) this.requestResults.error++;
    else this.requestResults.ok++;
    this.run(effects);
  }

  /** Open T-Lib sessions (metrics). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The password hash a RequestAgentLogin must match, if its Agent Login has one. */
  private agentPasswordHash(req: TlibRequest): string | undefined {
    return req.message === 'RequestAgentLogin' ? this.agentPasswords.get(req.AgentID) : undefined;
  }

  /** An event the Switch reported later (not returned by execute()). */
  private onSwitchEvent(event: SwitchEvent): void {
    if (this.closed) return;
    if (this.draining && event.kind === 'inbound') {
      // Shutting down: a new call from the network is refused (SIP 503-like), never half-taken.
      this.logger.info('inbound call refused: shutting down', { from: event.from, to: event.to });
      for (const e of this.switch.execute({ kind: 'refuse', legRef: event.legRef, cause: 'error' })) this.onSwitchEvent(e);
      return;
    }
    try {
      this.run(this.core.switchEvent(event, this.clock.now()));
    } catch (err) {
      // A bug in a handler must not take the process down; it is logged loudly.
      this.logger.error('T-Server switch event handler failed', { event: event.kind, error: err instanceof Error ? err.stack : String(err) });
    }
  }

  /** Executes the core's effects, in order; Switch commands first become what they cause (switch-effects.ts). */
  private run(effects: CoreEffect[]): void {
    const now = this.clock.now();
    const expanded = expandSwitchEffects(this.core, this.switch, effects, now, (command, err) => {
      this.logger.error('switch command failed', { switch: this.switch.name, command: command.kind, error: err instanceof Error ? err.stack : String(err) });
    });
    const dump = this.dumpTraffic();
    for (const e of expanded) {
      if (e.type === 'send') {
        if (dump) this.logger.debug('T-Lib event', { client: e.to, event: e.event });
        const local = this.attached.get(e.to);
        if (local) local(e.event);
        else this.sessions.get(e.to)?.send(e.event);
      } else if (e.type === 'startTimer') {
        this.clock.cancel(this.timers.get(e.name));
        const name = e.name;
        const handle = this.clock.setTimer(e.ms, () => {
          if (this.timers.get(name) !== handle) return;
          this.timers.delete(name);
          if (this.closed) return;
          try {
            this.run(this.core.timer(name, this.clock.now()));
          } catch (err) {
            // A bug in a timer handler must not take the process down; it is logged loudly.
            this.logger.error('T-Server timer handler failed', { timer: name, error: err instanceof Error ? err.stack : String(err) });
          }
        });
        this.timers.set(name, handle);
      } else {
        this.clock.cancel(this.timers.get(e.name));
        this.timers.delete(e.name);
      }
    }
  }

  /** Number of timers the core has running (tests check that nothing leaks). */
  get pendingTimers(): number {
    return this.timers.size;
  }
}

function agentPasswordsOf(config: TServerConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of config.agentLogins) if (a.passwordHash !== undefined) m.set(a.agentId, a.passwordHash);
  return m;
}

/** EventError 1704 for a RequestAgentLogin whose Password does not match its Agent Login. */
function wrongAgentPassword(req: TlibRequest): TlibEvent {
  const ev: TlibEvent = { message: 'EventError', ErrorCode: TErr.TERR_SOFT_AGENT_WRONG_PASSWORD, ErrorMessage: 'Agent has a wrong password.' };
  if (req.ReferenceID !== undefined) ev.ReferenceID = req.ReferenceID;
  if ('ThisDN' in req) ev.ThisDN = req.ThisDN;
  if (req.message === 'RequestAgentLogin') ev.AgentID = req.AgentID;
  return ev;
}
