/**
 * Virtual time for tests on a ManualClock whose code also awaits promises and I/O: timers are fired
 * by advancing the clock, and a macrotask turn between steps lets continuations and in-memory
 * deliveries run.
 */
import type { ManualClock } from '../../src/lib/clock.ts';

/** `rounds` times: fire what is due now, then yield one macrotask turn. */
export async function settle(clock: ManualClock, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    clock.advance(0);
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** Advances the clock by `ms` in steps of `step` ms, settling (`rounds`) after each step. */
export async function pass(clock: ManualClock, ms: number, step: number, rounds: number): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle(clock, rounds);
  }
}
