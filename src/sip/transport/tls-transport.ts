/**
 * SIP over TLS (RFC 3261 sections 18 and 26.2): the StreamTransport rules over `node:tls`.
 * Certificate and key come from files; an optional CA file verifies the peer. As a server it can ask
 * for a client certificate (mutual TLS: a Lync/Skype for Business trusted application presents
 * one), and as a client it presents its own certificate when the peer asks. The peer certificate's
 * subject CN and subjectAltNames reach the TU as `MessageSource.peerCertificate`.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:tls';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { UccError } from '../../lib/errors.ts';
import type { MessageSource, TransportAddress } from '../transaction/transaction-user.ts';
import { StreamTransport } from './stream-transport.ts';
import type { StreamTransportOptions } from './stream-transport.ts';
import type { TransportSink } from './transport.ts';
import { normalizeHost } from './transport.ts';

/** TLS material and policy. Paths are read when the transport starts. */
export interface TlsOptions {
  /** PEM certificate (chain) presented as server and, when asked, as client. */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
  /** PEM CA bundle that peers' certificates must chain to. Default: Node's built-in roots. */
  caFile?: string;
  /** As a server, ask connecting peers for a client certificate (mutual TLS). Default false. */
  requestClientCert?: boolean;
  /**
   * Refuse peers whose certificate does not verify against the CA: the server's certificate when we
   * connect, and the client's certificate when `requestClientCert` is set. Default true.
   */
  rejectUnauthorized?: boolean;
}

/** Options of a TLS listener. */
export interface TlsTransportOptions extends StreamTransportOptions {
  tls: TlsOptions;
}

interface Material {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Subject CN and subjectAltNames ("DNS:a, IP Address:1.2.3.4" → ["a", "1.2.3.4"]). */
export function describeCertificate(cert: PeerCertificate | undefined): MessageSource['peerCertificate'] {
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const cn = (cert.subject as Record<string, string | string[] | undefined> | undefined)?.CN;
  const subject = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
  const altNames = (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => s.slice(s.indexOf(':') + 1));
  return { subject, altNames };
}

/** RFC 3261 section 18 over TLS. */
export class TlsTransport extends StreamTransport {
  readonly protocol = 'tls' as const;
  private material: Material | undefined;

  constructor(private readonly tlsOptions: TlsTransportOptions) {
    super('tls', tlsOptions);
  }

  override async start(sink: TransportSink): Promise<void> {
    const t = this.tlsOptions.tls;
    const load = async (what: string, path: string): Promise<Buffer> => {
      try {
        return await readFile(path);
      } catch (e) {
        throw new UccError('UCC_ERR_SIP_TRANSPORT', `TLS ${what} file cannot be read: ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    };
    const material: Material = { cert: await load('certificate', t.certFile), key: await load('key', t.keyFile) };
    if (t.caFile) material.ca = await load('CA', t.caFile);
    this.material = material;
    await super.start(sink);
  }

  protected createServer(onSocket: (socket: Socket) => void): Server {
    const m = this.requireMaterial();
    const t = this.tlsOptions.tls;
    const server = createServer(
      {
        cert: m.cert,
        key: m.key,
        ...(m.ca ? { ca: m.ca } : {}),
        requestCert: t.requestClientCert ?? false,
        rejectUnauthorized: t.rejectUnauthorized ?? true,
      },
      onSocket,
    );
    server.on('tlsClientError', (e, socket) => {
      this.logger.warn('TLS handshake with a client failed', { error: e.message, remote: `${normalizeHost(socket.remoteAddress ?? '')}:${socket.remotePort ?? 0}` });
    });
    return server;
  }

  protected connectSocket(destination: TransportAddress): { socket: Socket; readyEvent: 'secureConnect' } {
    const m = this.requireMaterial();
    const host = normalizeHost(destination.host);
    const socket = connect({
      host,
      port: destination.port,
      cert: m.cert,
      key: m.key,
      ...(m.ca ? { ca: m.ca } : {}),
      rejectUnauthorized: this.tlsOptions.tls.rejectUnauthorized ?? true,
      // SNI carries names only (RFC 6066 section 3).
      ...(isIP(host) ? {} : { servername: host }),
    });
    return { socket, readyEvent: 'secureConnect' };
  }

  protected override peerCertificateOf(socket: Socket): MessageSource['peerCertificate'] {
    return describeCertificate((socket as TLSSocket).getPeerCertificate?.());
  }

  private requireMaterial(): Material {
    if (!this.material) throw new UccError('UCC_ERR_SIP_TRANSPORT', 'TLS transport is not started');
    return this.material;
  }
}
