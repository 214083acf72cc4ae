/**
 * The Via rules of RFC 3261 section 18.2 and RFC 3581 (symmetric response routing), as pure
 * functions over the message model.
 */
import { isIP } from 'node:net';
import { decimalDigits } from '../grammar/chars.ts';
import { formatVia } from '../message/index.ts';
import { viasView } from '../message/header-accessors.ts';
import { HeaderList } from '../message/headers.ts';
import type { Params, SipRequest, Via } from '../message/sip-message.ts';
import type { MessageSource, TransportAddress, TransportProtocol } from '../transaction/transaction-user.ts';
import { defaultPort, normalizeHost } from './transport.ts';

/**
 * Stamps the top Via of a received request (RFC 3261 section 18.2.1): "If the host portion of the
 * sent-by parameter contains a domain name, or if it contains an IP address that differs from the
 * packet source address, the server MUST add a received parameter". RFC 3581 section 4: when `rport`
 * is present without a value, the server "MUST set the value of the parameter to the source port of
 * the request" and MUST add `received` even when the address is the same.
 * Returns true when the Via was changed.
 */
export function stampReceived(request: SipRequest, source: MessageSource): boolean {
  const vias = viasView(request);
  const top = vias[0];
  if (!top) return false;
  const remoteHost = source.remote.host;
  const hasRport = 'rport' in top.params;
  if (!hasRport) {
    const sentByHost = normalizeHost(top.host).toLowerCase();
    if (isIP(sentByHost) !== 0 && sentByHost === normalizeHost(remoteHost).toLowerCase()) return false;
  }
  const params: Params = { ...top.params, received: remoteHost };
  if (hasRport) params['rport'] = String(source.remote.port);
  const stamped: Via = { ...top, params };
  const value = formatVia(stamped);
  const h = request.headers;
  if (h instanceof HeaderList && h.replaceFirst('via', value)) {
    // The stamped value parses back to `stamped`: keep the cache instead of parsing every Via again.
    (h.cache ??= {})['via'] = [stamped, ...vias.slice(1)];
  } else {
    const all = h.getAll('Via');
    all[0] = value;
    h.set('Via', all);
  }
  return true;
}

/** Maps a Via transport token to our protocols; undefined for ones we do not speak (WS, SCTP...). */
export function viaProtocol(transport: string): TransportProtocol | undefined {
  const t = transport.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}

/**
 * Where a response goes when it cannot use the connection its request came on (RFC 3261 section
 * 18.2.2, RFC 3581 section 4): `maddr` if present; else the `received` address with the `rport`
 * port when the client asked for it, else the sent-by port (default 5060/5061); without `received`,
 * the sent-by itself.
 */
export function responseDestination(topVia: Via, fallbackProtocol: TransportProtocol): TransportAddress {
  const protocol = viaProtocol(topVia.transport) ?? fallbackProtocol;
  const port = topVia.port ?? defaultPort(protocol);
  const maddr = topVia.params['maddr'];
  if (maddr) return { protocol, host: maddr, port };
  const received = topVia.params['received'];
  const rport = topVia.params['rport'];
  const rportNumber = rport !== undefined && rport !== null ? decimalDigits(rport, 5) : undefined;
  return { protocol, host: received ?? topVia.host, port: rportNumber ?? port };
}

/**
 * Where the answer to a malformed request goes: the packet's source address (the `received` that
 * section 18.2.1 would have stamped), at the source port when the client asked for `rport`
 * (RFC 3581 section 4), else at the sent-by port. Never `maddr` nor a Via host name: a message the
 * parser refused is not trusted to make us look up or send to anywhere else.
 */
export function sourceReplyDestination(topVia: Via | undefined, source: TransportAddress): { host: string; port: number } {
  if (!topVia || 'rport' in topVia.params) return { host: source.host, port: source.port };
  return { host: source.host, port: topVia.port ?? defaultPort(source.protocol) };
}
