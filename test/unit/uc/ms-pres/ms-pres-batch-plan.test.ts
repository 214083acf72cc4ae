import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MsPresBatchPlan } from '../../../../src/uc/ms-pres/ms-pres-batch-plan.ts';

describe('MsPresBatchPlan', () => {
  test('users join the first batch with room; a full batch opens a new one', () => {
    const plan = new MsPresBatchPlan(2);
    assert.equal(plan.add('sip:a@x'), 1);
    assert.equal(plan.add('sip:b@x'), 1);
    assert.equal(plan.add('sip:c@x'), 2);
    assert.deepEqual(plan.all(), [{ id: 1, members: ['sip:a@x', 'sip:b@x'] }, { id: 2, members: ['sip:c@x'] }]);
    assert.equal(plan.size, 3);
  });

  test('adding a user twice (any case) changes nothing', () => {
    const plan = new MsPresBatchPlan(5);
    plan.add('sip:Alice@x');
    plan.takeDirty();
    assert.equal(plan.add('sip:alice@X'), undefined);
    assert.deepEqual(plan.takeDirty(), []);
    assert.equal(plan.batchOf('SIP:ALICE@X'), 1);
  });

  test('removing marks only the batch it touched; a freed place is reused', () => {
    const plan = new MsPresBatchPlan(2);
    for (const u of ['sip:a@x', 'sip:b@x', 'sip:c@x']) plan.add(u);
    plan.takeDirty();
    assert.equal(plan.remove('sip:a@x'), 1);
    assert.deepEqual(plan.takeDirty(), [{ id: 1, members: ['sip:b@x'] }]);
    assert.equal(plan.add('sip:d@x'), 1);
    assert.deepEqual(plan.takeDirty(), [{ id: 1, members: ['sip:b@x', 'sip:d@x'] }]);
    assert.equal(plan.remove('sip:nobody@x'), undefined);
  });

  test('an emptied batch is reported dirty with no members, then disappears', () => {
    const plan = new MsPresBatchPlan(2);
    plan.add('sip:a@x');
    plan.takeDirty();
    plan.remove('sip:a@x');
    assert.deepEqual(plan.takeDirty(), [{ id: 1, members: [] }]);
    assert.deepEqual(plan.all(), []);
  });

  test('markAllDirty reports every batch (a reconnection rebuilds them all)', () => {
    const plan = new MsPresBatchPlan(1);
    plan.add('sip:a@x');
    plan.add('sip:b@x');
    plan.takeDirty();
    plan.markAllDirty();
    assert.deepEqual(plan.takeDirty().map((b) => b.id), [1, 2]);
  });

  test('a batch size below 1 is refused', () => {
    assert.throws(() => new MsPresBatchPlan(0), RangeError);
  });
});
