/** SIP over TCP (RFC 3261 section 18): the StreamTransport rules over plain `node:net` sockets. */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { TransportAddress } from '../transaction/transaction-user.ts';
import { StreamTransport } from './stream-transport.ts';
import type { StreamTransportOptions } from './stream-transport.ts';
import { normalizeHost } from './transport.ts';

/** Options of a TCP listener. */
export type TcpTransportOptions = StreamTransportOptions;

/** RFC 3261 section 18 over TCP. */
export class TcpTransport extends StreamTransport {
  readonly protocol = 'tcp' as const;

  constructor(options: TcpTransportOptions) {
    super('tcp', options);
  }

  protected createServer(onSocket: (socket: Socket) => void): Server {
    return createServer(onSocket);
  }

  protected connectSocket(destination: TransportAddress): { socket: Socket; readyEvent: 'connect' } {
    return { socket: connect({ host: normalizeHost(destination.host), port: destination.port }), readyEvent: 'connect' };
  }
}
