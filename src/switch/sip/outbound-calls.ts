/**
 * Calls to the KWs' phones. `offer` INVITEs the DN's `contact`, or `sip:<DN>@<domain>` through the
 * outbound proxy, with the caller's number in From, the caller's SDP (through the relay when there
 * is one) and the call's UserData as `X-Genesys-<key>` headers. 180/183 → `ringing`; 2xx → ACK,
 * the relay's answer, the caller's leg answered (or re-INVITEd) with it → `answered`; a final
 * non-2xx → `failed` with its cause. `answer` (desktop answer) CANCELs the ringing INVITE and
 * places it again with `Call-Info: <sip:domain>;answer-after=0`, which such phones answer at once.
 */
import { formatUri, parseUri } from '../../sip/message/index.ts';
import { tagOf } from '../../sip/ua/request-dispatcher.ts';
import { cseqOf } from '../../sip/ua/out-of-dialog-request.ts';
import type { SipResponse } from '../../sip/message/index.ts';
import type { InviteOutcome, OutgoingInvite, OutgoingInviteHandle } from '../../sip/ua/invite-client.ts';
import type { SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';
import type { Bridge } from './media-path.ts';
import { sdpProblem, withDirection } from './sdp.ts';
import { causeOfFailure } from './sip-causes.ts';
import { Leg } from './sip-leg.ts';
import type { SwitchCore } from './switch-core.ts';
import { headersFromUserData } from './userdata-headers.ts';
import { desktopAnswers, uriTransport } from '../../config/voice-settings.ts';

type Offer = Extract<SwitchCommand, { kind: 'offer' }>;
type Answer = Extract<SwitchCommand, { kind: 'answer' }>;

export class OutboundCalls {
  constructor(
    private readonly core: SwitchCore,
    private readonly newId: () => string,
    /** Connects an answered leg whose peer changed after the offer (a transfer completed while it rang). */
    private readonly rebridge: (a: Leg, b: Leg) => Promise<boolean>,
  ) {}

  offer(c: Offer): SwitchEvent[] {
    const { core } = this;
    const fail = (cause: Extract<SwitchEvent, { kind: 'failed' }>['cause'], detail: string): SwitchEvent[] => [{ kind: 'failed', connId: c.connId, dn: c.dn, cause, detail }];
    if (c.mediaType !== 'voice') return fail('rejected', `the SIP switch carries voice calls, not ${c.mediaType}`);
    const existing = core.legs.get(c.connId, c.dn);
    if (existing?.live) return fail('error', `${c.dn} already has a leg in this call`);
    if (core.legs.full) return fail('error', `max-legs (${core.legs.max}) reached`);
    const peer = this.peerFor(c);
    if (!peer) return fail('error', 'no answered or waiting party in the call to connect it with');
    const target = targetOf(c.dn, c.contact, core.config.domain);
    if (!target) return fail('notFound', `no SIP address for DN ${c.dn}${c.contact ? ` (contact "${c.contact}")` : ''}`);
    const viaProxy = c.contact === undefined && core.config.proxy !== undefined;
    let contact: string;
    try {
      contact = core.stack.contactUri(uriTransport(viaProxy ? core.config.proxy! : target) ?? 'udp');
    } catch (e) {
      return fail('error', e instanceof Error ? e.message : String(e));
    }
    const { headers, skipped } = headersFromUserData(c.userData);
    if (skipped > 0) core.logger.info('UserData left out of the INVITE', { connId: c.connId, dn: c.dn, skipped });
    const leg = new Leg(this.newId(), 'out', c.dn, 'calling', '');
    leg.peer = peer;
    leg.invite = {
      target, from: fromUri(c.ani ?? peer.ani ?? c.from, core.config.domain), contact, headers,
      ...(viaProxy ? {} : { routes: [] }), contentType: 'application/sdp',
    };
    core.legs.bind(leg, c.connId, c.dn);
    core.run(c.connId, 'offer', () => this.place(leg, peer));
    return [];
  }

  answer(c: Answer): SwitchEvent[] {
    const { core } = this;
    const leg = core.legs.get(c.connId, c.dn);
    const fail = (cause: 'error' | 'rejected', detail: string): SwitchEvent[] => [{ kind: 'failed', connId: c.connId, dn: c.dn, cause, detail }];
    if (!leg || leg.direction !== 'out' || (leg.state !== 'calling' && leg.state !== 'ringing')) return fail('error', `no ringing leg for ${c.dn}`);
    if (!desktopAnswers(core.config.desktopAnswer, c.dn)) {
      return fail('rejected', `the phone of ${c.dn} cannot be answered from the desktop (it is not in voice.desktop-answer)`);
    }
    core.run(c.connId, 'desktop answer', () => this.answerFromDesktop(leg));
    return [];
  }

  /**
   * The party the new leg connects with: the call's other live leg (the caller), not the DN the
   * offer comes from when that is another party (a single-step transfer); for a consultation call,
   * which has no leg of its own yet, the initiator's dialog in its other call (it is reused).
   */
  private peerFor(c: Offer): Leg | undefined {
    const own = this.core.legs.ofCall(c.connId).filter((l) => l.dn.toLowerCase() !== c.dn.toLowerCase() && (l.state === 'early' || l.state === 'up' || l.state === 'offered'));
    const notFrom = own.filter((l) => l.dn.toLowerCase() !== c.from.toLowerCase());
    if (notFrom[0] ?? own[0]) return notFrom[0] ?? own[0];
    return this.core.legs.all().find((l) => l.up && l.dn.toLowerCase() === c.from.toLowerCase());
  }

  private async place(leg: Leg, peer: Leg): Promise<void> {
    const { core } = this;
    if (leg.state === 'ended' || leg.released || leg.connId === undefined) return core.finish(leg);
    // The bridge the offer goes through: the caller's own while nobody took its b side (ringback,
    // an earlier offer that failed), else a new one (a transfer: the peer moves at the answer).
    let bridge = peer.bridge;
    let offer: string;
    try {
      if (bridge && bridge.owner === leg.connId && bridge.a === peer && bridge.offerForB !== undefined && !(bridge.b?.live ?? false)) {
        offer = bridge.offerForB;
      } else {
        bridge = core.media.newBridge(leg.connId);
        bridge.a = peer;
        if (!peer.bridge) peer.bridge = bridge;
        offer = await core.media.open(bridge, withDirection(peer.remoteSdp, 'sendrecv'));
      }
    } catch (e) {
      core.media.release(bridge);
      core.finish(leg);
      if (!leg.released) core.emit({ kind: 'failed', connId: leg.connId, dn: leg.dn, cause: 'error', detail: String(e instanceof Error ? e.message : e) });
      return;
    }
    bridge.b = leg;
    leg.pendingBridge = bridge;
    if (leg.released || peer.state === 'ended') return core.finish(leg);
    this.send(leg, offer);
  }

  private send(leg: Leg, offer: string, extraHeaders: Record<string, string> = {}, again?: OutgoingInvite['again']): void {
    const invite = leg.invite!;
    const options: Omit<OutgoingInvite, 'target'> = {
      ...invite, body: leg.sdp.next(offer), headers: { ...invite.headers, ...extraHeaders }, ...(again ? { again } : {}),
      onProvisional: (r) => this.onProvisional(leg, handle, r),
    };
    const handle = this.core.ua.startInvite(invite.target, options);
    leg.outgoing = handle;
    handle.outcome.then(
      (o) => this.core.run(leg.connId!, 'offer outcome', () => this.onOutcome(leg, handle, o)),
      (e: unknown) => this.core.logger.error('INVITE failed', { leg: String(leg), error: String(e) }),
    );
  }

  private onProvisional(leg: Leg, handle: OutgoingInviteHandle, r: SipResponse): void {
    if (leg.outgoing !== handle) return;
    leg.heard = true;
    if (r.status === 100 || leg.rang || leg.state !== 'calling') return;
    leg.rang = true;
    leg.state = 'ringing';
    if (!leg.released && leg.connId !== undefined) this.core.emit({ kind: 'ringing', connId: leg.connId, dn: leg.dn });
  }

  private async onOutcome(leg: Leg, handle: OutgoingInviteHandle, o: InviteOutcome): Promise<void> {
    const { core } = this;
    if (leg.outgoing !== handle) {
      // A replaced INVITE (desktop answer): an answer that crossed the CANCEL was already BYEd.
      return;
    }
    const connId = leg.connId!;
    if (!o.ok) {
      const bridge = leg.pendingBridge;
      if (bridge?.b === leg) bridge.b = undefined;
      core.finish(leg);
      if (leg.released || o.cancelled) return;
      const { status, reason } = o.response;
      core.emit({ kind: 'failed', connId, dn: leg.dn, cause: causeOfFailure(status, leg), detail: `${status} ${reason}` });
      return;
    }
    const session = o.session;
    core.attach(leg, session);
    if (leg.released) {
      session.bye().catch(() => {});
      return core.finish(leg);
    }
    const problem = sdpProblem(session.remote.body, core.config.maxSdpBytes);
    if (problem !== undefined) {
      session.bye().catch(() => {});
      core.finish(leg);
      core.emit({ kind: 'failed', connId, dn: leg.dn, cause: 'error', detail: `the phone answered with ${problem}` });
      return;
    }
    leg.remoteSdp = session.remote.body.toString('latin1');
    leg.state = 'up';
    await this.connect(leg);
  }

  /** The KW answered: join it with its peer (the relay's answer to the caller, or a re-bridge). */
  private async connect(leg: Leg): Promise<void> {
    const { core } = this;
    const connId = leg.connId!;
    const bridge = leg.pendingBridge!;
    const peer = leg.peer;
    leg.pendingBridge = undefined;
    if (!peer || peer.state === 'ended') {
      // The caller left while it rang: the core already heard `released`; it ends the call.
      leg.bridge = bridge;
      core.emit({ kind: 'answered', connId, dn: leg.dn });
      return;
    }
    if (bridge.a !== peer) {
      leg.bridge = bridge;
      if (await this.rebridge(peer, leg)) core.emit({ kind: 'answered', connId, dn: leg.dn });
      return;
    }
    let forPeer: string;
    try {
      forPeer = await core.media.connect(bridge, leg.remoteSdp);
    } catch (e) {
      core.hangUp(leg, 'error');
      core.media.release(bridge);
      core.emit({ kind: 'failed', connId, dn: leg.dn, cause: 'error', detail: String(e instanceof Error ? e.message : e) });
      return;
    }
    await this.join(bridge, peer, leg);
    if (!(await core.deliver(peer, forPeer))) core.logger.warn('the peer did not take the answer', { leg: String(peer) });
    core.emit({ kind: 'answered', connId, dn: leg.dn });
  }

  /** Moves `peer` into `bridge` (leaving its old one) and puts `leg` on side b; the ringback stops. */
  private async join(bridge: Bridge, peer: Leg, leg: Leg): Promise<void> {
    const { core } = this;
    const old = peer.bridge;
    if (old && old !== bridge) {
      if (old.a === peer) old.a = undefined;
      if (old.b === peer) old.b = undefined;
      core.media.release(old);
    }
    peer.bridge = bridge;
    leg.bridge = bridge;
    bridge.b = leg;
    if (bridge.playing !== undefined) await core.media.stop(bridge).catch((e: unknown) => core.logger.warn('stop media failed', { error: String(e) }));
  }

  private async answerFromDesktop(leg: Leg): Promise<void> {
    const old = leg.outgoing;
    if (!old || leg.state === 'ended' || leg.state === 'up' || leg.released) return;
    const offer = leg.sdp.current ?? '';
    // The old INVITE's outcome (its 487, or a crossing 2xx the handle BYEs) is then ignored.
    leg.outgoing = undefined;
    old.cancel();
    const o = await old.outcome.catch(() => undefined);
    if (leg.released || !leg.live) return;
    // The same call again (Call-ID, From tag, next CSeq), now to be answered at once.
    const req = o?.response ? old.request : undefined;
    const again = req ? { callId: req.headers.get('Call-ID') ?? '', fromTag: tagOf(req.headers.get('From')) ?? '', cseq: cseqOf(o!.response) + 1 } : undefined;
    this.send(leg, offer, { 'Call-Info': `<sip:${this.core.config.domain}>;answer-after=0` }, again?.callId && again.fromTag ? again : undefined);
  }
}

/**
 * Where a DN's phone is reached: its `contact` (a SIP URI, or `host[:port]` for the DN's user
 * part there); a DN that is itself a SIP URI; else `sip:<DN>@<domain>`.
 */
export function targetOf(dn: string, contact: string | undefined, domain: string): string | undefined {
  const dnUri = /^sips?:/i.test(dn) ? parseUri(dn) : undefined;
  const user = dnUri ? (dnUri.ok ? dnUri.value.user : undefined) : dn;
  let uri: string | undefined;
  const c = contact?.trim();
  if (c) {
    const parsed = parseUri(/^sips?:/i.test(c) ? c : `sip:${c}`);
    if (!parsed.ok) return undefined;
    uri = /^sips?:/i.test(c) ? c : formatUri({ ...parsed.value, ...(user !== undefined ? { user } : {}) });
  } else if (dnUri) uri = dnUri.ok ? dn : undefined;
  else uri = formatUri({ scheme: 'sip', user: dn, host: domain, params: {}, headers: {} });
  if (uri === undefined) return undefined;
  const parsed = parseUri(uri);
  return parsed.ok && (parsed.value.scheme === 'sip' || parsed.value.scheme === 'sips') && parsed.value.host ? uri : undefined;
}

/** From of the INVITE to a KW: the caller's number at our domain (a SIP URI is kept). */
export function fromUri(ani: string, domain: string): string {
  if (/^sips?:/i.test(ani) && parseUri(ani).ok) return ani;
  return formatUri({ scheme: 'sip', user: ani === '' ? 'anonymous' : ani, host: domain, params: {}, headers: {} });
}
