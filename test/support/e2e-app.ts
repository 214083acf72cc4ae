/**
 * The whole of `ucc start` in process for the browser proofs (test/e2e/): buildApp on a small test
 * configuration with short timeouts, every listener on port 0, the browser client built into
 * client/dist (where buildApp serves it from), and a T-Lib client over TCP that plays the
 * customer: RequestMakeCall from the trunk to a routing point with UserData, as `ucc call` does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { buildClient } from '../../client/build.mjs';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { formatIssue } from '../../src/config/config-issue.ts';
import { loadConfigFile } from '../../src/config/config-loader.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import type { KvPair, TlibEvent } from '../../src/tlib/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Debian's Chromium (.ci/run installs it); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, as every browser test launches it: no sandbox (the tests run as
 * root), and none of the background fetches a closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Screenshots of the browser tests (gitignored). */
export const ARTIFACTS = join(root, 'artifacts', 'e2e');

let clientBuilt: Promise<unknown> | undefined;
/** Builds the client once per process into client/dist, the folder buildApp serves. */
export function ensureClientBuilt(): Promise<unknown> {
  clientBuilt ??= buildClient(join(root, 'client', 'dist'));
  return clientBuilt;
}

/** `[uc-connector]` options of the test configuration; tests override some. */
export const TEST_UCC_OPTIONS: Record<string, string | number | boolean> = {
  'preview-expiration-timeout': 30_000,
  'dnd-off-timeout': 3000,
  'itx-window-close-timeout': 60_000,
  'user-auto-registration': true,
  'preview-shortkey-accept': 'a',
  'preview-shortkey-reject': 'r',
  'userdata-title': 'Customer case',
  'userdata-onringing': true,
  'userdata-preview-format1': 'title: Customer, value: [CustomerName]',
  'userdata-preview-format2': 'title: Reason, value: [Reason]',
  'userdata-call-format1': 'title: Customer, value: [CustomerName]',
  'userdata-call-format2': 'title: Account, value: [AccountNumber]',
  'userdata-call-format3': 'title: Reason, value: [Reason]',
};

/** Routing points of the test configuration. */
export const RP = {
  /** targeted: always alice. */
  alice: '8000',
  /** broadcast to KW_Team (alice, bob). */
  broadcast: '8001',
  /** targeted by the `KW_TARGET` UserData value. */
  byUserData: '8002',
  /** a contact point without a strategy (transfers land here and wait). */
  contactPoint: '8050',
} as const;

function testConfigYaml(ucc: Record<string, unknown>): string {
  const users = ['alice', 'bob'];
  const rp = (n: string, name: string, router?: string): string =>
    `  - { number: "${n}", type: Routing Point, switch: SW, annex: { ${router ? `router: ${router}, ` : ''}TServer: { router-timeout: 0 }, uc-connector: { display-name: "${name}" } } }\n`;
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'switches: [ { name: SW } ]',
    'dns:',
    ...users.map((u) => `  - { number: "sip:${u}@example.test", type: Extension, switch: SW }`),
    rp(RP.alice, 'Alice direct', '{ target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait }').trimEnd(),
    rp(RP.broadcast, 'Team', '{ target-type: agent-group, target: KW_Team, selection: broadcast, max-attempts: 1, no-accept-action: wait }').trimEnd(),
    rp(RP.byUserData, 'Owner', '{ target-type: userdata, target: KW_TARGET, selection: targeted, max-attempts: 1, no-accept-action: wait }').trimEnd(),
    rp(RP.contactPoint, 'Billing desk').trimEnd(),
    '  - { number: "9100", type: Virtual Queue, switch: SW }',
    '  - { number: "trunk", type: Trunk, switch: SW }',
    'places:',
    ...users.map((u) => `  - { name: P_${u}, dns: ["sip:${u}@example.test"] }`),
    'agentLogins:',
    ...users.map((u) => `  - { loginCode: ${u}, switch: SW }`),
    'persons:',
    ...users.map((u) => `  - { userName: ${u}, firstName: ${u[0]!.toUpperCase()}${u.slice(1)}, lastName: Test, password: ${u}, agentLogins: [${u}], defaultPlace: P_${u}, annex: { uc: { contact: "sip:${u}@example.test" } } }`),
    'agentGroups: [ { name: KW_Team, members: [alice, bob] } ]',
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, default-dn: "9100", no-answer-timeout: 0 } } }',
    `  - { name: UCC, type: ucc, options: { uc-connector: ${JSON.stringify(ucc)} } }`,
    '  - { name: Router, type: router, options: {} }',
    `  - { name: ${E2E_CUSTOMERS.application}, type: custom-server, password: ${E2E_CUSTOMERS.password}, options: { tlib-client: { access: all } } }`,
    '',
  ].join('\n');
}

/** The tests' T-Lib Application: it places the customers' calls and watches contact points, so it may use every DN. */
export const E2E_CUSTOMERS = { application: 'Customers', password: 'customers-e2e' } as const;

