/** A T-Lib client double for the interaction tracker: DN listeners, and scripted request answers. */
import { CtiError } from '../../../../src/tlib/cti-error.ts';
import type { EventError, TlibEvent, TlibRequest } from '../../../../src/tlib/messages/message-catalogue.ts';

export class FakeTlib {
  readonly requests: TlibRequest[] = [];
  private readonly listeners = new Map<string, Set<(e: TlibEvent) => void>>();
  /** Answers a request: an event to resolve with, or a T-Lib ErrorCode to reject with. */
  answer: (r: TlibRequest) => TlibEvent | number = (r) => ({ ...r, message: 'EventACK' }) as unknown as TlibEvent;

  onDn(dn: string, l: (e: TlibEvent) => void): () => void {
    let set = this.listeners.get(dn);
    if (!set) this.listeners.set(dn, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }

  emit(message: string, dn: string, connId: string, extra: Record<string, unknown> = {}): void {
    const e = { message, ThisDN: dn, ConnID: connId, ...extra } as unknown as TlibEvent;
    for (const l of this.listeners.get(dn) ?? []) l(e);
  }

  listenerCount(dn: string): number {
    return this.listeners.get(dn)?.size ?? 0;
  }

  async request(r: TlibRequest): Promise<TlibEvent> {
    this.requests.push(r);
    const a = this.answer(r);
    if (typeof a === 'number') throw new CtiError({ message: 'EventError', ErrorCode: a } as EventError, r.message);
    return a;
  }
}
