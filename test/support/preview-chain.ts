/**
 * The whole preview chain in one process, as `ucc start` runs it, for the end-to-end proofs and
 * bench/preview: T-Server ← router(s) → preview protocol (PreviewClient → PreviewServer, framed,
 * in memory) → preview manager → KW client sessions; the connector (standalone UC platform) logs
 * the KWs in and applies the auto-states; statistics feed the router; reporting keeps the ledger.
 *
 * KW clients are either real WebSocket connections to the KW client API (`transport: 'websocket'`,
 * one socket per KW) or in-process sessions of the KwClientSessions registry (the default; the
 * WebSocket layer adds exactly such sessions). Each records the messages it gets; `autoAccept`
 * answers every preview at once.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { WebSocket } from 'ws';
import { ConfigIndex } from '../../src/config/config-index.ts';
import { emptyObjects, type OptionSections } from '../../src/config/config-objects.ts';
import { OptionResolver } from '../../src/config/option-resolver.ts';
import { UcConnector } from '../../src/connector/connector.ts';
import { KwClientSessions, type KwClientSession } from '../../src/connector/kw-client-sessions.ts';
import type { KwServerMessage, KwPreviewMessage } from '../../src/connector/kw-client-messages.ts';
import { PreviewManager, previewSettingsFromOptions } from '../../src/connector/preview-manager.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createHttpServer } from '../../src/web/http-server.ts';
import { identifyKwFromQuery, kwSocketPath, kwSocketRoutes } from '../../src/web/kw-socket.ts';
import { PreviewClient, PreviewServer } from '../../src/preview/preview-transport.ts';
import { PreviewReporter } from '../../src/reporting/preview-reporter.ts';
import type { Reservations } from '../../src/store/reservations.ts';
import { Router } from '../../src/router/router.ts';
import { compileStrategies } from '../../src/router/routing-strategy.ts';
import { StatService } from '../../src/stats/stat-service.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../src/tlib/index.ts';
import { TServer } from '../../src/tserver/tserver.ts';
import { createTServerConfig, type DnType } from '../../src/tserver/tserver-config.ts';
import { StandalonePlatform } from '../../src/uc/standalone/standalone-platform.ts';

const tserverDnType = (t: string): DnType => t.replace(/ /g, '') as DnType;

type ActionResult = ReturnType<PreviewManager['accept']>;

/** One scripted KW client (one session of one KW). */
export class KwClient {
  readonly messages: KwServerMessage[] = [];
  autoAccept = false;
  /** Called for every preview delivered (benchmarks time their accepts here). */
  onPreview: ((m: KwPreviewMessage) => void) | undefined;
  remove: () => void = () => undefined;

  constructor(
    readonly userName: string,
    readonly dn: string,
    private readonly chain: PreviewChain,
  ) {}

  /** The previews received (open or not). */
  previews(): KwPreviewMessage[] {
    return this.messages.filter((m): m is KwPreviewMessage => m.type === 'preview');
  }

  /** Outcomes of the previews that closed, in order. */
  closed(): string[] {
    return this.messages.flatMap((m) => (m.type === 'preview-closed' ? [m.outcome] : []));
  }

  accept(id = this.lastPreviewId()): ActionResult {
    return this.act('accept', id);
  }

  reject(id = this.lastPreviewId()): ActionResult {
    return this.act('reject', id);
  }

  acceptExternal(id = this.lastPreviewId()): ActionResult {
    return this.act('accept-external', id);
  }

  /** In process: the preview manager's answer. Over WebSocket: sent (a refusal comes back as an `error` message). */
  private act(type: 'accept' | 'reject' | 'accept-external', id: string): ActionResult {
    if (this.ws) {
      this.ws.send(JSON.stringify({ type, id }));
      return { ok: true };
    }
    const m = this.chain.manager;
    return type === 'accept' ? m.accept(this.userName, id) : type === 'reject' ? m.reject(this.userName, id) : m.acceptExternal(this.userName, id);
  }

