// A call to a real phone: baresip registers to Kamailio with digest and auto-answers; our
// SipUserAgent calls it through Kamailio (record-routed), gets its SDP answer, ACKs and hangs up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio } from '../../support/kamailio.ts';
import { startBaresip } from '../../support/baresip.ts';

const offer = (port: number): string =>
  `v=0\r\no=ucc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

test('our UA calls baresip through Kamailio: 200 with baresip\'s SDP answer, ACK, BYE → 200', async () => {
  const kam = await startKamailio();
  let stack: SipStack | undefined;
  let ua: SipUserAgent | undefined;
  const phone = await startBaresip('dave', kam.port).catch(async (e: unknown) => {
    await kam.stop();
    throw e;
  });
  try {
    stack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
    ua = new SipUserAgent({ stack, aor: 'sip:kw@example.test', outboundProxy: `sip:127.0.0.1:${kam.port}` });
    const call = await ua.invite('sip:dave@example.test', { body: offer(await freePort()), contentType: 'application/sdp' });
    assert.match(call.remote.contentType ?? '', /application\/sdp/);
    assert.match(call.remote.body.toString(), /m=audio \d+ RTP\/AVP 0/, 'baresip answered PCMU');
    assert.ok(call.dialog.routeSet.length > 0, 'Kamailio record-routed the dialog');
    const bye = await call.bye();
    assert.equal(bye.status, 200);
  } finally {
    ua?.dispose();
    await stack?.close();
    await phone.stop();
    await kam.stop();
  }
});
