// Preview invitations over IM (seed 000 F8): a KW with no web session gets the preview as an IM
// when presence-gateway-mode is false and invite-message is set, and answers it by IM; the answer
// resolves the offer through the manager's own accept / reject. ManualClock throughout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PreviewImInvitations, type PreviewImSettings } from '../../../src/connector/preview-im.ts';
import { countdownSeconds, parsePreviewImAnswer, PREVIEW_IM_EXPIRED, PREVIEW_IM_HELP, PREVIEW_IM_NONE_OPEN, previewInvitationText, previewSummaryLines } from '../../../src/connector/preview-im-text.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { IM_MAX_TEXT_BYTES, imTextBytes, type UcImHandler, type UcInstantMessaging } from '../../../src/uc/instant-messages.ts';
import { CONN, PreviewHarness } from './support/preview-harness.ts';

/** The IM side of a UC platform, in memory: keeps what was sent, lets a test reply as a KW. */
class FakeIm implements UcInstantMessaging {
  readonly address = 'sip:ucc@example.test';
  usable = true;
  refuse = false;
  readonly sent: Array<{ to: string; text: string }> = [];
  private readonly handlers = new Map<string, UcImHandler>();
  send(to: string, text: string): Promise<void> {
    if (this.refuse) return Promise.reject(new UccError('UCC_ERR_UC_IM', 'MESSAGE: 404 Not Found'));
    this.sent.push({ to, text });
    return Promise.resolve();
  }
  onMessageFrom(sender: string, handler: UcImHandler): () => void {
    this.handlers.set(sender, handler);
    return () => this.handlers.delete(sender);
  }
  reply(from: string, text: string): void {
    const h = this.handlers.get(from);
    assert.ok(h, `nobody takes IMs from ${from}`);
    h({ from, text });
  }
  textsTo(to: string): string[] {
    return this.sent.filter((s) => s.to === to).map((s) => s.text);
  }
}

const KW1 = 'sip:kw1@example.test';
const settingsOf = (over: Partial<PreviewImSettings> = {}) => (): PreviewImSettings => ({
  gatewayMode: false, inviteMessage: 'Please use the window on the right', formats: ['title: Customer, value: [Customer]', 'title: Missing, value: [Nope]'], ...over,
});

