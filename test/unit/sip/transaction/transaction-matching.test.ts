import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../../../src/sip/message/index.ts';
import { clientKey, serverKey } from '../../../../src/sip/transaction/transaction-layer.ts';
import { transactionTimers, checkTimerSettings, nextInterval } from '../../../../src/sip/transaction/timers.ts';

const req = (method: string, via: string, cseq = `1 ${method}`, uri = 'sip:b@x') =>
  createRequest({ method, uri, headers: { Via: via, From: '<sip:a@x>;tag=f1', To: '<sip:b@x>', 'Call-ID': 'c1', CSeq: cseq } });

const V = 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc';

describe('server transaction matching (RFC 3261 17.2.3)', () => {
  test('a retransmission (same branch, sent-by, method) has the same key', () => {
    assert.equal(serverKey(req('INVITE', V)), serverKey(req('INVITE', V)));
  });
  test('ACK matches the INVITE transaction', () => {
    assert.equal(serverKey(req('ACK', V, '1 ACK')), serverKey(req('INVITE', V)));
  });
  test('CANCEL has its own transaction but finds the INVITE with asMethod', () => {
    const cancel = req('CANCEL', V, '1 CANCEL');
    assert.notEqual(serverKey(cancel), serverKey(req('INVITE', V)));
    assert.equal(serverKey(cancel, 'INVITE'), serverKey(req('INVITE', V)));
  });
  test('a different sent-by is a different transaction (branch collision across clients)', () => {
    assert.notEqual(serverKey(req('MESSAGE', V)), serverKey(req('MESSAGE', 'SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKabc')));
  });
  test('a different branch is a different transaction', () => {
    assert.notEqual(serverKey(req('MESSAGE', V)), serverKey(req('MESSAGE', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKxyz')));
  });
  test('received/rport stamped by the transport do not change the key', () => {
    assert.equal(serverKey(req('MESSAGE', `${V};received=10.0.0.1;rport=7`)), serverKey(req('MESSAGE', V)));
  });
  test('RFC 2543 fallback (no magic cookie): Call-ID, CSeq, From tag, Via; ACK matches its INVITE', () => {
    const old = 'SIP/2.0/UDP 192.0.2.1:5060;branch=1234';
    assert.equal(serverKey(req('ACK', old, '1 ACK')), serverKey(req('INVITE', old)));
    assert.notEqual(serverKey(req('INVITE', old, '2 INVITE')), serverKey(req('INVITE', old)));
    assert.equal(serverKey(req('MESSAGE', old)), serverKey(req('MESSAGE', `${old};received=10.0.0.1`)));
  });
});

describe('client transaction matching (RFC 3261 17.1.3)', () => {
  test('branch and CSeq method: a CANCEL shares the INVITE branch but not its transaction', () => {
    assert.notEqual(clientKey('z9hG4bKabc', 'INVITE'), clientKey('z9hG4bKabc', 'CANCEL'));
    assert.equal(clientKey('z9hG4bKabc', 'invite'), clientKey('z9hG4bKabc', 'INVITE'));
  });
});

describe('timers (RFC 3261 Table 4)', () => {
  test('unreliable defaults', () => {
    const t = transactionTimers();
    assert.deepEqual(
      [t.T1, t.T2, t.T4, t.timerA, t.timerB, t.timerD, t.timerE, t.timerF, t.timerG, t.timerH, t.timerI, t.timerJ, t.timerK],
      [500, 4000, 5000, 500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000],
    );
  });
  test('reliable: no A/E/G, D/I/J/K zero', () => {
    const t = transactionTimers({}, true);
    assert.deepEqual([t.timerA, t.timerE, t.timerG, t.timerD, t.timerI, t.timerJ, t.timerK, t.timerB, t.timerF, t.timerH], [undefined, undefined, undefined, 0, 0, 0, 0, 32000, 32000, 32000]);
  });
  test('derived from configurable T1/T2/T4', () => {
    const t = transactionTimers({ T1: 200, T2: 1000, T4: 2500 });
    assert.deepEqual([t.timerB, t.timerF, t.timerH, t.timerJ, t.timerI, t.timerK], [12800, 12800, 12800, 12800, 2500, 2500]);
  });
  test('nextInterval doubles, capped when a cap is given', () => {
    assert.equal(nextInterval(2000, 4000), 4000);
    assert.equal(nextInterval(4000, 4000), 4000);
    assert.equal(nextInterval(16000), 32000);
  });
  test('checkTimerSettings refuses non-positive values and T2 < T1', () => {
    assert.equal(checkTimerSettings({ T1: 500 }), undefined);
    assert.match(checkTimerSettings({ T1: 0 }) ?? '', /T1/);
    assert.match(checkTimerSettings({ T1: 5000, T2: 4000 }) ?? '', /T2/);
  });
});
