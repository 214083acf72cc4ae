/**
 * The Ready members of one agent group, longest Ready first (ascending readySince, then AgentID),
 * kept as agents enter and leave Ready so that routing never builds and sorts the whole group.
 *
 * readySince is the clock's `now` when the agent became Ready, so appending on entry keeps the
 * order for free (a Map iterates in insertion order; delete is O(1)). Two exceptions:
 * - agents that became Ready in the same millisecond go by AgentID: an entry that sorts before the
 *   newest one of its millisecond re-appends that millisecond's entries (a handful) in order;
 * - a clock that went backwards (an entry older than the newest one) marks the order stale, and
 *   the next read sorts it once.
 */
export interface ReadyEntry {
  readonly agentId: string;
  readonly readySince: number;
}

/** Same-millisecond entries re-placed one by one; more than this are sorted on the next read instead. */
const MAX_TAIL = 64;

export class ReadyOrder<T extends ReadyEntry> {
  private entries = new Map<string, T>();
  /** Entries appended in the newest millisecond so far, in order (some may have been deleted since). */
  private tail: T[] = [];
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
    const last = this.tail[this.tail.length - 1];
    if (last === undefined || entry.readySince > last.readySince) {
      this.tail = [entry];
      this.entries.set(entry.agentId, entry);
    } else if (entry.readySince === last.readySince && byAgentId(last, entry) < 0) {
      this.tail.push(entry);
      this.entries.set(entry.agentId, entry);
    } else if (entry.readySince === last.readySince && this.tail.length <= MAX_TAIL) {
      this.addInTail(entry);
    } else {
      // The clock went backwards (or a crowd became Ready in one millisecond): sorted on the next read.
      this.sorted = false;
      this.entries.set(entry.agentId, entry);
    }
  }

  /** The agent left Ready (or the group). */
  delete(agentId: string): void {
    this.entries.delete(agentId);
    if (this.entries.size === 0) {
      this.tail = [];
      this.sorted = true;
    }
  }

  /** Entries longest Ready first; ties by AgentID. Lazy: a caller that needs the first few pays for those. */
  *ordered(): Generator<T> {
    if (!this.sorted) this.resort();
    yield* this.entries.values();
  }

  /** Same millisecond as the newest entries: among them by AgentID (usually at the end already). */
  private addInTail(entry: T): void {
    const live = this.tail.filter((e) => this.entries.get(e.agentId) === e);
    let at = live.length;
    while (at > 0 && byAgentId(live[at - 1]!, entry) > 0) at--;
    live.splice(at, 0, entry);
    // Re-append the entries after the new one's place, so the Map's order is theirs.
    for (let i = at + 1; i < live.length; i++) this.entries.delete(live[i]!.agentId);
    for (let i = at; i < live.length; i++) this.entries.set(live[i]!.agentId, live[i]!);
    this.tail = live;
  }

  private resort(): void {
    const all = [...this.entries.values()].sort(byReadySince);
    this.entries = new Map(all.map((e) => [e.agentId, e]));
    const newest = all[all.length - 1];
    this.tail = newest === undefined ? [] : all.filter((e) => e.readySince === newest.readySince);
    this.sorted = true;
  }
}

function byAgentId(x: ReadyEntry, y: ReadyEntry): number {
  return x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0;
}

/** Ascending readySince, then AgentID: the order availableAgents promises. */
export function byReadySince(x: ReadyEntry, y: ReadyEntry): number {
  return x.readySince - y.readySince || byAgentId(x, y);
}
