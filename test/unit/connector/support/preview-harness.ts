/**
 * A preview manager over fakes: KWs as plain records, client sessions that keep what they were
 * sent, a responder that keeps the results, a recorder that keeps offers and decisions, and a
 * ManualClock.
 */
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { KwClientSessions, type KwClientSession } from '../../../../src/connector/kw-client-sessions.ts';
import type { KwServerMessage } from '../../../../src/connector/kw-client-messages.ts';
import { PreviewManager, type PreviewKwSettings } from '../../../../src/connector/preview-manager.ts';
import type { WinnerStore } from '../../../../src/connector/preview-winner.ts';
import type { PreviewImPort } from '../../../../src/connector/preview-im.ts';
import type { AutoStateKind } from '../../../../src/connector/kw-state.ts';
import type { PreviewInteractionMultiple, PreviewInteractionRequest } from '../../../../src/preview/preview-messages.ts';
import type { PreviewResultBody } from '../../../../src/preview/preview-transport.ts';
import type { PreviewDecision as RecordedDecision, PreviewOffer as RecordedOffer } from '../../../../src/reporting/preview-report.ts';

export const CONN = '00000000000000a1';

export class FakeSession implements KwClientSession {
  readonly sent: KwServerMessage[] = [];
  remove: () => void = () => undefined;
  constructor(
    readonly id: string,
    readonly userName: string,
  ) {}
  send(m: KwServerMessage): boolean {
    this.sent.push(m);
    return true;
  }
  of<T extends KwServerMessage['type']>(type: T): Array<Extract<KwServerMessage, { type: T }>> {
    return this.sent.filter((m) => m.type === type) as Array<Extract<KwServerMessage, { type: T }>>;
  }
}

export interface HarnessOptions {
  kws?: number;
  /** Where the winner is decided; default: the manager's in-process decision. */
  reservations?: WinnerStore;
  settings?: (userName: string) => PreviewKwSettings;
  /** Invitations over IM for KWs with no session. */
  im?: PreviewImPort;
}

export class PreviewHarness {
  readonly clock = new ManualClock();
  readonly logger = memoryLogger();
  readonly sessions = new KwClientSessions();
  readonly autoStates: Array<{ userName: string; kind: AutoStateKind }> = [];
  readonly results: Array<PreviewResultBody & { referenceId: number }> = [];
  readonly offered: RecordedOffer[] = [];
  readonly decided: RecordedDecision[] = [];
  readonly kws: Array<{ userName: string; agentId: string; dn: string }> = [];
  readonly manager: PreviewManager;
  private nextRef = 1;
  private closeListeners: Array<(r: string) => void> = [];
  readonly responder = {
    id: 'r1',
    respond: (referenceId: number, body: PreviewResultBody): boolean => {
      this.results.push({ ...body, referenceId });
      return true;
    },
    onClose: (l: (r: string) => void): (() => void) => {
      this.closeListeners.push(l);
      return () => undefined;
    },
  };

  constructor(o: HarnessOptions = {}) {
    for (let i = 1; i <= (o.kws ?? 3); i++) this.kws.push({ userName: `kw${i}`, agentId: `A${7000 + i}`, dn: String(7000 + i) });
    const byName = new Map(this.kws.map((k) => [k.userName, k]));
    this.manager = new PreviewManager({
      connector: {
        knowledgeWorkers: () => [...byName.keys()],
        state: (u) => byName.get(u),
        enterAutoState: (userName, kind) => {
          this.autoStates.push({ userName, kind });
          return true;
        },
      },
      sessions: this.sessions,
      clock: this.clock,
      logger: this.logger,
      recorder: {
        offered: (x) => {
          this.offered.push(x);
          return Promise.resolve();
        },
        decided: (x) => {
          this.decided.push(x);
          return Promise.resolve();
        },
      },
      ...(o.reservations ? { reservations: o.reservations } : {}),
      ...(o.settings ? { settings: o.settings } : {}),
      ...(o.im ? { im: o.im } : {}),
    });
  }

  /** Opens a client session for a KW. */
  connect(userName: string): FakeSession {
    const s = new FakeSession(this.sessions.newId(), userName);
    s.remove = this.sessions.add(s);
    return s;
  }

  request(agent: string, extra: Partial<PreviewInteractionRequest> = {}): number {
    const ReferenceID = this.nextRef++;
    this.manager.handle({ message: 'PreviewInteractionRequest', ReferenceID, agent, connId: CONN, dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'Анна']], ...extra }, this.responder);
    return ReferenceID;
  }

  multiple(targets: string[], extra: Partial<PreviewInteractionMultiple> = {}): number {
    const ReferenceID = this.nextRef++;
    this.manager.handle({ message: 'PreviewInteractionMultiple', ReferenceID, connId: CONN, dn: '5000', mediaType: 'voice', switch: 'SW', userData: [], targets: targets.join('^'), ...extra }, this.responder);
    return ReferenceID;
  }

  cancel(connId = CONN, reason?: string): void {
    this.manager.handle({ message: 'PreviewInteractionCancel', ReferenceID: this.nextRef++, connId, ...(reason === undefined ? {} : { reason }) }, this.responder);
  }

  routerGone(): void {
    for (const l of this.closeListeners) l('gone');
  }

  /**
   * Resolves with the manager's next answer to the router. The winner decision is asynchronous
   * (the store's); it lands within microtasks, before the next turn closes the offers it made
   * `taken`, so a test awaiting this still sees the state between the two.
   */
  nextResult(): Promise<PreviewResultBody & { referenceId: number }> {
    return new Promise((resolve) => this.manager.once('callResolved', resolve));
  }

  /**
   * Lets every answered decision land: the store's answers (microtasks), the short-cut losses and
   * the closes of `taken` offers (each on a later turn of the event loop).
   */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The id of the open preview shown on a session (the last one). */
  previewId(s: FakeSession): string {
    const p = s.of('preview').at(-1);
    if (!p) throw new Error(`no preview on ${s.userName}`);
    return p.id;
  }
}
