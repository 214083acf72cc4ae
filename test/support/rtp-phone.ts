/**
 * A fake RTP phone on a Node UDP socket: it describes itself in SDP (PCMU and telephone-event),
 * sends 20 ms PCMU frames of a sine tone to where it is told, and keeps every RTP packet it
 * receives so that a test can decode what it heard. The cheapest stand-in for a phone in media tests.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodePcmu, hasTone, pcmuToneFrames, parseRtp, buildRtp, type RtpPacket, type ToneCheck } from './audio.ts';

export interface ReceivedRtp extends RtpPacket {
  /** The sender's port (and address) as the socket saw it. */
  fromPort: number;
  fromAddress: string;
  /** Date.now() on arrival. */
  at: number;
}

export interface RtpPhoneOptions {
  /** The tone it sends. */
  hz: number;
  amplitude?: number;
  /** 0 (default) lets the system pick. */
  port?: number;
  /** Received packets kept at most (the oldest are dropped); 50 a second. */
  maxPackets?: number;
}

/** Where an SDP says media goes: its `c=` address and first `m=audio` port. */
export function sdpMediaTarget(sdp: string): { host: string; port: number } {
  const host = /^c=IN IP[46] (\S+)/m.exec(sdp)?.[1];
  const port = Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
  if (!host || !port) throw new Error(`no c= address and m=audio port in SDP:\n${sdp}`);
  return { host, port };
}

export class RtpPhone {
  readonly host = '127.0.0.1';
  readonly received: ReceivedRtp[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sentFrames = 0;
  private readonly frame: (i: number) => Buffer;
  private readonly ssrc = Math.floor(Math.random() * 2 ** 32);
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    readonly hz: number,
    amplitude: number,
    private readonly maxPackets: number,
  ) {
    this.frame = pcmuToneFrames(hz, amplitude);
    socket.on('message', (m, rinfo) => {
      const p = parseRtp(m);
      if (!p) return;
      this.received.push({ ...p, fromPort: rinfo.port, fromAddress: rinfo.address, at: Date.now() });
      if (this.received.length > this.maxPackets) this.received.splice(0, this.received.length - this.maxPackets);
    });
    socket.on('error', () => {});
  }

  /** Binds a phone on 127.0.0.1. */
  static async open(options: RtpPhoneOptions): Promise<RtpPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RtpPhone(socket, socket.address().port, options.hz, options.amplitude ?? 0.3, options.maxPackets ?? 3000);
  }

  /** This phone's SDP: PCMU (PT 0) and telephone-event (PT 101) at its port, sendrecv. */
  sdp(sessionVersion = 1): string {
    return [
      'v=0',
      `o=- ${this.port} ${sessionVersion} IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** Starts sending the tone to `to` (an address, or the SDP the phone was given), 50 frames a second. */
  startSending(to: { host: string; port: number } | string): void {
    const dest = typeof to === 'string' ? sdpMediaTarget(to) : to;
    this.stopSending();
    const t0 = Date.now();
    const first = this.sentFrames;
    // Catch up on timer drift so that the stream stays at 50 packets a second.
    const tick = (): void => {
      while (!this.closed && this.sentFrames - first < (Date.now() - t0) / 20 + 1) {
        const i = this.sentFrames++;
        this.socket.send(buildRtp({ seq: i, ts: i * 160, ssrc: this.ssrc, marker: i === 0, payload: this.frame(i) }), dest.port, dest.host);
      }
    };
    tick();
    this.timer = setInterval(tick, 20);
  }

  stopSending(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Decoded PCMU (8 kHz) received in [from, to) (Date.now() values). */
  audio(from = 0, to = Infinity): Float64Array {
    return decodePcmu(Buffer.concat(this.received.filter((p) => p.pt === 0 && p.at >= from && p.at < to).map((p) => p.payload)));
  }

  /** Is `hz` the tone heard in [from, to) for at least `minSeconds`? */
  heard(hz: number, { from = 0, to = Infinity, minSeconds = 1 }: { from?: number; to?: number; minSeconds?: number } = {}): ToneCheck {
    return hasTone(this.audio(from, to), hz, { minSeconds });
  }

  /** The ports RTP came from since `from`. */
  sources(from = 0): Set<number> {
    return new Set(this.received.filter((p) => p.at >= from).map((p) => p.fromPort));
  }

  /** Resolves once `seconds` of PCMU arrived since `from`; rejects after `timeoutMs`. */
  async waitForAudio(seconds: number, { from = 0, timeoutMs = 5000 }: { from?: number; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const want = Math.ceil(seconds * 50);
    for (;;) {
      const got = this.received.filter((p) => p.pt === 0 && p.at >= from).length;
      if (got >= want) return;
      if (Date.now() > deadline) throw new Error(`RTP phone ${this.port} (${this.hz} Hz): ${got} PCMU packets since ${from}, wanted ${want} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSending();
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
