/**
 * The UDP transport of a measured SipStack with the wire cut out, for the benches that cost the
 * presence path without sockets (presence-hotpath, sip-notify-path): what the stack sends is read
 * by a scripted presence server in this process, which answers each SUBSCRIBE to `sip:u<N>@...`
 * with 200 and an initial NOTIFY (RFC 6665 section 4.2.1), and what that server sends is parsed and
 * handed to the stack as a datagram would be. NOTIFY bodies come from the bench.
 */
import { DEFAULT_SIP_LIMITS, parseMessage } from '../src/sip/message/index.ts';
import type { SipRequest } from '../src/sip/message/sip-message.ts';
import type { TransportAddress } from '../src/sip/transaction/transaction-user.ts';
import type { Transport, TransportSink } from '../src/sip/transport/transport.ts';

export const NOTIFIER: TransportAddress = { protocol: 'udp', host: '127.0.0.2', port: 5060 };
const LOCAL: TransportAddress = { protocol: 'udp', host: '127.0.0.1', port: 5070 };

interface Dialog {
  callId: string;
  from: string;
  to: string;
  target: string;
  cseq: number;
  /** NOTIFYs sent on the dialog, the initial one included. */
  n: number;
}

/** PIDF body of NOTIFY number `n` (0: the initial one) of KW `kw`. */
export type NotifyBody = (kw: number, n: number) => string;

export class LoopbackNotifier implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local = LOCAL;
  /** Dialogs by KW number. */
  readonly dialogs: Dialog[] = [];
  /** Responses the stack sent (the 200s of the NOTIFYs). */
  answered = 0;
  private sink: TransportSink | undefined;
  private branch = 0;

  constructor(private readonly body: NotifyBody) {}

  start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  send(data: Buffer): Promise<string | undefined> {
    if (data[0] === 0x53 && data.subarray(0, 8).toString('latin1') === 'SIP/2.0 ') {
      this.answered++;
      return Promise.resolve(undefined);
    }
    const parsed = parseMessage(data, DEFAULT_SIP_LIMITS);
    if (parsed.ok && parsed.value.kind === 'request' && parsed.value.method === 'SUBSCRIBE') {
      const req = parsed.value;
      setImmediate(() => this.onSubscribe(req)); // the answer comes later, as from a socket
    }
    return Promise.resolve(undefined);
  }

  /** Hands one datagram to the stack, as the UDP socket does. */
  deliver(data: Buffer): void {
    const parsed = parseMessage(data, DEFAULT_SIP_LIMITS);
    if (!parsed.ok) throw new Error(`bench: bad message ${parsed.error.message}`);
    this.sink?.receive({ message: parsed.value, source: { remote: NOTIFIER, local: LOCAL } });
  }

  /** KWs with a dialog. */
  get subscribed(): number {
    return this.dialogs.filter((d) => d !== undefined).length;
  }

  private onSubscribe(req: SipRequest): void {
    const kw = Number(/^sip:u(\d+)@/.exec(req.uri)?.[1]);
    const h = (n: string): string => req.headers.get(n) ?? '';
    const tag = `g${kw}`;
    const d: Dialog = { callId: h('Call-ID'), from: `${h('To')};tag=${tag}`, to: h('From'), target: /<([^>]+)>/.exec(h('Contact'))?.[1] ?? '', cseq: 0, n: 0 };
    this.dialogs[kw] = d;
    const vias = req.headers.getAll('Via').map((v) => `Via: ${v}`);
    this.deliver(Buffer.from([
      'SIP/2.0 200 OK', ...vias, `From: ${h('From')}`, `To: ${h('To')};tag=${tag}`, `Call-ID: ${d.callId}`, `CSeq: ${h('CSeq')}`,
      `Contact: <sip:presence@${NOTIFIER.host}>`, 'Expires: 3600', 'Content-Length: 0', '', '',
    ].join('\r\n')));
    this.deliver(this.notify(kw));
  }

  /** The next NOTIFY of KW `kw`'s dialog. */
  notify(kw: number): Buffer {
    const d = this.dialogs[kw];
    if (!d) throw new Error(`bench: KW ${kw} is not subscribed`);
    const body = this.body(kw, d.n++);
    return Buffer.from([
      `NOTIFY ${d.target} SIP/2.0`, `Via: SIP/2.0/UDP ${NOTIFIER.host}:${NOTIFIER.port};branch=z9hG4bKlb${++this.branch};rport`, 'Max-Forwards: 70',
      `From: ${d.from}`, `To: ${d.to}`, `Call-ID: ${d.callId}`, `CSeq: ${++d.cseq} NOTIFY`, `Contact: <sip:presence@${NOTIFIER.host}:${NOTIFIER.port}>`,
      'Event: presence', 'Subscription-State: active;expires=3600', `X-Bench: ${kw} ${d.n}`, 'Content-Type: application/pidf+xml',
      `Content-Length: ${Buffer.byteLength(body)}`, '', body,
    ].join('\r\n'));
  }

  hasConnection(): boolean {
    return false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