function harness(over: Partial<PreviewImSettings> = {}, contacts: Record<string, string | null> = { kw1: KW1, kw2: null }) {
  const im = new FakeIm();
  const invitations = new PreviewImInvitations({ im, contactOf: (u) => contacts[u], settings: settingsOf(over), webClientUrl: () => 'https://ucc.example.test' });
  const h = new PreviewHarness({ im: invitations });
  return { h, im, invitations };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('preview invitations over IM', () => {
  test('no web session: the invitation IM holds invite-message, the case summary, the countdown and the link; "Accept" accepts', async () => {
    const { h, im } = harness();
    assert.equal(h.manager.canDeliver('A7001'), true);
    h.request('A7001');
    assert.equal(h.results.length, 0, 'the offer is open, not an error');
    const [text] = im.textsTo(KW1);
    assert.ok(text);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Please use the window on the right');
    assert.ok(lines.includes('Customer: Анна'), text);
    assert.ok(!text.includes('Missing'), 'a key the call does not carry is left out');
    assert.ok(lines.some((l) => l.startsWith('Answer within 15 s')), text);
    assert.ok(lines.includes('Web client: https://ucc.example.test'), text);
    assert.equal(h.manager.openPreviews('kw1').length, 1);
    im.reply(KW1, '  Accept \n');
    await h.nextResult();
    assert.deepEqual(h.results.map((r) => [r.result, r.agent, r.dn]), [['accepted', 'A7001', '7001']]);
    assert.deepEqual(h.decided.map((d) => d.outcome), ['accepted']);
  });

  test('"2" rejects: rejected, with the preview-reject auto-state, as from the web window', () => {
    const { h, im } = harness();
    h.request('A7001');
    im.reply(KW1, '2');
    assert.equal(h.results[0]?.result, 'rejected');
    assert.deepEqual(h.autoStates, [{ userName: 'kw1', kind: 'preview-reject' }]);
  });

  test('the countdown expires: timeout, the preview-timeout auto-state, and an IM saying the offer expired', async () => {
    const { h, im } = harness();
    h.request('A7001');
    h.clock.advance(15_000);
    assert.equal(h.results[0]?.result, 'timeout');
    assert.deepEqual(h.autoStates, [{ userName: 'kw1', kind: 'preview-timeout' }]);
    await flush();
    assert.equal(im.textsTo(KW1).at(-1), PREVIEW_IM_EXPIRED);
    im.reply(KW1, 'accept');
    await flush();
    assert.equal(im.textsTo(KW1).at(-1), PREVIEW_IM_NONE_OPEN, 'a late answer is told no offer is open');
    assert.equal(h.results.length, 1);
  });

  test('a reply that is no answer gets the help IM and leaves the offer open', async () => {
    const { h, im } = harness();
    h.request('A7001');
    im.reply(KW1, 'what is this?');
    await flush();
    assert.equal(im.textsTo(KW1).at(-1), PREVIEW_IM_HELP);
    assert.equal(h.results.length, 0);
    im.reply(KW1, 'REJECT');
    assert.equal(h.results[0]?.result, 'rejected');
  });

  test('presence-gateway-mode true, an empty invite-message, no UC contact or an unusable platform: no IM, error at once, and canDeliver says no', () => {
    for (const [over, agent, usable] of [[{ gatewayMode: true }, 'A7001', true], [{ inviteMessage: '  ' }, 'A7001', true], [{}, 'A7002', true], [{}, 'A7001', false]] as const) {
      const { h, im } = harness(over);
      im.usable = usable;
      assert.equal(h.manager.canDeliver(agent), false);
      h.request(agent);
      assert.equal(h.results[0]?.result, 'error');
      assert.equal(h.results[0]?.reason, 'no-client-session');
      assert.deepEqual(im.sent, []);
    }
  });

  test('a KW with a web session gets the web preview, not an IM', () => {
    const { h, im } = harness();
    const s = h.connect('kw1');
    h.request('A7001');
    assert.equal(s.of('preview').length, 1);
    assert.deepEqual(im.sent, []);
  });

  test('an invitation the platform refuses ends the offer in error (im-not-delivered)', async () => {
    const { h, im } = harness();
    im.refuse = true;
    h.request('A7001');
    await flush();
    assert.deepEqual(h.results.map((r) => [r.result, r.reason]), [['error', 'im-not-delivered']]);
  });

  test('a web session opening and closing while the IM offer is open does not end it', () => {
    const { h, im } = harness();
    h.request('A7001');
    const s = h.connect('kw1');
    assert.equal(s.of('preview').length, 1, 'the new session shows the open preview too');
    s.remove();
    assert.equal(h.sessions.count('kw1'), 0);
    assert.equal(h.results.length, 0);
    im.reply(KW1, '1');
    assert.equal(h.manager.openPreviews('kw1')[0]?.state ?? 'closed', 'deciding');
  });

  test('a broadcast: the IM KW and the web KW both get it; the first accept wins, the other is taken', async () => {
    const { h, im } = harness();
    const s2 = h.connect('kw2');
    h.multiple(['A7001', 'A7002']);
    assert.equal(im.textsTo(KW1).length, 1);
    assert.equal(s2.of('preview').length, 1);
    im.reply(KW1, 'accept');
    await h.nextResult();
    assert.equal(h.results[0]?.agent, 'A7001');
    await flush();
    assert.equal(s2.of('preview-closed')[0]?.outcome, 'taken');
    assert.equal(h.results[0]?.connId, CONN);
  });
});

describe('preview invitation texts', () => {
  test('answers: 1 / accept and 2 / reject, case-insensitive and trimmed; anything else is none', () => {
    assert.equal(parsePreviewImAnswer(' 1 '), 'accept');
    assert.equal(parsePreviewImAnswer('ACCEPT'), 'accept');
    assert.equal(parsePreviewImAnswer('2'), 'reject');
    assert.equal(parsePreviewImAnswer('Reject\n'), 'reject');
    assert.equal(parsePreviewImAnswer('12'), undefined);
    assert.equal(parsePreviewImAnswer('accept it'), undefined);
  });

  test('the countdown rounds up; a value with line breaks cannot forge a line', () => {
    assert.equal(countdownSeconds(14_200), 15);
    assert.deepEqual(previewSummaryLines(['title: Reason, value: [R]'], [['R', 'x\nReply 1 to accept']]), ['Reason: x Reply 1 to accept']);
  });

  test('the invitation stays within the IM size bound, dropping summary lines from the end', () => {
    const formats = Array.from({ length: 20 }, (_, i) => `title: F${i}, value: [K${i}]`);
    const userData = formats.map((_, i) => [`K${i}`, 'v'.repeat(200)] as const);
    const text = previewInvitationText({ inviteMessage: 'Hi', formats, userData, mediaType: 'voice', routingPoint: '8000', remainingMs: 15000, link: 'https://ucc.example.test' });
    assert.ok(imTextBytes(text) <= IM_MAX_TEXT_BYTES);
    assert.ok(text.includes('F0: '));
    assert.ok(text.endsWith('Web client: https://ucc.example.test'));
  });
});
