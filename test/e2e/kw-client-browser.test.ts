/**
 * The knowledge-worker client in a real browser: Debian's Chromium driven by playwright-core
 * against the KW web edge (createKwWeb over a SQLite store, the built client). Checks the screens
 * through their data-testid attributes: login (help button, wrong password, language), the main
 * window (title, indicator, DND toggle, state menu, Channels tab), and logout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/e2e-app.ts';
import { buildClient } from '../../client/build.mjs';
import { emptyObjects } from '../../src/config/config-objects.ts';
import { OptionResolver } from '../../src/config/option-resolver.ts';
import { hashPassword } from '../../src/config/password-hash.ts';
import type { KnowledgeWorkerView } from '../../src/connector/knowledge-worker-view.ts';
import { SystemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { openStore, type SqlConfigStore } from '../../src/store/index.ts';
import { StandalonePlatform } from '../../src/uc/standalone/standalone-platform.ts';
import { createHttpServer } from '../../src/web/http-server.ts';
import { createKwWeb } from '../../src/web/kw-web.ts';

// Debian's Chromium (.ci/run installs it); never a downloaded browser.
const PASSWORD = 'browser-pass-1';

/**
 * Polls a condition from the test side. page.waitForFunction with a string would be evaluated
 * with eval inside the page, which the client's CSP (no unsafe-eval) refuses.
 */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('KW client in Chromium', () => {
  let dir: string;
  let store: SqlConfigStore;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const standalone = new StandalonePlatform();
  const kws = new Map<string, { agentState: KnowledgeWorkerView['agentState']; connectorDnd: boolean }>([
    ['kw1', { agentState: 'NotReady', connectorDnd: false }],
    ['kw2', { agentState: 'Ready', connectorDnd: false }],
  ]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-browser-'));
    await buildClient(join(dir, 'dist'));
    store = await openStore({ type: 'sqlite', path: ':memory:' }, { logger: silentLogger });
    const objects = emptyObjects();
    const hash = hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
    objects.persons.push({ userName: 'kw1', firstName: 'Kim', lastName: 'Weber', passwordHash: hash, agentLogins: [], annex: {} });
    objects.persons.push({ userName: 'kw2', firstName: '<img src=x onerror="window.__xss=1">', lastName: '', passwordHash: hash, agentLogins: [], annex: {} });
    objects.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'enable-logout-menu': true, 'help-login-url': '/help/login.html', locale: 'fr' } } });
    await store.loadConfig(objects);
    const connector = {
      knowledgeWorker: (u: string): KnowledgeWorkerView | undefined => {
        const k = kws.get(u);
        if (!k) return undefined;
        const presence = standalone.presenceOf(u).own;
        return {
          userName: u, dn: u === 'kw1' ? '7001' : '7002', agentId: u, agentState: k.agentState, workMode: null, reasons: {},
          presence: presence ? { availability: presence.availability, availabilityCode: presence.availabilityCode, activity: null, note: null, source: 'standalone', observedAt: new Date(presence.observedAt).toISOString() } : null,
          connectorDnd: k.connectorDnd, autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
        };
      },
      setConnectorDnd: (u: string, on: boolean) => {
        const k = kws.get(u);
        if (!k) return false;
        k.connectorDnd = on;
        return true;
      },
    };
    const web = createKwWeb({
      clock: new SystemClock(), logger: silentLogger, store, resolver: new OptionResolver({ view: store, application: 'UCC' }), application: 'UCC',
      connector, standalone, clientRoot: join(dir, 'dist'), version: '0.0.0-test',
    });
    app = createHttpServer({ logger: silentLogger, version: '0.0.0-test', routes: [...web.apiRoutes, ...web.staticRoutes] });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page in a browser context with the given navigator language; collects page errors. */
  async function open(locale: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    return { page, errors, close: () => context.close() };
  }

  async function logIn(page: Page, userName: string, password = PASSWORD): Promise<void> {
    await page.getByTestId('login-username').fill(userName);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  test('login, title, indicator, DND toggle, state menu, Channels tab and logout (browser language German)', async () => {
    const { page, errors, close } = await open('de-DE');
    try {
      await page.getByTestId('login-form').waitFor();
      assert.equal(await page.getByTestId('login-help').textContent(), 'Hilfe');
      await logIn(page, 'kw1', 'wrong');
      assert.equal(await page.getByTestId('login-error').textContent(), 'Benutzername oder Passwort ist falsch.');

      await logIn(page, 'kw1');
      const indicator = page.getByTestId('state-indicator');
      await indicator.waitFor();
      await until('the window title', async () => (await page.title()) === 'Kim Weber - OpenUCC');
      // Built-in presence definition: NotReady matches "Set Do Not Disturb On", status text in German.
      await page.getByTestId('state-indicator').filter({ hasText: /^Nicht stören$/ }).waitFor();

      // One state control: "Unavailable for contact-center work" is a choice of the state menu.
      await page.getByTestId('state-menu').selectOption('cc-unavailable');
      await until('the state menu on cc-unavailable', async () => (await page.getByTestId('state-menu').inputValue()) === 'cc-unavailable');
      assert.equal(kws.get('kw1')?.connectorDnd, true);

      // Choosing a presence leaves connector DND.
      await page.getByTestId('state-menu').selectOption('away');
      await until('connector DND off', async () => kws.get('kw1')?.connectorDnd === false);
      await until('the state menu on away', async () => (await page.getByTestId('state-menu').inputValue()) === 'away');
      assert.equal(standalone.presenceOf('kw1').own?.availability, 'away');

      await page.getByTestId('interaction-list').waitFor();
      await page.getByTestId('tab-channels').click();
      assert.equal(await page.getByTestId('channels-indicator').getAttribute('data-indicator'), 'not-ready');
      assert.equal(await page.getByTestId('channel').count(), 1);

      await page.getByTestId('logout').click();
      await page.getByTestId('login-form').waitFor();
      assert.equal((await page.request.get(`${base}/api/v1/session`)).status(), 401, 'the session is gone');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('an unsupported browser language falls back to the locale option (fr)', async () => {
    const { page, close } = await open('ja-JP');
    try {
      await page.getByTestId('login-form').waitFor();
      await page.getByTestId('login-submit').filter({ hasText: /^Se connecter$/ }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.lang'), 'fr');
    } finally {
      await close();
    }
  });

  test('a session survives a reload; markup in a Person name stays text', async () => {
    const { page, errors, close } = await open('en-US');
    try {
      await logIn(page, 'kw2');
      await page.getByTestId('state-indicator').waitFor();
      await page.reload();
      await page.getByTestId('state-indicator').waitFor();
      await until('the window title', async () => (await page.title()).endsWith(' - OpenUCC'));
      assert.equal(await page.title(), '<img src=x onerror="window.__xss=1"> - OpenUCC');
      assert.equal(await page.evaluate('window.__xss'), undefined);
      assert.equal(await page.locator('img').count(), 0);
      await page.getByTestId('tab-channels').click();
      assert.equal(await page.getByTestId('channels-indicator').getAttribute('data-indicator'), 'ready');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
