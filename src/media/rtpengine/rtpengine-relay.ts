/**
 * The MediaRelay port on rtpengine (10.5, userspace is enough): each relay session is one ng call
 * whose call-id is the port's `session`, and each party is an ng tag. rtpengine rewrites the origin
 * and session connection lines so that both parties send their media to it.
 */
import type { Logger } from '../../lib/logger.ts';
import { MediaRelayError, type MediaRelay, type RelayAnswer, type RelayOffer } from '../media-relay.ts';
import type { BDict } from './bencode.ts';
import { NgClient, type NgClientOptions } from './ng-client.ts';

export interface RtpengineRelayOptions extends Omit<NgClientOptions, 'logger'> {
  logger?: Logger;
  /**
   * ng `flags` of every offer and answer. The default, `inject-DTMF`, lets {@link RtpengineRelay.playDtmf}
   * send RFC 4733 events into a call (it routes the audio through rtpengine's codec layer even when
   * both sides use the same codec); `[]` relays packets untouched.
   */
  flags?: string[];
  /** `repeat-times` of a `play media` with `repeat` (rtpengine has no "forever"; one play of an hour-long file is the same). */
  repeatTimes?: number;
}

/** Bounds on what the switch hands over (an ng request must fit one datagram anyway). */
const MAX_ID = 256;
const MAX_SDP = 32_768;
const MAX_FILE = 4096;

export class RtpengineRelay implements MediaRelay {
  readonly ng: NgClient;
  private readonly flags: string[];
  private readonly repeatTimes: number;

  constructor(options: RtpengineRelayOptions) {
    this.ng = new NgClient(options);
    this.flags = [...(options.flags ?? ['inject-DTMF'])];
    this.repeatTimes = options.repeatTimes ?? 10_000;
  }

  get address(): string {
    return this.ng.address;
  }

  async offer(o: RelayOffer): Promise<string> {
    const req: BDict = { command: 'offer', 'call-id': id('offer', 'session', o.session), 'from-tag': id('offer', 'fromTag', o.fromTag), sdp: sdp('offer', o.sdp) };
    return sdpOf('offer', await this.ng.command(this.negotiation(req)));
  }

  async answer(a: RelayAnswer): Promise<string> {
    const req: BDict = {
      command: 'answer',
      'call-id': id('answer', 'session', a.session),
      'from-tag': id('answer', 'fromTag', a.fromTag),
      'to-tag': id('answer', 'toTag', a.toTag),
      sdp: sdp('answer', a.sdp),
    };
    return sdpOf('answer', await this.ng.command(this.negotiation(req)));
  }

  async playMedia(p: { session: string; tag: string; file: string; repeat?: boolean }): Promise<{ durationMs?: number }> {
    const cmd = 'play media';
    if (typeof p.file !== 'string' || p.file === '' || p.file.length > MAX_FILE) throw new MediaRelayError(cmd, 'the file must be a path of 1 to 4096 characters');
    const req: BDict = { ...this.party(cmd, p), file: p.file };
    if (p.repeat) req['repeat-times'] = this.repeatTimes;
    const d = (await this.ng.command(req))['duration'];
    // A repeated file plays until stopMedia, so one play's length says nothing about the end.
    return !p.repeat && typeof d === 'number' && d >= 0 ? { durationMs: d } : {};
  }

  async stopMedia(p: { session: string; tag: string }): Promise<void> {
    await this.ng.command(this.party('stop media', p));
  }

  async blockMedia(p: { session: string; tag: string }): Promise<void> {
    await this.ng.command(this.party('block media', p));
  }

  async unblockMedia(p: { session: string; tag: string }): Promise<void> {
    await this.ng.command(this.party('unblock media', p));
  }

  /** Injects one DTMF digit as if `tag` had sent it (needs the `inject-DTMF` flag, the default). */
  async playDtmf(p: { session: string; tag: string; digit: string; durationMs?: number }): Promise<void> {
    const cmd = 'play DTMF';
    if (!/^[0-9*#A-D]$/.test(p.digit)) throw new MediaRelayError(cmd, `'${p.digit}' is not one DTMF digit (0-9, *, #, A-D)`);
    await this.ng.command({ ...this.party(cmd, p), code: p.digit, duration: p.durationMs ?? 250 });
  }

  /** rtpengine's `query` reply for a session (per-tag streams and packet counters), for diagnostics. */
  async query(session: string): Promise<BDict> {
    return this.ng.command({ command: 'query', 'call-id': id('query', 'session', session) });
  }

  async delete(session: string): Promise<void> {
    // rtpengine answers `ok` with a warning for an unknown call-id, as the port wants.
    await this.ng.command({ command: 'delete', 'call-id': id('delete', 'session', session) });
  }

  async ping(): Promise<void> {
    const reply = await this.ng.command({ command: 'ping' });
    if (reply['result'] !== 'pong') throw new MediaRelayError('ping', `${this.address} answered '${String(reply['result'])}' instead of 'pong'`);
  }

  async close(): Promise<void> {
    this.ng.close();
  }

  private negotiation(req: BDict): BDict {
    return { ...req, replace: ['origin', 'session-connection'], ...(this.flags.length ? { flags: [...this.flags] } : {}) };
  }

  private party(cmd: string, p: { session: string; tag: string }): BDict {
    return { command: cmd, 'call-id': id(cmd, 'session', p.session), 'from-tag': id(cmd, 'tag', p.tag) };
  }
}

function id(cmd: string, what: string, v: string): string {
  if (typeof v !== 'string' || v === '' || v.length > MAX_ID || /[\s]/.test(v)) {
    throw new MediaRelayError(cmd, `${what} must be 1 to ${MAX_ID} characters without spaces`);
  }
  return v;
}

function sdp(cmd: string, v: string): string {
  if (typeof v !== 'string' || !v.startsWith('v=0') || v.length > MAX_SDP) throw new MediaRelayError(cmd, `the SDP must start with 'v=0' and be at most ${MAX_SDP} characters`);
  return v;
}

function sdpOf(cmd: string, reply: BDict): string {
  const s = reply['sdp'];
  if (typeof s !== 'string' || s === '') throw new MediaRelayError(cmd, 'the reply holds no SDP');
  return s;
}
