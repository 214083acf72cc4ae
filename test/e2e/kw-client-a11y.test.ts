/**
 * Issue 14's KW client proofs in real Chromium, on the whole app in process (E2eApp: `ucc start`
 * on a test configuration): axe-core finds no WCAG 2.1 AA violation on the main window, the
 * Preview window and the Interaction window; the client is used with the keyboard only (reject,
 * Back to Ready, accept); a preview arriving in a hidden tab raises a browser notification and
 * flashes the title; and the screenshots of docs/screenshots/ are written from these screens.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible } from '../support/axe.ts';
import { E2eApp, ensureClientBuilt, makeReady, openKw, RP, waitForKw, launchChromium } from '../support/e2e-app.ts';

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
const CASE: Array<[string, string]> = [
  ['CustomerName', 'Maria Rossi'],
  ['AccountNumber', 'ACC-10422'],
  ['Reason', 'Upgrade to the business plan'],
];

/** The page's globals as the evaluated functions see them (the server tsconfig has no DOM types). */
interface Win {
  document: { activeElement: { getAttribute(n: string): string | null; blur(): void } | null };
  __notes: Array<{ title: string; body: string; tag: string }>;
  __setHidden(h: boolean): void;
}
const focused = (page: Page) => page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.getAttribute('data-testid') ?? null);
const setHidden = (page: Page, h: boolean) => page.evaluate((x) => (globalThis as unknown as Win).__setHidden(x), h);

/** Records notifications and lets the test hide the tab (headless Chromium is always visible). */
const ATTENTION_PROBE = `
(() => {
  let hidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  window.__setHidden = (h) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
  window.__notes = [];
  const Real = window.Notification;
  if (Real) {
    const Rec = function (title, options) {
      window.__notes.push({ title, body: options && options.body, tag: options && options.tag });
      return new Real(title, options);
    };
    Object.defineProperty(Rec, 'permission', { get: () => Real.permission });
    Rec.requestPermission = (...a) => Real.requestPermission(...a);
    window.Notification = Rec;
  }
})();`;

describe('KW client: accessibility, keyboard, attention (issue 14)', () => {
  let browser: Browser;

  before(async () => {
    await ensureClientBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  test('no WCAG 2.1 AA violation on the three windows; keyboard only: reject, Back to Ready, accept; screenshots', async () => {
    // A long dnd-off-timeout: only Back to Ready ends the auto-state here.
    const app = await E2eApp.start({ 'dnd-off-timeout': 600_000 });
    // bypassCSP: axe-core is injected as an inline script, which the client's CSP refuses.
    const alice = await openKw(browser, app.base, 'alice', 'en-US', { bypassCSP: true });
    try {
      const page = alice.page;
      await makeReady(alice, app.base);
      await page.getByTestId('kw-name').waitFor();
      assert.equal(await page.getByTestId('kw-name').textContent(), (await page.title()).replace(/ - OpenUCC$/, ''), 'the header names the KW');
      await assertAccessible(page, 'body', 'main window');
      await page.screenshot({ path: join(SCREENSHOTS, 'main-window.png') });

      // Preview 1, keyboard only: the Accept button has the focus; Tab to Reject, Enter.
      await app.call(RP.alice, CASE);
      const preview = page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      assert.equal(await preview.getAttribute('role'), 'dialog');
      assert.equal(await page.getByTestId('preview-countdown').getAttribute('role'), 'timer');
      await page.waitForTimeout(300);
      await assertAccessible(page, '[data-testid="preview-window"]', 'Preview window');
      await page.screenshot({ path: join(SCREENSHOTS, 'preview-window.png') });
      assert.equal(await focused(page), 'preview-accept', 'the preview takes the focus on Accept');
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'preview-reject');
      await page.keyboard.press('Enter');
      await waitForKw(alice, app.base, 'NotReady after the reject', (v) => v.agentState === 'NotReady', 15_000);

      // The auto-state: Back to Ready is offered, reached with Tab from the state menu, pressed with Enter.
      const ready = page.getByTestId('ready-button');
      await ready.waitFor({ timeout: 15_000 });
      assert.equal(await ready.getAttribute('data-auto-state'), 'preview-reject');
      await assertAccessible(page, 'body', 'main window in an auto-state');
      await page.getByTestId('state-menu').focus();
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'ready-button');
      await page.keyboard.press('Enter');
      await waitForKw(alice, app.base, 'Ready again by Back to Ready', (v) => v.agentState === 'Ready', 15_000);
      await ready.waitFor({ state: 'detached', timeout: 15_000 });

      // Preview 2, accepted with Enter: the Interaction window opens with the case data.
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.blur());
      await app.call(RP.alice, CASE);
      await preview.waitFor({ timeout: 30_000 });
      // The client moves the focus to Accept after the window renders: Enter before that is lost.
      await page.waitForFunction(() => (globalThis as unknown as Win).document.activeElement?.getAttribute('data-testid') === 'preview-accept', undefined, { timeout: 10_000 });
      await page.keyboard.press('Enter');
      const itx = page.getByTestId('interaction-window');
      await itx.waitFor({ timeout: 30_000 });
      await page.getByTestId('case-data').waitFor();
      await page.waitForTimeout(300);
      await assertAccessible(page, '[data-testid="interaction-window"]', 'Interaction window');
      await page.screenshot({ path: join(SCREENSHOTS, 'interaction-window.png') });
      // A phone: the same main window at 390 px wide still has no violation.
      await page.setViewportSize({ width: 390, height: 844 });
      await assertAccessible(page, 'body', 'main window on a phone');
      await page.screenshot({ path: join(SCREENSHOTS, 'main-window-phone.png'), fullPage: true });
      assert.deepEqual(alice.errors, []);
    } finally {
      await alice.context.close().catch(() => undefined);
      await app.stop();
    }
  });

  test('a preview in a hidden tab: a browser notification and the title flashing until the tab is visible', async () => {
    const app = await E2eApp.start();
    const bob = await openKw(browser, app.base, 'bob');
    try {
      const page = bob.page;
      await bob.context.grantPermissions(['notifications'], { origin: app.base });
      await page.addInitScript(ATTENTION_PROBE);
      await page.reload();
      await page.getByTestId('state-indicator').waitFor({ timeout: 30_000 });
      await makeReady(bob, app.base);
      const base = await page.title();
      await setHidden(page, true);
      await app.call(RP.broadcast, CASE);
      await page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      const deadline = Date.now() + 10_000;
      let notes: Array<{ title: string; body: string; tag: string }> = [];
      while (Date.now() < deadline && notes.length === 0) {
        notes = await page.evaluate(() => (globalThis as unknown as Win).__notes);
        if (notes.length === 0) await page.waitForTimeout(100);
      }
      assert.equal(notes.length, 1, 'one notification');
      assert.equal(notes[0]!.title, 'Preview!');
      assert.match(notes[0]!.body, /^New preview/);
      assert.match(notes[0]!.tag, /^preview-/);
      await page.locator('main[data-attention="flashing"]').waitFor({ timeout: 5000 });
      const titles = new Set<string>();
      for (let i = 0; i < 25 && titles.size < 2; i++) {
        titles.add(await page.title());
        await page.waitForTimeout(100);
      }
      assert.deepEqual([...titles].sort(), ['● Preview!', base].sort(), 'the title alternates');
      await setHidden(page, false);
      await page.locator('main[data-attention="none"]').waitFor({ timeout: 5000 });
      assert.equal(await page.title(), base, 'visible again: the title is back');
      assert.deepEqual(bob.errors, []);
    } finally {
      await bob.context.close().catch(() => undefined);
      await app.stop();
    }
  });
});
