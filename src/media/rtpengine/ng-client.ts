/**
 * rtpengine's ng control protocol over UDP: each request is `<cookie> <bencoded dict>` and the reply
 * echoes the cookie. One socket serves every command; replies are matched by cookie. A request is
 * sent again, with the same cookie (rtpengine answers a repeated cookie from its cache instead of
 * running the command twice), until it is answered or its attempts run out on the injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { MediaRelayError } from '../media-relay.ts';
import { BencodeError, decode, encodeText, type BDict, type BValue } from './bencode.ts';
import { formatNgAddress, parseNgAddress, udpNgTransport, type NgTransport, type NgTransportFactory } from './ng-transport.ts';

export interface NgClientOptions {
  /** The relay's ng address: `udp:127.0.0.1:2223` (or without `udp:`). */
  address: string;
  clock: Clock;
  /** How long one attempt waits for the reply before the request is sent again. */
  timeoutMs?: number;
  /** Sends of one request in all (the first one included). */
  attempts?: number;
  /** Commands waiting for a reply at once; one more is refused. */
  maxPending?: number;
  /** Largest request datagram (bencoded dict and cookie). */
  maxRequestBytes?: number;
  /** Larger reply datagrams are dropped unread. */
  maxReplyBytes?: number;
  logger?: Logger;
  /** The socket (a fake peer in unit tests). */
  transport?: NgTransportFactory;
}

export const NG_DEFAULTS = { timeoutMs: 1000, attempts: 3, maxPending: 1024, maxRequestBytes: 65_000, maxReplyBytes: 65_507 } as const;

/** Cookies are short; a longer first word is not a reply of ours. */
const MAX_COOKIE = 64;

interface Pending {
  command: string;
  datagram: Buffer;
  sent: number;
  timer: TimerHandle | undefined;
  resolve(reply: BDict): void;
  reject(e: MediaRelayError): void;
}

export class NgClient {
  readonly address: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly maxPending: number;
  private readonly maxRequestBytes: number;
  private readonly maxReplyBytes: number;
  private readonly log: Logger;
  private readonly transport: NgTransport;
  private readonly pending = new Map<string, Pending>();
  // A random prefix per client: rtpengine caches replies by cookie, so a restarted client must
  // not reuse an old cookie and be handed a stale reply.
  private readonly prefix = randomBytes(4).toString('hex');
  private seq = 0;
  private closed = false;
  private ignored = 0;

