/**
 * Calls from trunks. An INVITE is admitted (trunk address and digest, `max-legs`, a usable SDP
 * offer), answered 100 and reported as `inbound`; on `accept` the caller hears ringback as
 * `caller-media` says (180; 183 with the relay playing the file; or 200 and the file), on `refuse`
 * it gets 404/480/486/503/603. A CANCEL, or a BYE once answered, is `released` (cause normal).
 * An INVITE the core neither accepts nor refuses within `acceptTimeoutMs` gets 480.
 */
import { getContentType, parseNameAddr, parseUri } from '../../sip/message/index.ts';
import type { IncomingInvite } from '../../sip/ua/invite-server.ts';
import type { TransportProtocol } from '../../sip/transaction/transaction-user.ts';
import type { SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';
import { sdpProblem } from './sdp.ts';
import { statusForCause } from './sip-causes.ts';
import { Leg } from './sip-leg.ts';
import type { SwitchCore } from './switch-core.ts';
import type { TrunkGate } from './trunk-gate.ts';
import { userDataFromHeaders } from './userdata-headers.ts';

type Accept = Extract<SwitchCommand, { kind: 'accept' }>;
type Refuse = Extract<SwitchCommand, { kind: 'refuse' }>;

export class InboundCalls {
  /** Set while the switch stops: new INVITEs get 503. */
  closing = false;

  constructor(
    private readonly core: SwitchCore,
    private readonly gate: TrunkGate,
    private readonly newId: () => string,
    private readonly acceptTimeoutMs: number,
  ) {}

  onInvite(inv: IncomingInvite): void {
    const { core } = this;
    const req = inv.request;
    const from = inv.source.remote;
    if (this.closing) return inv.reject(503, 'Service Unavailable', { 'Retry-After': '5' });
    const verdict = this.gate.admit(req, from.host);
    if (!verdict.ok) {
      core.logger.info('inbound INVITE refused', { from: `${from.host}:${from.port}`, status: verdict.status });
      return inv.reject(verdict.status, verdict.reason, verdict.status === 407 ? verdict.headers : undefined);
    }
    if (core.legs.full) {
      core.logger.warn('inbound INVITE refused: max-legs reached', { max: core.legs.max });
      return inv.reject(503, 'Service Unavailable', { 'Retry-After': '5' });
    }
    const type = getContentType(req);
    const problem = type !== undefined && type !== 'application/sdp' ? `body of type ${type}, not application/sdp` : sdpProblem(req.body, core.config.maxSdpBytes);
    if (problem !== undefined) {
      core.logger.info('inbound INVITE refused', { from: `${from.host}:${from.port}`, problem });
      return inv.reject(488, 'Not Acceptable Here', { Warning: `399 openucc "${problem.replace(/"/g, "'")}"` });
    }
    inv.trying();
    inv.contact = core.stack.contactUri(inv.source.local.protocol as TransportProtocol);
    const leg = new Leg(this.newId(), 'in', verdict.trunk.dn, 'offered', req.body.toString('latin1'));
    leg.incoming = inv;
    leg.ani = ani(req.headers.get('From'));
    inv.onCancel(() => this.onCancel(leg));
    leg.acceptTimer = core.clock.setTimer(this.acceptTimeoutMs, () => {
      if (leg.state !== 'offered' || leg.connId !== undefined) return;
      core.logger.warn('inbound call neither accepted nor refused in time', { legRef: leg.id, ms: this.acceptTimeoutMs });
      inv.reject(480, 'Temporarily Unavailable');
      core.finish(leg);
    });
    core.legs.addPending(leg);
    const { userData, skipped } = userDataFromHeaders(req, core.config.userDataHeaders);
    if (skipped > 0) core.logger.info('UserData headers left out', { legRef: leg.id, skipped });
    core.emit({ kind: 'inbound', legRef: leg.id, from: leg.ani, to: dnis(req.uri), trunk: verdict.trunk.dn, userData, mediaType: 'voice' });
  }

  accept(c: Accept): SwitchEvent[] {
    const { core } = this;
    const leg = core.legs.pending(c.legRef);
    if (!leg || leg.connId !== undefined) {
      // Gone already (timed out, or a CANCEL before we kept it): the core must not wait for it.
      return [{ kind: 'released', connId: c.connId, dn: c.dn, cause: 'normal' }];
    }
    core.clock.cancel(leg.acceptTimer);
    core.legs.bind(leg, c.connId, c.dn);
    if (leg.cancelledEarly) {
      core.finish(leg);
      return [{ kind: 'released', connId: c.connId, dn: c.dn, cause: 'normal' }];
    }
    core.run(c.connId, 'caller media', () => this.callerMedia(leg));
    return [];
  }

  refuse(c: Refuse): SwitchEvent[] {
    const leg = this.core.legs.pending(c.legRef);
    if (!leg) return [];
    const { status, reason } = statusForCause(c.cause);
    leg.incoming?.reject(status, reason);
    this.core.finish(leg);
    return [];
  }

  private onCancel(leg: Leg): void {
    if (leg.state === 'ended') return;
    if (leg.connId === undefined) {
      // Not accepted yet: `accept` reports it as released; the accept timer forgets it otherwise.
      leg.cancelledEarly = true;
      return;
    }
    this.core.remoteHangUp(leg);
  }

  /** What the caller hears while waiting: 180, or the relay's ringback as early media or answered. */
  private async callerMedia(leg: Leg): Promise<void> {
    const { core } = this;
    const inv = leg.incoming;
    if (!inv || leg.state !== 'offered' || leg.connId === undefined) return;
    const mode = core.config.callerMedia;
    const file = core.config.ringback ?? core.config.music;
    if (mode === 'ringback' || !core.media.hasRelay || file === undefined) {
      inv.ring(180);
      leg.state = 'early';
      return;
    }
    const bridge = core.media.newBridge(leg.connId);
    bridge.a = leg;
    leg.bridge = bridge;
    let sdp: string;
    try {
      await core.media.open(bridge, leg.remoteSdp);
      sdp = await core.media.placeholder(bridge);
    } catch (e) {
      core.logger.warn('ringback from the media relay failed: ringing with 180 instead', { leg: String(leg), error: String(e) });
      if (leg.state === 'offered') {
        inv.ring(180);
        leg.state = 'early';
      }
      return;
    }
    if (leg.state !== 'offered' || inv.answered) return;
    if (mode === 'early-media') {
      inv.ring(183, leg.sdp.next(sdp));
      leg.state = 'early';
    } else {
      core.attach(leg, inv.answer(leg.sdp.next(sdp)));
      leg.state = 'up';
    }
    try {
      await core.media.play(bridge, 'a', file, false);
    } catch (e) {
      core.logger.warn('ringback: play media failed', { leg: String(leg), error: String(e) });
    }
  }
}

/** ANI: the From URI's user part (its host when it has none). */
function ani(from: string | undefined): string {
  const r = parseNameAddr(from ?? '');
  if (!r.ok) return '';
  return r.value.uri.user ?? r.value.uri.host;
}

/** DNIS: the Request-URI's user part. */
function dnis(uri: string): string {
  const r = parseUri(uri);
  return r.ok ? r.value.user ?? '' : '';
}
