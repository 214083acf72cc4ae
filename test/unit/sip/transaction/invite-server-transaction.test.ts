import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import {
  INVITE_SERVER_TRANSITIONS,
  InviteServerTransaction,
  InviteServerTransactionState as S,
} from '../../../../src/sip/transaction/invite-server-transaction.ts';
import { transactionTimers } from '../../../../src/sip/transaction/timers.ts';
import { invite, response } from './messages.ts';
import { transitionTableTests } from './transition-table.ts';

function setup(reliable = false) {
  const clock = new ManualClock(0);
  const sent: Array<{ at: number; status: number }> = [];
  const events: string[] = [];
  const tx = new InviteServerTransaction(invite(), {
    clock,
    timers: transactionTimers({}, reliable),
    key: 'k',
    send: (m) => sent.push({ at: clock.now(), status: m.kind === 'response' ? m.status : 0 }),
    delegate: { ackTimeout: () => events.push('ackTimeout'), transportError: () => events.push('transportError') },
    makeTrying: () => response(100),
  });
  tx.start();
  return { clock, sent, events, tx };
}

const ack = () => invite('ACK');

describe('InviteServerTransaction TRANSITIONS', () => {
  transitionTableTests('InviteServerTransaction', INVITE_SERVER_TRANSITIONS, S.Proceeding, () => setup().tx);
});

describe('InviteServerTransaction (RFC 3261 17.2.1)', () => {
  test('MUST send 100 Trying when the TU has not answered within 200 ms', () => {
    const { clock, sent } = setup();
    clock.advance(199);
    assert.equal(sent.length, 0);
    clock.advance(1);
    assert.deepEqual(sent, [{ at: 200, status: 100 }]);
  });

  test('no automatic 100 Trying when the TU answers within 200 ms', () => {
    const { clock, sent, tx } = setup();
    clock.advance(50);
    tx.respond(response(180));
    clock.advance(1000);
    assert.deepEqual(sent.map((s) => s.status), [180]);
  });

  test('a retransmitted INVITE gets the last provisional response again in Proceeding', () => {
    const { sent, tx } = setup();
    assert.equal(tx.receiveRequest(invite()), false);
    assert.equal(sent.length, 0, 'nothing to resend yet');
    tx.respond(response(180));
    tx.receiveRequest(invite());
    assert.deepEqual(sent.map((s) => s.status), [180, 180]);
  });

  test('Timer G: MUST retransmit a 300-699 response at T1 doubling up to T2 until ACK', () => {
    const { clock, sent, tx } = setup();
    tx.respond(response(486));
    assert.equal(tx.state, S.Completed);
    clock.advance(16_000);
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500]);
    tx.receiveRequest(ack());
    assert.equal(tx.state, S.Confirmed);
    clock.advance(4_000);
    assert.equal(sent.length, 7, 'no retransmission after ACK');
  });

  test('Timer H: without ACK for 64*T1 MUST terminate and inform the TU', () => {
    const { clock, events, tx } = setup();
    tx.respond(response(500));
    clock.advance(31_999);
    assert.equal(tx.state, S.Completed);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['ackTimeout']);
    assert.equal(clock.pending, 0);
  });

  test('Timer I: T4 in Confirmed over UDP, ACK retransmissions absorbed', () => {
    const { clock, tx, sent } = setup();
    tx.respond(response(404));
    tx.receiveRequest(ack());
    assert.equal(tx.receiveRequest(ack()), false);
    clock.advance(4_999);
    assert.equal(tx.state, S.Confirmed);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
    assert.equal(sent.length, 1, 'the ACK arrived before Timer G, so the 404 went once');
  });

  test('over a reliable transport: no Timer G, Timer I zero', () => {
    const { clock, sent, tx } = setup(true);
    tx.respond(response(404));
    clock.advance(10_000);
    assert.equal(sent.length, 1);
    tx.receiveRequest(ack());
    assert.equal(tx.state, S.Terminated);
  });

  test('Completed: a retransmitted INVITE gets the final response again', () => {
    const { sent, tx } = setup();
    tx.respond(response(486));
    tx.receiveRequest(invite());
    assert.deepEqual(sent.map((s) => s.status), [486, 486]);
  });

  test('2xx moves to Accepted (RFC 6026): retransmitted until the ACK, INVITE retransmissions absorbed, Timer L', () => {
    const { clock, sent, tx, events } = setup();
    tx.respond(response(200));
    assert.equal(tx.state, S.Accepted);
    clock.advance(1_600);
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500]);
    tx.receiveRequest(invite());
    assert.equal(sent.length, 3, 'INVITE retransmission absorbed');
    tx.ackReceived();
    clock.advance(20_000);
    assert.equal(sent.length, 3);
    clock.advance(12_000);
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, [], 'ACK came, so no ackTimeout');
  });

  test('Timer L without ACK for the 2xx reports ackTimeout (section 13.3.1.4)', () => {
    const { clock, tx, events } = setup();
    tx.respond(response(200));
    clock.advance(32_000);
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['ackTimeout']);
  });

  test('an ACK matched in Accepted goes up to the TU', () => {
    const { tx } = setup();
    tx.respond(response(200));
    assert.equal(tx.receiveRequest(ack()), true);
    assert.equal(tx.acknowledged, true);
  });

  test('a second final response is refused with a typed error', () => {
    const { tx } = setup();
    tx.respond(response(486));
    assert.throws(() => tx.respond(response(200)), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_SIP_TRANSACTION_STATE');
  });

  test('transport error terminates and informs the TU', () => {
    const { tx, events } = setup();
    tx.transportError(new Error('x'));
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['transportError']);
  });
});
