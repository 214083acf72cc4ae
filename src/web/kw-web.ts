/**
 * One call that builds the KW web edge for the composition root: WebAuth over the configuration's
 * Persons, and the route registrations in the order they must be given to createHttpServer:
 * `[...apiRoutes, <other /api routes, e.g. kwSocketRoutes({ auth, ... })>, ...staticRoutes]`.
 * `apiRoutes` starts with `GET /api/docs` (the document @fastify/swagger builds) and the session
 * routes (their onRequest hook resolves the session for every route).
 */
import type { ConfigView } from '../config/config-index.ts';
import type { OptionResolver } from '../config/option-resolver.ts';
import { declaredString } from '../config/option-table.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { PresenceDefinitionSource, type PresenceDefinitionUpdate } from '../connector/custom-states/presence-definition-source.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { personDirectoryFromView, WebAuth } from './auth/web-auth.ts';
import type { SessionStore } from './auth/session-store.ts';
import type { RouteRegistration } from './http-server.ts';
import { ClientOptionsReader } from './routes/client-options.ts';
import { clientStaticRoutes } from './routes/client-static-routes.ts';
import { knowledgeWorkerRoutes, type KwConnectorPort, type StandalonePresencePort } from './routes/knowledge-worker-routes.ts';
import { previewRoutes, type PreviewActionsPort } from './routes/preview-routes.ts';
import { openApiRoutes } from './routes/openapi-routes.ts';
import { redirectNumbersFromStore } from './routes/redirect-number-store.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { interactionRoutes, type InteractionPort } from './routes/interaction-routes.ts';
import type { StatRef, StatValue } from '../stats/stat-types.ts';

/** What {@link createKwWeb} needs. */
export interface KwWebOptions {
  clock: Clock;
  logger: Logger;
  /** The configuration store: Persons (user names, password hashes) and the redirect-number writes. */
  store: ConfigView & Pick<ConfigStore, 'setOption'>;
  resolver: OptionResolver;
  /** The UC Connector's Application object name (client options are read from it). */
  application: string;
  connector: KwConnectorPort;
  /** Present in standalone mode: the KW sets presence in the web client. */
  standalone?: StandalonePresencePort;
  /** The built client (client/dist); without it no static routes are registered. */
  clientRoot?: string;
  version: string;
  sessions?: SessionStore;
  secureCookies?: boolean | 'auto';
  /** Folder a relative `presence-location` resolves against (the configuration file's). */
  presenceDefinitionBaseDir?: string;
  /** The KWs' calls (InteractionTracker): with it, the interaction and contact-point routes are registered. */
  interactions?: InteractionPort;
  /** Statistics for the contact points' `attribute<n>` tooltips (StatService). */
  stats?: { value(ref: StatRef): StatValue | undefined };
  /** The PreviewManager: with it, the preview REST routes are registered. */
  previews?: PreviewActionsPort;
}

/** The KW web edge. */
export interface KwWeb {
  readonly auth: WebAuth;
  /** OpenAPI, session and knowledge-worker routes, in order; put them first. */
  readonly apiRoutes: RouteRegistration[];
  /** The built client; put it last. */
  readonly staticRoutes: RouteRegistration[];
  /** The custom KW states in force (docs/custom-states.md). */
  readonly presenceDefinitions: PresenceDefinitionSource;
  /**
   * Reads `presence-location` and reloads the definition when the value changed. Call it once at
   * start and on every configuration change.
   */
  reloadPresenceDefinition(): Promise<PresenceDefinitionUpdate>;
  /**
   * Everything a configuration change means for the web edge: sessions of deleted Persons or
   * changed passwords end, and `presence-location` is re-read. Call it from the store's change feed.
   */
  configChanged(): Promise<void>;
}

export function createKwWeb(o: KwWebOptions): KwWeb {
  const logger = o.logger.child({ component: 'web-auth' });
  const auth = new WebAuth({
    clock: o.clock,
    persons: personDirectoryFromView(o.store),
    logger,
    ...(o.sessions ? { sessions: o.sessions } : {}),
    ...(o.secureCookies !== undefined ? { secureCookies: o.secureCookies } : {}),
  });
  const options = new ClientOptionsReader(o.resolver, o.store, o.application);
  const presenceDefinitions = new PresenceDefinitionSource({ logger: o.logger, ...(o.presenceDefinitionBaseDir ? { baseDir: o.presenceDefinitionBaseDir } : {}) });
  const reloadPresenceDefinition = () => presenceDefinitions.update(o.resolver.getString('uc-connector', 'presence-location') ?? '');
  return {
    auth,
    presenceDefinitions,
    reloadPresenceDefinition,
    async configChanged() {
      auth.revokeStaleSessions();
      await reloadPresenceDefinition();
    },
    apiRoutes: [
      openApiRoutes(),
      sessionRoutes({ auth, options }),
      knowledgeWorkerRoutes({
        auth,
        connector: o.connector,
        redirect: redirectNumbersFromStore(o.store, o.resolver),
        presenceDefinition: presenceDefinitions,
        ...(o.standalone ? { standalone: o.standalone } : {}),
      }),
      ...(o.interactions
        ? [interactionRoutes({ auth, interactions: o.interactions, view: o.store, ...(o.stats ? { stats: o.stats } : {}), noteKey: (u) => options.forPerson(u)['userdata-note-key'] || declaredString('uc-connector', 'userdata-note-key'), dialPlan: () => o.resolver.getString('uc-connector', 'transfer-dial-plan') ?? '' })]
        : []),
      ...(o.previews ? [previewRoutes({ auth, previews: o.previews })] : []),
    ],
    staticRoutes: o.clientRoot ? [clientStaticRoutes({ root: o.clientRoot })] : [],
  };
}
