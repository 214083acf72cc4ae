/**
 * The listening half of a framed-JSON server (T-Lib's TlibServer, the preview protocol's
 * PreviewServer): TCP or TLS listeners that hand each accepted socket to the server, and the
 * shutdown that closes the listeners and the sessions with a grace period.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

/** Where to listen; with `tls` (key/cert as for `tls.createServer`) the listener is TLS. */
export interface StreamListenOptions {
  readonly host?: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly tls?: tls.TlsOptions;
}

/** The log lines of one protocol's listeners (kept per protocol so operators can tell them apart). */
export interface StreamListenerLogText {
  readonly handshakeFailed: string;
  readonly listenerError: string;
  readonly listening: string;
}

/** Counts connections as they are accepted (before any TLS handshake) and refuses over a limit. */
export interface ConnectionGate {
  admit(address: string): boolean;
  release(address: string): void;
}

/** A TLS handshake must finish within this (Node's default is 120 s: a cheap way to hold a descriptor). */
const tlsHandshakeTimeoutMs = 10_000;

/** A session as the shutdown sees it. */
export interface ClosableSession {
  close(reason: string): void;
  readonly link: { abort(): void };
}

/** A server's open listeners. */
export class StreamListeners {
  private readonly servers = new Set<net.Server>();
  private readonly logger: Logger;
  private readonly text: StreamListenerLogText;

  private readonly gate: ConnectionGate | undefined;

  constructor(logger: Logger, text: StreamListenerLogText, gate?: ConnectionGate) {
    this.logger = logger;
    this.text = text;
    this.gate = gate;
  }

  /**
   * Starts a TCP (or TLS) listener that calls `onSocket` for each connection; resolves with the
   * bound address (port 0 → a free port).
   */
  listen(options: StreamListenOptions, onSocket: (sock: net.Socket, kind: 'tcp' | 'tls', remoteAddress: string) => void): Promise<{ host: string; port: number }> {
    const secure = options.tls !== undefined;
    const adopt = (sock: net.Socket, kind: 'tcp' | 'tls'): void => {
      if (sock.destroyed) return; // refused by the gate
      // Small request/reply frames: disable Nagle so a reply is not held back waiting for an ACK;
      // TCP keep-alive finds peers that vanished without a FIN.
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 30_000);
      onSocket(sock, kind, `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? 0}`);
    };
    let srv: net.Server;
    try {
      srv = secure ? tls.createServer({ handshakeTimeout: tlsHandshakeTimeoutMs, ...options.tls }, (sock) => adopt(sock, 'tls')) : net.createServer((sock) => adopt(sock, 'tcp'));
    } catch (e) {
      // e.g. an unreadable key or certificate
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const gate = this.gate;
    if (gate) {
      // Counted on the raw socket, ahead of the server's own listener (and of any TLS handshake), so
      // a refused connection costs no session and a half-open TLS one still counts.
      srv.prependListener('connection', (raw: net.Socket) => {
        const address = raw.remoteAddress ?? '?';
        if (!gate.admit(address)) {
          raw.destroy();
          return;
        }
        raw.once('close', () => gate.release(address));
      });
    }
    if (secure) {
      // A failed handshake concerns one client only.
      srv.on('tlsClientError', (e: Error) => this.logger.warn(this.text.handshakeFailed, { error: e.message }));
    }
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        srv.off('error', reject);
        srv.on('error', (e: Error) => this.logger.error(this.text.listenerError, { error: e.message }));
        this.servers.add(srv);
        const a = srv.address() as net.AddressInfo;
        this.logger.info(this.text.listening, { host: a.address, port: a.port, tls: secure });
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /**
   * Stops every listener and closes `sessions` with `reason` (flushing what was written); a
   * session still open after `graceMs` is aborted. Resolves once the listeners have closed.
   */
  async closeAll(sessions: readonly ClosableSession[], reason: string, clock: Clock, graceMs: number): Promise<void> {
    const closing = [...this.servers].map((l) => new Promise<void>((r) => l.close(() => r())));
    this.servers.clear();
    for (const s of sessions) s.close(reason);
    // A client that stopped reading could hold its flush (and so the listener close) forever.
    const grace = clock.setTimer(graceMs, () => {
      for (const s of sessions) s.link.abort();
    });
    await Promise.all(closing);
    clock.cancel(grace);
  }
}
