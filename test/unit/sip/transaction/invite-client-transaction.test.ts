import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import {
  INVITE_CLIENT_TRANSITIONS,
  InviteClientTransaction,
  InviteClientTransactionState as S,
} from '../../../../src/sip/transaction/invite-client-transaction.ts';
import { transactionTimers } from '../../../../src/sip/transaction/timers.ts';
import type { SipMessage, SipResponse } from '../../../../src/sip/message/sip-message.ts';
import { invite, response } from './messages.ts';
import { transitionTableTests } from './transition-table.ts';

function setup(reliable = false) {
  const clock = new ManualClock(0);
  const sent: Array<{ at: number; message: SipMessage }> = [];
  const events: string[] = [];
  const finals: SipResponse[] = [];
  const tx = new InviteClientTransaction(invite(), {
    clock,
    timers: transactionTimers({}, reliable),
    key: 'k',
    send: (message) => sent.push({ at: clock.now(), message }),
    delegate: {
      provisional: (r) => events.push(`1xx:${r.status}`),
      final: (r) => {
        finals.push(r);
        events.push(`final:${r.status}`);
      },
      additionalFinal: (r) => events.push(`again:${r.status}`),
      timeout: () => events.push('timeout'),
      transportError: () => events.push('transportError'),
    },
  });
  tx.start();
  return { clock, sent, events, finals, tx };
}

describe('InviteClientTransaction TRANSITIONS', () => {
  transitionTableTests('InviteClientTransaction', INVITE_CLIENT_TRANSITIONS, S.Calling, () => setup().tx);
});

describe('InviteClientTransaction (RFC 3261 17.1.1)', () => {
  test('Timer A: MUST retransmit the INVITE at T1, 2*T1, 4*T1... (doubling, uncapped) over UDP', () => {
    const { clock, sent } = setup();
    clock.advance(31_999);
    // Sent at 0 then at 500, 1500, 3500, 7500, 15500, 31500 (intervals 500..16000).
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  });

  test('Timer B: MUST inform the TU of a timeout after 64*T1 in Calling', () => {
    const { clock, events, tx } = setup();
    clock.advance(31_999);
    assert.equal(tx.state, S.Calling);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['timeout']);
    assert.equal(clock.pending, 0, 'every timer is cancelled once terminated');
  });

  test('Timer A does not exist over a reliable transport; Timer B still fires', () => {
    const { clock, sent, events } = setup(true);
    clock.advance(32_000);
    assert.equal(sent.length, 1);
    assert.deepEqual(events, ['timeout']);
  });

  test('MUST stop retransmitting and pass 1xx up in Proceeding; Timer B no longer applies', () => {
    const { clock, sent, events, tx } = setup();
    clock.advance(600);
    tx.receiveResponse(response(180));
    assert.equal(tx.state, S.Proceeding);
    tx.receiveResponse(response(183));
    clock.advance(100_000);
    assert.equal(sent.length, 2);
    assert.deepEqual(events, ['1xx:180', '1xx:183']);
    assert.equal(tx.state, S.Proceeding);
  });

  test('MUST generate an ACK for a 300-699 response (17.1.1.3) and pass the response up once', () => {
    const { sent, events, tx } = setup();
    tx.receiveResponse(response(100));
    tx.receiveResponse(response(486));
    assert.equal(tx.state, S.Completed);
    assert.deepEqual(events, ['1xx:100', 'final:486']);
    const ack = sent[1]?.message;
    assert.ok(ack && ack.kind === 'request');
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uri, 'sip:bob@127.0.0.1');
    assert.deepEqual(ack.headers.getAll('Via'), ['SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtop;rport'], 'only the top Via');
    assert.equal(ack.headers.get('To'), '<sip:bob@127.0.0.1>;tag=b2', 'To comes from the response');
    assert.equal(ack.headers.get('CSeq'), '7 ACK');
    assert.equal(ack.headers.get('Call-ID'), 'call-1');
    assert.equal(ack.headers.get('From'), '<sip:alice@127.0.0.1>;tag=a1');
    assert.deepEqual(ack.headers.getAll('Route'), ['<sip:proxy.example;lr>']);
    assert.equal(ack.headers.has('Contact'), false);
    assert.equal(ack.body.length, 0);
    assert.equal(ack.headers.get('Content-Length'), '0');
  });

  test('Completed: a retransmitted final response re-sends the ACK and is not passed up', () => {
    const { sent, events, tx } = setup();
    tx.receiveResponse(response(603));
    tx.receiveResponse(response(603));
    assert.equal(sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK').length, 2);
    assert.deepEqual(events, ['final:603']);
  });

  test('Timer D: 32 s over UDP, then Terminated', () => {
    const { clock, tx } = setup();
    tx.receiveResponse(response(404));
    clock.advance(31_999);
    assert.equal(tx.state, S.Completed);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
  });

  test('Timer D is zero over a reliable transport: Terminated at once', () => {
    const { tx } = setup(true);
    tx.receiveResponse(response(404));
    assert.equal(tx.state, S.Terminated);
  });

  test('2xx is passed up, not absorbed; further 2xx in Accepted reach the TU (RFC 6026)', () => {
    const { clock, sent, events, tx } = setup();
    tx.receiveResponse(response(200));
    assert.equal(tx.state, S.Accepted);
    tx.receiveResponse(response(200));
    tx.receiveResponse(response(200, 'INVITE', 'fork2'));
    assert.deepEqual(events, ['final:200', 'again:200', 'again:200']);
    assert.equal(sent.length, 1, 'the transaction does not ACK a 2xx');
    clock.advance(31_999);
    assert.equal(tx.state, S.Accepted);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated, 'Timer M = 64*T1');
  });

  test('transport error in Calling informs the TU and terminates', () => {
    const { events, tx, clock } = setup();
    tx.transportError(new Error('boom'));
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['transportError']);
    assert.equal(clock.pending, 0);
  });

  test('whenProvisional waits for the first 1xx (CANCEL rule, section 9.1)', () => {
    const { tx } = setup();
    let ran = 0;
    tx.whenProvisional(() => ran++);
    assert.equal(ran, 0);
    tx.receiveResponse(response(180));
    assert.equal(ran, 1);
    tx.whenProvisional(() => ran++);
    assert.equal(ran, 2);
  });

  test('configurable T1 scales Timer A and Timer B', () => {
    const clock = new ManualClock(0);
    const sent: number[] = [];
    let timedOut = false;
    const tx = new InviteClientTransaction(invite(), {
      clock,
      timers: transactionTimers({ T1: 100 }),
      key: 'k',
      send: () => sent.push(clock.now()),
      delegate: { provisional() {}, final() {}, timeout: () => (timedOut = true), transportError() {} },
    });
    tx.start();
    clock.advance(6_400);
    assert.deepEqual(sent, [0, 100, 300, 700, 1500, 3100, 6300]);
    assert.equal(timedOut, true);
  });
});
