// A third SIP implementation checks our OPTIONS responder (RFC 3261 section 11): sipsak (Debian)
// sends OPTIONS over UDP and TCP and must get a 200 with Allow and Accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { freePort } from '../../support/free-port.ts';
import { requireBinary, startPeer } from '../../support/peer-process.ts';

for (const protocol of ['udp', 'tcp'] as const) {
  test(`sipsak OPTIONS over ${protocol.toUpperCase()} gets 200 with Allow and Accept`, async () => {
    requireBinary('sipsak', 'sipsak');
    const port = await freePort();
    const stack = await SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port }] });
    // -H puts 127.0.0.1 in sipsak's Via and Contact, so the answer comes back on loopback.
    const sipsak = startPeer('sipsak', 'sipsak', ['-vv', '-H', '127.0.0.1', '-E', protocol, '-s', `sip:ucc@127.0.0.1:${port}`]);
    try {
      const code = await sipsak.exited;
      assert.equal(code, 0, sipsak.output());
      assert.match(sipsak.output(), /SIP\/2\.0 200 OK/);
      assert.match(sipsak.output(), /^Allow: .*OPTIONS/m);
      assert.match(sipsak.output(), /^Accept: /m);
    } finally {
      await sipsak.stop();
      await stack.close();
    }
  });
}
