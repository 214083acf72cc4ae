// A SIP switch on the in-memory network with a ManualClock: a carrier UA on a trunk address, KW
// phones (one behind the "proxy" address, one reached by contact), an in-test media relay that
// rewrites SDP recognisably and records every command, and the events the switch reports.
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { MediaRelayError, type MediaRelay, type RelayAnswer, type RelayOffer } from '../../../../src/media/media-relay.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import { SipSwitch } from '../../../../src/switch/sip/sip-switch.ts';
import type { VoiceConfig } from '../../../../src/config/voice-settings.ts';
import type { SwitchEvent } from '../../../../src/tserver/switch-port.ts';
import { settle as settleClock } from '../../../support/virtual-time.ts';

export const SWITCH = { host: '10.0.0.1', port: 5060 };
export const ALICE = { host: '10.0.0.2', port: 5060 };   // also the outbound proxy address
export const CARRIER = { host: '10.0.0.3', port: 5060 };
export const BOB = { host: '10.0.0.4', port: 5060 };
export const STRANGER = { host: '10.0.0.9', port: 5060 };

export const sdp = (who: string, port: number, extra = ''): string =>
  `v=0\r\no=${who} 100 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n${extra}`;

/** The port of an SDP's first media line. */
export const portOf = (s: string): number => Number(/m=audio (\d+)/.exec(s)?.[1]);
export const dirOf = (s: string): string | undefined => /a=(sendrecv|sendonly|recvonly|inactive)/.exec(s)?.[1];

/**
 * A relay that behaves like rtpengine with port latching: each (session, tag) gets one port in
 * 40000+, the SDP for the other party says c=IN IP4 192.0.2.1 and that port.
 */
export class FakeRelay implements MediaRelay {
  readonly address = 'udp:192.0.2.1:2223';
  readonly log: string[] = [];
  dead = false;
  private readonly ports = new Map<string, number>();
  private next = 40000;

  private port(session: string, tag: string): number {
    const k = `${session}/${tag}`;
    let p = this.ports.get(k);
    if (p === undefined) this.ports.set(k, (p = (this.next += 2)));
    return p;
  }

  private rewrite(s: string, port: number): string {
    return s.replace(/c=IN IP4 \S+/g, 'c=IN IP4 192.0.2.1').replace(/m=audio \d+/, `m=audio ${port}`).replace(/^o=(\S+) (\d+) (\d+) IN IP4 \S+/m, 'o=$1 $2 $3 IN IP4 192.0.2.1');
  }

  private check(command: string): void {
    if (this.dead) throw new MediaRelayError(command, 'timeout');
  }

  async offer(o: RelayOffer): Promise<string> {
    this.check('offer');
    this.log.push(`offer ${o.session} ${o.fromTag} ${portOf(o.sdp)}`);
    // The other party will send to the port of the side facing it.
    return this.rewrite(o.sdp, this.port(o.session, `to:${o.fromTag}`));
  }

  async answer(a: RelayAnswer): Promise<string> {
    this.check('answer');
    this.log.push(`answer ${a.session} ${a.fromTag} ${a.toTag} ${portOf(a.sdp)}`);
    return this.rewrite(a.sdp, this.port(a.session, `to:${a.toTag}`));
  }

  async playMedia(p: { session: string; tag: string; file: string; repeat?: boolean }): Promise<{ durationMs?: number }> {
    this.check('play media');
    this.log.push(`play ${p.session} ${p.tag} ${p.file}${p.repeat ? ' repeat' : ''}`);
    return { durationMs: 2000 };
  }

  async stopMedia(p: { session: string; tag: string }): Promise<void> {
    this.check('stop media');
    this.log.push(`stop ${p.session} ${p.tag}`);
  }

  async blockMedia(p: { session: string; tag: string }): Promise<void> {
    this.check('block media');
    this.log.push(`block ${p.session} ${p.tag}`);
  }

  async unblockMedia(p: { session: string; tag: string }): Promise<void> {
    this.check('unblock media');
    this.log.push(`unblock ${p.session} ${p.tag}`);
  }

  async delete(session: string): Promise<void> {
    this.check('delete');
    this.log.push(`delete ${session}`);
  }

  async ping(): Promise<void> {
    this.check('ping');
  }

  async close(): Promise<void> {}

