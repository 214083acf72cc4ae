// A minimal SipHeaders stand-in so the transaction state machines can be tested without the
// message layer (they only read and copy headers).
import type { SipHeaders, SipRequest, SipResponse } from '../../../../src/sip/message/sip-message.ts';

export function headers(init: Array<[string, string]> = []): SipHeaders {
  let list: Array<[string, string]> = init.map(([n, v]) => [n, v]);
  const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  const h: SipHeaders = {
    get: (n) => list.find(([k]) => eq(k, n))?.[1],
    getAll: (n) => list.filter(([k]) => eq(k, n)).map(([, v]) => v),
    has: (n) => list.some(([k]) => eq(k, n)),
    set: (n, v) => {
      list = list.filter(([k]) => !eq(k, n));
      for (const x of typeof v === 'string' ? [v] : v) list.push([n, x]);
    },
    append: (n, v) => void list.push([n, v]),
    prepend: (n, v) => void list.unshift([n, v]),
    delete: (n) => void (list = list.filter(([k]) => !eq(k, n))),
    entries: () => list.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator](),
    clone: () => headers(list),
  };
  return h;
}

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
