/**
 * The KW's own resources: `GET /api/v1/knowledge-workers` (the caller only), the connector view,
 * standalone presence, connector DND and the redirect number. Every route needs a session; routes
 * under `{userName}` answer 403 for anyone but that KW.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KnowledgeWorkerView } from '../../connector/knowledge-worker-view.ts';
import { UccError } from '../../lib/errors.ts';
import type { Presence } from '../../presence/presence.ts';
import type { StandalonePresenceView } from '../../uc/standalone/standalone-platform.ts';
import type { RouteRegistration } from '../http-server.ts';
import { kwUserName, type WebAuth } from '../auth/web-auth.ts';
import {
  ConnectorDndBody,
  ConnectorDndReply,
  ReadyReply,
  CustomStateBody,
  CustomStateReply,
  ErrorReply,
  KnowledgeWorkerReply,
  LanguageQuery,
  PresenceBody,
  RedirectNumber,
  StateDisplayReply,
  StandalonePresenceReply,
  UserNameParams,
} from './api-schemas.ts';
import type { OpenApiRouteDoc } from './openapi-routes.ts';
import { Type } from '@sinclair/typebox';
import { builtInPresenceDefinition } from '../../connector/custom-states/built-in-presence-definition.ts';
import { agentRequestOf, matchAgentState, stateMenu, stateText } from '../../connector/custom-states/custom-state-matcher.ts';
import type { AgentStateRequest } from '../../connector/custom-states/custom-state-matcher.ts';
import type { PredefinedStateId, PresenceDefinition, SupportedLanguage } from '../../connector/custom-states/presence-definition.ts';

/** The connector calls the routes make (UcConnector has them). */
export interface KwConnectorPort {
  knowledgeWorker(userName: string): KnowledgeWorkerView | undefined;
  setConnectorDnd(userName: string, on: boolean): boolean;
  /**
   * Ends the KW's auto-state (after a rejected, timed-out or redirected preview): the KW "sets
   * status ready" (seed 003). False: not a KW. Absent: the route answers 404.
   */
  endAutoState?(userName: string): boolean;
  /** Applies a custom state the KW selected (false: not a KW). Absent: custom states cannot be selected. */
  selectCustomState?(userName: string, request: AgentStateRequest): boolean;
}

/** Standalone presence (StandalonePlatform has it); absent when the KW's presence comes from a UC platform. */
export interface StandalonePresencePort {
  setPresence(userName: string, availability: Presence['availability'], note?: string | null): Presence;
  presenceOf(userName: string): StandalonePresenceView;
}

/** The KW's redirect number (seed 000 4.17): read and written on the Person annex. */
export interface RedirectNumberPort {
  /** Whether the user may set it (`redirect-setup-enabled`, Person annex over Application). */
  setupEnabled(userName: string): boolean;
  get(userName: string): RedirectNumber;
  set(userName: string, value: RedirectNumber): Promise<void>;
}

/** What {@link knowledgeWorkerRoutes} needs. */
export interface KnowledgeWorkerRoutesDeps {
  auth: WebAuth;
  connector: KwConnectorPort;
  standalone?: StandalonePresencePort;
  redirect?: RedirectNumberPort;
  /** The custom KW states in force (PresenceDefinitionSource); default: the built-in definition. */
  presenceDefinition?: { current(): PresenceDefinition };
}

/** The predefined icons of seed 000 Table 28, by predefined state. */
const predefinedIcons: Record<PredefinedStateId, string> = {
  predefReady: 'ready',
  predefPartReady: 'partready',
  predefNotReady: 'notready',
  predefDND: 'dnd',
  predefLoggedOut: 'logout',
  predefLogoutMenu: 'logout',
  predefOutOfService: 'oos',
};
const predefinedIcon = (id: PredefinedStateId) => `tag:ucc.genesyslab.com,2013:icons/status/${predefinedIcons[id]}`;

const doc = (d: OpenApiRouteDoc) => ({ openapi: { tags: ['knowledge-workers'], auth: true, ...d } });
const common = { 401: { description: 'Not logged in', schema: ErrorReply }, 403: { description: 'Another KW, or CSRF token missing', schema: ErrorReply } };

/** Presence as JSON: times as ISO strings, like the connector view. */
function presenceJson(p: Presence | null): Record<string, unknown> | null {
  if (p === null) return null;
  return {
    availability: p.availability,
    availabilityCode: p.availabilityCode,
    note: p.note?.text ?? null,
    source: p.source,
    observedAt: new Date(p.observedAt).toISOString(),
  };
}

