import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import {
  NON_INVITE_CLIENT_TRANSITIONS,
  NonInviteClientTransaction,
  NonInviteClientTransactionState as S,
} from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import { transactionTimers } from '../../../../src/sip/transaction/timers.ts';
import { invite, response } from './messages.ts';
import { transitionTableTests } from './transition-table.ts';

function setup(reliable = false) {
  const clock = new ManualClock(0);
  const sent: number[] = [];
  const events: string[] = [];
  const tx = new NonInviteClientTransaction(invite('MESSAGE'), {
    clock,
    timers: transactionTimers({}, reliable),
    key: 'k',
    send: () => sent.push(clock.now()),
    delegate: {
      provisional: (r) => events.push(`1xx:${r.status}`),
      final: (r) => events.push(`final:${r.status}`),
      timeout: () => events.push('timeout'),
      transportError: () => events.push('transportError'),
    },
  });
  tx.start();
  return { clock, sent, events, tx };
}

describe('NonInviteClientTransaction TRANSITIONS', () => {
  transitionTableTests('NonInviteClientTransaction', NON_INVITE_CLIENT_TRANSITIONS, S.Trying, () => setup().tx);
});

describe('NonInviteClientTransaction (RFC 3261 17.1.2)', () => {
  test('Timer E: MUST retransmit at T1 doubling up to T2 in Trying', () => {
    const { clock, sent } = setup();
    clock.advance(20_000);
    // intervals 500, 1000, 2000, 4000, 4000, 4000...
    assert.deepEqual(sent, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500]);
  });

  test('Timer E: in Proceeding MUST retransmit every T2', () => {
    const { clock, sent, tx } = setup();
    clock.advance(100);
    tx.receiveResponse(response(100, 'MESSAGE'));
    assert.equal(tx.state, S.Proceeding);
    clock.advance(10_000);
    // E was armed for 500 at t=0: fires at 500, then every T2 = 4000.
    assert.deepEqual(sent, [0, 500, 4500, 8500]);
  });

  test('Timer F: MUST inform the TU of a timeout after 64*T1 (Trying or Proceeding)', () => {
    for (const provisional of [false, true]) {
      const { clock, events, tx } = setup();
      if (provisional) tx.receiveResponse(response(100, 'MESSAGE'));
      clock.advance(31_999);
      assert.notEqual(tx.state, S.Terminated);
      clock.advance(1);
      assert.equal(tx.state, S.Terminated);
      assert.equal(events.at(-1), 'timeout');
      assert.equal(clock.pending, 0);
    }
  });

  test('Timer E does not exist over a reliable transport', () => {
    const { clock, sent, events } = setup(true);
    clock.advance(32_000);
    assert.deepEqual(sent, [0]);
    assert.deepEqual(events, ['timeout']);
  });

  test('a final response is passed up once; retransmissions are absorbed in Completed', () => {
    const { clock, sent, events, tx } = setup();
    tx.receiveResponse(response(200, 'MESSAGE'));
    tx.receiveResponse(response(200, 'MESSAGE'));
    tx.receiveResponse(response(180, 'MESSAGE'));
    assert.equal(tx.state, S.Completed);
    assert.deepEqual(events, ['final:200']);
    clock.advance(4_999);
    assert.equal(sent.length, 1, 'no retransmission after the final response');
    assert.equal(tx.state, S.Completed);
    clock.advance(1);
    assert.equal(tx.state, S.Terminated, 'Timer K = T4 over UDP');
  });

  test('Timer K is zero over a reliable transport', () => {
    const { tx } = setup(true);
    tx.receiveResponse(response(404, 'MESSAGE'));
    assert.equal(tx.state, S.Terminated);
  });

  test('transport error informs the TU and terminates', () => {
    const { events, tx } = setup();
    tx.transportError(new Error('x'));
    assert.equal(tx.state, S.Terminated);
    assert.deepEqual(events, ['transportError']);
  });
});
