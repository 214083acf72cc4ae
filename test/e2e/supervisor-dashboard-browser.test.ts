/**
 * The supervisor dashboard in real Chromium against the whole of `ucc start` in process: two KWs
 * (alice, bob) logged in through the client, a supervisor (sam, `[uc] role = supervisor`, no
 * Agent Login) on the dashboard, customer calls over T-Lib TCP. The dashboard shows each preview
 * counting down, and its charts follow the offers' outcomes. The last screen is saved as
 * docs/screenshots/dashboard.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible } from '../support/axe.ts';
import { E2E_CUSTOMERS, E2eApp, ensureClientBuilt, makeReady, openKw, TEST_UCC_OPTIONS, waitForKw, launchChromium } from '../support/e2e-app.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = join(root, 'docs', 'screenshots', 'dashboard.png');

const RP_ALICE = '8000';
const RP_BOB = '8001';

function configYaml(): string {
  const kws = ['alice', 'bob'];
  const rp = (n: string, name: string, kw: string) =>
    `  - { number: "${n}", type: Routing Point, switch: SW, annex: { router: { target-type: kw, target: ${kw}, selection: targeted, max-attempts: 1, no-accept-action: wait }, TServer: { router-timeout: 0 }, uc-connector: { display-name: "${name}" } } }`;
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'switches: [ { name: SW } ]',
    'dns:',
    ...kws.map((u) => `  - { number: "sip:${u}@example.test", type: Extension, switch: SW }`),
    rp(RP_ALICE, 'Sales line', 'alice'),
    rp(RP_BOB, 'Support line', 'bob'),
    '  - { number: "9100", type: Virtual Queue, switch: SW }',
    '  - { number: "trunk", type: Trunk, switch: SW }',
    'places:',
    ...kws.map((u) => `  - { name: P_${u}, dns: ["sip:${u}@example.test"] }`),
    'agentLogins:',
    ...kws.map((u) => `  - { loginCode: ${u}, switch: SW }`),
    'persons:',
    ...kws.map((u) => `  - { userName: ${u}, firstName: ${u[0]!.toUpperCase()}${u.slice(1)}, lastName: Test, password: ${u}, agentLogins: [${u}], defaultPlace: P_${u}, annex: { uc: { contact: "sip:${u}@example.test" } } }`),
    '  - { userName: sam, firstName: Sam, lastName: Super, password: sam, annex: { uc: { role: supervisor } } }',
    'agentGroups: [ { name: Sales, members: [alice] }, { name: Support, members: [bob] } ]',
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, default-dn: "9100", no-answer-timeout: 0 } } }',
    `  - { name: UCC, type: ucc, options: { uc-connector: ${JSON.stringify({ ...TEST_UCC_OPTIONS, 'dnd-off-timeout': 2000 })} } }`,
    '  - { name: Router, type: router, options: {} }',
    `  - { name: ${E2E_CUSTOMERS.application}, type: custom-server, password: ${E2E_CUSTOMERS.password}, options: { tlib-client: { access: all } } }`,
    '',
  ].join('\n');
}

/** Polls from the test side (the client's CSP forbids page.waitForFunction with a string). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).first().textContent()) ?? '';
const seconds = async (page: Page, testId: string): Promise<number> => Number(/\d+/.exec(await text(page, testId))?.[0] ?? NaN);

describe('supervisor dashboard in Chromium', () => {
  let browser: Browser;

  before(async () => {
    await ensureClientBuilt();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('previews count down on the dashboard and the charts follow the outcomes; a KW is refused', async () => {
    const app = await E2eApp.startYaml(configYaml());
    const contexts = [];
    try {
      const alice = await openKw(browser, app.base, 'alice');
      const bob = await openKw(browser, app.base, 'bob');
      contexts.push(alice.context, bob.context);
      await makeReady(alice, app.base);
      await makeReady(bob, app.base);

      // A KW is not a supervisor: every supervisor route is 403 with the KW's session.
      assert.equal((await alice.page.request.get(`${app.base}/api/v1/supervisor/dashboard`)).status(), 403);
      assert.equal((await alice.page.request.get(`${app.base}/api/v1/supervisor/report.csv`)).status(), 403);
      assert.equal(await alice.page.getByTestId('nav-supervisor').count(), 0, 'no dashboard link for a KW');

      // bypassCSP: for axe-core's inline script (test/support/axe.ts).
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, bypassCSP: true });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${app.base}/`);
      await page.getByTestId('login-username').fill('sam');
      await page.getByTestId('login-password').fill('sam');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('kw-table').waitFor({ timeout: 30_000 });
      await until('the socket to be live', async () => (await text(page, 'supervisor-socket')) === 'Live');
      await until('alice Ready on the dashboard', async () => (await text(page, 'kw-alice-state')) === 'Ready');
      assert.equal(await text(page, 'kw-bob-state'), 'Ready');
      assert.equal(await page.getByTestId('outcomes-chart').locator('canvas').count(), 1, 'uPlot drew the outcome chart');
      assert.equal(await page.getByTestId('outcomes-chart').getAttribute('data-total'), '0');

      // 1. A call for alice: her preview counts down on the dashboard; she rejects it.
      await app.call(RP_ALICE, [['CustomerName', 'Ada <Lovelace>']]);
      await page.getByTestId('preview-alice-countdown').waitFor({ timeout: 30_000 });
      const first = await seconds(page, 'preview-alice-countdown');
      assert.ok(first > 0 && first <= 30, `countdown from preview-expiration-timeout: ${first}`);
      await until('the dashboard countdown to go down', async () => (await seconds(page, 'preview-alice-countdown')) < first, 10_000);
      assert.equal(await page.getByTestId('preview-alice').getByRole('timer').count(), 1, 'the countdown is an ARIA timer');
      await alice.page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await alice.page.getByTestId('preview-reject').click();
      await until('the preview to leave the dashboard', async () => (await page.getByTestId('preview-alice').count()) === 0);
      await until('the outcome chart to count the reject', async () => (await text(page, 'outcome-alice-rejected')) === '1');
      await until('the outcome chart total', async () => (await page.getByTestId('outcomes-chart').getAttribute('data-total')) === '1');
      await until('the decision-time histogram', async () => (await page.getByTestId('decision-chart').getAttribute('data-total')) === '1');

      // 2. A call for bob, who accepts: a second KW in the chart, his call on the dashboard.
      const bobCall = await app.call(RP_BOB, [['CustomerName', 'Grace Hopper']]);
      await page.getByTestId('preview-bob-countdown').waitFor({ timeout: 30_000 });
      await bob.page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await bob.page.getByTestId('preview-accept').click();
      await until('the outcome chart to count the accept', async () => (await text(page, 'outcome-bob-accepted')) === '1');
      await until('the histogram to hold both decisions', async () => (await page.getByTestId('decision-chart').getAttribute('data-total')) === '2');
      await until('bob Busy with the call', async () => (await text(page, 'kw-bob-state')) === 'Busy');
      assert.match(await page.getByTestId('kw-bob').textContent() ?? '', new RegExp(bobCall.slice(-6)));
      await until('the routing point to count the routed call', async () => (await text(page, `rp-${RP_BOB}-routed`)) === '1');
      await until('timelines with state changes', async () => Number(await page.getByTestId('timeline-chart').getAttribute('data-segments')) >= 4);

      // The group filter shows only the group's KWs.
      await page.getByTestId('group-filter').selectOption('Support');
      assert.equal(await page.getByTestId('kw-alice').count(), 0);
      assert.equal(await page.getByTestId('kw-bob').count(), 1);
      await page.getByTestId('group-filter').selectOption('');

      // 3. Another call for alice (Ready again after dnd-off-timeout): the screenshot shows it counting down.
      await waitForKw(alice, app.base, 'Ready after dnd-off-timeout', (v) => v.agentState === 'Ready', 30_000);
      // The rejected first call still waits on the Sales line (no-accept-action: wait).
      assert.equal(await text(page, `rp-${RP_ALICE}-waiting`), '1');
      await app.call(RP_ALICE, [['CustomerName', 'Edsger Dijkstra']]);
      await page.getByTestId('preview-alice-countdown').waitFor({ timeout: 30_000 });
      await until('the Sales line to show both waiting calls', async () => (await text(page, `rp-${RP_ALICE}-waiting`)) === '2');
      mkdirSync(join(root, 'docs', 'screenshots'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await assertAccessible(page, 'body', 'dashboard with previews counting down');

      // The report and its CSV, as the supervisor downloads it.
      await page.getByTestId('report-show').click();
      await page.getByTestId('report-result').waitFor({ timeout: 10_000 });
      const href = await page.getByTestId('report-csv-kw').getAttribute('href');
      assert.ok(href);
      const csv = await page.request.get(`${app.base}${href}`);
      assert.equal(csv.status(), 200);
      const lines = (await csv.text()).split('\r\n');
      assert.ok(lines[0]!.startsWith('agent_id,user_name,'));
      assert.ok(lines.some((l) => l.startsWith('alice,alice,') && l.includes(',1,') ), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('bob,bob,')), lines.join('\n'));

      assert.deepEqual(errors, [], 'no page errors on the dashboard');
      assert.deepEqual(alice.errors, []);
      assert.deepEqual(bob.errors, []);
    } finally {
      for (const c of contexts) await c.close().catch(() => undefined);
      await app.stop();
    }
  });
});