  /** The commands of one kind, e.g. `cmds('play')`. */
  cmds(kind: string): string[] {
    return this.log.filter((l) => l.startsWith(kind + ' '));
  }
}

export function voiceConfig(over: Partial<VoiceConfig> = {}): VoiceConfig {
  return {
    listen: [{ protocol: 'udp', host: SWITCH.host, port: SWITCH.port }],
    trunks: [{ dn: '9000', addresses: [CARRIER.host] }],
    proxy: `sip:${ALICE.host}:${ALICE.port}`,
    domain: 'example.test',
    callerMedia: 'ringback',
    desktopAnswer: [],
    userDataHeaders: [{ header: 'X-Account', key: 'Account' }],
    maxLegs: 100,
    maxSdpBytes: 4096,
    'sip-enable-moh': false,
    'sip-enable-100rel': false,
    'reuse-sdp-on-reinvite': true,
    'refer-enabled': false,
    'dual-dialog-enabled': false,
    'make-call-rfc3725-flow': 1,
    ...over,
  };
}

export async function switchWorld(options: { config?: Partial<VoiceConfig>; relay?: FakeRelay } = {}) {
  const clock = new ManualClock(1_000_000);
  const net = new InMemoryNetwork(clock);
  const logger = memoryLogger();
  const events: SwitchEvent[] = [];
  const sw = new SipSwitch({
    config: voiceConfig(options.config), clock, logger,
    transports: [net.createTransport({ protocol: 'udp', ...SWITCH })],
    ...(options.relay ? { relay: options.relay } : {}),
  });
  await sw.start((e) => events.push(e));
  const ua = async (addr: { host: string; port: number }, aor: string): Promise<{ stack: SipStack; ua: SipUserAgent }> => {
    const stack = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', ...addr })] });
    return { stack, ua: new SipUserAgent({ stack, aor, clock }) };
  };
  const carrier = await ua(CARRIER, 'sip:+33111@carrier.test');
  const alice = await ua(ALICE, 'sip:alice@example.test');
  const bob = await ua(BOB, 'sip:bob@example.test');
  const stranger = await ua(STRANGER, 'sip:x@nowhere.test');
  const settle = async (): Promise<void> => {
    await settleClock(clock, 30);
    await sw.idle();
    await settleClock(clock, 30);
  };
  /** Every message on the wire, as text. */
  const wire = (): string[] => net.sent.map((p) => p.data.toString('latin1'));
  /** Messages whose first line starts with `start` sent to `to`. */
  const received = (to: { host: string }, start: string): string[] => net.sent.filter((p) => p.to.host === to.host && p.data.toString('latin1').startsWith(start)).map((p) => p.data.toString('latin1'));
  const close = async (): Promise<void> => {
    // stop() waits (on the clock) for its BYEs and CANCELs to be answered: let time run meanwhile.
    let stopped = false;
    const stopping = sw.stop().then(() => void (stopped = true));
    for (let i = 0; i < 100 && !stopped; i++) {
      await settleClock(clock, 5);
      clock.advance(50);
    }
    await stopping;
    for (const u of [carrier, alice, bob, stranger]) {
      u.ua.dispose();
      await u.stack.close();
    }
  };
  /** The events of one kind (without the ones already taken). */
  const kinds = (): string[] => events.map((e) => ('dn' in e ? `${e.kind} ${e.dn}` : e.kind));
  return { clock, net, logger, events, sw, carrier, alice, bob, stranger, settle, wire, received, close, kinds };
}

export type SwitchWorld = Awaited<ReturnType<typeof switchWorld>>;

/** The carrier calls 8000 on the switch; resolves with the call handle. */
export function carrierCalls(w: SwitchWorld, headers: Record<string, string> = {}, body = sdp('carrier', 30000)) {
  return w.carrier.ua.startInvite(`sip:8000@${SWITCH.host}:${SWITCH.port}`, { body, contentType: 'application/sdp', headers });
}

/** The legRef of the last `inbound` event. */
export function lastInbound(w: SwitchWorld): Extract<SwitchEvent, { kind: 'inbound' }> {
  const e = [...w.events].reverse().find((x) => x.kind === 'inbound');
  if (!e || e.kind !== 'inbound') throw new Error('no inbound event');
  return e;
}
