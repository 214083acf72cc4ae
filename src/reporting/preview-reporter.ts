/**
 * The {@link PreviewRecorder} implementation: every offer and decision goes to the offer ledger
 * (always, when a database is given) and, with `enable-preview-reporting=true`, to the T-Server as
 * the seed's reporting user events (seed 000 digest 8.2), on the KW's DN:
 *
 * ```
 * offer:       RequestDistributeUserEvent ThisDN=<KW DN> ConnID=<ConnID> AgentID=<KW agent>
 *                UserData: UCC_Preview="+", UCC_ConnId="3721, <ConnID>", UCC_AgentId="3721, <agent>",
 *                          UCC_UserId="3721, <user>"
 * termination: same ThisDN / ConnID / AgentID
 *                UserData: UCC_Reason="3721, <Accepted|Rejected|Timeout|Taken|Error|Cancel>", UCC_Preview="-"
 * ```
 *
 * Key names come from `preview-info-keys`, the id and the state key from `preview-state-name`,
 * read at each offer (changes take effect immediately); a termination uses the settings its offer
 * was made with, so the two always pair. Exactly one termination per offer: a second decision for
 * the same ConnID and agent is ignored and logged. All writes run in order, in batches (BatchQueue):
 * the items of one event-loop turn are one ledger transaction (the 1,000 offers or `taken`
 * decisions of a broadcast are a few statements, not 1,000), written on a later turn, then their
 * user events go out one by one, in order.
 */
import type { Kysely } from 'kysely';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { CtiError, type KvList, type TlibEvent, type TlibRequest } from '../tlib/index.ts';
import { BatchQueue } from './batch-queue.ts';
import { OfferLedger, type LedgerWrite } from './offer-ledger.ts';
import { PREVIEW_REASON_WORDS, type PreviewDecision, type PreviewOffer, type PreviewRecorder } from './preview-report.ts';
import { previewReportingSettings, type PreviewReportingSettings } from './preview-reporting-options.ts';

/**
 * Sends T-Lib requests: a TlibClient (its reply is checked for EventError) or a `TServer.attach`
 * client (replies come through its event callback).
 */
export interface TlibRequester {
  request(req: TlibRequest): Promise<TlibEvent> | void;
}

export interface PreviewReporterOptions {
  /** The store's database with the reporting migrations applied; without it no ledger is kept. */
  db?: Kysely<unknown>;
  /** Where the reporting user events go; without it none are sent. */
  tlib?: TlibRequester;
  /** The settings, read at each offer (see previewReportingFromResolver). Default: reporting off. */
  settings?: () => PreviewReportingSettings;
  /** The DN an agent is logged in on, for offers that do not say (e.g. StatService.agent(id)?.dn). */
  dnOf?: (agentId: string) => string | undefined;
  logger?: Logger;
  /** The run (`<instance>#<run>`) recorded with each offer (OfferLedger). */
  instanceRun?: string;
  /** Open offers remembered for their termination; the oldest is dropped (and logged) beyond this. */
  maxOpenOffers?: number;
}

/** One queued item: its ledger write and, when reporting sends one, its user event. */
interface Item {
  readonly write: LedgerWrite;
  readonly event: { readonly where: { ThisDN: string; ConnID: string; AgentID: string }; readonly userData: KvList } | undefined;
}

interface OpenOffer {
  dn: string | undefined;
  /** The settings the offer event was sent with; undefined when no offer event was sent. */
  sentWith: PreviewReportingSettings | undefined;
}

const DEFAULT_MAX_OPEN = 100_000;

export class PreviewReporter implements PreviewRecorder {
  readonly ledger: OfferLedger | undefined;
  private readonly tlib: TlibRequester | undefined;
  private readonly settings: () => PreviewReportingSettings;
  private readonly dnOf: (agentId: string) => string | undefined;
  private readonly logger: Logger;
  private readonly queue: BatchQueue<Item>;
  private readonly open = new Map<string, OpenOffer>();
  private readonly maxOpen: number;

  constructor(options: PreviewReporterOptions = {}) {
    this.ledger = options.db ? new OfferLedger(options.db, options.instanceRun) : undefined;
    this.tlib = options.tlib;
    this.settings = options.settings ?? (() => previewReportingSettings({}));
    this.dnOf = options.dnOf ?? (() => undefined);
    this.logger = options.logger ?? silentLogger;
    this.queue = new BatchQueue<Item>('recording preview offers and decisions', (items) => this.write(items), this.logger);
    this.maxOpen = options.maxOpenOffers ?? DEFAULT_MAX_OPEN;
  }