/** One running app, its base URL, and the customer's T-Lib line. */
export class E2eApp {
  private constructor(
    readonly app: App,
    readonly base: string,
    readonly tlib: TlibClient,
    private readonly dir: string,
    /** The SIP switch's listeners (`udp:127.0.0.1:5080`), when the file has a `voice:` block. */
    readonly sip: readonly string[] = [],
  ) {}

  /** Builds and starts the app on a test configuration (`ucc` overrides `[uc-connector]` options). */
  static async start(ucc: Record<string, unknown> = {}): Promise<E2eApp> {
    return E2eApp.startYaml(testConfigYaml({ ...TEST_UCC_OPTIONS, ...ucc }));
  }

  /** Builds and starts the app on a whole top configuration file of the test's own. */
  static async startYaml(yaml: string): Promise<E2eApp> {
    await ensureClientBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ucc-e2e-'));
    try {
      const file = join(dir, 'e2e.yaml');
      writeFileSync(file, yaml);
      const loaded = loadConfigFile(file);
      if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
      const app = await buildApp(loaded.value, { logger: silentLogger });
      const addresses = await app.listen().catch(async (e: unknown) => {
        await app.close();
        throw e;
      });
      const m = /^tcp:\/\/(.+):(\d+)$/.exec(addresses.tlib);
      const tlib = new TlibClient({ target: { kind: 'tcp', host: m?.[1] ?? '127.0.0.1', port: Number(m?.[2]) }, reconnect: false, requestTimeoutMs: 10_000, credentials: E2E_CUSTOMERS });
      await tlib.connect().catch(async (e: unknown) => {
        await app.close();
        throw e;
      });
      return new E2eApp(app, addresses.http.replace(/\/$/, ''), tlib, dir, addresses.sip ?? []);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** An inbound customer call from the trunk to `routingPoint`; resolves with its ConnID. */
  async call(routingPoint: string, userData: KvPair[]): Promise<string> {
    const reply = await this.tlib.request({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: routingPoint, UserData: userData });
    const connId = (reply as { ConnID?: string }).ConnID;
    if (!connId) throw new Error(`RequestMakeCall answered without a ConnID: ${JSON.stringify(reply)}`);
    return connId;
  }

  /** Registers `dn` on the customer's line and collects its events (to watch a contact point). */
  async watch(dn: string): Promise<TlibEvent[]> {
    const events: TlibEvent[] = [];
    this.tlib.onDn(dn, (e) => events.push(e));
    await this.tlib.registerAddress(dn);
    return events;
  }

  async stop(): Promise<void> {
    this.tlib.close();
    await this.app.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A KW in a browser context of its own. */
export interface KwPage {
  readonly userName: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors and dialogs seen (a dialog is dismissed and recorded). */
  readonly errors: string[];
  readonly dialogs: string[];
  /** Saves a screenshot as artifacts/e2e/<name>.png. */
  shot(name: string): Promise<void>;
}

/** Opens a context in `locale`, logs `userName` in (password = user name), waits for the main window. */
export async function openKw(browser: Browser, base: string, userName: string, locale = 'en-US', contextOptions: BrowserContextOptions = {}): Promise<KwPage> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 760 }, ...contextOptions });
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  await page.goto(`${base}/`);
  await page.getByTestId('login-username').fill(userName);
  await page.getByTestId('login-password').fill(userName);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('state-indicator').waitFor({ timeout: 30_000 });
  return {
    userName, context, page, errors, dialogs,
    shot: async (name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    },
  };
}

/** The KW view through the KW's own session. */
export async function kwView(kw: KwPage, base: string): Promise<{ agentState: string; connectorDnd: boolean }> {
  const r = await kw.page.request.get(`${base}/api/v1/knowledge-workers/${kw.userName}`);
  if (r.status() !== 200) throw new Error(`GET knowledge-workers/${kw.userName}: ${r.status()}`);
  return (await r.json()) as { agentState: string; connectorDnd: boolean };
}

/** Polls the KW view until `check` holds. */
export async function waitForKw(kw: KwPage, base: string, what: string, check: (v: { agentState: string; connectorDnd: boolean }) => boolean, timeoutMs = 30_000): Promise<{ agentState: string; connectorDnd: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let last: { agentState: string; connectorDnd: boolean } | undefined;
  while (Date.now() < deadline) {
    last = await kwView(kw, base);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${kw.userName}: ${what} (last view ${JSON.stringify(last)})`);
}

/** Makes the KW Ready the way a user does: the state menu's "online", then waits for Ready. */
export async function makeReady(kw: KwPage, base: string): Promise<void> {
  const v = await kwView(kw, base);
  if (v.agentState !== 'Ready') await kw.page.getByTestId('state-menu').selectOption('online');
  await waitForKw(kw, base, 'Ready', (x) => x.agentState === 'Ready');
}
