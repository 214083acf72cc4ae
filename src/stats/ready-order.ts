/**
 * The Ready members of one agent group, longest Ready first (ascending readySince, then AgentID),
 * kept as agents enter and leave Ready so that routing never builds and sorts the whole group.
 *
 * readySince is the clock's `now` when the agent became Ready, so appending on entry keeps the
 * order for free (a Map iterates in insertion order; delete is O(1)). Two exceptions are handled:
 * agents that became Ready in the same millisecond are ordered by AgentID when read, and a clock
 * that went backwards (an entry older than the newest one) marks the order stale; the next read
 * sorts it once.
 */
export interface ReadyEntry {
  readonly agentId: string;
  readonly readySince: number;
}

export class ReadyOrder<T extends ReadyEntry> {
  private entries = new Map<string, T>();
  /** The largest readySince ever appended since the last sort (an upper bound of the newest entry). */
  private newest = -Infinity;
  private sorted = true;

  get size(): number {
    return this.entries.size;
  }

  has(agentId: string): boolean {
    return this.entries.has(agentId);
  }

  /** The agent became Ready (again): it moves to its place by readySince. */
  add(entry: T): void {
    this.entries.delete(entry.agentId);
    if (entry.readySince < this.newest) this.sorted = false;
    else this.newest = entry.readySince;
    this.entries.set(entry.agentId, entry);
  }

  /** The agent left Ready (or the group). */
  delete(agentId: string): void {
    this.entries.delete(agentId);
    if (this.entries.size === 0) {
      this.newest = -Infinity;
      this.sorted = true;
    }
  }

  /** Entries longest Ready first; ties by AgentID. Lazy: a caller that needs the first few pays for those. */
  *ordered(): Generator<T> {
    if (!this.sorted) this.resort();
    // A run of equal readySince is collected and sorted by AgentID; runs are short (same millisecond).
    let run: T[] = [];
    for (const e of this.entries.values()) {
      if (run.length > 0 && e.readySince !== run[0]!.readySince) {
        yield* flush(run);
        run = [];
      }
      run.push(e);
    }
    yield* flush(run);
  }

  private resort(): void {
    const all = [...this.entries.values()].sort(byReadySince);
    this.entries = new Map(all.map((e) => [e.agentId, e]));
    this.newest = all.length > 0 ? all[all.length - 1]!.readySince : -Infinity;
    this.sorted = true;
  }
}

function flush<T extends ReadyEntry>(run: T[]): T[] {
  return run.length > 1 ? run.sort(byAgentId) : run;
}

function byAgentId(x: ReadyEntry, y: ReadyEntry): number {
  return x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0;
}

/** Ascending readySince, then AgentID: the order availableAgents promises. */
export function byReadySince(x: ReadyEntry, y: ReadyEntry): number {
  return x.readySince - y.readySince || byAgentId(x, y);
}
