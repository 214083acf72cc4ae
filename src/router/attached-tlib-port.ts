/**
 * A {@link RouterTlibPort} over `TServer.attach()`: the router in the same process as the T-Server,
 * with no framing (tests, benchmarks, one-process deployments). Events reach the listeners
 * synchronously; a request resolves with the event carrying its ReferenceID and rejects with
 * {@link CtiError} on EventError, as TlibClient does.
 */
import { CtiError, type TlibEvent, type TlibRequest } from '../tlib/index.ts';
import type { TServer } from '../tserver/tserver.ts';
import type { RouterTlibPort } from './router.ts';

/** An attached port; `close()` detaches it. */
export interface AttachedTlibPort extends RouterTlibPort {
  close(): void;
}

export function attachTlibPort(server: TServer): AttachedTlibPort {
  const listeners = new Set<(e: TlibEvent) => void>();
  let nextRef = 1;
  const waiting = new Map<number, (e: TlibEvent) => void>();
  const client = server.attach((e) => {
    const ref = (e as { ReferenceID?: number }).ReferenceID;
    if (ref !== undefined) {
      const w = waiting.get(ref);
      if (w) {
        waiting.delete(ref);
        w(e);
      }
    }
    for (const l of listeners) l(e);
  });
  const request = (req: TlibRequest): Promise<TlibEvent> => {
    const ref = nextRef++;
    let reply: TlibEvent | undefined;
    waiting.set(ref, (e) => (reply = e));
    client.request({ ...req, ReferenceID: ref } as TlibRequest);
    waiting.delete(ref);
    if (!reply) return Promise.reject(new Error(`${req.message}: no reply`));
    if (reply.message === 'EventError') return Promise.reject(new CtiError(reply, req.message));
    return Promise.resolve(reply);
  };
  return {
    request,
    registerAddress: (dn) => request({ message: 'RequestRegisterAddress', ThisDN: dn }),
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => client.close(),
  };
}
