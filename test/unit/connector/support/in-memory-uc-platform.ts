/**
 * A UcPlatform test double: records subscriptions and publications, and lets a test play the UC
 * platform by emitting presence for a subscribed KW.
 */
import { TypedEmitter } from '../../../../src/lib/typed-emitter.ts';
import type { Presence } from '../../../../src/presence/presence.ts';
import type { UcConnectionState, UcKnowledgeWorker, UcPlatform, UcPlatformEvents } from '../../../../src/uc/uc-platform.ts';

export class InMemoryUcPlatform extends TypedEmitter<UcPlatformEvents> implements UcPlatform {
  readonly kind = 'in-memory';
  connectionState: UcConnectionState = 'stopped';
  readonly subscribed = new Map<string, UcKnowledgeWorker>();
  /** Every publish call, in order: `userName code[:note]` or `userName restore`. */
  readonly publications: string[] = [];
  /** When set, publish rejects with this error. */
  failPublish: Error | undefined;

  start(): Promise<void> {
    this.connectionState = 'connected';
    this.safeEmit('connectionState', 'connected');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.connectionState = 'stopped';
    this.subscribed.clear();
    this.safeEmit('connectionState', 'stopped');
    return Promise.resolve();
  }

  subscribe(kw: UcKnowledgeWorker): void {
    this.subscribed.set(kw.userName, kw);
  }

  unsubscribe(kw: UcKnowledgeWorker): void {
    this.subscribed.delete(kw.userName);
  }

  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    if (this.failPublish) return Promise.reject(this.failPublish);
    this.publications.push(presence === null ? `${kw.userName} restore` : `${kw.userName} ${String(presence.availabilityCode)}${presence.note ? `:${presence.note.text}` : ''}`);
    return Promise.resolve();
  }

  /** Plays the platform: a presence update for a subscribed KW (throws if not subscribed). */
  emitPresence(userName: string, presence: Presence): void {
    const kw = this.subscribed.get(userName);
    if (!kw) throw new Error(`${userName} is not subscribed`);
    this.safeEmit('presence', kw, { ...presence, uri: kw.contact });
  }
}
