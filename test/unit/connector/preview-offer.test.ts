import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidStateTransitionError } from '../../../src/lib/errors.ts';
import {
  isFinalOfferState,
  nextPreviewOfferState,
  previewOfferTransition,
  previewOfferTransitions,
  type PreviewOfferEvent,
  type PreviewOfferState,
} from '../../../src/connector/preview-offer.ts';

const states = Object.keys(previewOfferTransitions) as PreviewOfferState[];

describe('preview offer transition table', () => {
  for (const from of states) {
    for (const to of states) {
      const legal = previewOfferTransitions[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        if (legal) assert.equal(previewOfferTransition(from, to), to);
        else assert.throws(() => previewOfferTransition(from, to), InvalidStateTransitionError);
      });
    }
  }
  test('the seven outcomes are final and have no way out; offered and deciding are not final', () => {
    for (const s of states) assert.equal(isFinalOfferState(s), previewOfferTransitions[s].length === 0, s);
    assert.deepEqual(states.filter((s) => !isFinalOfferState(s)), ['offered', 'deciding']);
  });
});

describe('preview offer inputs', () => {
  type Row = [name: string, from: PreviewOfferState, kind: 'accept' | 'external' | null, input: PreviewOfferEvent, expect: PreviewOfferState | undefined];
  const rows: Row[] = [
    ['accept on an offer waits for the winner decision', 'offered', null, { type: 'accept' }, 'deciding'],
    ['accept on external number waits for the winner decision', 'offered', null, { type: 'acceptExternal' }, 'deciding'],
    ['reject ends the offer rejected', 'offered', null, { type: 'reject' }, 'rejected'],
    ['the countdown ends the offer in timeout', 'offered', null, { type: 'expire' }, 'timeout'],
    ['cancel ends an offer cancelled', 'offered', null, { type: 'cancel' }, 'cancelled'],
    ['another winner ends an offer taken', 'offered', null, { type: 'taken' }, 'taken'],
    ['the last client session gone ends an offer in error', 'offered', null, { type: 'lastSessionGone' }, 'error'],
    ['a decision for an offer not deciding is ignored', 'offered', null, { type: 'decided', won: true }, undefined],
    ['a won decision after accept is accepted', 'deciding', 'accept', { type: 'decided', won: true }, 'accepted'],
    ['a won decision after accept on external number is redirected', 'deciding', 'external', { type: 'decided', won: true }, 'redirected'],
    ['a lost decision is taken', 'deciding', 'accept', { type: 'decided', won: false }, 'taken'],
    ['a failed decision is error', 'deciding', 'accept', { type: 'decideFailed' }, 'error'],
    ['cancel while deciding is cancelled', 'deciding', 'accept', { type: 'cancel' }, 'cancelled'],
    ['the countdown is ignored while deciding (the KW acted in time)', 'deciding', 'accept', { type: 'expire' }, undefined],
    ['a disconnect is ignored while deciding', 'deciding', 'accept', { type: 'lastSessionGone' }, undefined],
    ['a second accept while deciding is ignored', 'deciding', 'accept', { type: 'accept' }, undefined],
    ['reject while deciding is ignored', 'deciding', 'accept', { type: 'reject' }, undefined],
  ];
  for (const [name, from, kind, input, expect] of rows) {
    test(name, () => {
      const next = nextPreviewOfferState({ state: from, acceptKind: kind }, input);
      assert.equal(next?.state, expect);
    });
  }
  test('every input in a final state is ignored', () => {
    const inputs: PreviewOfferEvent[] = [{ type: 'accept' }, { type: 'acceptExternal' }, { type: 'reject' }, { type: 'expire' }, { type: 'cancel' }, { type: 'taken' }, { type: 'lastSessionGone' }, { type: 'decided', won: true }, { type: 'decideFailed' }];
    for (const s of states.filter(isFinalOfferState)) for (const i of inputs) assert.equal(nextPreviewOfferState({ state: s, acceptKind: 'accept' }, i), undefined, `${s} + ${i.type}`);
  });
});
