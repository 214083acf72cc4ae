// Shared pieces of the real-socket transport tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { createRequest } from '../../../../src/sip/message/index.ts';
import type { SipRequest } from '../../../../src/sip/message/sip-message.ts';
import type { TransportAddress } from '../../../../src/sip/transaction/transaction-user.ts';
import { formatHost } from '../../../../src/sip/transport/transport-layer.ts';

/** A MESSAGE from `from` to the address `to`. */
export function messageTo(from: SipStack, to: TransportAddress, body = 'hi', seq = 1): SipRequest {
  return createRequest({
    method: 'MESSAGE',
    uri: `sip:bob@${formatHost(to.host)}:${to.port};transport=${to.protocol}`,
    headers: {
      From: `<sip:alice@example.test>;tag=${from.newTag()}`,
      To: '<sip:bob@example.test>',
      'Call-ID': from.newCallId(),
      CSeq: `${seq} MESSAGE`,
      'Content-Type': 'text/plain',
    },
    body,
  });
}

/**
 * Waits for real socket I/O (not for time: the stacks run on a ManualClock or need no timers).
 * Polls on the event loop and fails after `ms`.
 */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Throwaway certificates: two unrelated self-signed ones (each its own CA), for 127.0.0.1. */
export interface TestCerts {
  dir: string;
  certA: string;
  keyA: string;
  certB: string;
  keyB: string;
  remove(): void;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-tls-'));
  const one = (name: string, cn: string): void => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', `/CN=${cn}`,
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
    ], { stdio: 'ignore' });
  };
  one('a', 'ucc-a.test');
  one('b', 'ucc-b.test');
  return {
    dir,
    certA: join(dir, 'a.crt'),
    keyA: join(dir, 'a.key'),
    certB: join(dir, 'b.crt'),
    keyB: join(dir, 'b.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
