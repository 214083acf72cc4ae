/**
 * The supervisor dashboard for the composition root: the feed over the running roles and the
 * routes (REST + socket) in one call. Put `routes` among the /api routes, after the session routes.
 */
import type { ConfigView } from '../config/config-index.ts';
import type { OptionResolver } from '../config/option-resolver.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { AgentStateHistory } from '../reporting/agent-state-history.ts';
import type { OfferLedger } from '../reporting/offer-ledger.ts';
import type { WebAuth } from '../web/auth/web-auth.ts';
import type { RouteRegistration } from '../web/http-server.ts';
import { supervisorRoutes } from '../web/routes/supervisor-routes.ts';
import { directoryFromConfig, isSupervisor } from './supervisor-directory.ts';
import { SupervisorFeed, type FeedConnectorPort, type FeedInteractionPort, type FeedPreviewPort, type FeedReportsPort, type FeedStatsPort } from './supervisor-feed.ts';

export interface SupervisorWebOptions {
  clock: Clock;
  logger: Logger;
  view: ConfigView;
  /** The UC Connector Application's options (Person annex over Application). */
  resolver: Pick<OptionResolver, 'getString'>;
  switchName?: string;
  auth: WebAuth;
  connector: FeedConnectorPort;
  stats: FeedStatsPort;
  interactions?: FeedInteractionPort;
  previews: FeedPreviewPort;
  ledger?: OfferLedger;
  history?: AgentStateHistory;
}

export interface SupervisorWeb {
  readonly feed: SupervisorFeed;
  readonly routes: RouteRegistration;
  /** Call on every configuration change (KWs, groups, routing points). */
  configChanged(): void;
  stop(): void;
}

export function createSupervisorWeb(o: SupervisorWebOptions): SupervisorWeb {
  const { ledger, history } = o;
  const reports: FeedReportsPort | undefined = ledger && history
    ? {
        outcomeTotals: (by, from, to) => ledger.outcomeTotals(by, from, to),
        decisionTimeBuckets: (from, to, bucketMs, outcomes) => ledger.decisionTimeBuckets(from, to, bucketMs, outcomes),
        historyAll: (opts) => history.historyAll(opts),
      }
    : undefined;
  const feed = new SupervisorFeed({
    clock: o.clock, logger: o.logger.child({ role: 'supervisor' }), connector: o.connector, stats: o.stats, previews: o.previews,
    directory: directoryFromConfig(o.view, o.switchName),
    ...(o.interactions ? { interactions: o.interactions } : {}),
    ...(reports ? { reports } : {}),
  });
  const routes = supervisorRoutes({
    auth: o.auth, feed, clock: o.clock,
    roles: { isSupervisor: (u) => isSupervisor(o.resolver, u), isKnowledgeWorker: (u) => o.connector.knowledgeWorker(u) !== undefined },
    ...(reports ? { reports } : {}),
  });
  return { feed, routes, configChanged: () => feed.configChanged(), stop: () => feed.stop() };
}
