/**
 * Which monitored users go into which batch SUBSCRIBE (protocol-notes section 1.4: one
 * subscription for many users, "shard the watched users into batches of roughly 100–200 per
 * dialog"). Membership is stable: a user joins the first batch with room and stays there, so
 * adding or removing one user rebuilds only that batch's subscription (section 1.9: there is no
 * documented way to drop one user from a batch, so the batch is re-sent without them).
 *
 * Pure: no I/O, no clock. The adapter asks {@link MsPresBatchPlan.takeDirty} which batches
 * changed and re-subscribes those.
 */

/** One batch: its id and the users it holds, as given (the key is the lower-cased URI). */
export interface MsPresBatch {
  readonly id: number;
  readonly members: readonly string[];
}

/** See the file comment. */
export class MsPresBatchPlan {
  private readonly batches = new Map<number, Map<string, string>>();
  private readonly batchOfKey = new Map<string, number>();
  private readonly dirty = new Set<number>();
  private nextId = 1;

  /** @param maxPerBatch users per batch SUBSCRIBE (at least 1). */
  constructor(readonly maxPerBatch: number) {
    if (!Number.isInteger(maxPerBatch) || maxPerBatch < 1) throw new RangeError(`maxPerBatch must be a positive integer, got ${maxPerBatch}`);
  }

  /** Adds a user; returns the batch it joined, or undefined when it is already planned. */
  add(uri: string): number | undefined {
    const key = uri.toLowerCase();
    if (this.batchOfKey.has(key)) return undefined;
    let id: number | undefined;
    for (const [bid, members] of this.batches) {
      if (members.size < this.maxPerBatch) {
        id = bid;
        break;
      }
    }
    if (id === undefined) {
      id = this.nextId++;
      this.batches.set(id, new Map());
    }
    this.batches.get(id)!.set(key, uri);
    this.batchOfKey.set(key, id);
    this.dirty.add(id);
    return id;
  }

  /** Removes a user; returns the batch it left, or undefined when it was not planned. An emptied batch disappears. */
  remove(uri: string): number | undefined {
    const key = uri.toLowerCase();
    const id = this.batchOfKey.get(key);
    if (id === undefined) return undefined;
    this.batchOfKey.delete(key);
    const members = this.batches.get(id)!;
    members.delete(key);
    if (members.size === 0) this.batches.delete(id);
    this.dirty.add(id);
    return id;
  }

  /** The batch a user is in. */
  batchOf(uri: string): number | undefined {
    return this.batchOfKey.get(uri.toLowerCase());
  }

  /** A batch's members (empty when the batch no longer exists). */
  members(id: number): string[] {
    return [...(this.batches.get(id)?.values() ?? [])];
  }

  /** Every current batch. */
  all(): MsPresBatch[] {
    return [...this.batches.keys()].map((id) => ({ id, members: this.members(id) }));
  }

  /** Number of planned users. */
  get size(): number {
    return this.batchOfKey.size;
  }

  /** Marks every batch changed (after a reconnection every subscription is rebuilt). */
  markAllDirty(): void {
    for (const id of this.batches.keys()) this.dirty.add(id);
  }

  /** The batches changed since the last call (an id whose batch is gone has no members), and clears the marks. */
  takeDirty(): MsPresBatch[] {
    const out = [...this.dirty].sort((a, b) => a - b).map((id) => ({ id, members: this.members(id) }));
    this.dirty.clear();
    return out;
  }
}
