/**
 * The preview manager's open offers, by preview id and by KW, and the ids of recently closed ones
 * (so a late click is told "already closed" rather than "unknown"; bounded, oldest forgotten first).
 */
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { PreviewOfferRecord } from './preview-call.ts';

export class PreviewOfferRegistry {
  private readonly byId = new Map<string, PreviewOfferRecord>();
  private readonly byUser = new Map<string, Set<PreviewOfferRecord>>();
  private readonly closedIds = new Map<string, { userName: string; outcome: PreviewOutcome }>();

  constructor(private readonly closedMemory: number) {}

  add(o: PreviewOfferRecord): void {
    this.byId.set(o.id, o);
    let mine = this.byUser.get(o.userName);
    if (!mine) {
      mine = new Set();
      this.byUser.set(o.userName, mine);
    }
    mine.add(o);
  }

  /** An open offer by preview id. */
  get(id: string): PreviewOfferRecord | undefined {
    return this.byId.get(id);
  }

  /** Who a closed preview belonged to and how it ended, while remembered. */
  closedAs(id: string): { userName: string; outcome: PreviewOutcome } | undefined {
    return this.closedIds.get(id);
  }

  /** The open offers of one KW, or of every KW (a copy: closing them while iterating is safe). */
  list(userName?: string): PreviewOfferRecord[] {
    return userName === undefined ? [...this.byId.values()] : [...(this.byUser.get(userName) ?? [])];
  }

  /** The offer ended: no longer open, remembered as closed. */
  close(o: PreviewOfferRecord, outcome: PreviewOutcome): void {
    this.byId.delete(o.id);
    const mine = this.byUser.get(o.userName);
    mine?.delete(o);
    if (mine?.size === 0) this.byUser.delete(o.userName);
    this.closedIds.set(o.id, { userName: o.userName, outcome });
    if (this.closedIds.size > this.closedMemory) this.closedIds.delete(this.closedIds.keys().next().value as string);
  }
}