  lastPreviewId(): string {
    const p = this.previews().at(-1);
    if (!p) throw new Error(`${this.userName} has no preview`);
    return p.id;
  }

  /** Disconnects the client (its only session). */
  disconnect(): void {
    this.remove();
  }

  /** The WebSocket when the chain runs with `transport: 'websocket'`. */
  ws: WebSocket | undefined;
}

export interface PreviewChainOptions {
  clock: Clock;
  /** Number of KWs: kw1..kwN on DNs 10001.., agent ids A10001.., all in agent group `Sales`. */
  kws: number;
  /** `[router]` sections by Routing Point number. */
  routingPoints: Record<string, Record<string, string | number | boolean>>;
  /** One Reservations per router instance (two = two routers contending, e.g. two store connections). */
  reservations: Reservations[];
  /** `[TServer]` Application options. */
  tserverOptions?: Record<string, string | number>;
  /** `[uc-connector]` Application options. */
  uccOptions?: Record<string, string | number | boolean>;
  /** Extra Person annex per KW user name. */
  personAnnex?: (userName: string) => OptionSections;
  /** The reporting database (reporting migrations applied); no ledger without it. */
  reportingDb?: Kysely<unknown>;
  /**
   * How KW clients connect: `in-process` sessions of the registry (default), or real WebSocket
   * connections to the KW client API (`/api/v1/kw-socket` on a Fastify server on port 0).
   */
  transport?: 'in-process' | 'websocket';
}

/** The chain; `start()` logs every KW in Ready, `close()` stops everything. */
export class PreviewChain {
  readonly server: TServer;
  readonly connector: UcConnector;
  readonly uc: StandalonePlatform;
  readonly stats: StatService;
  readonly sessions = new KwClientSessions();
  readonly manager: PreviewManager;
  readonly previewServer: PreviewServer;
  readonly routers: Router[] = [];
  readonly previewClients: PreviewClient[] = [];
  readonly reporter: PreviewReporter;
  readonly kws = new Map<string, KwClient>();
  /** Every event the T-Server sent to the observer (registered on every KW DN and Routing Point). */
  readonly events: Array<TlibEvent & Record<string, unknown>> = [];
  private readonly tlib: TlibClient;
  /** The T-Lib clients of the routers and the statistics (in process, as `ucc start` runs them). */
  private readonly roleClients: TlibClient[] = [];
  private readonly statsTlib: TlibClient;
  private readonly observer: ReturnType<TServer['attach']>;
  private ref = 1;
  private http: FastifyInstance | undefined;
  private wsBase = '';

