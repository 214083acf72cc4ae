/**
 * The composition root: builds every role from a loaded configuration and wires them through the
 * same interfaces they use over the network. It never listens; `App.listen()` does, so tests can
 * build the whole system in-process with a ManualClock.
 */
import { httpLimitsFrom } from '../web/listener-limits.ts';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { formatIssue } from '../config/config-issue.ts';
import type { LoadedConfig } from '../config/config-loader.ts';
import type { Clock } from '../lib/clock.ts';
import { SystemClock } from '../lib/clock.ts';
import { UccError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';
import type { LogControl } from '../lib/log-control.ts';
import { logSectionOf, logSettingsFromSection } from '../lib/log-options.ts';
import { adminRoutes } from '../web/routes/admin-routes.ts';
import { opsRoutes } from '../web/routes/ops-routes.ts';
import { UccMetrics } from '../metrics/ucc-metrics.ts';
import { Operations } from './operations.ts';
import { defaultMaskPolicy, type MaskPolicy, maskingLogger, parseHideHeaders } from '../lib/log-masking.ts';
import { OptionResolver } from '../config/option-resolver.ts';
import { UcConnector } from '../connector/connector.ts';
import { reportingMigrations } from '../reporting/reporting-migrations.ts';
import { routerMigrations } from '../store/reservation-store.ts';
import { instanceMigrations, startInstanceRun } from '../store/instance-runs.ts';
import { openStore, type SqlConfigStore } from '../store/index.ts';
import { TlibClient } from '../tlib/client/tlib-client.ts';
import type { UcPlatform } from '../uc/uc-platform.ts';
import { createUcPlatform } from './uc-platform-factory.ts';
import { TServer } from '../tserver/tserver.ts';
import { tserverConfigFromObjects } from '../tserver/tserver-config-binding.ts';
import { StandalonePlatform } from '../uc/standalone/standalone-platform.ts';
import { createHttpServer } from '../web/http-server.ts';
import { createKwWeb } from '../web/kw-web.ts';
import { kwSocketRoutes } from '../web/kw-socket.ts';
import { createSupervisorWeb } from '../supervisor/supervisor-web.ts';
import { buildRoutingRoles, type RoutingRoles } from './routing-roles.ts';
import { buildSwitch } from './switch-factory.ts';
import { ChatTranscripts } from '../reporting/chat-transcripts.ts';
import { ChatSwitch } from '../switch/chat/chat-switch.ts';
import { MediaSwitch } from '../switch/media-switch.ts';
import { KwChatReach } from '../web/chat/kw-chat-reach.ts';
import { firstReach, UcImChatReach } from '../connector/uc-im-chat-reach.ts';
import { sipChatRoutingPoints, startSipCustomerChats } from './sip-customer-chats.ts';
import { CustomerChats } from '../web/chat/customer-chats.ts';
import { customerChatRoutes } from '../web/chat/customer-chat-routes.ts';
import { chatTranscriptRoutes } from '../web/routes/chat-transcript-routes.ts';
import { chatPagesOf } from './chat-pages.ts';

/** The built browser client (`npm run build:client`); without it only the API is served. */
const clientDist = fileURLToPath(new URL('../../client/dist/', import.meta.url));

export interface AppDeps {
  clock?: Clock;
  logger?: Logger;
  /** The process's log sink (`ucc start`): Fastify logs through it, `[log]` options and the admin API change it. */
  logControl?: LogControl;
}

export interface AppAddresses {
  http: string;
  tlib: string;
  /** The SIP switch's listeners (`udp:127.0.0.1:5060` ...), when a `voice:` block is configured. */
  sip: string[];
}

export interface App {
  readonly config: LoadedConfig;
  readonly store: SqlConfigStore;
  readonly tserver: TServer;
  readonly uc: UcPlatform;
  readonly connector: UcConnector;
  readonly routing: RoutingRoles;
  readonly http: FastifyInstance;
  /** Starts every listener from `config.settings.listen`; resolves with the bound addresses. */
  listen(): Promise<AppAddresses>;
  /** Stops every role and listener; safe to call twice. */
  close(): Promise<void>;
  readonly metrics: UccMetrics;
  readonly operations: Operations;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A store that cannot be opened is a configuration problem: the error names the file, line and option. */
function locateStoreError(config: LoadedConfig, e: unknown): unknown {
  if (!(e instanceof UccError) || e.code !== 'UCC_ERR_STORE_UNREACHABLE' || !config.storeAt) return e;
  return new UccError(e.code, formatIssue({ severity: 'error', ...config.storeAt, message: e.message }), { cause: e });
}

export async function buildApp(config: LoadedConfig, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? new SystemClock();
  // One masking logger for every role (seed 004 3.13); its policy follows the configuration below.
  let maskPolicy: MaskPolicy = defaultMaskPolicy;
  const logger = maskingLogger(deps.logger ?? silentLogger, () => maskPolicy);
  const metrics = new UccMetrics();
  const store = await openStore(config.settings.store, { onQuery: metrics.storeQueried, logger: logger.child({ role: 'store' }), migrations: [...reportingMigrations, ...routerMigrations, ...instanceMigrations] }).catch((e: unknown) => {
    throw locateStoreError(config, e);
  });
  const where = config.settings.store.type === 'sqlite' ? config.settings.store.path : config.settings.store.schema ?? 'public';
  logger.child({ role: 'store' }).info('store opened', { type: config.settings.store.type, at: where });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => logger.error('close failed', { error: String(e) }));
  };
  try {
    await store.loadConfig(config.objects);
    const tserverApplication = store.list('applications').find((a) => a.type === 'tserver');
    const maskOptions = {
      tserver: new OptionResolver({ view: store, application: tserverApplication?.name ?? '', logger }),
      ucc: new OptionResolver({ view: store, application: store.list('applications').find((a) => a.type === 'ucc')?.name ?? '', logger }),
    };
    const readMaskPolicy = (): void => {
      maskPolicy = { hideSensitiveData: maskOptions.tserver.getBoolean('TServer', 'hide-sensitive-data'), hideHeaders: parseHideHeaders(maskOptions.ucc.getString('log', 'hide-header')) };
      deps.logControl?.setHideSensitiveData(maskPolicy.hideSensitiveData);
    };
    readMaskPolicy();
    const unsubscribeMask = store.changes.subscribe(readMaskPolicy);
    closers.push(async () => unsubscribeMask());
    const bound = tserverConfigFromObjects(store.snapshot());
    if (!bound.ok) throw new UccError('UCC_ERR_CONFIG_INVALID', bound.error);
    const callSwitch = buildSwitch(config.settings.voice, { clock, logger: logger.child({ role: 'switch' }) });
    // Chats go through the same T-Server and Switch port as voice (docs/chat.md).
    const transcripts = new ChatTranscripts(store.db, logger.child({ role: 'reporting' }));
    const chatSwitch = new ChatSwitch({ clock, logger: logger.child({ role: 'switch' }), transcript: transcripts });
    const tserver = new TServer({ config: bound.value, clock, logger: logger.child({ role: 'tserver' }), switch: new MediaSwitch(callSwitch.switch, chatSwitch) });
    closers.push(() => tserver.close());
    // Options "take effect immediately": every committed change re-binds the T-Server's view.
    const unsubscribe = store.changes.subscribe(() => {
      const next = tserverConfigFromObjects(store.snapshot());
      if (next.ok) tserver.reconfigure(next.value);
      else logger.warn('configuration change not applied to the T-Server', { error: next.error });
    });
    closers.push(async () => unsubscribe());

    // The connector reaches the T-Server through the same T-Lib it would use over TCP.
    const ucApplication = store.list('applications').find((a) => a.type === 'ucc');
    if (!ucApplication) throw new UccError('UCC_ERR_CONFIG_INVALID', 'no application of type ucc (the UC Connector)');
    // Authenticated as the connector's Application: its T-Lib access is decided like any client's.
    const tlib = new TlibClient({ target: { kind: 'memory', connect: () => tserver.connectInProcess(ucApplication.name) }, clock, logger: logger.child({ role: 'connector-tlib' }) });
    const uc = createUcPlatform(config.settings.presence, { clock, logger: logger.child({ role: 'uc' }) });
    const connector = new UcConnector({ view: store, application: ucApplication.name, tlib, uc, clock, logger });
    connector.start();
    closers.push(async () => {
      connector.stop();
      tlib.close();
      await uc.stop();
    });
    const unsubscribeConnector = store.changes.subscribe(() => connector.optionsChanged());
    closers.push(async () => unsubscribeConnector());
    // `[log]` of the ucc Application: applied when it changes (a level set over the admin API stays
    // until then). `ucc start` applied the file's values already; SIGHUP re-reads the file.
    const logControl = deps.logControl;
    if (logControl) {
      let lastLog = JSON.stringify(logSectionOf(store.list('applications')) ?? {});
      const unsubscribeLog = store.changes.subscribe(() => {
        const section = logSectionOf(store.list('applications'));
        const now = JSON.stringify(section ?? {});
        if (now === lastLog) return;
        lastLog = now;
        void logControl.apply(logSettingsFromSection(section)).catch((e: unknown) => logger.error('log options not applied', { error: String(e) }));
      });
      closers.push(async () => unsubscribeLog());
    }

    const resolver = new OptionResolver({ view: store, application: ucApplication.name, logger });
    // This run of the configured instance (fences the claims of a previous, dead one).
    const run = await startInstanceRun(store.db, ucApplication.name, clock);
    // The link in a preview invitation over IM: the first allowed origin (the public address), else where we listen.
    let listeningAt: string | undefined;
    const webClientUrl = (): string | undefined => config.settings.listen.allowedOrigins?.[0] ?? listeningAt;
    const routing = buildRoutingRoles({
      store, tserver, switchName: bound.value.switchName, connector, tlib, ucOptions: resolver, run, uc, webClientUrl,
      tserverOptions: new OptionResolver({ view: store, application: tserverApplication?.name ?? '', logger }), clock, logger,
    });
    closers.push(() => routing.stop());
    const web = createKwWeb({
      clock, logger: logger.child({ role: 'web' }), store, resolver, application: ucApplication.name, connector,
      ...(uc instanceof StandalonePlatform ? { standalone: uc } : {}),
      ...(existsSync(clientDist) ? { clientRoot: clientDist } : {}),
      version: packageVersion(),
      ...(config.files[0] ? { presenceDefinitionBaseDir: dirname(config.files[0]) } : {}),
      interactions: routing.interactions, stats: routing.stats, previews: routing.previews,
    });
    const dnOf = (userName: string): string | undefined => connector.knowledgeWorker(userName)?.dn ?? undefined;
    const kwChat = new KwChatReach({
      sessions: routing.sessions, clock,
      userOfDn: (dn) => connector.knowledgeWorkers().find((u) => dnOf(u)?.toLowerCase() === dn.toLowerCase()),
      titles: () => ({ chat: resolver.getString('uc-connector', 'chat-title') ?? 'Chat', consult: resolver.getString('uc-connector', 'chat-consult-title') ?? 'Consulting Chat' }),
    });
    // The web client first; a KW with none gets the chat in its UC client over IM (docs/chat.md).
    const ucIm = uc.instantMessaging;
    chatSwitch.setReach(ucIm ? firstReach(kwChat, new UcImChatReach({
      im: ucIm, logger,
      contactOf: (dn) => {
        const user = connector.knowledgeWorkers().find((u) => dnOf(u)?.toLowerCase() === dn.toLowerCase());
        return user === undefined ? undefined : connector.state(user)?.contact ?? undefined;
      },
    })) : kwChat);
    const sipCustomers = startSipCustomerChats({
      im: ucIm, chat: chatSwitch, clock, logger,
      routingPoints: () => sipChatRoutingPoints(store.snapshot().dns),
    });
    closers.push(async () => sipCustomers?.stop());
    const customerChats = new CustomerChats({ chat: chatSwitch, clock });
    closers.push(async () => {
      customerChats.close();
      await transcripts.flush();
    });
    const socket = kwSocketRoutes({
      connector, sessions: routing.sessions, previews: routing.previews, interactions: routing.interactions, auth: web.auth, clock, logger: logger.child({ role: 'web' }), chat: kwChat,
    });
    const chatRoutes = [
      customerChatRoutes({ pages: chatPagesOf(store.snapshot().dns), chats: customerChats, clock, logger: logger.child({ role: 'web' }) }),
      chatTranscriptRoutes({ auth: web.auth, transcripts, dnOf }),
    ];
    const supervisor = createSupervisorWeb({
      clock, logger, view: store, resolver, switchName: bound.value.switchName, auth: web.auth, connector, stats: routing.stats,
      interactions: routing.interactions, previews: routing.previews, history: routing.history, ...(routing.reporter.ledger ? { ledger: routing.reporter.ledger } : {}),
    });
    closers.push(async () => supervisor.stop());
    const unsubscribeSupervisor = store.changes.subscribe(() => supervisor.configChanged());
    closers.push(async () => unsubscribeSupervisor());
    if (!existsSync(clientDist)) logger.warn('the browser client is not built (npm run build:client): serving the API only');
    await web.reloadPresenceDefinition();
    const unsubscribeWeb = store.changes.subscribe(() => void web.configChanged());
    closers.push(async () => unsubscribeWeb());

    metrics.bind({ connector, tserver, previews: routing.previews });
    const operations = new Operations({
      version: packageVersion(), store, storeType: config.settings.store.type, uc, presenceMode: config.settings.presence.mode, tlib, tserver, connector,
      previews: routing.previews, logger: logger.child({ role: 'operations' }), ...(callSwitch.relay ? { relay: callSwitch.relay } : {}),
    });

    const tls = config.settings.listen.tls;
    let https: { cert: Buffer; key: Buffer } | undefined;
    try {
      https = tls ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : undefined;
    } catch (e) {
      throw new UccError('UCC_ERR_CONFIG_INVALID', `listen.tls: cannot read the certificate or key: ${(e as Error).message}`);
    }
    const http = createHttpServer({
      logger: logger.child({ role: 'web' }), version: packageVersion(), ...(https ? { https } : {}),
      routes: [opsRoutes({ metrics, operations }), ...web.apiRoutes, socket, supervisor.routes, ...chatRoutes, ...(logControl ? [adminRoutes({ logControl, logger: logger.child({ role: 'admin' }), credentials: () => ({ name: ucApplication.name, passwordHash: store.list('applications').find((a) => a.name === ucApplication.name)?.passwordHash }) })] : []), ...web.staticRoutes],
      ...(logControl ? { fastifyLogger: logControl.fastifyLogger() } : {}),
      ...(config.settings.listen.allowedOrigins ? { allowedOrigins: config.settings.listen.allowedOrigins } : {}), clock,
      limits: httpLimitsFrom(config.settings.listen.httpLimits),
    });
    closers.push(() => http.close());

    return {
      config,
      store,
      tserver,
      uc,
      connector,
      routing,
      http,
      metrics,
      operations,
      async listen() {
        const { host, tlib: tlibPort, http: httpPort } = config.settings.listen;
        const t = await tserver.listen({ host, port: tlibPort });
        await tserver.switchStarted;
        await tlib.connect();
        await uc.start();
        await routing.start();
        const url = await http.listen({ host, port: httpPort });
        listeningAt = url;
        return { http: url, tlib: `tcp://${t.host}:${t.port}`, sip: callSwitch.addresses() };
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
