// Messages for the transaction tests, built with the real header list.
import type { SipRequest, SipResponse } from '../../../../src/sip/message/sip-message.ts';
import { createHeaders } from '../../../../src/sip/message/index.ts';

const headers = (init: Array<[string, string]>) => createHeaders(init);

export function invite(method = 'INVITE'): SipRequest {
  return {
    kind: 'request',
    method,
    uri: 'sip:bob@127.0.0.1',
    headers: headers([
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtop;rport'],
      ['Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKlower'],
      ['Route', '<sip:proxy.example;lr>'],
      ['From', '<sip:alice@127.0.0.1>;tag=a1'],
      ['To', '<sip:bob@127.0.0.1>'],
      ['Call-ID', 'call-1'],
      ['CSeq', `7 ${method}`],
      ['Max-Forwards', '70'],
      ['Contact', '<sip:alice@127.0.0.1:5070>'],
      ['Content-Type', 'application/sdp'],
      ['Content-Length', '3'],
    ]),
    body: Buffer.from('v=0'),
  };
}

export function response(status: number, method = 'INVITE', toTag = 'b2'): SipResponse {
  return {
    kind: 'response',
    status,
    reason: 'R',
    headers: headers([
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtop;rport=5070'],
      ['From', '<sip:alice@127.0.0.1>;tag=a1'],
      ['To', `<sip:bob@127.0.0.1>;tag=${toTag}`],
      ['Call-ID', 'call-1'],
      ['CSeq', `7 ${method}`],
    ]),
    body: Buffer.alloc(0),
  };
}
