/**
 * What the SIP switch's parts share: the configuration, the user agent, the legs, the media path,
 * one serial queue per call, the event sink, and the leg operations every part needs (end a leg,
 * hang it up, re-INVITE it, hand it an SDP, watch its dialog).
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SipUserAgent } from '../../sip/api/sip-user-agent.ts';
import type { SipResponse } from '../../sip/message/index.ts';
import type { TransactionUser } from '../../sip/transaction/transaction-user.ts';
import type { InviteSession, ReinviteReply } from '../../sip/ua/invite-session.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { ConnId } from '../../tlib/index.ts';
import type { SwitchCause, SwitchEvent } from '../../tserver/switch-port.ts';
import type { MediaPath } from './media-path.ts';
import { sdpProblem } from './sdp.ts';
import { SerialQueue } from './serial-queue.ts';
import { statusForCause } from './sip-causes.ts';
import type { Leg, LegRegistry } from './sip-leg.ts';
import type { VoiceConfig } from '../../config/voice-settings.ts';

/** Re-INVITE glare (491, or ours refused because theirs runs): retries, each after 0.5-2 s. */
const GLARE_RETRIES = 2;

export interface SwitchCoreDeps {
  config: VoiceConfig;
  ua: SipUserAgent;
  stack: TransactionUser;
  media: MediaPath;
  legs: LegRegistry;
  clock: Clock;
  logger: Logger;
  emit: (event: SwitchEvent) => void;
}

export class SwitchCore {
  readonly config: VoiceConfig;
  readonly ua: SipUserAgent;
  readonly stack: TransactionUser;
  readonly media: MediaPath;
  readonly legs: LegRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly sink: (event: SwitchEvent) => void;
  private readonly queues = new Map<ConnId, SerialQueue>();
  /** Handles a phone's re-INVITE (set by the call-control part). */
  reinviteHandler: ((leg: Leg, request: SipRequest, reply: ReinviteReply) => void) | undefined;
  /** Runs when a call's last leg is gone (the call-control part forgets its hold state). */
  callEmpty: ((connId: ConnId) => void) | undefined;

  constructor(d: SwitchCoreDeps) {
    this.config = d.config;
    this.ua = d.ua;
    this.stack = d.stack;
    this.media = d.media;
    this.legs = d.legs;
    this.clock = d.clock;
    this.logger = d.logger;
    this.sink = d.emit;
  }

  emit(event: SwitchEvent): void {
    this.sink(event);
  }

  /** Runs `step` after the call's earlier steps. */
  run(connId: ConnId, what: string, step: () => Promise<void> | void): void {
    let q = this.queues.get(connId);
    if (!q) {
      q = new SerialQueue(this.logger.child({ connId }));
      this.queues.set(connId, q);
    }
    q.run(what, step);
  }

  /** Forgets a call's queue once it has run dry (after `end`). */
  forgetCall(connId: ConnId): void {
    const q = this.queues.get(connId);
    if (!q) return;
    void q.idle().then(() => {
      if (q.size === 0 && this.queues.get(connId) === q) this.queues.delete(connId);
    });
  }

  /** Steps waiting or running, over every call (tests and diagnostics). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }

  /** The leg is over: forget it and let its bridge go when nobody else uses it. */
  finish(leg: Leg): void {
    if (leg.state === 'ended') return;
    leg.state = 'ended';
    this.clock.cancel(leg.acceptTimer);
    if (this.legs.remove(leg) && leg.connId !== undefined) {
      this.forgetCall(leg.connId);
      this.callEmpty?.(leg.connId);
    }
    const bridges = [leg.bridge, leg.pendingBridge];
    leg.pendingBridge = undefined;
    for (const b of bridges) {
      if (!b) continue;
      if (b.playing !== undefined && b.inUse) void this.media.stop(b).catch(() => {});
      this.media.release(b);
    }
  }

