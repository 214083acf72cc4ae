/**
 * The one UDP socket an ng client talks through, and the parsing of the relay's address. Kept apart
 * from the client so that tests can put a fake peer in its place.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

/** What the ng client needs of a datagram socket. */
export interface NgTransport {
  /** Sends one datagram to the relay; failures surface as missing replies (the client retries). */
  send(datagram: Buffer): void;
  /** Keeps the process alive while commands wait (`true`), or not (`false`, when idle). */
  hold(active: boolean): void;
  close(): void;
}

/** Makes the transport; `onMessage` receives each datagram that came from the relay's address. */
export type NgTransportFactory = (relay: NgAddress, onMessage: (datagram: Buffer) => void) => NgTransport;

export interface NgAddress {
  host: string;
  port: number;
}

/** `udp:127.0.0.1:2223`, `127.0.0.1:2223`, `udp:[::1]:2223` (an IP literal, or `localhost`). */
export function parseNgAddress(text: string): NgAddress {
  const m = /^(?:udp:)?(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m ? Number(m[3]) : 0;
  const ip = host === 'localhost' ? '127.0.0.1' : host;
  if (!m || isIP(ip) === 0 || port < 1 || port > 65535) {
    throw new Error(`the media relay address '${text}' is not udp:<IP>:<port> (for example udp:127.0.0.1:2223)`);
  }
  return { host: ip, port };
}

export function formatNgAddress(a: NgAddress): string {
  return `udp:${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

/** A real UDP socket on an ephemeral port; datagrams from anywhere but the relay are dropped. */
export const udpNgTransport: NgTransportFactory = (relay, onMessage) => {
  const socket: Socket = createSocket(isIP(relay.host) === 6 ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => {
    if (rinfo.port === relay.port && rinfo.address === relay.host) onMessage(msg);
  });
  // An unconnected socket sees no ICMP errors; a failed send is a lost datagram, retried by the client.
  socket.on('error', () => {});
  socket.bind(0);
  socket.unref();
  let closed = false;
  return {
    send(datagram) {
      if (!closed) socket.send(datagram, relay.port, relay.host, () => {});
    },
    hold(active) {
      if (closed) return;
      if (active) socket.ref();
      else socket.unref();
    },
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
};
