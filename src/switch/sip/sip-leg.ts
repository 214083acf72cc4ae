/**
 * A call leg: one DN's SIP dialog with its endpoint. Inbound legs are the caller's INVITE from a
 * trunk (we are its UAS); outbound legs are our INVITEs to KW phones (we are their UAC).
 *
 * ```
 * inbound:  offered ──accept──▶ early (180/183) ──answer──▶ up ──▶ ended
 *              └── (answer mode: 200 at once) ───────────────▲
 * outbound: calling ──1xx──▶ ringing ──2xx──▶ up ──▶ ended
 * ```
 * `LegRegistry` finds legs by the core's names (ConnID + DN) and by `legRef` before `accept`, and
 * counts them against `max-legs`.
 */
import type { TimerHandle } from '../../lib/clock.ts';
import type { IncomingInvite } from '../../sip/ua/invite-server.ts';
import type { OutgoingInvite, OutgoingInviteHandle } from '../../sip/ua/invite-client.ts';
import type { InviteSession } from '../../sip/ua/invite-session.ts';
import type { ConnId } from '../../tlib/index.ts';
import type { Bridge } from './media-path.ts';
import { DialogSdp } from './sdp.ts';

export type LegState = 'offered' | 'early' | 'calling' | 'ringing' | 'up' | 'ended';

export class Leg {
  connId: ConnId | undefined;
  state: LegState;
  /** The endpoint's latest SDP (its offer or answer). */
  remoteSdp: string;
  /** What we send the endpoint: one `o=` line for the dialog, its version bumped on change. */
  readonly sdp = new DialogSdp();
  session: InviteSession | undefined;
  /** The media bridge the leg is in (with the relay: one rtpengine session). */
  bridge: Bridge | undefined;
  /** The core released it: no more events for it. */
  released = false;

  // inbound
  incoming: IncomingInvite | undefined;
  /** The caller's number (the From user), presented to the KWs' phones. */
  ani: string | undefined;
  /** A CANCEL arrived before the core accepted the leg. */
  cancelledEarly = false;
  acceptTimer: TimerHandle | undefined;

  // outbound
  outgoing: OutgoingInviteHandle | undefined;
  /** The INVITE as placed, to place it again (desktop answer with `answer-after`). */
  invite: (OutgoingInvite & { target: string }) | undefined;
  /** The party this leg is offered to connect with, and the bridge its INVITE's SDP came from. */
  peer: Leg | undefined;
  pendingBridge: Bridge | undefined;
  /** Any provisional response came / a 180 or 183 came. */
  heard = false;
  rang = false;

  constructor(
    readonly id: string,
    readonly direction: 'in' | 'out',
    public dn: string,
    state: LegState,
    remoteSdp: string,
  ) {
    this.state = state;
    this.remoteSdp = remoteSdp;
  }

  get live(): boolean {
    return this.state !== 'ended';
  }

  /** Answered (a dialog exists and is not over). */
  get up(): boolean {
    return this.state === 'up' && this.session !== undefined && this.session.state === 'active';
  }

  toString(): string {
    return `${this.direction}:${this.dn}@${this.connId ?? this.id}`;
  }
}

const key = (connId: ConnId, dn: string): string => `${connId}\u0000${dn.toLowerCase()}`;

export class LegRegistry {
  private readonly byRef = new Map<string, Leg>();
  private readonly byName = new Map<string, Leg>();
  private readonly byCall = new Map<ConnId, Set<Leg>>();
  private readonly live = new Set<Leg>();

  constructor(readonly max: number) {}

  get count(): number {
    return this.live.size;
  }

  get full(): boolean {
    return this.live.size >= this.max;
  }

  /** Every live leg (a copy: callers may end legs while iterating). */
  all(): Leg[] {
    return [...this.live];
  }

  /** An inbound leg not yet accepted or refused. */
  addPending(leg: Leg): void {
    this.byRef.set(leg.id, leg);
    this.live.add(leg);
  }

  pending(legRef: string): Leg | undefined {
    return this.byRef.get(legRef);
  }

  /** Binds a leg to (ConnID, DN): from `accept`, an outbound leg when it is created, a `move`. */
  bind(leg: Leg, connId: ConnId, dn: string): void {
    this.byRef.delete(leg.id);
    if (leg.connId !== undefined) {
      this.unname(leg);
      this.leaveCall(leg);
    }
    leg.connId = connId;
    leg.dn = dn;
    this.byName.set(key(connId, dn), leg);
    let set = this.byCall.get(connId);
    if (!set) this.byCall.set(connId, (set = new Set()));
    set.add(leg);
    this.live.add(leg);
  }

  get(connId: ConnId, dn: string): Leg | undefined {
    return this.byName.get(key(connId, dn));
  }

  /** The live legs of a call. */
  ofCall(connId: ConnId): Leg[] {
    return [...(this.byCall.get(connId) ?? [])];
  }

  /** Forgets the leg's name (a released leg still counts until it is gone, see `remove`). */
  unname(leg: Leg): void {
    if (leg.connId !== undefined && this.byName.get(key(leg.connId, leg.dn)) === leg) this.byName.delete(key(leg.connId, leg.dn));
  }

  /** Forgets the leg; true when it was its call's last one. */
  remove(leg: Leg): boolean {
    this.byRef.delete(leg.id);
    this.unname(leg);
    this.live.delete(leg);
    return this.leaveCall(leg);
  }

  private leaveCall(leg: Leg): boolean {
    if (leg.connId === undefined) return false;
    const set = this.byCall.get(leg.connId);
    if (!set?.delete(leg) || set.size > 0) return false;
    this.byCall.delete(leg.connId);
    return true;
  }
}
