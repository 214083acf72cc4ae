/**
 * Chat as the second medium in real Chromium (issue 13): the whole of `ucc start` in process with
 * a customer chat page on routing points, a customer in one browser context, KWs in others. The
 * customer gets the IM treatment prompts and answers them, the KW accepts the preview and chats
 * back, transfers the chat to a routing point whose KW accepts another preview, and the
 * transcript holds it all. Also: the customer leaving mid-preview, the KW disconnecting mid-chat,
 * and hostile input. Every process and context is stopped by the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Kysely } from 'kysely';
import WebSocket from 'ws';
import { E2eApp, ensureClientBuilt, makeReady, openKw, TEST_UCC_OPTIONS, type KwPage, launchChromium } from '../support/e2e-app.ts';

const users = ['alice', 'bob'];
function yaml(): string {
  const rp = (n: string, annex: string) => `  - { number: "${n}", type: Routing Point, switch: SW, annex: { ${annex} } }`;
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'switches: [ { name: SW } ]',
    'dns:',
    ...users.map((u) => `  - { number: "sip:${u}@example.test", type: Extension, switch: SW }`),
    rp('8100', 'router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait, im-treatment: PlayAnnouncementAndDigits, im-treatment-prompt: "Hi!|Please enter 1 for billing", im-treatment-total-timeout: 0 }, chat: { page-path: /chat/billing, page-title: "Billing chat" }'),
    rp('8101', 'router: { target-type: kw, target: bob, selection: targeted, max-attempts: 1, no-accept-action: wait }, uc-connector: { display-name: "Bob desk" }'),
    rp('8102', 'router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait }, chat: { page-path: /chat/plain }'),
    '  - { number: "chat", type: Trunk, switch: SW }',
    '  - { number: "trunk", type: Trunk, switch: SW }',
    'places:',
    ...users.map((u) => `  - { name: P_${u}, dns: ["sip:${u}@example.test"] }`),
    'agentLogins:',
    ...users.map((u) => `  - { loginCode: ${u}, switch: SW }`),
    'persons:',
    ...users.map((u) => `  - { userName: ${u}, firstName: ${u}, lastName: Test, password: ${u}, agentLogins: [${u}], defaultPlace: P_${u}, annex: { uc: { contact: "sip:${u}@example.test" } } }`),
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, no-answer-timeout: 0 } } }',
    `  - { name: UCC, type: ucc, options: { uc-connector: ${JSON.stringify({ ...TEST_UCC_OPTIONS, 'chat-title': 'Customer chat' })} } }`,
    '  - { name: Router, type: router, options: {} }',
    '  - { name: Customers, type: custom-server, password: customers-e2e, options: { tlib-client: { access: all } } }',
    '',
  ].join('\n');
}

/** The texts of the customer page's messages of one kind (`customer`, `agent`, `system`). */
async function customerTexts(page: Page, from?: string): Promise<string[]> {
  return page.locator(from ? `#messages li.${from}` : '#messages li').allTextContents();
}

async function waitText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: 30_000 });
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
}

/** The chat pane of the KW's Interaction window. */
const chatPane = (kw: KwPage) => kw.page.getByTestId('chat-pane').first();