  /** Ends a leg from our side: final response, CANCEL or BYE, as far as it got. */
  hangUp(leg: Leg, cause: SwitchCause): void {
    leg.released = true;
    this.legs.unname(leg);
    switch (leg.state) {
      case 'offered':
      case 'early': {
        const { status, reason } = statusForCause(cause);
        if (leg.session) break;
        leg.incoming?.reject(status, reason);
        this.finish(leg);
        return;
      }
      case 'calling':
      case 'ringing':
        // The outcome (487, or a crossing 2xx the handle BYEs) finishes the leg.
        leg.outgoing?.cancel();
        return;
      default:
    }
    if (leg.session && leg.session.state === 'active') {
      leg.session.bye().catch((e: unknown) => this.logger.warn('BYE failed', { leg: String(leg), error: String(e) }));
    }
    this.finish(leg);
  }

  /** Watches an answered leg's dialog: a BYE from the far end, a re-INVITE from its phone. */
  attach(leg: Leg, session: InviteSession): void {
    leg.session = session;
    session.on('terminated', (cause) => {
      if (cause !== 'remote-bye' || leg.state === 'ended') return;
      this.remoteHangUp(leg);
    });
    session.onReinvite((req, reply) => {
      if (!this.reinviteHandler || leg.state === 'ended') return reply.accept(leg.sdp.current ?? '');
      this.reinviteHandler(leg, req, reply);
    });
  }

  /** The endpoint hung up: the leg is over, and the core hears `released`. */
  remoteHangUp(leg: Leg): void {
    const owner = leg.connId;
    const borrowedBy = leg.bridge && leg.bridge.owner !== owner && !leg.bridge.deleted ? leg.bridge.owner : undefined;
    const silent = leg.released;
    this.finish(leg);
    if (silent || owner === undefined) return;
    this.emit({ kind: 'released', connId: owner, dn: leg.dn, cause: 'normal' });
    // A consultation call that borrowed this dialog loses its party too.
    if (borrowedBy !== undefined) this.emit({ kind: 'released', connId: borrowedBy, dn: leg.dn, cause: 'normal' });
  }

  /**
   * Re-INVITEs an answered leg with `sdp` (its dialog's origin kept); resolves with the final
   * response, after retrying glare. A 481 or 408 means the dialog is gone (RFC 3261 section 14.1):
   * the leg is hung up and reported released.
   */
  async reinvite(leg: Leg, sdp: string): Promise<SipResponse | undefined> {
    for (let attempt = 0; ; attempt++) {
      const session = leg.session;
      if (!session || session.state !== 'active' || leg.state === 'ended') return undefined;
      let res: SipResponse | undefined;
      if (!session.reinviting) {
        const body = leg.sdp.next(sdp);
        res = await session.reinvite(body);
        if (res.status >= 200 && res.status < 300) {
          const problem = sdpProblem(res.body, this.config.maxSdpBytes);
          if (problem === undefined) leg.remoteSdp = res.body.toString('latin1');
          else this.logger.warn('re-INVITE answer ignored', { leg: String(leg), problem });
          return res;
        }
        if (res.status === 481 || res.status === 408) {
          this.logger.warn('re-INVITE found no dialog: the leg is gone', { leg: String(leg), status: res.status });
          if (session.state === 'active') session.bye().catch(() => {});
          this.remoteHangUp(leg);
          return res;
        }
        if (res.status !== 491) return res;
      }
      if (attempt >= GLARE_RETRIES) return res;
      await this.sleep(500 + Math.floor(Math.random() * 1500));
    }
  }

  /**
   * Hands `sdp` to a party: the answer (200) of an inbound leg still ringing, otherwise a
   * re-INVITE when what it gets changed. Resolves false when the party is gone or refused.
   */
  async deliver(leg: Leg, sdp: string): Promise<boolean> {
    if (leg.state === 'ended') return false;
    if (leg.direction === 'in' && !leg.session) {
      const incoming = leg.incoming;
      if (!incoming || incoming.answered) return false;
      this.attach(leg, incoming.answer(leg.sdp.next(sdp)));
      leg.state = 'up';
      return true;
    }
    if (!leg.up) return false;
    const before = leg.sdp.current;
    const next = leg.sdp.next(sdp);
    if (next === before) return true;
    const res = await this.reinvite(leg, sdp);
    return res !== undefined && res.status >= 200 && res.status < 300;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}
