/**
 * REST bodies: requests injected with `app.inject()` into the real Fastify routes with their schemas
 * (session, knowledge workers, previews, interactions, contact points) over in-process ports (a real
 * WebAuth, StandalonePlatform, PreviewManager and InteractionTracker). Bodies are mutated as JSON
 * (type confusion, huge numbers, deep nesting, unknown keys) and as bytes; paths, content types,
 * the cookie and the CSRF token vary. Crash: a 500 (an exception reached Fastify's error handler)
 * or `inject` rejecting. Documented outcomes: the routes' 2xx/4xx (and 502 for a T-Lib failure).
 */
import type { FastifyInstance } from 'fastify';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { hashPassword } from '../../../src/config/password-hash.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import { InteractionTracker } from '../../../src/connector/interactions/interaction-tracker.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { PreviewManager } from '../../../src/connector/preview-manager.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import { WebAuth, type WebPerson } from '../../../src/web/auth/web-auth.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { interactionRoutes } from '../../../src/web/routes/interaction-routes.ts';
import { knowledgeWorkerRoutes } from '../../../src/web/routes/knowledge-worker-routes.ts';
import { previewRoutes } from '../../../src/web/routes/preview-routes.ts';
import { sessionRoutes } from '../../../src/web/routes/session-routes.ts';
import type { RedirectNumber } from '../../../src/web/routes/api-schemas.ts';
import type { FuzzTarget } from '../engine.ts';
import type { Mutator, Rand } from '../mutators.ts';

const PASSWORD = 'correct horse';
const KWS = ['alice', 'bob'];

function view(userName: string, i: number): KnowledgeWorkerView {
  return {
    userName, dn: String(7001 + i), agentId: userName, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false,
    autoState: null, registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
  };
}

/** The T-Lib side of the interaction tracker: every request is acknowledged, one in five fails. */
class EchoTlib {
  private readonly listeners = new Map<string, Set<(e: TlibEvent) => void>>();
  private n = 0;
  onDn(dn: string, l: (e: TlibEvent) => void): () => void {
    let set = this.listeners.get(dn);
    if (!set) this.listeners.set(dn, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }
  emit(message: string, dn: string, connId: string, extra: Record<string, unknown> = {}): void {
    for (const l of this.listeners.get(dn) ?? []) l({ message, ThisDN: dn, ConnID: connId, ...extra } as unknown as TlibEvent);
  }
  async request(r: TlibRequest): Promise<TlibEvent> {
    if (++this.n % 5 === 0) throw Object.assign(new Error('EventError 41'), { code: 41 });
    return { ...r, message: 'EventACK' } as unknown as TlibEvent;
  }
}

interface Template { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; body?: unknown }

const TEMPLATES: Template[] = [
  { method: 'POST', url: '/api/v1/session', body: { userName: 'alice', password: PASSWORD } },
  { method: 'POST', url: '/api/v1/session', body: { userName: 'bob', password: 'wrong' } },
  { method: 'GET', url: '/api/v1/session' },
  { method: 'GET', url: '/api/v1/client-config' },
  { method: 'GET', url: '/api/v1/knowledge-workers' },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}' },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}/presence' },
  { method: 'PUT', url: '/api/v1/knowledge-workers/{u}/presence', body: { availability: 'busy', note: 'in a meeting' } },
  { method: 'PUT', url: '/api/v1/knowledge-workers/{u}/connector-dnd', body: { on: true } },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}/state-display?language=fr' },
  { method: 'PUT', url: '/api/v1/knowledge-workers/{u}/custom-state', body: { id: 'ready' } },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}/redirect-number' },
  { method: 'PUT', url: '/api/v1/knowledge-workers/{u}/redirect-number', body: { number: '+15551234', enabled: true } },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}/previews' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/previews/{p}/accept' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/previews/{p}/reject' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/previews/{p}/accept-external' },
  { method: 'GET', url: '/api/v1/knowledge-workers/{u}/interactions' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/answer' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/hold' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/release' },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/transfer', body: { contactPoint: '5000' } },
  { method: 'POST', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/conference', body: { contactPoint: '5000' } },
  { method: 'PUT', url: '/api/v1/knowledge-workers/{u}/interactions/{c}/notes', body: { notes: 'called back' } },
  { method: 'GET', url: '/api/v1/contact-points' },
  { method: 'DELETE', url: '/api/v1/session' },
];
const KEYS = ['userName', 'password', 'availability', 'note', 'on', 'id', 'number', 'enabled', 'contactPoint', 'notes', '__proto__', 'constructor'];
const SEGMENTS = ['alice', 'bob', 'nobody', '', '%00', '%2e%2e', '..', '%ff', 'a'.repeat(300), '%E2%80%AE', '😀', '?', '%', '%zz', ';', '0000000000000001'];
const TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', 'APPLICATION/JSON'];

