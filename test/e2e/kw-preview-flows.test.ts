/**
 * Issue 6's proofs in real Chromium: the whole of `ucc start` in process (buildApp on a test
 * configuration with short timeouts, ports 0), KWs logged in through the browser client, and
 * customer calls injected over T-Lib TCP (RequestMakeCall from the trunk to a routing point with
 * UserData). Each test starts its own app, saves screenshots under artifacts/e2e/, and stops
 * everything it started. Elements are found by the test ids of docs/web.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { APIResponse, Browser, Page } from 'playwright-core';
import { E2eApp, ensureClientBuilt, makeReady, openKw, RP, waitForKw, type KwPage, launchChromium } from '../support/e2e-app.ts';

const CASE: Array<[string, string]> = [
  ['CustomerName', 'Maria Rossi'],
  ['AccountNumber', 'ACC-10422'],
  ['Reason', 'Upgrade to the business plan'],
];

/** Seconds shown by the countdown. */
async function countdownSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('preview-countdown').first().textContent()) ?? '';
  const m = /\d+/.exec(text);
  assert.ok(m, `countdown text '${text}'`);
  return Number(m[0]);
}

/** The case data of the open Interaction window as key → value. */
async function caseData(page: Page): Promise<Record<string, string>> {
  const fields = page.getByTestId('interaction-window').getByTestId('case-data-field');
  const out: Record<string, string> = {};
  for (let i = 0; i < (await fields.count()); i++) {
    const f = fields.nth(i);
    out[(await f.getAttribute('data-key')) ?? '?'] = (await f.getByTestId('case-data-value').textContent()) ?? '';
  }
  return out;
}

