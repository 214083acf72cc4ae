/**
 * {@link Reservations} in memory, for one process without a database (tests, the benchmark's
 * baseline). Same rules as the store-backed ReservationStore: monotonic fence per KW,
 * TTL on the injected Clock, one winner per ConnID.
 */
import type { Clock } from '../lib/clock.ts';
import type { CallWinner, ClaimResult, Reservations } from './reservations.ts';

export class MemoryReservations implements Reservations {
  private readonly claims = new Map<string, { fence: number; expiresAt: number; holder: string | null }>();
  private readonly decisions = new Map<string, CallWinner & { decidedAt: number }>();

  constructor(private readonly clock: Clock) {}

  claim(kw: string, holder: string, ttlMs: number): Promise<ClaimResult> {
    const now = this.clock.now();
    const c = this.claims.get(kw);
    if (c && c.expiresAt > now) return Promise.resolve({ ok: false });
    const fence = (c?.fence ?? 0) + 1;
    this.claims.set(kw, { fence, expiresAt: now + Math.max(1, Math.floor(ttlMs)), holder });
    return Promise.resolve({ ok: true, fence });
  }

  async claimMany(kws: readonly string[], holder: string, ttlMs: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const kw of new Set(kws)) {
      const r = await this.claim(kw, holder, ttlMs);
      if (r.ok) out.set(kw, r.fence);
    }
    return out;
  }

  async releaseMany(claims: ReadonlyArray<{ kw: string; fence: number }>): Promise<number> {
    let n = 0;
    for (const c of claims) if (await this.release(c.kw, c.fence)) n++;
    return n;
  }

  renew(kw: string, fence: number, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const c = this.claims.get(kw);
    if (!c || c.fence !== fence || c.expiresAt <= now) return Promise.resolve(false);
    c.expiresAt = now + Math.max(1, Math.floor(ttlMs));
    return Promise.resolve(true);
  }

  release(kw: string, fence: number): Promise<boolean> {
    const c = this.claims.get(kw);
    if (!c || c.fence !== fence || c.expiresAt === 0) return Promise.resolve(false);
    c.expiresAt = 0;
    c.holder = null;
    if (kw.startsWith('call:')) this.claims.delete(kw); // a call's lease goes with its run
    return Promise.resolve(true);
  }

  releaseHolders(prefix: string, except: string): Promise<number> {
    const now = this.clock.now();
    let n = 0;
    for (const [kw, c] of this.claims) {
      if (c.holder === null || !c.holder.startsWith(prefix) || c.holder === except) continue;
      if (kw.startsWith('call:')) this.claims.delete(kw);
      else if (c.expiresAt > now) Object.assign(c, { expiresAt: 0, holder: null });
      else continue;
      n++;
    }
    return Promise.resolve(n);
  }

  /** Rows kept (tests: a call's lease leaves none behind). */
  get size(): number {
    return this.claims.size;
  }

  decide(connId: string, agent: string, fence?: number): Promise<boolean> {
    if (this.decisions.has(connId)) return Promise.resolve(false);
    if (fence !== undefined) {
      const c = this.claims.get(agent);
      if (!c || c.fence !== fence || c.expiresAt <= this.clock.now()) return Promise.resolve(false);
    }
    this.decisions.set(connId, { agent, fence: fence ?? null, decidedAt: this.clock.now() });
    return Promise.resolve(true);
  }

  clearDecision(connId: string): Promise<void> {
    this.decisions.delete(connId);
    return Promise.resolve();
  }

  pruneDecisions(before: number): Promise<number> {
    let n = 0;
    for (const [connId, d] of this.decisions) {
      if (d.decidedAt >= before) continue;
      this.decisions.delete(connId);
      n++;
    }
    return Promise.resolve(n);
  }

  winner(connId: string): Promise<CallWinner | undefined> {
    const d = this.decisions.get(connId);
    return Promise.resolve(d ? { agent: d.agent, fence: d.fence } : undefined);
  }

  /** KWs whose claim is current (tests). */
  held(): string[] {
    const now = this.clock.now();
    return [...this.claims.entries()].filter(([, c]) => c.expiresAt > now).map(([k]) => k);
  }
}
