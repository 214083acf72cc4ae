/**
 * A shared, bucketed expiry timer on the injected Clock. Tens of thousands of non-INVITE server
 * transactions sit in Completed for Timer J (32 s over UDP) at once; one Clock timer each cost a
 * timer object and a closure per transaction. Here items due within the same `granularity` ms share
 * one bucket and one Clock timer, and no closure is made per item.
 *
 * An item never expires early: its due time is rounded up to the end of its bucket, so it may live
 * up to `granularity` ms longer than asked (RFC 3261 timers are lower bounds: "at least").
 * Items cannot be cancelled one by one; the owner re-checks on expiry whether the item still counts.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';

interface Bucket<T> {
  readonly items: T[];
  readonly handle: TimerHandle;
}

/** Expires items in buckets of `granularity` ms, calling `onExpire` for each. */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Bucket<T>>();
  private count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly granularity: number,
    private readonly onExpire: (item: T) => void,
  ) {
    if (!(granularity > 0)) throw new RangeError('ExpiryWheel granularity must be positive');
  }

  /** Items waiting to expire. */
  get size(): number {
    return this.count;
  }

  /** Clock timers armed (one per non-empty bucket). */
  get bucketCount(): number {
    return this.buckets.size;
  }

  /** `item` expires `ms` ms from now, or up to `granularity` ms later. */
  add(ms: number, item: T): void {
    const now = this.clock.now();
    const slot = Math.ceil((now + Math.max(0, ms)) / this.granularity);
    let bucket = this.buckets.get(slot);
    if (!bucket) {
      const handle = this.clock.setTimer(slot * this.granularity - now, () => this.fire(slot));
      bucket = { items: [], handle };
      this.buckets.set(slot, bucket);
    }
    bucket.items.push(item);
    this.count++;
  }

  private fire(slot: number): void {
    const bucket = this.buckets.get(slot);
    if (!bucket) return;
    this.buckets.delete(slot);
    this.count -= bucket.items.length;
    for (const item of bucket.items) this.onExpire(item);
  }

  /** Forgets every item without expiring it and cancels the Clock timers. */
  clear(): void {
    for (const b of this.buckets.values()) this.clock.cancel(b.handle);
    this.buckets.clear();
    this.count = 0;
  }
}
