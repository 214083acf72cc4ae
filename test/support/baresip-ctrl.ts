/**
 * baresip's ctrl_tcp interface: netstring-framed JSON over TCP (`<len>:{...},`). Commands come from
 * the menu module (dial, hangup, accept, sndcode, listcalls, reginfo); events (CALL_INCOMING,
 * CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK, CALL_DTMF_START...) are kept in order of arrival.
 */
import { connect, type Socket } from 'node:net';

export interface BaresipEvent {
  type: string;
  class?: string;
  /** The SIP Call-ID for call events. */
  id?: string;
  peeruri?: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  param?: string;
  /** Date.now() on arrival. */
  at: number;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

/** Bytes buffered without a complete netstring before the link is given up. */
const MAX_BUFFER = 1024 * 1024;

export class BaresipCtrl {
  readonly events: BaresipEvent[] = [];
  private buf = Buffer.alloc(0);
  private n = 0;
  private readonly pending = new Map<string, (r: BaresipResponse) => void>();
  private waiters: Array<(e: BaresipEvent) => boolean> = [];

  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    // A dropped link fails what waits on it at once instead of at its timeout.
    socket.on('close', () => {
      this.closed = true;
      const e: BaresipEvent = { type: '#closed', at: Date.now() };
      this.waiters = this.waiters.filter((w) => !w(e));
      for (const [token, done] of this.pending) {
        this.pending.delete(token);
        done({ ok: false, data: 'ctrl_tcp connection closed' });
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<BaresipCtrl> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new BaresipCtrl(s));
      });
    });
  }

  /** Sends a command; resolves with baresip's response (ok false is a refusal, not a rejection). */
  command(command: string, params = '', timeoutMs = 3000): Promise<BaresipResponse> {
    if (this.closed) return Promise.resolve({ ok: false, data: 'ctrl_tcp connection closed' });
    const token = `t${++this.n}`;
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ctrl ${command}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.socket.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  /** The first event of `type` (already seen at index >= `since`, or still to come) that `match` accepts. */
  waitEvent(type: string, { timeoutMs = 5000, since = 0, match = () => true }: { timeoutMs?: number; since?: number; match?: (e: BaresipEvent) => boolean } = {}): Promise<BaresipEvent> {
    const seen = this.events.slice(since).find((e) => e.type === type && match(e));
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(new Error(`no ${type} event: the ctrl_tcp connection is closed`));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${type} event within ${timeoutMs} ms (seen: ${this.events.map((e) => e.type).join(', ') || 'none'})`));
      }, timeoutMs);
      const waiter = (e: BaresipEvent): boolean => {
        if (e.type === '#closed') {
          clearTimeout(t);
          reject(new Error(`no ${type} event: the ctrl_tcp connection closed`));
          return true;
        }
        if (e.type !== type || !match(e)) return false;
        clearTimeout(t);
        resolve(e);
        return true;
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0 || colon > 10) break;
      const len = Number(this.buf.toString('latin1', 0, colon));
      if (!Number.isSafeInteger(len)) return this.close();
      if (this.buf.length < colon + len + 2) break;
      const text = this.buf.toString('utf8', colon + 1, colon + 1 + len);
      this.buf = this.buf.subarray(colon + len + 2);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      const done = msg['response'] ? this.pending.get(String(msg['token'])) : undefined;
      if (done) {
        this.pending.delete(String(msg['token']));
        done({ ok: msg['ok'] === true, data: String(msg['data'] ?? '') });
      }
      if (msg['event']) {
        const e = { ...(msg as Omit<BaresipEvent, 'at'>), at: Date.now() } as BaresipEvent;
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => !w(e));
      }
    }
    if (this.buf.length > MAX_BUFFER) this.close();
  }
}
