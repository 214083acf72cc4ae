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
  private nextAttached = 1;
  private closed = false;

  constructor(init: TServerInit) {
    this.clock = init.clock ?? new SystemClock();
    this.logger = init.logger ?? silentLogger;
    this.core = new TServerCore(init.config, { connIdPrefix: init.connIdPrefix });
    this.tlib = new TlibServer({
      handler: (req, session) => this.onSessionRequest(req, session),
      logger: this.logger,
      clock: this.clock,
      applicationName: init.applicationName ?? 'OpenUCC T-Server',
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

  /** A framed in-memory connection (the same path as TCP, without a socket). */
  connectInMemory(): Duplex {
    return this.tlib.connectInMemory();
  }

  /** An in-process T-Lib connection: messages copied and validated, never serialized (`ucc start`). */
  connectInProcess(): MessagePipeEnd {
    return this.tlib.connectInProcess();
  }

  /** An unframed in-process client for tests and benchmarks: events are handed to `onEvent` synchronously. */
  attach(onEvent: (event: TlibEvent) => void): AttachedClient {
    const id = `a${this.nextAttached++}`;
    this.attached.set(id, onEvent);
    this.core.connect(id);
    return {
      id,
      request: (req) => {
        if (this.attached.has(id)) this.run(this.core.request(id, req, this.clock.now()));
      },
      close: () => {
        if (this.attached.delete(id)) this.run(this.core.disconnect(id, this.clock.now()));
      },
    };
  }

  /** Applies a new configuration at once (see {@link TServerCore.reconfigure}). */
  reconfigure(config: TServerConfig): void {
    this.core.reconfigure(config);
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
    this.run(this.core.request(session.id, req, this.clock.now()));
  }

  /** An event the Switch reported later (not returned by execute()). */
  private onSwitchEvent(event: SwitchEvent): void {
    if (this.closed) return;
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
    for (const e of expanded) {
      if (e.type === 'send') {
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
