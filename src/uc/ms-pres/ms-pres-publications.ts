/**
 * The connector's publications for the ms-pres adapter: one SERVICE per change, sent as the KW
 * (a trusted application may impersonate it) with the connector's state and note instances in
 * containers 2 and 3 (connector-publication.ts), serialized per KW because each SERVICE carries
 * the versions the previous one produced. A 409 `WrongDelta` fault corrects the versions and the
 * SERVICE is re-sent once (protocol-notes sections 2.1 and 2.4).
 */
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { buildMsPresCategoryPublish, MS_PRES_CATEGORY_PUBLISH_CONTENT_TYPE } from '../../presence/ms-pres-category-publish.ts';
import type { MsPresPublication } from '../../presence/ms-pres-category-publish.ts';
import { correctVersionsFromFault, parseMsrtcFault } from '../../presence/ms-pres-fault.ts';
import type { NoteCharacterPolicy } from '../../presence/note-policy.ts';
import type { Presence } from '../../presence/presence.ts';
import type { SipResponse } from '../../sip/message/sip-message.ts';
import type { TransactionUser } from '../../sip/transaction/transaction-user.ts';
import { createOutOfDialogRequest } from '../../sip/ua/out-of-dialog-request.ts';
import type { UcKnowledgeWorker } from '../uc-platform.ts';
import { acceptConnectorPublications, connectorPublications, emptyConnectorPublication } from './connector-publication.ts';
import type { ConnectorPublicationRecord } from './connector-publication.ts';

/** Where SERVICE goes while the adapter runs. */
export interface MsPresServiceLink {
  readonly stack: TransactionUser;
  /** Our Contact. */
  readonly contact: string;
  /** The pool as a loose route. */
  readonly routes: readonly string[];
}

/** Options of {@link MsPresPublications}. */
export interface MsPresPublicationsOptions {
  /** Lifetime of the publications, seconds. */
  expires: number;
  stateType?: string | undefined;
  notePolicy?: NoteCharacterPolicy | undefined;
  logger: Logger;
  /** The link of the running adapter; undefined once stopped. */
  link: () => MsPresServiceLink | undefined;
}

/** See the file comment. */
export class MsPresPublications {
  private readonly records = new Map<string, ConnectorPublicationRecord>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly o: MsPresPublicationsOptions) {}

  /** KWs with a connector publication in place. */
  get published(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.statePublished || r.notePublished) n++;
    return n;
  }

  /** User names with a connector publication in place. */
  publishedUsers(): string[] {
    return [...this.records].filter(([, r]) => r.statePublished || r.notePublished).map(([userName]) => userName);
  }

  /** Forgets every record (the adapter stopped; the pool expires what is left). */
  clear(): void {
    this.records.clear();
  }

  /**
   * Publishes `presence` for `kw`, or with null clears the connector's publication; calls for one
   * KW run one after another. Rejects with UccError UCC_ERR_UC_PUBLISH (refused),
   * UCC_ERR_UC_PRESENCE_INVALID (unpublishable presence or note), UCC_ERR_UC_NOT_STARTED.
   */
  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    const previous = this.queues.get(kw.userName) ?? Promise.resolve();
    const next = previous.then(() => this.publishNow(kw, presence), () => this.publishNow(kw, presence));
    const tail = next.catch(() => undefined);
    this.queues.set(kw.userName, tail);
    void tail.then(() => {
      if (this.queues.get(kw.userName) === tail) this.queues.delete(kw.userName);
    });
    return next;
  }

  private async publishNow(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void> {
    const current = this.records.get(kw.userName) ?? emptyConnectorPublication;
    const pubs = connectorPublications(kw.contact, presence, current, { expires: this.o.expires, ...(this.o.stateType !== undefined ? { stateType: this.o.stateType } : {}) });
    if (!pubs.ok) throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `ms-pres: ${pubs.error.message}`);
    if (pubs.value.length === 0) return;
    const accepted = await this.service(kw.contact, pubs.value);
    this.records.set(kw.userName, acceptConnectorPublications(current, accepted));
  }

  /**
   * Sends one SERVICE (section 2.1); on a 409 WrongDelta fault re-sends it once with the versions
   * the fault reports (section 2.4). Resolves with the publications the pool accepted.
   */
  private async service(uri: string, publications: readonly MsPresPublication[]): Promise<readonly MsPresPublication[]> {
    const link = this.o.link();
    if (!link) throw new UccError('UCC_ERR_UC_NOT_STARTED', 'ms-pres: stopped during publish');
    const { stack } = link;
    const callId = stack.newCallId();
    const fromTag = stack.newTag();
    let pubs = publications;
    for (let cseq = 1; ; cseq++) {
      const body = buildMsPresCategoryPublish({ uri, publications: pubs }, this.o.notePolicy !== undefined ? { notePolicy: this.o.notePolicy } : {});
      if (!body.ok) throw new UccError('UCC_ERR_UC_PRESENCE_INVALID', `ms-pres: ${body.error.message}`);
      const req = createOutOfDialogRequest({
        method: 'SERVICE', uri, to: uri, from: uri, fromTag, callId, cseq, contact: link.contact, routes: link.routes,
        body: body.value, contentType: MS_PRES_CATEGORY_PUBLISH_CONTENT_TYPE,
      });
      const res: SipResponse = await stack.sendRequest(req);
      if (res.status >= 200 && res.status < 300) return pubs;
      if (res.status === 409 && cseq === 1) {
        const fault = parseMsrtcFault(res.body);
        const corrected = fault.ok ? correctVersionsFromFault(pubs, fault.value) : undefined;
        if (corrected) {
          this.o.logger.info('publication versions corrected from a 409 fault', { uri });
          pubs = corrected;
          continue;
        }
        this.o.logger.warn('409 without a usable WrongDelta fault', { uri, error: fault.ok ? fault.value.faultCode : fault.error.message });
      }
      throw new UccError('UCC_ERR_UC_PUBLISH', `SERVICE for ${uri}: ${res.status} ${res.reason}`);
    }
  }
}
