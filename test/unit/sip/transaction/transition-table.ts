// Table-driven check of a transaction's TRANSITIONS: every listed edge is accepted by transition()
// (reached by a path of legal edges from the initial state), every unlisted one throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidStateTransitionError } from '../../../../src/lib/errors.ts';

interface Machine<S extends string> {
  state: S;
  transition(to: S, cause: string): void;
}

function pathTo<S extends string>(table: Readonly<Record<S, readonly S[]>>, from: S, target: S): S[] {
  const prev = new Map<S, S>();
  const queue: S[] = [from];
  const seen = new Set<S>([from]);
  while (queue.length) {
    const s = queue.shift() as S;
    if (s === target) break;
    for (const n of table[s]) {
      if (!seen.has(n)) {
        seen.add(n);
        prev.set(n, s);
        queue.push(n);
      }
    }
  }
  const path: S[] = [];
  for (let s: S | undefined = target; s !== undefined && s !== from; s = prev.get(s)) path.unshift(s);
  return path;
}

export function transitionTableTests<S extends string>(
  name: string,
  table: Readonly<Record<S, readonly S[]>>,
  initial: S,
  make: () => Machine<S>,
): void {
  const states = Object.keys(table) as S[];
  for (const from of states) {
    for (const to of states) {
      const legal = table[from].includes(to);
      test(`${name}: ${from} -> ${to} is ${legal ? 'allowed' : 'rejected with InvalidStateTransitionError'}`, () => {
        const m = make();
        for (const step of pathTo(table, initial, from)) m.transition(step, 'test');
        assert.equal(m.state, from, `state ${from} must be reachable`);
        if (legal) {
          m.transition(to, 'test');
          assert.equal(m.state, to);
        } else {
          assert.throws(() => m.transition(to, 'test'), InvalidStateTransitionError);
          assert.equal(m.state, from);
        }
      });
    }
  }
}