  constructor(readonly options: PreviewChainOptions) {
    const clock = options.clock;
    const names = Array.from({ length: options.kws }, (_, i) => `kw${i + 1}`);
    const dnOf = (i: number): string => String(10001 + i);
    const o = emptyObjects();
    o.switches.push({ name: 'SW', annex: {} });
    const rps = Object.keys(options.routingPoints);
    for (const rp of rps) o.dns.push({ switch: 'SW', number: rp, type: 'Routing Point', register: true, annex: { router: options.routingPoints[rp] ?? {} } });
    o.dns.push({ switch: 'SW', number: 'Q1', type: 'ACD Queue', register: true, annex: {} });
    o.dns.push({ switch: 'SW', number: 'EXT1', type: 'ACD Queue', register: true, annex: {} });
    o.dns.push({ switch: 'SW', number: 'trunk', type: 'Trunk', register: true, annex: {} });
    names.forEach((u, i) => {
      o.dns.push({ switch: 'SW', number: dnOf(i), type: 'Extension', register: true, annex: {} });
      o.places.push({ name: `P${i + 1}`, dns: [{ switch: 'SW', number: dnOf(i) }] });
      o.agentLogins.push({ switch: 'SW', loginCode: `A${dnOf(i)}`, annex: {} });
      o.persons.push({ userName: u, agentLogins: [{ switch: 'SW', loginCode: `A${dnOf(i)}` }], defaultPlace: `P${i + 1}`, annex: { uc: { contact: `sip:${u}@example.test` }, ...(options.personAnnex?.(u) ?? {}) } });
    });
    o.agentGroups.push({ name: 'Sales', members: names, annex: {} });
    o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': options.uccOptions ?? {} } });
    const view = new ConfigIndex(o);

    this.server = new TServer({
      clock,
      config: createTServerConfig({
        switchName: 'SW',
        dns: o.dns.map((d) => ({ name: d.number, type: tserverDnType(d.type) })),
        agentLogins: o.agentLogins.map((a) => a.loginCode),
        options: { 'default-dn': 'Q1', 'router-timeout': 0, ...(options.tserverOptions ?? {}) },
      }),
      connIdPrefix: 0x77,
    });
    this.observer = this.server.attach((e) => this.events.push(e as TlibEvent & Record<string, unknown>));
    for (const d of o.dns) this.observe({ message: 'RequestRegisterAddress', ThisDN: d.number });

    this.uc = new StandalonePlatform({ clock });
    this.tlib = new TlibClient({ target: { kind: 'memory', connect: () => this.server.connectInMemory() }, clock });
    const resolver = new OptionResolver({ view, application: 'UCC' });
    this.connector = new UcConnector({ view, application: 'UCC', tlib: this.tlib, uc: this.uc, clock, resolver });
    this.stats = new StatService({ clock, config: { agents: names.map((u, i) => ({ agentId: `A${dnOf(i)}`, userName: u })), groups: [{ name: 'Sales', members: names }], dns: o.dns.filter((d) => d.type !== 'Trunk').map((d) => d.number) } });
    this.statsTlib = this.inProcessClient();
    this.reporter = new PreviewReporter({ ...(options.reportingDb ? { db: options.reportingDb } : {}), dnOf: (id) => this.stats.agent(id)?.dn });
    const first = options.reservations[0];
    if (!first) throw new Error('at least one Reservations');
    this.manager = new PreviewManager({
      connector: this.connector,
      sessions: this.sessions,
      settings: previewSettingsFromOptions(resolver),
      // The connector decides the winner in the store the routers read (any router's connection will do).
      reservations: first,
      recorder: this.reporter,
      clock,
    });
    this.previewServer = new PreviewServer({ handler: (r, s) => this.manager.handle(r, s), clock });
    const { strategies } = compileStrategies(o.dns);
    options.reservations.forEach((reservations, i) => {
      const client = new PreviewClient({ target: { kind: 'memory', connect: () => this.previewServer.connectInMemory() }, clock });
      this.previewClients.push(client);
      const tlib = this.inProcessClient();
      this.routers.push(new Router({ tserver: tlib, preview: client, stats: this.stats, reservations, strategies, switchName: 'SW', clock, instanceId: `router-${i + 1}`, defaultDnOf: () => 'Q1' }));
    });
    names.forEach((u, i) => this.kws.set(u, new KwClient(u, dnOf(i), this)));
  }

  kw(userName: string): KwClient {
    const k = this.kws.get(userName);
    if (!k) throw new Error(`no KW ${userName}`);
    return k;
  }

