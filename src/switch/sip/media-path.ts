/**
 * The media between two legs. A `Bridge` joins side `a` (the party whose SDP was offered first,
 * normally the caller) and side `b` (the party offered it); with a relay it is one rtpengine
 * session whose two parties carry the bridge's own tags, so a re-bridge (transfer) is a new
 * session. Without a relay the SDP passes end to end and the file players do nothing.
 *
 * Every relay command is bounded by `timeoutMs` (a relay that died answers nothing); failures are
 * MediaRelayError and the caller decides (fall back to 180, hold without music). A bridge whose
 * relay offer fails carries its media end to end instead (`direct`): calls go on without a relay.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { MediaRelayError } from '../../media/media-relay.ts';
import type { MediaRelay } from '../../media/media-relay.ts';
import type { ConnId } from '../../tlib/index.ts';
import { placeholderAnswer } from './sdp.ts';
import type { Leg } from './sip-leg.ts';

export type Side = 'a' | 'b';

export class Bridge {
  a: Leg | undefined;
  b: Leg | undefined;
  /** What a b-side party is offered (the relay's rewrite of a's SDP, or a's SDP itself). */
  offerForB: string | undefined;
  /** The side a file is being played to. */
  playing: Side | undefined;
  /** The side whose media is blocked (so that the player is heard alone). */
  blocked: Side | undefined;
  deleted = false;
  /** The relay failed when the bridge opened: this bridge's SDP passes end to end, without players. */
  direct = false;

  constructor(readonly session: string, readonly owner: ConnId) {}

  tag(side: Side): string {
    return `${this.session}-${side}`;
  }

  sideOf(leg: Leg): Side | undefined {
    return this.a === leg ? 'a' : this.b === leg ? 'b' : undefined;
  }

  /** The leg on the other side from `leg`. */
  other(leg: Leg): Leg | undefined {
    return this.a === leg ? this.b : this.b === leg ? this.a : undefined;
  }

  /** True while some live leg is in the bridge or is being offered through it. */
  get inUse(): boolean {
    return [this.a, this.b].some((l) => l !== undefined && l.live && (l.bridge === this || l.pendingBridge === this));
  }
}

export interface MediaPathOptions {
  relay?: MediaRelay;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** Bound on each relay command. Default 3000 ms. */
  timeoutMs?: number;
}

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