describe('chat in Chromium (issue 13)', () => {
  let browser: Browser;
  before(async () => {
    await ensureClientBuilt();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function withApp(body: (app: E2eApp, kws: KwPage[], customer: Page) => Promise<void>): Promise<void> {
    const app = await E2eApp.startYaml(yaml());
    const kws: KwPage[] = [];
    let ctx: BrowserContext | undefined;
    try {
      for (const u of users) kws.push(await openKw(browser, app.base, u));
      for (const k of kws) await makeReady(k, app.base);
      ctx = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true });
      const customer = await ctx.newPage();
      const errors: string[] = [];
      customer.on('pageerror', (e) => errors.push(e.message));
      customer.on('dialog', (d) => {
        errors.push(`dialog ${d.message()}`);
        void d.dismiss();
      });
      await body(app, kws, customer);
      assert.deepEqual(errors, [], 'no error or dialog on the customer page');
      for (const k of kws) assert.deepEqual([...k.errors, ...k.dialogs], [], `${k.userName}: no page error or dialog`);
    } finally {
      await ctx?.close().catch(() => undefined);
      for (const k of kws) await k.context.close().catch(() => undefined);
      await app.stop();
    }
  }

  test('treatment prompts, preview, chat both ways, reload, transfer with a preview to a second KW, transcript', async () => {
    await withApp(async (app, [alice, bob], customer) => {
      await customer.goto(`${app.base}/chat/billing?name=Ada&CustomerName=Ada%20Lovelace&Reason=%3Cb%3EBilling%3C%2Fb%3E`);
      assert.equal(await customer.title(), 'Billing chat');
      await waitText(customer, '#messages li.system', 'Please enter 1 for billing');
      assert.deepEqual(await customerTexts(customer, 'system'), ['Hi!', 'Please enter 1 for billing'], 'the PROMPT texts in order');
      await say(customer, '1');

      // The preview reaches alice with the case data; she accepts and the chat window opens.
      const preview = alice!.page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      const connId = (await preview.getAttribute('data-conn-id')) ?? '';
      assert.match(connId, /^[0-9a-f]{16}$/);
      await alice!.page.getByTestId('preview-accept').click();
      await chatPane(alice!).waitFor({ timeout: 30_000 });
      assert.equal(await chatPane(alice!).getByTestId('chat-title').textContent(), 'Customer chat');
      const history = await chatPane(alice!).getByTestId('chat-text').allTextContents();
      assert.ok(history.includes('Hi!') && history.includes('1'), `the treatment exchange is passed to the agent: ${history.join(' | ')}`);
      await alice!.shot('chat-kw-window');

      // Alice writes; the customer sees it; the customer's hostile text is shown as text.
      await chatPane(alice!).getByTestId('chat-input').fill('Hello Ada, how can I help?');
      await chatPane(alice!).getByTestId('chat-send').click();
      await waitText(customer, '#messages li.agent', 'Hello Ada, how can I help?');
      await customer.locator('#text').fill('x');
      await chatPane(alice!).getByTestId('chat-typing').waitFor({ timeout: 10_000 });
      await say(customer, '<script>alert(1)</script><img src=x onerror=alert(2)>');
      await chatPane(alice!).locator('[data-testid="chat-text"]', { hasText: '<script>alert(1)</script>' }).waitFor({ timeout: 10_000 });
      assert.equal(await alice!.page.locator('[data-testid="chat-pane"] img').count(), 0, 'no element made from chat text');

      // A reload keeps the session: the messages come back and the chat goes on.
      await customer.reload();
      await waitText(customer, '#messages li.agent', 'Hello Ada, how can I help?');
      await say(customer, 'still here after a reload');
      await chatPane(alice!).locator('[data-testid="chat-text"]', { hasText: 'still here after a reload' }).waitFor({ timeout: 10_000 });
      await customer.screenshot({ path: 'artifacts/e2e/chat-customer-page.png' });

      // Single-step transfer to routing point 8101: bob gets a preview, accepts, sees the transcript so far.
      await alice!.page.getByTestId('contact-point-picker').selectOption('8101');
      await alice!.page.getByTestId('call-transfer').click();
      const bobPreview = bob!.page.getByTestId('preview-window');
      await bobPreview.waitFor({ timeout: 30_000 });
      assert.equal(await bobPreview.getAttribute('data-conn-id'), connId, 'the same chat');
      await bob!.page.getByTestId('preview-accept').click();
      await chatPane(bob!).waitFor({ timeout: 30_000 });
      const bobHistory = await chatPane(bob!).getByTestId('chat-text').allTextContents();
      assert.ok(bobHistory.includes('Hello Ada, how can I help?') && bobHistory.includes('still here after a reload'), 'bob sees the chat so far');
      await waitText(customer, '#messages li.system', 'sip:bob@example.test joined the chat.');
      await chatPane(bob!).getByTestId('chat-input').fill('Bob here, I take over.');
      await chatPane(bob!).getByTestId('chat-send').click();
      await waitText(customer, '#messages li.agent', 'Bob here, I take over.');
      await alice!.page.locator('[data-testid="chat-pane"][data-ended="released"]').waitFor({ timeout: 10_000 });

      // The transcript: bob (and alice) handled the chat; nobody else gets it.
      await customer.locator('#leave').click();
      await bob!.page.locator('[data-testid="chat-pane"][data-ended]:not([data-ended=""])').waitFor({ timeout: 10_000 });
      let rows: Array<{ kind: string; from: string; text: string; at: number }> = [];
      for (let i = 0; i < 50 && !rows.some((r) => r.text === 'ended'); i++) {
        const res = await bob!.page.request.get(`${app.base}/api/v1/knowledge-workers/bob/chats/${connId}/transcript`);
        assert.equal(res.status(), 200);
        rows = (await res.json()) as typeof rows;
        if (!rows.some((r) => r.text === 'ended')) await new Promise((r) => setTimeout(r, 100));
      }
      const messages = rows.filter((r) => r.kind === 'message').map((r) => `${r.from}:${r.text}`);
      for (const m of ['system:Hi!', 'system:Please enter 1 for billing', 'customer:1', 'agent:Hello Ada, how can I help?', 'customer:<script>alert(1)</script><img src=x onerror=alert(2)>', 'customer:still here after a reload', 'agent:Bob here, I take over.']) {
        assert.ok(messages.includes(m), `transcript holds ${m}`);
      }
      assert.ok(rows.every((r) => typeof r.at === 'number' && r.at > 0));
      const events = rows.filter((r) => r.kind === 'event').map((r) => r.text);
      assert.ok(events.includes('joined sip:alice@example.test') && events.includes('joined sip:bob@example.test') && events.includes('ended'), events.join(' | '));
      assert.equal((await alice!.page.request.get(`${app.base}/api/v1/knowledge-workers/alice/chats/${connId}/transcript`)).status(), 200, 'alice handled it too');
      assert.equal((await alice!.page.request.get(`${app.base}/api/v1/knowledge-workers/bob/chats/${connId}/transcript`)).status(), 403, 'not her own URL');
      assert.equal((await alice!.page.request.get(`${app.base}/api/v1/knowledge-workers/alice/chats/0000000000000001/transcript`)).status(), 403, 'a chat she did not handle');
      // The offer ledger records both previews of the chat with its media type.
      const ledger = await (app.app.store.db as unknown as Kysely<{ rep_preview_offer: { conn_id: string; user_id: string; media_type: string; offered_at: number } }>)
        .selectFrom('rep_preview_offer').select(['user_id', 'media_type']).where('conn_id', '=', connId).orderBy('offered_at').execute();
      assert.deepEqual(ledger, [{ user_id: 'alice', media_type: 'chat' }, { user_id: 'bob', media_type: 'chat' }]);
    });
  });

  test('the customer leaves mid-preview: the preview is cancelled; the KW disconnects mid-chat: the customer is told', async () => {
    await withApp(async (app, [alice], customer) => {
      await customer.goto(`${app.base}/chat/plain`);
      await alice!.page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await customer.locator('#leave').click();
      await alice!.page.getByTestId('preview-window').waitFor({ state: 'detached', timeout: 30_000 });

      const again = await customer.context().newPage();
      await again.goto(`${app.base}/chat/plain`);
      await alice!.page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      await alice!.page.getByTestId('preview-accept').click();
      await chatPane(alice!).waitFor({ timeout: 30_000 });
      await waitText(again, '#messages li.system', 'joined the chat');
      await alice!.context.close(); // the KW's browser goes away
      await waitText(again, '#messages li.system', 'left the chat');
      await again.locator('#status[data-state="ended"]').waitFor({ timeout: 30_000 });
      await again.close();
    });
  });

  test('hostile frames: 1 MB is cut, an over-long message refused with a clear error, invalid UTF-8 refused, controls stripped', async () => {
    await withApp(async (app, [alice]) => {
      const url = `${app.base.replace(/^http/, 'ws')}/chat/plain/ws`;
      const open = async (): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> => {
        const ws = new WebSocket(url, { origin: app.base });
        const queue: Array<Record<string, unknown>> = [];
        const waiters: Array<(m: Record<string, unknown>) => void> = [];
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as Record<string, unknown>;
          const w = waiters.shift();
          if (w) w(m);
          else queue.push(m);
        });
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        return { ws, next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) };
      };
      const c = await open();
      c.ws.send(JSON.stringify({ type: 'hello', userData: { name: 'Eve', 'bad key!': 'x', Reason: 'a\u0000b' } }));
      const session = await c.next();
      assert.equal(session.type, 'session');
      await alice!.page.getByTestId('preview-window').waitFor({ timeout: 30_000 });
      c.ws.send(JSON.stringify({ type: 'message', text: 'y'.repeat(5000) }));
      assert.deepEqual(await c.next(), { type: 'error', code: 'too-large', message: 'messages are limited to 4000 characters' });
      c.ws.send(JSON.stringify({ type: 'message', text: 'ok\u0007\u001b[31m' }));
      const echo = await c.next();
      assert.equal((echo.message as { text: string }).text, 'ok[31m', 'control characters stripped');
      const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
      c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      assert.equal(await closed, 1007, 'invalid UTF-8 closes the frame stream (1007); the page reconnects with its token');

      const d = await open();
      d.ws.send(JSON.stringify({ type: 'hello', token: session.token }));
      assert.equal((await d.next()).type, 'session', 'the session survives the refused frame');
      const cut = new Promise<number>((r) => d.ws.once('close', (code) => r(code)));
      d.ws.send(JSON.stringify({ type: 'message', text: 'z'.repeat(1024 * 1024) }));
      assert.equal(await cut, 1009, 'a 1 MB frame is cut (1009)');
    });
  });
});