  constructor(options: NgClientOptions) {
    const relay = parseNgAddress(options.address);
    this.address = formatNgAddress(relay);
    this.clock = options.clock;
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? NG_DEFAULTS.timeoutMs);
    this.attempts = positive('attempts', options.attempts ?? NG_DEFAULTS.attempts);
    this.maxPending = positive('maxPending', options.maxPending ?? NG_DEFAULTS.maxPending);
    this.maxRequestBytes = positive('maxRequestBytes', options.maxRequestBytes ?? NG_DEFAULTS.maxRequestBytes);
    this.maxReplyBytes = positive('maxReplyBytes', options.maxReplyBytes ?? NG_DEFAULTS.maxReplyBytes);
    this.log = (options.logger ?? silentLogger).child({ mediaRelay: this.address });
    this.transport = (options.transport ?? udpNgTransport)(relay, (d) => this.onDatagram(d));
  }

  /** Replies dropped so far: garbled, oversized, unknown cookie, or not a dictionary. */
  get ignoredReplies(): number {
    return this.ignored;
  }

  /** Commands waiting for their reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends `request` (it must hold `command`) and resolves with the reply dictionary when its
   * `result` is `ok` or `pong`. Rejects with a MediaRelayError on `result: error` (with rtpengine's
   * `error-reason`), on any other result, when no reply came in time, and when the client is closed.
   */
  command(request: BDict): Promise<BDict> {
    const command = typeof request['command'] === 'string' ? request['command'] : '?';
    if (this.closed) return Promise.reject(new MediaRelayError(command, `the ng client for ${this.address} is closed`));
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new MediaRelayError(command, `${this.pending.size} commands already wait for ${this.address} (the limit)`));
    }
    const cookie = `${this.prefix}_${++this.seq}`;
    let datagram: Buffer;
    try {
      // The cookie is ASCII (hex, '_', digits): the whole datagram is one UTF-8 encoding.
      datagram = Buffer.from(`${cookie} ${encodeText(request)}`, 'utf8');
    } catch (e) {
      return Promise.reject(new MediaRelayError(command, `cannot encode the request: ${(e as Error).message}`));
    }
    if (datagram.length > this.maxRequestBytes) {
      return Promise.reject(new MediaRelayError(command, `the request is ${datagram.length} bytes, more than the ${this.maxRequestBytes}-byte limit`));
    }
    return new Promise<BDict>((resolve, reject) => {
      const p: Pending = { command, datagram, sent: 0, timer: undefined, resolve, reject };
      if (this.pending.size === 0) this.transport.hold(true);
      this.pending.set(cookie, p);
      this.transmit(cookie, p);
    });
  }

  /** Fails every waiting command and closes the socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      this.clock.cancel(p.timer);
      p.reject(new MediaRelayError(p.command, `the ng client for ${this.address} was closed before the reply`));
    }
    this.transport.close();
  }

  private transmit(cookie: string, p: Pending): void {
    p.sent++;
    this.transport.send(p.datagram);
    p.timer = this.clock.setTimer(this.timeoutMs, () => {
      if (this.pending.get(cookie) !== p) return;
      if (p.sent < this.attempts) {
        this.log.debug('ng request resent', { command: p.command, cookie, attempt: p.sent + 1 });
        this.transmit(cookie, p);
        return;
      }
      this.settle(cookie);
      p.reject(new MediaRelayError(p.command, `no reply from ${this.address} within ${this.timeoutMs * this.attempts} ms (${this.attempts} attempts)`));
    });
  }

  private settle(cookie: string): void {
    const p = this.pending.get(cookie);
    if (!p) return;
    this.clock.cancel(p.timer);
    this.pending.delete(cookie);
    if (this.pending.size === 0 && !this.closed) this.transport.hold(false);
  }

  private onDatagram(d: Buffer): void {
    const space = d.subarray(0, MAX_COOKIE + 1).indexOf(0x20);
    const cookie = space > 0 ? d.toString('latin1', 0, space) : '';
    const p = this.pending.get(cookie);
    if (d.length > this.maxReplyBytes) return this.drop('oversized reply', cookie);
    // A late or repeated reply (its command already settled) is normal after a resend.
    if (!p) return this.drop('reply to no waiting command', cookie, 'debug');
    let reply: BValue;
    try {
      reply = decode(d.subarray(space + 1));
    } catch (e) {
      // Garbled: keep waiting, a resend may still be answered properly.
      return this.drop(`garbled reply (${e instanceof BencodeError ? e.message : String(e)})`, cookie);
    }
    if (typeof reply !== 'object' || Array.isArray(reply)) return this.drop('reply is not a dictionary', cookie);
    this.settle(cookie);
    const result = reply['result'];
    if (result === 'ok' || result === 'pong') {
      if (typeof reply['warning'] === 'string') this.log.info('media relay warning', { command: p.command, warning: reply['warning'] });
      p.resolve(reply);
    } else if (result === 'error') {
      const reason = typeof reply['error-reason'] === 'string' && reply['error-reason'] ? reply['error-reason'] : 'error without a reason';
      p.reject(new MediaRelayError(p.command, `${this.address} refused: ${reason.slice(0, 500)}`));
    } else {
      const what = typeof result === 'string' ? result : JSON.stringify(result ?? null);
      p.reject(new MediaRelayError(p.command, `${this.address} answered result '${what.slice(0, 100)}'`));
    }
  }

  private drop(why: string, cookie: string, level: 'warn' | 'debug' = 'warn'): void {
    this.ignored++;
    this.log[level]('ng datagram ignored', { why, cookie: cookie.slice(0, MAX_COOKIE) });
  }
}

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`ng client: ${name} must be a positive integer, not ${v}`);
  return v;
}