/** Registers the KW routes. Needs {@link sessionRoutes} (its session hook) registered too. */
export function knowledgeWorkerRoutes(deps: KnowledgeWorkerRoutesDeps): RouteRegistration {
  const { auth, connector } = deps;
  const own = [auth.requireKw, auth.requireOwn];
  const userName = (request: FastifyRequest): string => (request.params as UserNameParams).userName;
  const notKw = (reply: FastifyReply) => reply.code(404).send({ error: 'not a knowledge worker' });

  return (app: FastifyInstance) => {
    app.get('/api/v1/knowledge-workers', {
      preHandler: auth.requireKw,
      config: doc({ summary: 'The knowledge workers the caller may see (only itself)', responses: { 200: { description: 'OK', schema: Type.Array(KnowledgeWorkerReply) }, 401: common[401] } }),
    }, async (request) => {
      const view = connector.knowledgeWorker(kwUserName(request));
      return view ? [view] : [];
    });

    app.get('/api/v1/knowledge-workers/:userName', {
      schema: { params: UserNameParams },
      preHandler: own,
      config: doc({ summary: 'The connector view of one knowledge worker', responses: { 200: { description: 'OK', schema: KnowledgeWorkerReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply } } }),
    }, async (request, reply) => {
      const view = connector.knowledgeWorker(userName(request));
      return view ?? notKw(reply);
    });

    app.get('/api/v1/knowledge-workers/:userName/presence', {
      schema: { params: UserNameParams },
      preHandler: own,
      config: doc({ summary: 'Standalone presence: what the KW set, what the connector pushed, what shows', responses: { 200: { description: 'OK', schema: StandalonePresenceReply }, ...common, 409: { description: 'Presence comes from a UC platform', schema: ErrorReply } } }),
    }, async (request, reply) => {
      if (!deps.standalone) return reply.code(409).send({ error: 'presence is set on the UC platform, not here' });
      const v = deps.standalone.presenceOf(userName(request));
      return { own: presenceJson(v.own), pushed: presenceJson(v.pushed), effective: presenceJson(v.effective) };
    });

    app.put('/api/v1/knowledge-workers/:userName/presence', {
      schema: { params: UserNameParams, body: PresenceBody },
      preHandler: own,
      config: doc({ summary: 'Set standalone presence (availability and note)', responses: { 200: { description: 'Set', schema: StandalonePresenceReply }, 400: { description: 'Invalid presence', schema: ErrorReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply }, 409: { description: 'Presence comes from a UC platform', schema: ErrorReply } } }),
    }, async (request, reply) => {
      if (!deps.standalone) return reply.code(409).send({ error: 'presence is set on the UC platform, not here' });
      const name = userName(request);
      if (!connector.knowledgeWorker(name)) return notKw(reply);
      const body = request.body as PresenceBody;
      try {
        deps.standalone.setPresence(name, body.availability, body.note ?? null);
      } catch (e) {
        if (e instanceof UccError && e.code === 'UCC_ERR_UC_PRESENCE_INVALID') return reply.code(400).send({ error: e.message });
        throw e;
      }
      const v = deps.standalone.presenceOf(name);
      return { own: presenceJson(v.own), pushed: presenceJson(v.pushed), effective: presenceJson(v.effective) };
    });

    app.put('/api/v1/knowledge-workers/:userName/connector-dnd', {
      schema: { params: UserNameParams, body: ConnectorDndBody },
      preHandler: own,
      config: doc({ summary: 'Unavailable for contact-center work (connector DND) on or off', responses: { 200: { description: 'Set', schema: ConnectorDndReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply } } }),
    }, async (request, reply) => {
      const name = userName(request);
      const { on } = request.body as ConnectorDndBody;
      if (!connector.setConnectorDnd(name, on)) return notKw(reply);
      return { connectorDnd: connector.knowledgeWorker(name)?.connectorDnd ?? on };
    });

    app.post('/api/v1/knowledge-workers/:userName/ready', {
      schema: { params: UserNameParams },
      preHandler: own,
      config: doc({
        summary: 'Back to Ready after an auto-state (a rejected, timed-out or redirected preview), in every presence mode',
        responses: { 200: { description: 'The auto-state ended; the agent state follows the presence again', schema: ReadyReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply }, 409: { description: 'No auto-state to end', schema: ErrorReply } },
      }),
    }, async (request, reply) => {
      const name = userName(request);
      const view = connector.knowledgeWorker(name);
      if (!view || !connector.endAutoState) return notKw(reply);
      if (view.autoState === null) return reply.code(409).send({ error: 'no auto-state to end' });
      if (!connector.endAutoState(name)) return notKw(reply);
      return { ended: view.autoState };
    });

    app.get('/api/v1/knowledge-workers/:userName/state-display', {
      schema: { params: UserNameParams, querystring: LanguageQuery },
      preHandler: own,
      config: doc({ summary: 'The status indicator (custom or predefined state) and the custom state menu, in a language', responses: { 200: { description: 'OK', schema: StateDisplayReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply } } }),
    }, async (request, reply) => {
      const view = connector.knowledgeWorker(userName(request));
      if (!view) return notKw(reply);
      const language = ((request.query as LanguageQuery).language ?? 'en') as SupportedLanguage;
      const def = deps.presenceDefinition?.current() ?? builtInPresenceDefinition;
      const reasons = view.reasons as Record<string, unknown>;
      const shown = matchAgentState(def, { agentState: view.agentState, workMode: view.workMode, reasons, connectorDnd: view.connectorDnd });
      const state =
        shown.kind === 'custom'
          ? { kind: 'custom' as const, id: shown.state.id, statusText: stateText(shown.state, language)?.statusText ?? null, icon: shown.state.icon?.main ?? null, badge: shown.state.icon?.badge ?? null }
          : { kind: 'predefined' as const, id: shown.id, statusText: null, icon: predefinedIcon(shown.id), badge: `${predefinedIcon(shown.id)}-badge` };
      return { state, menu: stateMenu(def, language) };
    });

    app.put('/api/v1/knowledge-workers/:userName/custom-state', {
      schema: { params: UserNameParams, body: CustomStateBody },
      preHandler: own,
      config: doc({
        summary: 'Select a custom state of the state menu (standalone mode): the connector requests it and holds it until the presence changes',
        responses: { 200: { description: 'Requested', schema: CustomStateReply }, 400: { description: 'Not a state of the menu', schema: ErrorReply }, ...common, 404: { description: 'Not a knowledge worker', schema: ErrorReply }, 409: { description: 'Not standalone mode: the UC platform presence drives the agent', schema: ErrorReply } },
      }),
    }, async (request, reply) => {
      // Seed 000 4.12: custom states are a standalone-mode feature.
      if (!deps.standalone || !connector.selectCustomState) return reply.code(409).send({ error: 'custom states can only be selected in standalone mode' });
      const name = userName(request);
      const { id } = request.body as CustomStateBody;
      const def = deps.presenceDefinition?.current() ?? builtInPresenceDefinition;
      // In the menu: a state with a menuText in some language (a state without one is entered only automatically).
      const state = def.states.find((s) => s.id === id && Object.values(s.display).some((t) => t?.menuText !== undefined));
      if (!state) return reply.code(400).send({ error: `no custom state '${id}' in the state menu` });
      const req = agentRequestOf(state);
      if (!connector.selectCustomState(name, req)) return notKw(reply);
      return { id, ...req };
    });

    const redirectDoc = (summary: string, extra: OpenApiRouteDoc['responses'] = {}) =>
      doc({ summary, responses: { 200: { description: 'OK', schema: RedirectNumber }, ...extra, ...common, 404: { description: 'Redirect setup not available (redirect-setup-enabled is false)', schema: ErrorReply } } });
    const redirectAllowed = (name: string): boolean => deps.redirect?.setupEnabled(name) ?? false;

    app.get('/api/v1/knowledge-workers/:userName/redirect-number', {
      schema: { params: UserNameParams },
      preHandler: own,
      config: redirectDoc('The redirect number previews may be accepted on'),
    }, async (request, reply) => {
      const name = userName(request);
      if (!deps.redirect || !redirectAllowed(name)) return reply.code(404).send({ error: 'redirect setup is not enabled for this user' });
      return deps.redirect.get(name);
    });

    app.put('/api/v1/knowledge-workers/:userName/redirect-number', {
      schema: { params: UserNameParams, body: RedirectNumber },
      preHandler: own,
      config: redirectDoc('Set, change or enable the redirect number', { 400: { description: 'Invalid number', schema: ErrorReply } }),
    }, async (request, reply) => {
      const name = userName(request);
      if (!deps.redirect || !redirectAllowed(name)) return reply.code(404).send({ error: 'redirect setup is not enabled for this user' });
      const body = request.body as RedirectNumber;
      if (body.enabled && body.number.trim() === '') return reply.code(400).send({ error: 'an enabled redirect needs a number' });
      await deps.redirect.set(name, { number: body.number.trim(), enabled: body.enabled });
      return deps.redirect.get(name);
    });
  };
}
