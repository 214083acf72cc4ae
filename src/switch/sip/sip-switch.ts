/**
 * The SIP switch: a B2BUA on the project's SIP stack behind the T-Server's Switch port. Calls come
 * in from trunks (`voice.trunks`), ring the KWs' own phones through the outbound proxy (or a DN's
 * `contact`), and their media goes through rtpengine when `voice.rtpengine` is set (end to end
 * otherwise). docs/voice.md describes the behaviour and the configuration.
 *
 * ```ts
 * const sw = new SipSwitch({ config: voice, relay });     // relay: a MediaRelay, or none
 * await sw.start((event) => core.onSwitchEvent(event));
 * sw.execute({ kind: 'offer', connId, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
 * await sw.stop();
 * ```
 * Events come later through the listener; `execute` returns only what is known at once (a command
 * that cannot be carried out: `failed`, or `released` for a leg that is already gone).
 */
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { MediaRelay } from '../../media/media-relay.ts';
import { SipStack } from '../../sip/api/sip-stack.ts';
import type { ListenOptions } from '../../sip/api/sip-stack.ts';
import { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import { randomToken } from '../../sip/transaction/server-transaction-handle.ts';
import type { Transport } from '../../sip/transport/transport.ts';
import type { TransportAddress } from '../../sip/transaction/transaction-user.ts';
import type { Switch, SwitchCapabilities, SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';
import { CallControl } from './call-control.ts';
import { InboundCalls } from './inbound-calls.ts';
import { MediaPath } from './media-path.ts';
import { OutboundCalls } from './outbound-calls.ts';
import { LegRegistry } from './sip-leg.ts';
import { SwitchCore } from './switch-core.ts';
import { TrunkGate } from './trunk-gate.ts';
import { desktopAnswers, uriTransport, type VoiceConfig } from '../../config/voice-settings.ts';

export interface SipSwitchOptions {
  config: VoiceConfig;
  /** The media relay (rtpengine) when `config.rtpengine` is set; without it media flows end to end. */
  relay?: MediaRelay;
  clock?: Clock;
  logger?: Logger;
  /** Ready transports (the in-memory test network) instead of `config.listen`. */
  transports?: Transport[];
  /** SIP timers (T1 ms...), for tests. */
  sipTimers?: { T1?: number; T2?: number; T4?: number };
  /** How long an inbound call may wait for `accept` or `refuse` before it gets 480. Default 32 000 ms. */
  acceptTimeoutMs?: number;
  /** Bound on each media relay command. Default 3000 ms. */
  relayTimeoutMs?: number;
}

export class SipSwitch implements Switch {
  readonly name = 'sip';
  readonly capabilities: SwitchCapabilities;
  private readonly o: SipSwitchOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private listener: ((event: SwitchEvent) => void) | undefined;
  private stack: SipStack | undefined;
  private ua: SipUserAgent | undefined;
  private core: SwitchCore | undefined;
  private inbound: InboundCalls | undefined;
  private outbound: OutboundCalls | undefined;
  private control: CallControl | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(options: SipSwitchOptions) {
    this.o = options;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ component: 'switch-sip' });
    this.capabilities = {
      answer: options.config.desktopAnswer.length > 0,
      hold: true,
      transfer: true,
      conference: false,
      media: options.relay !== undefined,
    };
  }

  /** Whether `dn` is in `voice.desktop-answer` (or it holds `*`): its phone answers a desktop answer. */
  canAnswer(dn: string): boolean {
    return desktopAnswers(this.o.config.desktopAnswer, dn);
  }

  /** The bound SIP addresses (with the real ports when 0 was configured). */
  get addresses(): TransportAddress[] {
    return this.stack?.addresses ?? [];
  }

  /** Live legs (tests and diagnostics). */
  get legCount(): number {
    return this.core?.legs.count ?? 0;
  }

  /** Resolves when every queued call step has run (tests). */
  async idle(): Promise<void> {
    await this.core?.idle();
  }

  async start(listener: (event: SwitchEvent) => void): Promise<void> {
    if (this.state !== 'new') throw new Error(`the SIP switch cannot start: it is ${this.state}`);
    const c = this.o.config;
    this.listener = listener;
    const listen: ListenOptions[] = c.listen.map((l) => ({
      protocol: l.protocol, host: l.host, port: l.port,
      ...(l.receiveBufferBytes !== undefined ? { receiveBufferBytes: l.receiveBufferBytes } : {}),
      ...(l.maxConnections !== undefined ? { maxConnections: l.maxConnections } : {}),
      ...(l.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: l.maxConnectionsPerAddress } : {}),
      ...(l.stallTimeoutMs !== undefined ? { stallTimeoutMs: l.stallTimeoutMs } : {}),
      ...(l.protocol === 'tls' && c.tls ? { tls: c.tls } : {}),
    }));
    const stack = await SipStack.listen({
      ...(this.o.transports ? { transports: this.o.transports } : { listen }),
      clock: this.clock, logger: this.logger,
      ...(c.contactHost ? { contactHost: c.contactHost } : {}),
      ...this.o.sipTimers,
    });
    this.stack = stack;
    this.state = 'started';
    const transport = c.proxy ? uriTransport(c.proxy) ?? 'udp' : stack.addresses[0]?.protocol ?? 'udp';
    const ua = new SipUserAgent({
      stack, aor: `sip:ucc@${c.domain}`, clock: this.clock, logger: this.logger, transport,
      ...(c.proxy ? { outboundProxy: c.proxy } : {}),
      ...(c.credentials ? { credentials: c.credentials } : {}),
    });
    this.ua = ua;
    const media = new MediaPath({
      clock: this.clock, logger: this.logger, newId: () => randomToken(8),
      ...(this.o.relay ? { relay: this.o.relay } : {}),
      ...(this.o.relayTimeoutMs !== undefined ? { timeoutMs: this.o.relayTimeoutMs } : {}),
    });
    const core = new SwitchCore({
      config: c, ua, stack, media, legs: new LegRegistry(c.maxLegs), clock: this.clock, logger: this.logger,
      emit: (e) => this.emit(e),
    });
    this.core = core;
    this.control = new CallControl(core);
    this.inbound = new InboundCalls(core, new TrunkGate(c.trunks, this.clock, c.domain), () => randomToken(8), this.o.acceptTimeoutMs ?? 32_000);
    this.outbound = new OutboundCalls(core, () => randomToken(8), (a, b) => this.control!.rebridge(a, b));
    const inbound = this.inbound;
    ua.onInvite((inv) => inbound.onInvite(inv));
    const where = stack.addresses.map((a) => `${a.protocol}:${a.host}:${a.port}`).join(' ');
    if (this.o.relay) {
      this.logger.info('SIP switch ready', { listen: where, mediaRelay: this.o.relay.address });
      this.o.relay.ping().catch((e: unknown) => this.logger.warn('the media relay does not answer yet', { mediaRelay: this.o.relay?.address, error: String(e) }));
    } else {
      this.logger.warn('SIP switch ready without a media relay: media flows end to end between caller and KW, and music on hold, ringback files and early media are not available', { listen: where });
    }
  }

  execute(command: SwitchCommand): readonly SwitchEvent[] {
    const { core, inbound, outbound, control } = this;
    if (!core || !inbound || !outbound || !control || this.state !== 'started') return this.notStarted(command);
    try {
      switch (command.kind) {
        case 'accept': return inbound.accept(command);
        case 'refuse': return inbound.refuse(command);
        case 'offer': return outbound.offer(command);
        case 'answer': return outbound.answer(command);
        case 'release': {
          const leg = core.legs.get(command.connId, command.dn);
          if (leg) core.hangUp(leg, command.cause);
          return [];
        }
        case 'hold': return control.hold(command);
        case 'retrieve': return control.retrieve(command);
        case 'move': return control.move(command);
        case 'end': {
          for (const leg of core.legs.ofCall(command.connId)) core.hangUp(leg, 'normal');
          control.forget(command.connId);
          core.forgetCall(command.connId);
          return [];
        }
        case 'sendText':
        case 'collect':
          return []; // voice legs: IM treatments do not apply (the chat switch carries them)
      }
    } catch (e) {
      this.logger.error('switch command failed', { kind: command.kind, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      return 'connId' in command && 'dn' in command && command.kind !== 'release' ? [{ kind: 'failed', connId: command.connId, dn: command.dn, cause: 'error', detail: 'internal error' }] : [];
    }
  }

  async stop(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    const core = this.core!;
    this.inbound!.closing = true;
    // End every leg (503 to a waiting caller, CANCEL to a ringing phone, BYE once up) and give the
    // far ends a moment to answer, bounded.
    const pending: Array<Promise<unknown>> = [];
    for (const leg of core.legs.all()) {
      leg.released = true;
      const session = leg.session;
      if (session?.state === 'active') {
        pending.push(session.bye().catch(() => undefined));
        core.finish(leg);
      } else if (leg.outgoing && (leg.state === 'calling' || leg.state === 'ringing')) {
        leg.outgoing.cancel();
        pending.push(leg.outgoing.outcome.catch(() => undefined));
      } else {
        core.hangUp(leg, 'error');
      }
    }
    await Promise.race([Promise.allSettled(pending), core.sleep(2000)]);
    this.ua?.dispose();
    await this.stack?.close();
    this.listener = undefined;
  }

  private emit(event: SwitchEvent): void {
    if (this.state !== 'started') return;
    try {
      this.listener?.(event);
    } catch (e) {
      this.logger.error('switch event listener threw', { kind: event.kind, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private notStarted(command: SwitchCommand): SwitchEvent[] {
    if (command.kind === 'offer' || command.kind === 'answer' || command.kind === 'hold' || command.kind === 'retrieve') {
      return [{ kind: 'failed', connId: command.connId, dn: command.dn, cause: 'error', detail: 'the SIP switch is not started' }];
    }
    return [];
  }
}
