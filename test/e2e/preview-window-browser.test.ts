/**
 * Smoke test of the Preview window in Chromium: a preview pushed on the KW socket shows its
 * configured fields (as text, never HTML) and a running countdown; Accept sends `accept` on the
 * socket, and the window closes with the "accepted" message. A ringing call pops the Interaction
 * window, whose buttons reach the T-Lib client as the KW's DN. The full issue-6 browser suite lives
 * in kw-client-browser.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/e2e-app.ts';
import { buildClient } from '../../client/build.mjs';
import { emptyObjects } from '../../src/config/config-objects.ts';
import { OptionResolver } from '../../src/config/option-resolver.ts';
import { hashPassword } from '../../src/config/password-hash.ts';
import type { KnowledgeWorkerView } from '../../src/connector/knowledge-worker-view.ts';
import { KwClientSessions } from '../../src/connector/kw-client-sessions.ts';
import { SystemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { openStore, type SqlConfigStore } from '../../src/store/index.ts';
import { createHttpServer } from '../../src/web/http-server.ts';
import { createKwWeb } from '../../src/web/kw-web.ts';
import { kwSocketRoutes } from '../../src/web/kw-socket.ts';
import { InteractionTracker } from '../../src/connector/interactions/interaction-tracker.ts';
import { FakeTlib } from '../unit/connector/interactions/fake-tlib.ts';

const PASSWORD = 'browser-pass-1';

describe('Preview window in Chromium', () => {
  let dir: string;
  let store: SqlConfigStore;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const sessions = new KwClientSessions();
  const tlib = new FakeTlib();
  const tracker = new InteractionTracker({ tlib, clock: new SystemClock() });
  tracker.track('kw1', '7001');
  const answers: Array<[string, string]> = [];
  const view = (u: string): KnowledgeWorkerView => ({
    userName: u, dn: '7001', agentId: u, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false, autoState: null,
    registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-preview-'));
    await buildClient(join(dir, 'dist'));
    store = await openStore({ type: 'sqlite', path: ':memory:' }, { logger: silentLogger });
    const objects = emptyObjects();
    objects.persons.push({ userName: 'kw1', firstName: 'Kim', lastName: 'Weber', passwordHash: hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }), agentLogins: [], annex: {} });
    objects.switches.push({ name: 'SW', annex: {} });
    objects.dns.push({ switch: 'SW', number: '5000', type: 'Routing Point', register: true, annex: { 'UC-Connector': { 'display-name': 'Sales', attribute1: 'format: Waiting: %s, statistic:5000@SW, RoutePoint, T, CurrNumberWaitingCalls, Default' } } });
    objects.applications.push({
      name: 'UCC', type: 'ucc',
      options: { 'uc-connector': { locale: 'en', 'audio-on-preview': '/audio/ring.wav', 'userdata-preview-format': 'title: Customer, value: [custname]', 'userdata-preview-format2': 'title: Account, value: [acct]', 'userdata-call-format': 'title: Customer, value: [custname]', 'userdata-title': 'Case', 'userdata-onringing': true } },
    });
    await store.loadConfig(objects);
    const connector = {
      knowledgeWorker: (u: string) => (u === 'kw1' ? view(u) : undefined),
      setConnectorDnd: () => true,
      openSession: () => true,
      closeSession: () => true,
      on: () => undefined,
      off: () => undefined,
    };
    const previews = {
      accept: (u: string, id: string) => {
        answers.push(['accept', id]);
        sessions.sendTo(u, { type: 'preview-closed', id, outcome: 'accepted' });
        return { ok: true as const };
      },
      reject: (u: string, id: string) => {
        answers.push(['reject', id]);
        return { ok: true as const };
      },
      acceptExternal: () => ({ ok: true as const }),
    };
    const web = createKwWeb({
      clock: new SystemClock(), logger: silentLogger, store, resolver: new OptionResolver({ view: store, application: 'UCC' }), application: 'UCC',
      connector, clientRoot: join(dir, 'dist'), version: '0.0.0-test', interactions: tracker, stats: { value: () => 3 },
    });
    app = createHttpServer({ logger: silentLogger, version: '0.0.0-test', routes: [...web.apiRoutes, kwSocketRoutes({ connector, sessions, previews, auth: web.auth, interactions: tracker }), ...web.staticRoutes] });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });

  after(async () => {
    tracker.stop();
    await browser?.close();
    await app?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a pushed preview shows its fields and countdown; Accept closes it as accepted', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      await page.getByTestId('login-username').fill('kw1');
      await page.getByTestId('login-password').fill(PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.locator('[data-testid="socket-status"][data-state="open"]').waitFor();

      const delivered = sessions.sendTo('kw1', {
        type: 'preview', id: 'p1', connId: '00a1', dn: '5000', mediaType: 'voice',
        userData: [['custname', '<img src=x onerror="window.__xss=1">'], ['acct', 4711]], deadline: Date.now() + 15000, remaining: 15000, canRedirect: false,
      });
      assert.equal(delivered, 1);
      const win = page.getByTestId('preview-window');
      await win.waitFor();
      assert.equal(await win.getAttribute('data-preview-id'), 'p1');
      assert.deepEqual(await page.getByTestId('preview-field-title').allTextContents(), ['Customer', 'Account']);
      assert.deepEqual(await page.getByTestId('preview-field-value').allTextContents(), ['<img src=x onerror="window.__xss=1">', '4711']);
      assert.equal(await page.locator('[data-testid="preview-window"] img').count(), 0, 'UserData is text, not HTML');
      const first = Number(await page.getByTestId('preview-countdown').getAttribute('data-remaining-ms'));
      assert.ok(first > 10000 && first <= 15000, `countdown starts near 15 s (${first})`);
      assert.match((await page.getByTestId('preview-countdown').textContent()) ?? '', /^1[45] s left$/);
      assert.equal(await page.getByTestId('preview-accept-external').count(), 0, 'no external accept without canRedirect');
      assert.equal(await page.getByTestId('preview-audio').getAttribute('src'), '/audio/ring.wav');
      assert.equal(await page.getByTestId('preview-audio').evaluate((a) => (a as unknown as { loop: boolean }).loop), true);
      const tone = await page.request.get(`${base}/audio/ring.wav`);
      assert.equal(tone.status(), 200);
      assert.equal(tone.headers()['content-type'], 'audio/wav');

      await page.getByTestId('preview-accept').click();
      await page.locator('[data-testid="preview-closed"][data-outcome="accepted"]').waitFor();
      assert.equal(await page.getByTestId('preview-closed').textContent(), 'Preview accepted.');
      assert.equal(await page.getByTestId('preview-window').count(), 0);
      assert.deepEqual(answers, [['accept', 'p1']]);
      assert.equal(await page.evaluate('window.__xss'), undefined);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  /** Waits (on I/O, up to 5 s) until the browser's action reached the T-Lib double. */
  async function sent(message: string): Promise<void> {
    for (let i = 0; i < 250 && !tlib.requests.some((r) => r.message === message); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(tlib.requests.some((r) => r.message === message), `${message} sent`);
  }

  test('a ringing call pops the Interaction window: case data, answer, notes, transfer to a contact point', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      await page.getByTestId('login-username').fill('kw1');
      await page.getByTestId('login-password').fill(PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.locator('[data-testid="socket-status"][data-state="open"]').waitFor();

      tlib.emit('EventRinging', '7001', 'c9', { OtherDN: '555', UserData: [['custname', '<b>Анна</b>']] });
      const win = page.locator('[data-testid="interaction-window"][data-conn-id="c9"]');
      await win.waitFor();
      assert.equal(await page.getByTestId('interaction-title').textContent(), 'Case');
      assert.deepEqual(await page.getByTestId('case-data-value').allTextContents(), ['<b>Анна</b>']);
      await page.getByTestId('call-answer').click();
      await sent('RequestAnswerCall');
      assert.deepEqual(tlib.requests.at(-1), { message: 'RequestAnswerCall', ThisDN: '7001', ConnID: 'c9' });
      tlib.emit('EventEstablished', '7001', 'c9');
      await page.locator('[data-testid="interaction-window"][data-state="established"]').waitFor();

      await page.getByTestId('notes-input').fill('call back tomorrow');
      await page.getByTestId('notes-save').click();
      await page.getByTestId('notes-saved').waitFor();
      assert.deepEqual(tlib.requests.at(-1), { message: 'RequestUpdateUserData', ThisDN: '7001', ConnID: 'c9', UserData: [['KW_ITX_NOTES', 'call back tomorrow']] });

      assert.equal(await page.getByTestId('contact-point').getAttribute('title'), 'Waiting: 3');
      assert.equal(await page.getByTestId('contact-point-tooltip').textContent(), 'Waiting: 3');
      await page.getByTestId('call-transfer').click();
      await sent('RequestSingleStepTransfer');
      tlib.emit('EventReleased', '7001', 'c9');
      await page.locator('[data-testid="interaction-window"][data-state="released"]').waitFor();
      assert.deepEqual(tlib.requests.find((r) => r.message === 'RequestSingleStepTransfer'), { message: 'RequestSingleStepTransfer', ThisDN: '7001', ConnID: 'c9', OtherDN: '5000' });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