  offered(offer: PreviewOffer): Promise<void> {
    const k = offerKey(offer.connId, offer.agentId);
    if (this.open.has(k)) {
      this.logger.warn('preview offered twice to the same agent without a decision; the second offer is ignored', { connId: offer.connId, agentId: offer.agentId });
      return this.queue.flush();
    }
    const dn = offer.dn ?? this.dnOf(offer.agentId);
    const settings = this.readSettings();
    const sentWith = settings.enabled && this.tlib && dn !== undefined ? settings : undefined;
    if (settings.enabled && this.tlib && dn === undefined) this.logger.warn('preview reporting: no DN known for the agent; no offer event sent', { connId: offer.connId, agentId: offer.agentId });
    this.open.set(k, { dn, sentWith });
    this.bound();
    const s = sentWith;
    const event = s && dn !== undefined
      ? {
          where: { ThisDN: dn, ConnID: offer.connId, AgentID: offer.agentId },
          userData: [
            [s.stateKey, '+'],
            [s.keys.connId, `${s.stateId}, ${offer.connId}`],
            [s.keys.agentId, `${s.stateId}, ${offer.agentId}`],
            [s.keys.userId, `${s.stateId}, ${offer.userId}`],
            // Chats say so; voice offers keep the seed's four pairs.
            ...(offer.mediaType === 'chat' ? [['UCC_MediaType', 'chat'] as const] : []),
          ] as KvList,
        }
      : undefined;
    return this.queue.push({ write: { kind: 'offer', offer: { ...offer, ...(dn !== undefined ? { dn } : {}) } }, event });
  }

  decided(decision: PreviewDecision): Promise<void> {
    const k = offerKey(decision.connId, decision.agentId);
    const o = this.open.get(k);
    if (!o) {
      this.logger.warn('preview decision without an open offer ignored (never offered, or already decided)', { connId: decision.connId, agentId: decision.agentId, outcome: decision.outcome });
      return this.queue.flush();
    }
    this.open.delete(k);
    const s = o.sentWith;
    const event = s && o.dn !== undefined
      ? {
          where: { ThisDN: o.dn, ConnID: decision.connId, AgentID: decision.agentId },
          userData: [
            [s.keys.reason, `${s.stateId}, ${PREVIEW_REASON_WORDS[decision.outcome]}`],
            [s.stateKey, '-'],
          ] as KvList,
        }
      : undefined;
    return this.queue.push({ write: { kind: 'decision', decision }, event });
  }

  /** Offers still waiting for their decision. */
  get openOffers(): number {
    return this.open.size;
  }

  /** Resolves once every queued ledger write and user event has been handled. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Writes one batch: the ledger (one transaction), then the user events in order. */
  private async write(items: Item[]): Promise<void> {
    const ledger = this.ledger;
    if (ledger) {
      try {
        this.warnUndecided(items, await ledger.recordBatch(items.map((i) => i.write)));
      } catch (e) {
        // One bad row must not lose the others: write them one by one, as they were asked for.
        this.logger.warn('reporting: a ledger batch failed; writing its rows one by one', { rows: items.length, error: e instanceof Error ? e.message : String(e) });
        for (const item of items) await this.writeOne(ledger, item.write);
      }
    }
    for (const item of items) if (item.event) await this.send(item.event.where, item.event.userData);
  }

  private async writeOne(ledger: OfferLedger, w: LedgerWrite): Promise<void> {
    try {
      if (w.kind === 'offer') await ledger.recordOffer(w.offer);
      else this.warnUndecided([{ write: w, event: undefined }], [await ledger.recordDecision(w.decision)]);
    } catch (e) {
      this.logger.error(`reporting: recording a preview ${w.kind} failed`, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private warnUndecided(items: readonly Item[], decided: readonly number[]): void {
    let k = 0;
    for (const { write: w } of items) {
      if (w.kind !== 'decision') continue;
      if (decided[k++] === 0) this.logger.warn('preview decision found no open ledger row', { connId: w.decision.connId, agentId: w.decision.agentId });
    }
  }

  private readSettings(): PreviewReportingSettings {
    try {
      return this.settings();
    } catch (e) {
      this.logger.error('preview reporting settings could not be read; reporting events are off for this offer', { error: e instanceof Error ? e.message : String(e) });
      return previewReportingSettings({});
    }
  }

  private bound(): void {
    while (this.open.size > this.maxOpen) {
      const oldest = this.open.keys().next().value;
      if (oldest === undefined) return;
      this.open.delete(oldest);
      this.logger.warn('too many open preview offers; the oldest is forgotten (no termination event will be sent for it)', { offer: oldest });
    }
  }

  private async send(where: { ThisDN: string; ConnID: string; AgentID: string }, userData: KvList): Promise<void> {
    const tlib = this.tlib;
    if (!tlib) return;
    try {
      const reply = await tlib.request({ message: 'RequestDistributeUserEvent', ...where, UserData: userData });
      if (reply && reply.message === 'EventError') {
        this.logger.warn('the T-Server refused a preview reporting event', { dn: where.ThisDN, connId: where.ConnID, error: reply.ErrorMessage });
      }
    } catch (e) {
      // A TlibClient rejects with CtiError when the T-Server answers EventError.
      if (e instanceof CtiError) {
        this.logger.warn('the T-Server refused a preview reporting event', { dn: where.ThisDN, connId: where.ConnID, error: e.message });
        return;
      }
      this.logger.warn('a preview reporting event could not be sent', { dn: where.ThisDN, connId: where.ConnID, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

function offerKey(connId: string, agentId: string): string {
  return `${connId}\u0000${agentId}`;
}
