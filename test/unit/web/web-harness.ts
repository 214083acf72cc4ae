/** A Fastify app with the session and KW routes over fakes, driven by inject() and a ManualClock. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import type { PresenceDefinition } from '../../../src/connector/custom-states/presence-definition.ts';
import type { AgentStateRequest } from '../../../src/connector/custom-states/custom-state-matcher.ts';
import { hashPassword } from '../../../src/config/password-hash.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import { WebAuth, type WebPerson } from '../../../src/web/auth/web-auth.ts';
import { createHttpServer, type RouteRegistration } from '../../../src/web/http-server.ts';
import type { RedirectNumber } from '../../../src/web/routes/api-schemas.ts';
import type { ClientOptions } from '../../../src/web/routes/client-options.ts';
import { knowledgeWorkerRoutes, type RedirectNumberPort } from '../../../src/web/routes/knowledge-worker-routes.ts';
import { openApiRoutes } from '../../../src/web/routes/openapi-routes.ts';
import { sessionRoutes } from '../../../src/web/routes/session-routes.ts';

// Cheap scrypt parameters: the tests check the flow, not the cost.
const cheap = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse';

export const persons: Record<string, WebPerson> = {
  alice: { userName: 'alice', firstName: 'Alice', lastName: 'Liddell', passwordHash: hashPassword(PASSWORD, cheap) },
  bob: { userName: 'bob', firstName: '', lastName: '', passwordHash: hashPassword(PASSWORD, cheap) },
  nohash: { userName: 'nohash' },
};

export function kwView(userName: string, connectorDnd = false): KnowledgeWorkerView {
  const view: KnowledgeWorkerView = {
    userName, dn: `7${userName.length}01`, agentId: userName, agentState: 'Ready', workMode: null, reasons: {}, presence: null,
    connectorDnd, autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false,
    published: null, staleDropped: 0,
  };
  return view;
}

export const baseOptions = (): ClientOptions => ({
  'help-login-url': 'help/login.html', locale: 'fr', 'help-callcontrol-url': '', 'help-interaction-url': '', 'enable-logout-menu': true,
  'redirect-setup-enabled': true, 'preview-shortkey-accept': '#32', 'preview-shortkey-reject': '', 'preview-expiration-timeout': 15000,
  'itx-window-close-timeout': 9000, 'popup-udata-key': '', 'audio-on-preview': '', 'audio-on-ring': '', 'chat-title': 'Chat',
  'chat-consult-title': 'Consulting Chat', 'userdata-title': 'Case data', 'userdata-note-title': 'Notes', 'userdata-note-key': 'KW_ITX_NOTES',
  'userdata-contact-format': 'title: Contact, value: [USER-ID]', 'userdata-onringing': false, 'userdata-note-onpreview': false,
  'userdata-note-onringing': false, 'userdata-contact-onpreview': false, 'userdata-contact-onringing': false,
  'userdata-preview-format': ['title: Customer, value: [custname]'], 'userdata-call-format': [],
});

export interface Harness {
  app: FastifyInstance;
  clock: ManualClock;
  auth: WebAuth;
  kws: Map<string, KnowledgeWorkerView>;
  /** What PUT .../custom-state asked the connector for, in order. */
  selectedStates: Array<{ userName: string; request: AgentStateRequest }>;
  standalone: StandalonePlatform;
  redirects: Map<string, RedirectNumber>;
  /** Every line the web edge and its authentication logged. */
  logs: Array<Record<string, unknown>>;
  /** Logs in; returns the cookie header value and the CSRF token. */
  login(userName: string, ip?: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export async function harness(opts: { redirectSetup?: boolean; extraRoutes?: RouteRegistration[]; routesWithAuth?: (auth: WebAuth) => RouteRegistration[]; presenceDefinition?: PresenceDefinition } = {}): Promise<Harness> {
  const clock = new ManualClock();
  const logger = memoryLogger();
  const auth = new WebAuth({ clock, persons: { person: (u) => persons[u] }, logger });
  const kws = new Map([['alice', kwView('alice')], ['bob', kwView('bob')]]);
  const selectedStates: Harness['selectedStates'] = [];
  const standalone = new StandalonePlatform({ clock });
  const redirects = new Map<string, RedirectNumber>();
  const redirect: RedirectNumberPort = {
    setupEnabled: () => opts.redirectSetup ?? true,
    get: (u) => redirects.get(u) ?? { number: '', enabled: false },
    set: async (u, v) => void redirects.set(u, v),
  };
  const connector = {
    knowledgeWorker: (u: string) => kws.get(u),
    // As the connector's machine does: the auto-state ends and the state follows the presence (Ready here).
    endAutoState: (u: string) => {
      const v = kws.get(u);
      if (!v) return false;
      kws.set(u, { ...v, autoState: null, agentState: 'Ready', reasons: {} });
      return true;
    },
    setConnectorDnd: (u: string, on: boolean) => {
      const v = kws.get(u);
      if (!v) return false;
      kws.set(u, { ...v, connectorDnd: on });
      return true;
    },
    selectCustomState: (u: string, r: AgentStateRequest) => {
      const v = kws.get(u);
      if (!v) return false;
      selectedStates.push({ userName: u, request: r });
      // As the T-Server would confirm it: the view shows the requested state.
      kws.set(u, { ...v, agentState: r.ready ? 'Ready' : 'NotReady', workMode: r.workMode, reasons: { ...r.reasons } });
      return true;
    },
  };
  const options = { publicOptions: () => ({ 'help-login-url': 'help/login.html', locale: 'fr' }), forPerson: () => baseOptions() };
  const app = createHttpServer({
    logger,
    version: '0.0.0-test',
    routes: [openApiRoutes(), sessionRoutes({ auth, options }), knowledgeWorkerRoutes({ auth, connector, standalone, redirect, ...(opts.presenceDefinition ? { presenceDefinition: { current: () => opts.presenceDefinition! } } : {}) }), ...(opts.extraRoutes ?? []), ...(opts.routesWithAuth?.(auth) ?? [])],
  });
  await app.ready();
  const login = async (userName: string, ip = '192.0.2.1') => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName, password: PASSWORD }, remoteAddress: ip });
    if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
    return { cookie: cookieOf(r), csrf: (r.json() as { csrfToken: string }).csrfToken };
  };
  return { app, clock, auth, kws, selectedStates, standalone, redirects, logs: logger.lines, login, close: () => app.close() };
}

/** The `name=value` part of the response's Set-Cookie. */
export function cookieOf(r: LightMyRequestResponse): string {
  const h = r.headers['set-cookie'];
  const first = Array.isArray(h) ? h[0] : h;
  if (typeof first !== 'string') throw new Error('no Set-Cookie');
  return first.split(';')[0]!;
}
