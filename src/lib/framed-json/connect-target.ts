/**
 * Where a framed-JSON client (TlibClient, PreviewClient) connects: TCP, TLS, or an in-memory
 * factory: an in-process message pipe (the one-process default:
 * `{ kind: 'memory', connect: () => server.connectInProcess() }`) or an in-memory byte stream
 * (`server.connectInMemory()`, framed as over TCP).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { LinkCarrier } from './framed-json-link.ts';

export type ConnectTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'tls'; readonly host: string; readonly port: number; readonly tls?: tls.ConnectionOptions }
  | { readonly kind: 'memory'; readonly connect: () => LinkCarrier };

/** A connection attempt in progress: `ready` settles once, `abort` destroys the socket. */
export interface PendingConnection {
  readonly ready: Promise<LinkCarrier>;
  abort(reason: string): void;
}

/** Starts connecting to `target`. */
export function openConnection(target: ConnectTarget): PendingConnection {
  if (target.kind === 'memory') {
    try {
      const s = target.connect();
      return { ready: Promise.resolve(s), abort: () => closeCarrier(s) };
    } catch (e) {
      return { ready: Promise.reject(e instanceof Error ? e : new Error(String(e))), abort: () => undefined };
    }
  }
  let socket: net.Socket;
  const ready = new Promise<Duplex>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    if (target.kind === 'tls') {
      const s = tls.connect({ servername: net.isIP(target.host) ? undefined : target.host, ...target.tls, host: target.host, port: target.port }, () => {
        s.setNoDelay(true);
        s.setKeepAlive(true, 30_000);
        resolve(s);
      });
      socket = s;
    } else {
      const s = net.connect({ host: target.host, port: target.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, () => {
        resolve(s);
      });
      socket = s;
    }
    // Left attached after success (a late reject is a no-op), so no error can go unheard before
    // the link takes the socket over.
    socket.once('error', onError);
    socket.once('close', () => reject(new Error('connection closed before it was established')));
  });
  return {
    ready,
    abort: (reason) => socket.destroy(new Error(reason)),
  };
}

/** A printable form of the target for logs. */
export function describeTarget(target: ConnectTarget): string {
  return target.kind === 'memory' ? 'memory' : `${target.kind}://${target.host}:${target.port}`;
}

/** Closes a carrier that no link has taken over (a connection that came too late). */
export function closeCarrier(carrier: LinkCarrier): void {
  if ('destroy' in carrier) carrier.destroy();
  else carrier.close();
}
