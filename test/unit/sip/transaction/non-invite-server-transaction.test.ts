import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import {
  NON_INVITE_SERVER_TRANSITIONS,
  NonInviteServerTransaction,
  NonInviteServerTransactionState as S,
} from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import { transactionTimers } from '../../../../src/sip/transaction/timers.ts';
import { invite, response } from './messages.ts';
import { transitionTableTests } from './transition-table.ts';

function setup(reliable = false) {
  const clock = new ManualClock(0);
  const sent: number[] = [];
  const tx = new NonInviteServerTransaction(invite('MESSAGE'), {
    clock,
    timers: transactionTimers({}, reliable),
    key: 'k',
    send: (m) => sent.push(m.kind === 'response' ? m.status : 0),
  });
  tx.start();
  return { clock, sent, tx };
}

describe('NonInviteServerTransaction TRANSITIONS', () => {
  transitionTableTests('NonInviteServerTransaction', NON_INVITE_SERVER_TRANSITIONS, S.Trying, () => setup().tx);
});

describe('NonInviteServerTransaction (RFC 3261 17.2.2)', () => {
  test('retransmissions in Trying MUST be discarded', () => {
    const { sent, tx } = setup();
    assert.equal(tx.receiveRequest(invite('MESSAGE')), false);
    assert.deepEqual(sent, []);
    assert.equal(tx.state, S.Trying);
  });

  test('Proceeding: a retransmission gets the last provisional response', () => {
    const { sent, tx } = setup();
    tx.respond(response(100, 'MESSAGE'));
    assert.equal(tx.state, S.Proceeding);
    tx.receiveRequest(invite('MESSAGE'));
    assert.deepEqual(sent, [100, 100]);
  });

  test('Completed: a retransmission gets the final response; Timer J = 64*T1 over UDP', () => {
    const { clock, sent, tx } = setup();
    tx.respond(response(200, 'MESSAGE'));
    tx.receiveRequest(invite('MESSAGE'));
    assert.deepEqual(sent, [200, 200]);
    clock.advance(31_999);
    assert.equal(tx.state, S.Completed);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
  });

  test('Timer J is zero over a reliable transport', () => {
    const { tx } = setup(true);
    tx.respond(response(200, 'MESSAGE'));
    assert.equal(tx.state, S.Terminated);
  });

  test('a request the TU never answers is abandoned after 64*T1; a late answer is dropped', () => {
    const { clock, sent, tx } = setup();
    clock.advance(31_999);
    assert.equal(tx.state, S.Trying);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated);
    tx.respond(response(200, 'MESSAGE'));
    assert.deepEqual(sent, []);
  });

  test('answering in time cancels the abandonment guard', () => {
    const { clock, tx } = setup();
    tx.respond(response(100, 'MESSAGE'));
    clock.advance(20_000);
    tx.respond(response(200, 'MESSAGE'));
    clock.advance(20_000);
    assert.equal(tx.state, S.Completed, 'Timer J (32 s from the final response) still runs');
    clock.advance(12_000);
    assert.equal(tx.state, S.Terminated);
  });

  test('a second final response is refused with a typed error', () => {
    const { tx } = setup();
    tx.respond(response(200, 'MESSAGE'));
    assert.throws(() => tx.respond(response(500, 'MESSAGE')), UccError);
  });
});

describe('NonInviteServerTransaction retireCompleted (the layer carries Completed on)', () => {
  function retiring(accept: boolean, reliable = false) {
    const clock = new ManualClock(0);
    const sent: number[] = [];
    let calls = 0;
    const tx = new NonInviteServerTransaction(invite('MESSAGE'), {
      clock,
      timers: transactionTimers({}, reliable),
      key: 'k',
      send: (m) => sent.push(m.kind === 'response' ? m.status : 0),
      retireCompleted: () => {
        calls++;
        assert.deepEqual(sent, [200], 'the final response is sent before the hand-over');
        return accept;
      },
    });
    tx.start();
    return { clock, sent, tx, calls: () => calls };
  }

  test('accepted: the object is in Completed with no timer of its own (no per-transaction Timer J)', () => {
    const { clock, tx, calls } = retiring(true);
    tx.respond(response(200, 'MESSAGE'));
    assert.equal(calls(), 1);
    assert.equal(tx.state, S.Completed);
    assert.deepEqual(tx.activeTimers, []);
    assert.equal(clock.pending, 0);
    assert.equal(tx.finalSent, true, 'the TU still sees its final response as sent');
  });

  test('refused: the object arms Timer J itself and terminates after 64*T1', () => {
    const { clock, tx, calls } = retiring(false);
    tx.respond(response(200, 'MESSAGE'));
    assert.equal(calls(), 1);
    assert.deepEqual(tx.activeTimers, ['J']);
    clock.advance(32_000);
    assert.equal(tx.state, S.Terminated);
  });

  test('over a reliable transport (Timer J = 0) nothing is handed over: Terminated at once', () => {
    const { tx, calls } = retiring(true, true);
    tx.respond(response(200, 'MESSAGE'));
    assert.equal(calls(), 0);
    assert.equal(tx.state, S.Terminated);
  });

  test('a 1xx is not a hand-over point', () => {
    const { tx, calls } = retiring(true);
    tx.respond(response(100, 'MESSAGE'));
    assert.equal(calls(), 0);
    assert.equal(tx.state, S.Proceeding);
  });
});