/** A case is a small JSON envelope (which request, what identity) then the raw body bytes. */
interface Envelope { t: number; u: string; p: string; c: string; ct: string; auth: 0 | 1 | 2 | 3 }

export async function restTarget(): Promise<FuzzTarget> {
  const clock = new ManualClock();
  const cheap = { N: 1024, r: 8, p: 1 };
  const persons: Record<string, WebPerson> = Object.fromEntries(KWS.map((u) => [u, { userName: u, firstName: u, lastName: 'Fuzz', passwordHash: hashPassword(PASSWORD, cheap) }]));
  const auth = new WebAuth({ clock, persons: { person: (u) => persons[u] } });
  const kws = new Map(KWS.map((u, i) => [u, view(u, i)]));
  const standalone = new StandalonePlatform({ clock });
  const redirects = new Map<string, RedirectNumber>();
  const connector = {
    knowledgeWorkers: () => [...kws.keys()],
    state: (u: string) => kws.get(u),
    knowledgeWorker: (u: string) => kws.get(u),
    enterAutoState: () => true,
    setConnectorDnd: (u: string, on: boolean) => { const v = kws.get(u); if (!v) return false; kws.set(u, { ...v, connectorDnd: on }); return true; },
    selectCustomState: (u: string) => kws.has(u),
  };
  const sessions = new KwClientSessions();
  const previews = new PreviewManager({ connector, sessions, clock });
  const livePreviews: string[] = [];
  for (const userName of KWS) sessions.add({ id: sessions.newId(), userName, send: (m) => { if (m.type === 'preview') { livePreviews.push(m.id); if (livePreviews.length > 16) livePreviews.shift(); } return true; } });
  const tlib = new EchoTlib();
  const tracker = new InteractionTracker({ tlib: tlib as never, clock });
  KWS.forEach((u, i) => tracker.track(u, String(7001 + i)));
  const configView = new ConfigIndex({ ...emptyObjects(), dns: [{ switch: 'S', number: '5000', type: 'Routing Point', register: true, annex: { 'UC-Connector': { 'display-name': 'Sales' } } }] });
  const app: FastifyInstance = createHttpServer({
    logger: silentLogger,
    version: 'fuzz',
    routes: [
      sessionRoutes({ auth, options: { publicOptions: () => ({ 'help-login-url': 'help/login.html', locale: 'fr' }), forPerson: () => ({}) as never } }),
      knowledgeWorkerRoutes({ auth, connector, standalone, redirect: { setupEnabled: () => true, get: (u) => redirects.get(u) ?? { number: '', enabled: false }, set: async (u, v) => void redirects.set(u, v) } }),
      previewRoutes({ auth, previews }),
      interactionRoutes({ auth, interactions: tracker, view: configView, noteKey: () => 'KW_ITX_NOTES' }),
    ],
  });
  await app.ready();
  const login = async (u: string): Promise<{ cookie: string; csrf: string }> => {
    let r = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: u, password: PASSWORD }, remoteAddress: '192.0.2.200' });
    // Fuzzed logins may have throttled the user: let the throttle window pass (on the manual clock).
    for (let i = 0; i < 8 && r.statusCode === 429; i++) {
      clock.advance(15 * 60_000);
      r = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: u, password: PASSWORD }, remoteAddress: '192.0.2.200' });
    }
    const set = r.headers['set-cookie'];
    const first = Array.isArray(set) ? set[0] : set;
    if (r.statusCode !== 200 || typeof first !== 'string') throw new Error(`fuzz setup: login failed ${r.statusCode} ${r.body}`);
    return { cookie: first.split(';')[0] as string, csrf: (r.json() as { csrfToken: string }).csrfToken };
  };
  let alice = await login('alice');
  let cases = 0;
  let call = 0;
  const corpus = TEMPLATES.map((t) => Buffer.from(JSON.stringify(t.body ?? null)));
  return {
    name: 'rest',
    corpus,
    generate(m: Mutator): Buffer {
      const t = m.int(TEMPLATES.length);
      const tpl = TEMPLATES[t] as Template;
      const env: Envelope = {
        t, u: m.chance(0.8) ? 'alice' : m.pick(SEGMENTS), p: m.pick(SEGMENTS), c: m.chance(0.5) ? 'live' : m.pick(SEGMENTS),
        ct: m.chance(0.8) ? 'application/json' : m.pick(TYPES), auth: m.chance(0.85) ? 0 : (1 + m.int(3)) as 1 | 2 | 3,
      };
      let body: Buffer;
      if (tpl.body === undefined && m.chance(0.7)) body = Buffer.alloc(0);
      else {
        const seed = tpl.body ?? {};
        body = m.chance(0.15) ? Buffer.from(JSON.stringify(seed)) : Buffer.from(m.json(seed, KEYS), 'utf8');
        if (m.chance(0.25)) body = m.bytes(body, corpus);
      }
      return Buffer.concat([Buffer.from(JSON.stringify(env) + '\n'), body]);
    },
    async run(input: Buffer, rand: Rand): Promise<string> {
      cases++;
      if (cases % 40 === 1) {
        previews.handle({ message: 'PreviewInteractionRequest', ReferenceID: cases, agent: 'alice', connId: (cases).toString(16).padStart(16, '0'), dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'fuzz']], timeout: 20_000 }, { respond: () => true });
        tlib.emit('EventRinging', '7001', (++call).toString(16).padStart(16, '0'), { OtherDN: '5000', UserData: [['custname', 'x']] });
      }
      if (rand() < 0.01) clock.advance(Math.floor(rand() * 60_000));
      const nl = input.indexOf(0x0a);
      const env = JSON.parse(input.subarray(0, nl).toString('utf8')) as Envelope;
      const body = input.subarray(nl + 1);
      const tpl = TEMPLATES[env.t] as Template;
      const seg = (s: string): string => (s === 'live' ? (call.toString(16).padStart(16, '0')) : encodeURIComponent(s).replace(/%25/g, '%'));
      const p = livePreviews.length > 0 && rand() < 0.5 ? (livePreviews[Math.floor(rand() * livePreviews.length)] as string) : env.p;
      const url = tpl.url.replace('{u}', seg(env.u)).replace('{p}', seg(p)).replace('{c}', seg(env.c));
      const headers: Record<string, string> = {};
      if (env.auth !== 1) headers['cookie'] = env.auth === 3 ? 'ucc_session=forged' : alice.cookie;
      if (env.auth !== 2) headers['x-csrf-token'] = alice.csrf;
      if (body.length > 0 || env.ct !== 'application/json') headers['content-type'] = env.ct;
      const r = await app.inject({ method: tpl.method, url, headers, ...(body.length > 0 ? { payload: body } : {}), remoteAddress: `192.0.2.${1 + Math.floor(rand() * 100)}` });
      if (r.statusCode === 500) throw new Error(`500 on ${tpl.method} ${url}: ${r.body.slice(0, 300)}`);
      // A logout (or an expired session) ends alice's session: log in again for the next cases.
      if ((tpl.method === 'DELETE' && r.statusCode === 204) || (env.auth === 0 && r.statusCode === 401) || (tpl.url === '/api/v1/session' && tpl.method === 'POST' && r.statusCode === 200)) alice = await login('alice');
      return `${tpl.method} ${tpl.url} ${r.statusCode}`;
    },
    async close(): Promise<void> {
      await app.close();
      previews.dispose();
    },
  };
}
