/** An in-memory stand-in for rtpengine's ng socket, for unit tests of the ng client on a ManualClock. */
import { decode, encode, type BDict } from '../../src/media/rtpengine/bencode.ts';
import type { NgTransportFactory } from '../../src/media/rtpengine/ng-transport.ts';

/** A fake relay: keeps what the client sent and answers when the test says so. */
export class FakeNgPeer {
  readonly sent: Array<{ cookie: string; dict: BDict; raw: Buffer }> = [];
  readonly holds: boolean[] = [];
  closed = false;
  /** When set, every request is answered with what it returns (on a microtask), undefined = no answer. */
  autoReply: ((request: BDict) => BDict | undefined) | undefined;
  private deliver: (d: Buffer) => void = () => {};

  readonly factory: NgTransportFactory = (_relay, onMessage) => {
    this.deliver = onMessage;
    return {
      send: (d) => {
        const sp = d.indexOf(0x20);
        const sent = { cookie: d.toString('latin1', 0, sp), dict: decode(d.subarray(sp + 1)) as BDict, raw: d };
        this.sent.push(sent);
        const answer = this.autoReply?.(sent.dict);
        if (answer) queueMicrotask(() => this.reply(sent.cookie, answer));
      },
      hold: (a) => this.holds.push(a),
      close: () => (this.closed = true),
    };
  };

  reply(cookie: string, dict: BDict): void {
    this.raw(Buffer.concat([Buffer.from(`${cookie} `), encode(dict)]));
  }

  raw(d: Buffer | string): void {
    this.deliver(typeof d === 'string' ? Buffer.from(d, 'latin1') : d);
  }
}
