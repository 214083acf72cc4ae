// Shared helpers for the SIP message tests: build CRLF wire text, read fixtures.
import { readFileSync } from 'node:fs';

/** Joins header lines with CRLF, adds the empty line and the body. */
export function wire(lines: readonly string[], body = ''): string {
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** A minimal valid request with the five mandatory headers; `extra` lines go before Content-Length. */
export function request(method = 'OPTIONS', extra: readonly string[] = [], body = ''): string {
  return wire([
    `${method} sip:bob@example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-test',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: test-call-id@192.0.2.1',
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ], body);
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../fixtures/sip/${name}`, import.meta.url));
}