export class MediaPath {
  private readonly relay: MediaRelay | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly o: MediaPathOptions) {
    this.relay = o.relay;
    this.timeoutMs = o.timeoutMs ?? 3000;
  }

  get hasRelay(): boolean {
    return this.relay !== undefined;
  }

  newBridge(owner: ConnId): Bridge {
    return new Bridge(`ucc-${this.o.newId()}`, owner);
  }

  /** Offers side a's SDP; resolves with (and keeps) what a b-side party is offered. */
  async open(bridge: Bridge, aSdp: string): Promise<string> {
    const relay = this.relay;
    if (!relay) return (bridge.offerForB = aSdp);
    try {
      bridge.offerForB = await this.guard('offer', relay.offer({ session: bridge.session, fromTag: bridge.tag('a'), sdp: aSdp }));
    } catch (e) {
      // A dead relay must not stop calls: this bridge carries media end to end, as with no relay.
      this.o.logger.warn('media relay failed; this call\'s media flows end to end, without music or ringback', { session: bridge.session, error: e instanceof Error ? e.message : String(e) });
      bridge.direct = true;
      bridge.offerForB = aSdp;
    }
    return bridge.offerForB;
  }

  /** The relay's SDP for side a while nobody is on side b (ringback, an announcement). */
  async placeholder(bridge: Bridge): Promise<string> {
    const relay = this.need('answer');
    if (bridge.offerForB === undefined) throw new MediaRelayError('answer', 'the bridge was not opened');
    if (bridge.direct) throw new MediaRelayError('answer', 'the relay failed when the bridge opened');
    return this.guard('answer', relay.answer({ session: bridge.session, fromTag: bridge.tag('a'), toTag: bridge.tag('b'), sdp: placeholderAnswer(bridge.offerForB) }));
  }

  /** Side b's answer; resolves with what side a gets. */
  async connect(bridge: Bridge, bSdp: string): Promise<string> {
    const relay = bridge.direct ? undefined : this.relay;
    return relay ? this.guard('answer', relay.answer({ session: bridge.session, fromTag: bridge.tag('a'), toTag: bridge.tag('b'), sdp: bSdp })) : bSdp;
  }

  /** A new offer from `side` (its phone re-INVITEd); resolves with what the other side is offered. */
  async reoffer(bridge: Bridge, side: Side, sdp: string): Promise<string> {
    const relay = bridge.direct ? undefined : this.relay;
    return relay ? this.guard('offer', relay.offer({ session: bridge.session, fromTag: bridge.tag(side), sdp })) : sdp;
  }

  /** The other side's answer to `side`'s re-offer; resolves with what `side` gets. */
  async reanswer(bridge: Bridge, side: Side, sdp: string): Promise<string> {
    const relay = bridge.direct ? undefined : this.relay;
    return relay ? this.guard('answer', relay.answer({ session: bridge.session, fromTag: bridge.tag(side), toTag: bridge.tag(other(side)), sdp })) : sdp;
  }

  /** Loops `file` to `side` (the party who hears it); the other side's media is blocked first. */
  async play(bridge: Bridge, side: Side, file: string, blockOther: boolean): Promise<void> {
    const relay = this.need('play media');
    if (bridge.direct) throw new MediaRelayError('play media', 'this call\'s media flows end to end (the relay failed when it started)');
    if (blockOther) {
      await this.guard('block media', relay.blockMedia({ session: bridge.session, tag: bridge.tag(other(side)) }));
      bridge.blocked = other(side);
    }
    await this.guard('play media', relay.playMedia({ session: bridge.session, tag: bridge.tag(side), file, repeat: true }));
    bridge.playing = side;
  }

  /** Stops the player and unblocks what `play` blocked. */
  async stop(bridge: Bridge): Promise<void> {
    const relay = this.relay;
    if (!relay || bridge.deleted || bridge.direct) return;
    const playing = bridge.playing;
    const blocked = bridge.blocked;
    bridge.playing = undefined;
    bridge.blocked = undefined;
    if (playing) await this.guard('stop media', relay.stopMedia({ session: bridge.session, tag: bridge.tag(playing) }));
    if (blocked) await this.guard('unblock media', relay.unblockMedia({ session: bridge.session, tag: bridge.tag(blocked) }));
  }

  /** Ends the relay session (once, in the background: a dead relay must not hold anything up). */
  delete(bridge: Bridge): void {
    if (bridge.deleted) return;
    bridge.deleted = true;
    const relay = this.relay;
    if (!relay || bridge.offerForB === undefined || bridge.direct) return;
    this.guard('delete', relay.delete(bridge.session)).catch((e: unknown) => {
      this.o.logger.warn('media relay delete failed', { session: bridge.session, error: e instanceof Error ? e.message : String(e) });
    });
  }

  /** Deletes the bridge when no live leg uses it any more. */
  release(bridge: Bridge | undefined): void {
    if (bridge && !bridge.deleted && !bridge.inUse) this.delete(bridge);
  }

  private need(command: string): MediaRelay {
    if (!this.relay) throw new MediaRelayError(command, 'no media relay is configured');
    return this.relay;
  }

  /** `p`, or a MediaRelayError when the relay does not answer within the bound. */
  private guard<T>(command: string, p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.o.clock.setTimer(this.timeoutMs, () => reject(new MediaRelayError(command, `no answer within ${this.timeoutMs} ms`)));
      p.then((v) => {
        this.o.clock.cancel(timer);
        resolve(v);
      }, (e: unknown) => {
        this.o.clock.cancel(timer);
        reject(e instanceof MediaRelayError ? e : new MediaRelayError(command, e instanceof Error ? e.message : String(e)));
      });
    });
  }
}