/** Waits for the Interaction window of `connId`: an accepted call rings at the KW DN and pops it by itself. */
async function interactionWindow(page: Page, connId: string): Promise<void> {
  await page.locator(`[data-testid="interaction-window"][data-conn-id="${connId}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(`[data-testid="interaction-item"][data-conn-id="${connId}"]`).count(), 1, 'the call is in the interaction list');
}

describe('KW previews and interactions in Chromium (issue 6)', () => {
  let browser: Browser;

  before(async () => {
    await ensureClientBuilt();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  /** Runs `body` with a fresh app and the given KWs logged in; closes everything afterwards. */
  async function withApp(kws: Array<{ userName: string; locale?: string }>, body: (app: E2eApp, pages: KwPage[]) => Promise<void>, ucc: Record<string, unknown> = {}): Promise<void> {
    const app = await E2eApp.start(ucc);
    const pages: KwPage[] = [];
    try {
      for (const k of kws) pages.push(await openKw(browser, app.base, k.userName, k.locale));
      for (const p of pages) await makeReady(p, app.base);
      await body(app, pages);
      for (const p of pages) {
        assert.deepEqual(p.errors, [], `${p.userName}: no page errors`);
        assert.deepEqual(p.dialogs, [], `${p.userName}: no dialog`);
      }
    } finally {
      for (const p of pages) await p.context.close().catch(() => undefined);
      await app.stop();
    }
  }

  test('login; the Preview shows the case data and a live countdown; Accept opens the Interaction window with the case data', async () => {
    await withApp([{ userName: 'alice' }], async (app, [alice]) => {
      const page = alice!.page;
      const connId = await app.call(RP.alice, CASE);
      const preview = page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      assert.equal(await preview.getAttribute('data-conn-id'), connId);
      const field = (key: string) => preview.locator(`[data-testid="preview-field"][data-key="${key}"]`).getByTestId('preview-field-value');
      assert.equal(await field('CustomerName').textContent(), 'Maria Rossi');
      assert.equal(await field('Reason').textContent(), 'Upgrade to the business plan');
      const first = await countdownSeconds(page);
      assert.ok(first > 0 && first <= 30, `countdown starts from preview-expiration-timeout (30 s): ${first}`);
      await alice!.shot('a-preview-countdown-1');
      // Live: the number goes down while the window is open.
      const deadline = Date.now() + 10_000;
      while ((await countdownSeconds(page)) >= first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok((await countdownSeconds(page)) < first);
      await alice!.shot('a-preview-countdown-2');

      await page.getByTestId('preview-accept').click();
      await interactionWindow(page, connId);
      const win = page.getByTestId('interaction-window');
      assert.equal(await win.getByTestId('interaction-title').textContent(), 'Customer case');
      assert.deepEqual(await caseData(page), { CustomerName: 'Maria Rossi', AccountNumber: 'ACC-10422', Reason: 'Upgrade to the business plan' });
      await alice!.shot('a-interaction-window');
    });
  });

  test('Reject puts the KW in NotReady, and Ready again after dnd-off-timeout', async () => {
    const dndOffMs = 3000;
    await withApp([{ userName: 'alice' }], async (app, [alice]) => {
      const page = alice!.page;
      await app.call(RP.alice, CASE);
      await page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await page.getByTestId('preview-reject').click();
      const rejectedAt = Date.now();
      await page.locator('[data-testid="preview-closed"][data-outcome="rejected"]').waitFor({ timeout: 15_000 });
      await waitForKw(alice!, app.base, 'NotReady after the reject', (v) => v.agentState === 'NotReady', 10_000);
      await alice!.shot('b-not-ready-after-reject');
      await waitForKw(alice!, app.base, 'Ready after dnd-off-timeout', (v) => v.agentState === 'Ready', dndOffMs + 20_000);
      const elapsed = Date.now() - rejectedAt;
      assert.ok(elapsed >= dndOffMs - 250, `Ready only after dnd-off-timeout (${elapsed} ms >= ${dndOffMs} ms)`);
      await page.getByTestId('tab-channels').click();
      await page.locator('[data-testid="channels-indicator"][data-indicator="ready"]').waitFor({ timeout: 15_000 });
      await alice!.shot('b-ready-again');
    }, { 'dnd-off-timeout': dndOffMs });
  });

  test('the preview-shortkey-accept hotkey accepts a preview', async () => {
    await withApp([{ userName: 'alice' }], async (app, [alice]) => {
      const page = alice!.page;
      const connId = await app.call(RP.alice, CASE);
      const preview = page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      await alice!.shot('c-preview-before-hotkey');
      await preview.press('a');
      await interactionWindow(page, connId);
      await alice!.shot('c-accepted-by-hotkey');
    }, { 'preview-shortkey-accept': 'a' });
  });

  test('broadcast to two browser sessions: one accepts, the other Preview closes as taken', async () => {
    await withApp([{ userName: 'alice' }, { userName: 'bob' }], async (app, [alice, bob]) => {
      const connId = await app.call(RP.broadcast, CASE);
      for (const kw of [alice!, bob!]) {
        await kw.page.locator(`[data-testid="preview-window"][data-conn-id="${connId}"]`).waitFor({ timeout: 30_000 });
        await kw.shot(`d-broadcast-preview-${kw.userName}`);
      }
      await bob!.page.getByTestId('preview-accept').click();
      await interactionWindow(bob!.page, connId);
      await alice!.page.locator('[data-testid="preview-closed"][data-outcome="taken"]').waitFor({ timeout: 30_000 });
      await alice!.shot('d-broadcast-taken-alice');
      await bob!.shot('d-broadcast-accepted-bob');
      assert.equal(await alice!.page.locator('[data-testid="preview-window"] [data-testid="preview-accept"]').count(), 0, 'the taken preview can no longer be accepted');
    });
  });

  test('transfer to a contact point from the Interaction window', async () => {
    await withApp([{ userName: 'alice' }], async (app, [alice]) => {
      const page = alice!.page;
      const watched = await app.watch(RP.contactPoint);
      const connId = await app.call(RP.alice, CASE);
      await page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await page.getByTestId('preview-accept').click();
      await interactionWindow(page, connId);
      const win = page.getByTestId('interaction-window');
      // The emulated switch answers from the desktop: Answer is shown (hidden on a SIP switch
      // without desktop-answer: voice-spine-browser.test.ts).
      assert.equal(await win.getByTestId('call-answer').count(), 1, 'Answer is shown on the emulated switch');
      await win.getByTestId('call-answer').click();
      await page.locator('[data-testid="interaction-window"][data-state="established"]').waitFor({ timeout: 30_000 });
      const option = win.locator(`[data-testid="contact-point"][value="${RP.contactPoint}"]`);
      assert.match((await option.textContent()) ?? '', /Billing desk/, 'contact points show their display-name');
      await win.getByTestId('contact-point-picker').selectOption(RP.contactPoint);
      await alice!.shot('e-transfer-picked');
      await win.getByTestId('call-transfer').click();
      await page.locator('[data-testid="interaction-window"][data-state="released"]').waitFor({ timeout: 30_000 });
      const deadline = Date.now() + 15_000;
      while (!watched.some((e) => (e as { ConnID?: string }).ConnID === connId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(watched.some((e) => (e as { ConnID?: string }).ConnID === connId), `the call reached contact point ${RP.contactPoint}: ${watched.map((e) => e.message).join(', ')}`);
      assert.equal(await win.getByTestId('call-error').count(), 0);
      await alice!.shot('e-transferred');
    });
  });

  test('UserData holding <script> and <img onerror> renders as inert text, and no dialog fires', async () => {
    const script = '<script>window.__xss = 1; alert("script")</script>';
    const img = '<img src=x onerror="alert(\'img\')">';
    await withApp([{ userName: 'alice' }], async (app, [alice]) => {
      const page = alice!.page;
      const connId = await app.call(RP.alice, [['CustomerName', script], ['AccountNumber', 'A&B "quoted"'], ['Reason', img]]);
      const preview = page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      const field = (key: string) => preview.locator(`[data-testid="preview-field"][data-key="${key}"]`).getByTestId('preview-field-value');
      assert.equal(await field('CustomerName').textContent(), script, 'the payload is shown as text');
      assert.equal(await field('Reason').textContent(), img);
      await field('Reason').waitFor({ state: 'visible' });
      await alice!.shot('f-xss-preview');
      await page.getByTestId('preview-accept').click();
      await interactionWindow(page, connId);
      assert.deepEqual(await caseData(page), { CustomerName: script, AccountNumber: 'A&B "quoted"', Reason: img });
      await alice!.shot('f-xss-interaction');
      // An <img src=x> would fail to load and fire onerror within a few ms; give it a moment to prove it did not exist.
      await page.evaluate('new Promise((r) => setTimeout(r, 500))');
      assert.equal(await page.evaluate('window.__xss'), undefined);
      assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> element was created');
      assert.equal(await page.evaluate(`[...document.scripts].filter((s) => s.textContent.includes('__xss')).length`), 0, 'no <script> element was created');
      assert.deepEqual(alice!.dialogs, []);
    });
  });

  test('French labels when the browser prefers fr', async () => {
    await withApp([{ userName: 'alice', locale: 'fr-FR' }], async (app, [alice]) => {
      const page = alice!.page;
      assert.equal(await page.evaluate('document.documentElement.lang'), 'fr');
      await app.call(RP.alice, CASE);
      await page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      assert.match((await page.getByTestId('preview-accept').textContent()) ?? '', /^Accepter/);
      assert.match((await page.getByTestId('preview-reject').textContent()) ?? '', /^Refuser|^Rejeter/);
      assert.match((await page.getByTestId('preview-window').textContent()) ?? '', /Aperçu/);
      assert.match((await page.getByTestId('preview-countdown').textContent()) ?? '', /restantes/);
      assert.equal(await page.getByTestId('tab-channels').textContent(), 'Canaux');
      await alice!.shot('g-french-preview');
    });
  });

  test("a KW's session cannot accept another KW's preview through the API (403)", async () => {
    await withApp([{ userName: 'alice' }, { userName: 'bob' }], async (app, [alice, bob]) => {
      await app.call(RP.byUserData, [...CASE, ['KW_TARGET', 'bob']]);
      const bobsPreview = bob!.page.getByTestId('preview-window');
      await bobsPreview.waitFor({ timeout: 30_000 });
      const id = await bobsPreview.getAttribute('data-preview-id');
      assert.ok(id);
      const session = (await (await alice!.page.request.get(`${app.base}/api/v1/session`)).json()) as { csrfToken: string };
      const headers = { 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
      // Bob's preview under Bob's path, and under Alice's own path: both refused.
      for (const owner of ['bob', 'alice']) {
        const r: APIResponse = await alice!.page.request.post(`${app.base}/api/v1/knowledge-workers/${owner}/previews/${encodeURIComponent(id)}/accept`, { headers, data: {} });
        assert.equal(r.status(), 403, `alice accepting bob's preview under /${owner}/: ${r.status()} ${await r.text()}`);
      }
      // The KW socket refuses it too: an accept for Bob's preview id on a socket of Alice's session.
      const code = await alice!.page.evaluate(`new Promise((resolve) => {
        const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/v1/kw-socket');
        ws.onmessage = (m) => {
          const d = JSON.parse(m.data);
          if (d.type === 'state') ws.send(JSON.stringify({ type: 'accept', id: ${JSON.stringify(id)} }));
          else if (d.type === 'error') { resolve(d.code); ws.close(); }
        };
        ws.onclose = () => resolve('closed');
      })`);
      assert.equal(code, 'not-your-preview');
      await bob!.shot('h-preview-still-open-for-bob');
      assert.equal(await bobsPreview.getByTestId('preview-accept').isVisible(), true, "bob's preview is still open");
      assert.equal(await alice!.page.getByTestId('preview-window').count(), 0, 'alice never saw it');
    });
  });
});
