/**
 * Preview invitations over IM (seed 000 flow F8, issue 13): a KW with no connected web client gets
 * the preview in their UC client as an instant message, when `presence-gateway-mode` is false and
 * `invite-message` is not empty (L1388-1418, L7351-7361, L7757-7769), and the UC platform carries
 * IMs (uc/instant-messages.ts). The KW answers by IM: "1" / "accept" or "2" / "reject".
 *
 * The answer goes to the preview manager's own accept / reject (the same rules, winner decision
 * and auto-states as the web window); this service only carries texts. When the countdown runs
 * out the KW is told the offer expired; a reply that is no answer gets a short help.
 */
import type { KvList } from '../lib/kv-list.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { UcInstantMessaging } from '../uc/instant-messages.ts';
import type { PreviewActionResult } from './preview-manager-api.ts';
import { parsePreviewImAnswer, PREVIEW_IM_EXPIRED, PREVIEW_IM_HELP, PREVIEW_IM_NONE_OPEN, previewInvitationText, type PreviewImAnswer } from './preview-im-text.ts';

/** The options an invitation reads for one KW (Person annex over Application, DN for the gateway mode). */
export interface PreviewImSettings {
  /** `presence-gateway-mode`: true never invites the UC client. */
  readonly gatewayMode: boolean;
  /** `[Microsoft-OCS] invite-message`: empty never invites. */
  readonly inviteMessage: string;
  /** `userdata-preview-format<n>`, the Preview window's fields. */
  readonly formats: readonly string[];
}

/** One offer to invite to (the manager's view of it). */
export interface PreviewImOffer {
  readonly id: string;
  readonly userName: string;
  readonly mediaType: string;
  readonly routingPoint: string;
  readonly userData: KvList;
  readonly remainingMs: number;
}

/** What the preview manager needs of invitations over IM (PreviewImInvitations satisfies it). */
export interface PreviewImPort {
  /** True when an offer to `userName` can go out as an IM now. */
  reachable(userName: string): boolean;
  /**
   * Sends the invitation. `answer` resolves the offer as the web window would; `undeliverable`
   * ends it when the platform refused the IM.
   */
  invite(offer: PreviewImOffer, answer: (a: PreviewImAnswer) => PreviewActionResult, undeliverable: (reason: string) => void): void;
  /** The offer ended (any outcome); a `timeout` is told to the KW. */
  closed(id: string, outcome: PreviewOutcome): void;
}

export interface PreviewImOptions {
  /** The platform's IM side (undefined: the platform carries none). */
  readonly im: UcInstantMessaging | undefined;
  /** The KW's UC address (null / undefined: none). */
  readonly contactOf: (userName: string) => string | null | undefined;
  readonly settings: (userName: string) => PreviewImSettings;
  /** The web client's address for the link; undefined leaves the link out. */
  readonly webClientUrl?: () => string | undefined;
  readonly logger?: Logger;
}

interface OpenInvitation {
  readonly userName: string;
  readonly contact: string;
  readonly answer: (a: PreviewImAnswer) => PreviewActionResult;
}

/** See the file comment. */
export class PreviewImInvitations implements PreviewImPort {
  private readonly open = new Map<string, OpenInvitation>();
  /** Per KW: the sender handler in the inbox, kept so late replies are answered too. */
  private readonly listening = new Map<string, { contact: string; remove: () => void }>();
  private readonly logger: Logger;

  constructor(private readonly o: PreviewImOptions) {
    this.logger = (o.logger ?? silentLogger).child({ role: 'preview-im' });
  }

  reachable(userName: string): boolean {
    const im = this.o.im;
    if (!im?.usable || !this.o.contactOf(userName)) return false;
    let s: PreviewImSettings;
    try {
      s = this.o.settings(userName);
    } catch (e) {
      this.logger.error('preview IM settings unreadable: not inviting', { userName, error: String(e) });
      return false;
    }
    return !s.gatewayMode && s.inviteMessage.trim() !== '';
  }

  invite(offer: PreviewImOffer, answer: (a: PreviewImAnswer) => PreviewActionResult, undeliverable: (reason: string) => void): void {
    const im = this.o.im;
    const contact = this.o.contactOf(offer.userName);
    if (!im || !contact) {
      undeliverable('no-im-path');
      return;
    }
    let s: PreviewImSettings;
    try {
      s = this.o.settings(offer.userName);
    } catch (e) {
      this.logger.error('preview IM settings unreadable: not inviting', { userName: offer.userName, error: String(e) });
      undeliverable('im-settings-unreadable');
      return;
    }
    this.listen(offer.userName, contact, im);
    this.open.set(offer.id, { userName: offer.userName, contact, answer });
    const text = previewInvitationText({
      inviteMessage: s.inviteMessage, formats: s.formats, userData: offer.userData, mediaType: offer.mediaType,
      routingPoint: offer.routingPoint, remainingMs: offer.remainingMs, link: this.o.webClientUrl?.(),
    });
    im.send(contact, text).then(
      () => this.logger.debug('preview invitation sent', { userName: offer.userName, previewId: offer.id }),
      (e: unknown) => {
        this.logger.warn('preview invitation not delivered', { userName: offer.userName, previewId: offer.id, error: e instanceof Error ? e.message : String(e) });
        if (this.open.has(offer.id)) undeliverable('im-not-delivered');
      },
    );
  }

  closed(id: string, outcome: PreviewOutcome): void {
    const inv = this.open.get(id);
    if (!inv) return;
    this.open.delete(id);
    if (outcome === 'timeout') this.tell(inv.contact, PREVIEW_IM_EXPIRED);
  }

  /** Stops taking replies. */
  dispose(): void {
    for (const l of this.listening.values()) l.remove();
    this.listening.clear();
    this.open.clear();
  }

  private listen(userName: string, contact: string, im: UcInstantMessaging): void {
    const known = this.listening.get(userName);
    if (known?.contact === contact) return;
    known?.remove();
    this.listening.set(userName, { contact, remove: im.onMessageFrom(contact, (m) => this.onReply(userName, contact, m.text)) });
  }

  private onReply(userName: string, contact: string, text: string): void {
    // The newest open invitation of this KW is the one being answered.
    let current: [string, OpenInvitation] | undefined;
    for (const entry of this.open) if (entry[1].userName === userName) current = entry;
    if (!current) {
      this.tell(contact, PREVIEW_IM_NONE_OPEN);
      return;
    }
    const a = parsePreviewImAnswer(text);
    if (a === undefined) {
      this.tell(contact, PREVIEW_IM_HELP);
      return;
    }
    const result = current[1].answer(a);
    if (!result.ok) this.tell(contact, `That offer has already ended.`);
    this.logger.info('preview answered by IM', { userName, previewId: current[0], answer: a, ok: result.ok });
  }

  private tell(contact: string, text: string): void {
    const im = this.o.im;
    if (!im) return;
    im.send(contact, text).catch((e: unknown) => this.logger.warn('IM to a KW not delivered', { contact, error: e instanceof Error ? e.message : String(e) }));
  }
}
