/**
 * The routing half of the system, built for the composition root: Stat Server (stats), the
 * preview manager and its protocol server (the seeds' Custom Server, inside the connector), the
 * router (URS), the store-backed reservations both share, reporting (ICON), and the KWs' call tracker.
 * They talk through the same interfaces they use across processes: T-Lib, the preview protocol
 * (in memory here) and the store.
 */
import type { OptionResolver } from '../config/option-resolver.ts';
import type { UcConnector } from '../connector/connector.ts';
import { InteractionTracker } from '../connector/interactions/interaction-tracker.ts';
import { KwClientSessions } from '../connector/kw-client-sessions.ts';
import { PreviewManager, previewSettingsFromOptions } from '../connector/preview-manager.ts';
import { PreviewImInvitations } from '../connector/preview-im.ts';
import type { UcPlatform } from '../uc/uc-platform.ts';
import { ClientOptionsReader } from '../web/routes/client-options.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { PreviewClient, PreviewServer } from '../preview/preview-transport.ts';
import { AgentStateHistory } from '../reporting/agent-state-history.ts';
import { PreviewReporter } from '../reporting/preview-reporter.ts';
import { previewReportingFromResolver } from '../reporting/preview-reporting-options.ts';
import { Router } from '../router/router.ts';
import type { RoutingStrategy } from '../router/routing-strategy.ts';
import { watchStrategies } from '../router/strategy-watch.ts';
import { StatService } from '../stats/stat-service.ts';
import { statConfigFromObjects } from '../stats/stat-config.ts';
import type { SqlConfigStore } from '../store/index.ts';
import { instanceHolderPrefix, type InstanceRun } from '../store/instance-runs.ts';
import { ReservationStore } from '../store/reservation-store.ts';
import { TlibClient } from '../tlib/client/tlib-client.ts';
import type { TServer } from '../tserver/tserver.ts';

export interface RoutingRolesDeps {
  store: SqlConfigStore;
  tserver: TServer;
  switchName: string;
  connector: UcConnector;
  /** The connector's T-Lib client: reporting user events and call control go out as the KW's DN. */
  tlib: TlibClient;
  /** Options of the UC Connector Application (Person annex over Application). */
  ucOptions: OptionResolver;
  /** Options of the T-Server Application (a Routing Point's `[TServer] default-dn`). */
  tserverOptions: OptionResolver;
  clock: Clock;
  logger: Logger;
  /** This run of the configured instance: names the router's claims and the ledger's offers. */
  run?: InstanceRun;
  /** The UC platform: preview invitations over IM go through its instant messages, when it has them. */
  uc?: UcPlatform;
  /** The web client's address, for the link in an invitation over IM (known once listening). */
  webClientUrl?: () => string | undefined;
}

