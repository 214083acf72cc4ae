/**
 * Call control on answered legs.
 * - hold: the holder's phone gets a re-INVITE with `a=inactive`, the held party one with
 *   `a=sendonly`; with `sip-enable-moh`, a relay and `music`, the relay blocks the holder's media
 *   and loops the music to the held party. retrieve undoes it (or, when the holder's dialog was
 *   meanwhile bridged elsewhere, a consultation, re-bridges the two).
 * - move (two-step transfer completion): the moved leg is re-bridged with the party left in the
 *   call it joins (a new relay session; re-INVITEs carry each party's last valid SDP, RFC 3725
 *   style). REFER is not used.
 * - a phone's own re-INVITE (its hold button, a new address) is passed to the other side through
 *   the relay; a session refresh, or any re-INVITE while the desktop holds the call, is answered
 *   with the SDP the phone already has.
 */
import type { SipRequest } from '../../sip/message/index.ts';
import type { ReinviteReply } from '../../sip/ua/invite-session.ts';
import type { ConnId } from '../../tlib/index.ts';
import type { SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';
import { directionOf, mediaKey, sdpProblem, withDirection } from './sdp.ts';
import type { Leg } from './sip-leg.ts';
import type { SwitchCore } from './switch-core.ts';

type OnLeg = { connId: ConnId; dn: string };
type Move = Extract<SwitchCommand, { kind: 'move' }>;

const ok = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

export class CallControl {
  /** Calls on hold by the desktop: ConnID → the holding DNs (lower-case). */
  private readonly holders = new Map<ConnId, Set<string>>();

  constructor(private readonly core: SwitchCore) {
    core.reinviteHandler = (leg, req, reply) => this.onPhoneReinvite(leg, req, reply);
    core.callEmpty = (connId) => this.forget(connId);
  }

  hold(c: OnLeg): SwitchEvent[] {
    const leg = this.core.legs.get(c.connId, c.dn);
    if (!leg?.up) return [{ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'error', detail: `no established leg for ${c.dn}` }];
    this.core.run(c.connId, 'hold', () => this.doHold(c, leg));
    return [];
  }

  retrieve(c: OnLeg): SwitchEvent[] {
    const leg = this.core.legs.get(c.connId, c.dn);
    if (!leg?.up) return [{ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'error', detail: `no established leg for ${c.dn}` }];
    this.core.run(c.connId, 'retrieve', () => this.doRetrieve(c, leg));
    return [];
  }

  move(c: Move): SwitchEvent[] {
    const { core } = this;
    const leg = core.legs.get(c.connId, c.dn);
    if (!leg) {
      core.logger.warn('move: no leg', { connId: c.connId, dn: c.dn });
      return [];
    }
    core.legs.bind(leg, c.toConnId, c.dn);
    core.run(c.toConnId, 'move', () => this.afterMove(leg));
    return [];
  }

  /** The call ended: forget its hold state. */
  forget(connId: ConnId): void {
    this.holders.delete(connId);
  }

  private isHeld(connId: ConnId | undefined): boolean {
    return connId !== undefined && (this.holders.get(connId)?.size ?? 0) > 0;
  }

  private async doHold(c: OnLeg, leg: Leg): Promise<void> {
    const { core } = this;
    const current = leg.sdp.current;
    if (!leg.up || current === undefined) return core.emit({ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'error', detail: 'the leg ended' });
    const res = await core.reinvite(leg, withDirection(current, 'inactive'));
    if (!ok(res?.status)) {
      if (leg.live) core.emit({ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'rejected', detail: res ? `re-INVITE: ${res.status} ${res.reason}` : 're-INVITE not sent' });
      return;
    }
    let set = this.holders.get(c.connId);
    if (!set) this.holders.set(c.connId, (set = new Set()));
    set.add(c.dn.toLowerCase());
    const bridge = leg.bridge;
    const held = bridge?.other(leg);
    if (bridge && held?.up) {
      const music = core.config.music;
      if (core.config['sip-enable-moh'] && core.media.hasRelay && music !== undefined) {
        try {
          await core.media.play(bridge, bridge.sideOf(held)!, music, true);
        } catch (e) {
          core.logger.warn('music on hold unavailable: the media relay failed', { connId: c.connId, error: String(e) });
        }
      }
      const heldSdp = held.sdp.current;
      if (heldSdp !== undefined) {
        const r = await core.reinvite(held, withDirection(heldSdp, 'sendonly'));
        if (!ok(r?.status)) core.logger.info('the held party refused its hold re-INVITE', { leg: String(held), status: r?.status });
      }
    }
    core.emit({ kind: 'held', connId: c.connId, dn: c.dn });
  }

  private async doRetrieve(c: OnLeg, leg: Leg): Promise<void> {
    const { core } = this;
    const partner = core.legs.ofCall(c.connId).find((l) => l !== leg && l.up);
    let done: boolean;
    if (partner && partner.bridge !== leg.bridge) {
      done = await this.rebridge(partner, leg, c.connId);
    } else {
      const bridge = leg.bridge;
      if (bridge && bridge.playing !== undefined) await core.media.stop(bridge).catch((e: unknown) => core.logger.warn('stop media failed', { error: String(e) }));
      const current = leg.sdp.current;
      const res = current !== undefined ? await core.reinvite(leg, withDirection(current, 'sendrecv')) : undefined;
      done = ok(res?.status);
      const heldSdp = partner?.sdp.current;
      if (done && partner && heldSdp !== undefined) await core.reinvite(partner, withDirection(heldSdp, 'sendrecv'));
    }
    if (!done) {
      if (leg.live) core.emit({ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'rejected', detail: 'the retrieve re-INVITE was refused' });
      return;
    }
    this.holders.get(c.connId)?.delete(c.dn.toLowerCase());
    core.emit({ kind: 'retrieved', connId: c.connId, dn: c.dn });
  }

  /** After a move: join the moved leg with the party left in its new call (not its own bridge-mate). */
  private async afterMove(leg: Leg): Promise<void> {
    const connId = leg.connId!;
    const partner = this.core.legs.ofCall(connId).find((l) => l !== leg && (l.up || l.state === 'early') && (!leg.bridge || l.bridge !== leg.bridge));
    if (!partner) return;
    if (!leg.up) {
      // Still ringing: it joins the partner when it answers.
      leg.peer = partner;
      return;
    }
    this.holders.delete(connId);
    await this.rebridge(partner, leg, connId);
  }

  /**
   * Joins two answered legs in a new bridge: `a`'s SDP is offered to `b` (re-INVITE), `b`'s answer
   * goes back to `a` (re-INVITE, or the answer when `a` is an inbound leg still ringing). Their
   * old bridges go when nobody uses them. False when `b` refused.
   */
  async rebridge(a: Leg, b: Leg, owner: ConnId = b.connId!): Promise<boolean> {
    const { core } = this;
    const bridge = core.media.newBridge(owner);
    let offer: string;
    try {
      offer = await core.media.open(bridge, withDirection(a.remoteSdp, 'sendrecv'));
    } catch (e) {
      core.logger.warn('re-bridge: media relay failed', { error: String(e) });
      return false;
    }
    bridge.a = a;
    bridge.b = b;
    const res = await core.reinvite(b, offer);
    if (!ok(res?.status)) {
      bridge.a = bridge.b = undefined;
      core.media.delete(bridge);
      return false;
    }
    let forA: string;
    try {
      forA = await core.media.connect(bridge, b.remoteSdp);
    } catch (e) {
      core.logger.warn('re-bridge: media relay failed', { error: String(e) });
      return false;
    }
    for (const leg of [a, b]) {
      const old = leg.bridge;
      leg.bridge = bridge;
      if (old && old !== bridge) {
        if (old.a === leg) old.a = undefined;
        if (old.b === leg) old.b = undefined;
        core.media.release(old);
      }
    }
    return core.deliver(a, forA);
  }

  /** A phone re-INVITEd us: pass a real change to the other side, answer a refresh ourselves. */
  private onPhoneReinvite(leg: Leg, req: SipRequest, reply: ReinviteReply): void {
    const { core } = this;
    const connId = leg.connId;
    if (connId === undefined) return reply.accept(leg.sdp.current ?? '');
    core.run(connId, 'phone re-INVITE', async () => {
      const current = leg.sdp.current ?? '';
      if (req.body.length === 0) return reply.accept(current);
      const problem = sdpProblem(req.body, core.config.maxSdpBytes);
      if (problem !== undefined) return reply.reject(488, 'Not Acceptable Here');
      const sdp = req.body.toString('latin1');
      const changed = mediaKey(sdp) !== mediaKey(leg.remoteSdp) || directionOf(sdp) !== directionOf(leg.remoteSdp);
      leg.remoteSdp = sdp;
      const bridge = leg.bridge;
      const other = bridge?.other(leg);
      const side = bridge?.sideOf(leg);
      if (!changed || !bridge || !side || !other?.up || this.isHeld(connId)) return reply.accept(current);
      try {
        const offer = await core.media.reoffer(bridge, side, sdp);
        const res = await core.reinvite(other, offer);
        if (!ok(res?.status)) return reply.reject(res?.status === 491 ? 491 : 488);
        reply.accept(leg.sdp.next(await core.media.reanswer(bridge, side, other.remoteSdp)));
      } catch (e) {
        core.logger.warn('phone re-INVITE: media relay failed', { leg: String(leg), error: String(e) });
        reply.accept(current);
      }
    });
  }
}