  /** Connects everything, opens one client session per KW and waits until every KW is Ready. */
  async start(): Promise<void> {
    await this.stats.connect(this.statsTlib);
    await this.uc.start();
    await this.tlib.connect();
    this.connector.start();
    for (const c of this.previewClients) await c.connect();
    for (const c of this.roleClients) await c.connect();
    for (const r of this.routers) await r.start();
    if (this.options.transport === 'websocket') {
      this.http = createHttpServer({ logger: silentLogger, version: 'test', routes: [kwSocketRoutes({ connector: this.connector, sessions: this.sessions, previews: this.manager, identify: identifyKwFromQuery, clock: this.options.clock })] });
      this.wsBase = (await this.http.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    }
    for (const k of this.kws.values()) {
      this.uc.setPresence(k.userName, 'online');
      if (this.http) {
        await this.connectSocket(k);
      } else {
        this.connector.openSession(k.userName);
        this.connectClient(k);
      }
    }
    await this.until(() => [...this.kws.values()].every((k) => this.stats.agent(k.userName)?.state === 'Ready'), 'every KW Ready');
  }

  /** Opens the KW's WebSocket (the socket opens its connector session) and waits for its first `state`. */
  async connectSocket(k: KwClient): Promise<void> {
    const ws = new WebSocket(`${this.wsBase}${kwSocketPath}?userName=${encodeURIComponent(k.userName)}`);
    k.ws = ws;
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as KwServerMessage;
      k.messages.push(m);
      if (m.type === 'preview') {
        k.onPreview?.(m);
        if (k.autoAccept) ws.send(JSON.stringify({ type: 'accept', id: m.id }));
      }
    });
    k.remove = () => ws.close();
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await this.until(() => k.messages.some((m) => m.type === 'state'), `${k.userName} state`);
  }

  /** (Re)connects the KW's client session. */
  connectClient(k: KwClient): void {
    const session: KwClientSession = {
      id: this.sessions.newId(),
      userName: k.userName,
      send: (m) => {
        k.messages.push(m);
        if (m.type === 'preview') {
          k.onPreview?.(m);
          if (k.autoAccept) queueMicrotask(() => k.accept(m.id));
        }
        return true;
      },
    };
    k.remove = this.sessions.add(session);
  }

  /** A customer call from the trunk to a Routing Point; returns its ConnID. */
  call(rp: string, userData: Array<[string, string]> = [['Customer', 'Anna']]): string {
    const before = this.events.length;
    this.observe({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: rp, UserData: userData });
    const d = this.events.slice(before).find((e) => e.message === 'EventDialing');
    if (!d) throw new Error(`call to ${rp} failed: ${JSON.stringify(this.events.slice(before))}`);
    return d.ConnID as string;
  }

  /** The caller hangs up. */
  hangUp(connId: string): void {
    this.observe({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId });
  }

  /** Events named `name` for `connId` (optionally on one DN). */
  eventsOf(name: string, connId: string, dn?: string): Array<TlibEvent & Record<string, unknown>> {
    return this.events.filter((e) => e.message === name && e.ConnID === connId && (dn === undefined || e.ThisDN === dn));
  }

  /** Lets promises, in-memory streams and immediate callbacks run until `cond` holds. */
  async until(cond: () => boolean, what: string, rounds = 20_000): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      if (cond()) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Lets everything in flight settle (a fixed number of event-loop turns, no time passes). */
  async settle(turns = 50): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
    await this.reporter.flush();
  }

  async close(): Promise<void> {
    // Closing the preview links first resolves every pending offer, so the routers can stop.
    for (const c of this.previewClients) c.close();
    for (const r of this.routers) await r.stop().catch(() => undefined);
    await this.previewServer.close();
    this.manager.dispose();
    this.connector.stop();
    this.stats.close();
    this.tlib.close();
    for (const c of this.roleClients) c.close();
    for (const k of this.kws.values()) k.ws?.terminate();
    await this.http?.close();
    this.observer.close();
    await this.server.close();
    await this.uc.stop();
  }

  /** A T-Lib client over an in-process pipe to the T-Server, closed with the chain. */
  private inProcessClient(): TlibClient {
    const c = new TlibClient({ target: { kind: 'memory', connect: () => this.server.connectInProcess() }, clock: this.options.clock });
    this.roleClients.push(c);
    return c;
  }

  private observe(r: Record<string, unknown>): void {
    this.observer.request({ ...r, ReferenceID: this.ref++ } as TlibRequest);
  }
}