export interface RoutingRoles {
  readonly stats: StatService;
  readonly sessions: KwClientSessions;
  readonly previews: PreviewManager;
  readonly router: Router;
  readonly interactions: InteractionTracker;
  /** The agent-state history (reporting), read by the supervisor dashboard's timelines. */
  readonly history: AgentStateHistory;
  /** The preview reporter; its offer ledger feeds the supervisor charts and reports. */
  readonly reporter: PreviewReporter;
  /** Connects the router to the preview server and starts routing. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildRoutingRoles(d: RoutingRolesDeps): RoutingRoles {
  const { store, tserver, connector, clock, logger } = d;
  const stats = new StatService({ config: { ...statConfigFromObjects(store.snapshot(), d.switchName), imReporting: d.tserverOptions.getString('TServer', 'im-reporting') === 'disabled' ? 'disabled' : 'default' }, clock, logger: logger.child({ role: 'stats' }) });
  const history = new AgentStateHistory(store.db, logger.child({ role: 'reporting' }));
  const reporter = new PreviewReporter({
    db: store.db, tlib: d.tlib, settings: previewReportingFromResolver(d.ucOptions, logger),
    dnOf: (agentId) => stats.agent(agentId)?.dn, logger: logger.child({ role: 'reporting' }),
    ...(d.run ? { instanceRun: d.run.holder } : {}),
  });
  // One Reservations for both roles: the preview manager records the winner, the router reads it.
  const reservations = new ReservationStore(store.db, clock, store.dialect);
  const sessions = new KwClientSessions();
  // Previews to a KW with no web client go out as IMs (seed 000 F8) when the platform carries IMs.
  const clientOptions = new ClientOptionsReader(d.ucOptions, store, store.list('applications').find((a) => a.type === 'ucc')?.name ?? '');
  const im = d.uc?.instantMessaging
    ? new PreviewImInvitations({
      im: d.uc.instantMessaging,
      contactOf: (userName) => connector.state(userName)?.contact,
      settings: (userName) => {
        const dn = connector.state(userName)?.dn;
        return {
          gatewayMode: d.ucOptions.getBoolean('uc-connector', 'presence-gateway-mode', dn ? { dn } : {}),
          inviteMessage: d.ucOptions.getString('Microsoft-OCS', 'invite-message') ?? '',
          formats: clientOptions.forPerson(userName)['userdata-preview-format'],
        };
      },
      ...(d.webClientUrl ? { webClientUrl: d.webClientUrl } : {}),
      logger,
    })
    : undefined;
  const previews = new PreviewManager({
    connector, sessions, settings: previewSettingsFromOptions(d.ucOptions),
    reservations, recorder: reporter, clock, logger: logger.child({ role: 'preview' }),
    ...(im ? { im } : {}),
  });
  const previewServer = new PreviewServer({ handler: (request, session) => previews.handle(request, session), clock, logger: logger.child({ role: 'preview' }) });
  const previewClient = new PreviewClient({ target: { kind: 'memory', connect: () => previewServer.connectInProcess() }, clock, logger: logger.child({ role: 'router' }) });

  // Strategies follow the configuration; the first compile happens before the router exists.
  const sink: { router?: Router } = {};
  const watch = watchStrategies(store, { setStrategies: async (s: ReadonlyMap<string, RoutingStrategy>) => sink.router?.setStrategies(s) }, (issues) => {
    for (const i of issues) logger.warn('routing strategy not applied', { routingPoint: i.routingPoint, option: i.option, error: i.message });
  });
  // The router and the statistics are T-Lib clients of their own, in process, as the connector is.
  // Each authenticated as its configured Application (router, stat-server), else as the process itself.
  const appOf = (type: string): string | undefined => store.list('applications').find((a) => a.type === type)?.name;
  const inProcess = (role: string, application: string | undefined): TlibClient =>
    new TlibClient({ target: { kind: 'memory', connect: () => tserver.connectInProcess(application) }, clock, logger: logger.child({ role }) });
  const routerTlib = inProcess('router-tlib', appOf('router'));
  const statsTlib = inProcess('stats-tlib', appOf('stat-server'));
  const router = new Router({
    tserver: routerTlib, preview: previewClient, stats, reservations, strategies: watch.initial, switchName: d.switchName, clock,
    // In this process the router asks the preview manager directly whom a preview can reach.
    reachable: (kw) => previews.canDeliver(kw),
    logger: logger.child({ role: 'router' }),
    defaultDnOf: (rp) => d.tserverOptions.getString('TServer', 'default-dn', { dn: rp }) || undefined,
    tserverRouterTimeoutOf: (rp) => d.tserverOptions.getNumber('TServer', 'router-timeout', { dn: rp }),
    itxArrivalTimeoutMs: d.ucOptions.getNumber('uc-connector', 'preview-itx-arrival-timeout'),
    previewExpirationMs: d.ucOptions.getNumber('uc-connector', 'preview-expiration-timeout'),
    ...(d.run ? { instanceId: d.run.holder } : {}),
  });
  sink.router = router;

  // Call control and the Interaction window: every KW's DN, as the connector knows them.
  // Answer shows where the switch can answer the DN's phone (docs/voice.md `desktop-answer`).
  const sw = d.tserver.switch;
  const canAnswer = (dn: string): boolean => sw.capabilities.answer && (sw.canAnswer?.(dn) ?? true);
  const interactions = new InteractionTracker({ tlib: d.tlib, clock, canAnswer, logger: logger.child({ role: 'interactions' }) });
  const tracked = new Set<string>();
  const trackKws = (): void => {
    const now = new Set<string>();
    for (const userName of connector.knowledgeWorkers()) {
      const dn = connector.knowledgeWorker(userName)?.dn;
      if (!dn) continue;
      interactions.track(userName, dn);
      now.add(userName);
    }
    // A KW removed from the configuration stops being tracked.
    for (const userName of tracked) if (!now.has(userName)) interactions.untrack(userName);
    tracked.clear();
    for (const userName of now) tracked.add(userName);
  };
  const unsubscribe = store.changes.subscribe(trackKws);

  return {
    stats,
    sessions,
    previews,
    router,
    interactions,
    history,
    reporter,
    async start() {
      if (d.run) await recoverDeadRuns(d.run, reservations, reporter, logger);
      // Followed before connecting: the logins the registration replies report are history too.
      history.follow(stats);
      await stats.connect(statsTlib);
      trackKws();
      await previewClient.connect();
      await routerTlib.connect();
      await router.start();
    },
    async stop() {
      unsubscribe();
      watch.stop();
      await router.stop();
      previewClient.close();
      await previewServer.close();
      interactions.stop();
      im?.dispose();
      stats.close();
      statsTlib.close();
      routerTlib.close();
    },
  };
}

/**
 * What a dead run of this instance left behind (kill -9, power loss): its reservations are
 * released at once, so its KWs get offers again without waiting for the claims' TTL, and the
 * offers it left open are closed (`error`, `instance-restarted`; docs/reporting.md).
 */
async function recoverDeadRuns(run: InstanceRun, reservations: ReservationStore, reporter: PreviewReporter, logger: Logger): Promise<void> {
  const prefix = instanceHolderPrefix(run.name);
  const released = await reservations.releaseHolders(prefix, run.holder);
  const closed = (await reporter.ledger?.closeDeadRuns(prefix, run.holder, run.startedAt)) ?? 0;
  if (released > 0 || closed > 0) logger.warn('recovered what a previous run left', { instance: run.name, run: run.run, reservationsReleased: released, offersClosed: closed });
}
