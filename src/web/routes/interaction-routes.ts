/**
 * The Interaction window's API (seed 000 4.8): the KW's calls, call control as the KW's DN, notes
 * saved to the call's UserData, and the contact points to transfer or conference to. Own calls
 * only (403 for another KW); a T-Lib EventError answers 409 with its ErrorCode. A transfer or
 * conference goes only to a contact point or to a target the `transfer-dial-plan` allows, never to
 * any string a client sends (403 `target-not-allowed`, logged as a security event).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConfigView } from '../../config/config-index.ts';
import type { Interaction } from '../../connector/interactions/interaction-machine.ts';
import type { InteractionActionError } from '../../connector/interactions/interaction-tracker.ts';
import { interactionJson } from '../../connector/kw-client-messages.ts';
import type { Result } from '../../lib/result.ts';
import type { StatRef, StatValue } from '../../stats/stat-types.ts';
import type { WebAuth } from '../auth/web-auth.ts';
import type { RouteRegistration } from '../http-server.ts';
import { ActionReply, ConnIdParams, ContactPointBody, ContactPointReply, ErrorReply, InteractionReply, NotesBody, TlibErrorReply, UserNameParams } from './api-schemas.ts';
import { contactPointsFromConfig } from './contact-points.ts';
import type { OpenApiRouteDoc } from './openapi-routes.ts';

type ActionResult<T = void> = Promise<Result<T, InteractionActionError>>;

/** What the routes need of the InteractionTracker. */
export interface InteractionPort {
  interactionsOf(userName: string): Interaction[] | undefined;
  /** Whether the KW's ringing calls can be answered from the desktop; absent: they can. */
  canAnswer?(userName: string): boolean;
  answer(userName: string, connId: string): ActionResult;
  hold(userName: string, connId: string): ActionResult;
  retrieve(userName: string, connId: string): ActionResult;
  release(userName: string, connId: string): ActionResult;
  transfer(userName: string, connId: string, otherDn: string): ActionResult;
  conference(userName: string, connId: string, otherDn: string): ActionResult<{ consultConnId: string }>;
  saveNotes(userName: string, connId: string, key: string, text: string): ActionResult;
}

/** What {@link interactionRoutes} needs. */
export interface InteractionRoutesDeps {
  auth: WebAuth;
  interactions: InteractionPort;
  /** Contact points come from the configuration's DNs. */
  view: ConfigView;
  stats?: { value(ref: StatRef): StatValue | undefined };
  /** `userdata-note-key` for a KW (Person annex over Application). */
  noteKey(userName: string): string;
  /** `transfer-dial-plan`: comma-separated regular expressions; empty or absent: contact points only. */
  dialPlan?(): string;
}

/** Targets longer than this are never dialled (and never matched against a dial plan). */
const MAX_TARGET = 128;

/** Compiles a `transfer-dial-plan` value; a pattern that does not compile is skipped. */
export function compileDialPlan(value: string): RegExp[] {
  const out: RegExp[] = [];
  for (const p of value.split(',').map((x) => x.trim()).filter((x) => x !== '' && x.length <= 256)) {
    try {
      out.push(new RegExp(`^(?:${p})$`, 'u'));
    } catch {
      /* not a regular expression: allows nothing */
    }
  }
  return out;
}

/** True when a KW may transfer or conference to `target`: a contact point, or a dial-plan match. */
export function transferTargetAllowed(target: string, contactPoints: readonly string[], dialPlan: readonly RegExp[]): boolean {
  if (target.length === 0 || target.length > MAX_TARGET) return false;
  return contactPoints.includes(target) || dialPlan.some((r) => r.test(target));
}

const doc = (d: OpenApiRouteDoc) => ({ openapi: { tags: ['interactions'], auth: true, ...d } });
const common = {
  401: { description: 'Not logged in', schema: ErrorReply },
  403: { description: 'Another KW, CSRF token missing, or a transfer target that is not a contact point nor in the dial plan', schema: ErrorReply },
  404: { description: 'No such call at the KW DN, or not a KW', schema: ErrorReply },
  409: { description: 'Not allowed in the call state, or a T-Lib EventError (tlibErrorCode)', schema: TlibErrorReply },
};

function sendError(reply: FastifyReply, e: InteractionActionError) {
  switch (e.kind) {
    case 'unknown-kw':
    case 'unknown-call':
      return reply.code(404).send({ error: e.message });
    case 'not-allowed':
      return reply.code(409).send({ error: e.message, tlibErrorCode: null });
    case 'tlib':
      return reply.code(e.code === null ? 502 : 409).send({ error: e.message, tlibErrorCode: e.code });
  }
}

/** Registers the interaction and contact-point routes. Needs the session routes registered too. */
export function interactionRoutes(deps: InteractionRoutesDeps): RouteRegistration {
  const { auth, interactions } = deps;
  const own = [auth.requireKw, auth.requireOwn];
  let plan: { value: string; compiled: RegExp[] } = { value: '', compiled: [] };
  const dialPlan = (): RegExp[] => {
    const value = deps.dialPlan?.() ?? '';
    if (value !== plan.value) plan = { value, compiled: compileDialPlan(value) };
    return plan.compiled;
  };
  /** Refuses a target that is neither a contact point nor in the dial plan (true when refused). */
  const refuseTarget = (request: FastifyRequest, reply: FastifyReply, target: string): boolean => {
    const points = contactPointsFromConfig(deps.view, undefined).map((c) => c.dn);
    if (transferTargetAllowed(target, points, dialPlan())) return false;
    auth.securityEvent('target-not-allowed', 'security: transfer target refused', { userName: (request.params as ConnIdParams).userName, target: target.slice(0, 64), url: request.url.slice(0, 200), ip: request.ip });
    void reply.code(403).send({ error: 'the target is not a contact point nor in the dial plan', code: 'target-not-allowed' });
    return true;
  };
  const base = '/api/v1/knowledge-workers/:userName/interactions';
  return (app: FastifyInstance) => {
    app.get(base, {
      schema: { params: UserNameParams },
      preHandler: own,
      config: doc({ summary: 'The calls at the KW DN', responses: { 200: { description: 'OK', schema: Type.Array(InteractionReply) }, ...common } }),
    }, async (request, reply) => {
      const { userName } = request.params as UserNameParams;
      const list = interactions.interactionsOf(userName);
      const answerable = interactions.canAnswer?.(userName) ?? true;
      return list ? list.map((i) => interactionJson(i, answerable)) : reply.code(404).send({ error: 'not a knowledge worker with a DN' });
    });

    const simple = (action: 'answer' | 'hold' | 'retrieve' | 'release', summary: string) =>
      app.post(`${base}/:connId/${action}`, {
        schema: { params: ConnIdParams },
        preHandler: own,
        config: doc({ summary, responses: { 200: { description: 'Done', schema: ActionReply }, ...common } }),
      }, async (request: FastifyRequest, reply: FastifyReply) => {
        const p = request.params as ConnIdParams;
        const r = await interactions[action](p.userName, p.connId);
        return r.ok ? { ok: true } : sendError(reply, r.error);
      });
    simple('answer', 'Answer a ringing call (RequestAnswerCall)');
    simple('hold', 'Hold a call (RequestHoldCall)');
    simple('retrieve', 'Retrieve a held call (RequestRetrieveCall)');
    simple('release', 'Release the call at the KW DN (RequestReleaseCall)');

    app.post(`${base}/:connId/transfer`, {
      schema: { params: ConnIdParams, body: ContactPointBody },
      preHandler: own,
      config: doc({ summary: 'Single-step transfer to a contact point', responses: { 200: { description: 'Done', schema: ActionReply }, ...common } }),
    }, async (request, reply) => {
      const p = request.params as ConnIdParams;
      const target = (request.body as ContactPointBody).contactPoint;
      if (refuseTarget(request, reply, target)) return reply;
      const r = await interactions.transfer(p.userName, p.connId, target);
      return r.ok ? { ok: true } : sendError(reply, r.error);
    });

    app.post(`${base}/:connId/conference`, {
      schema: { params: ConnIdParams, body: ContactPointBody },
      preHandler: own,
      config: doc({ summary: 'Two-step conference with a contact point (completes when the consultation call is established)', responses: { 200: { description: 'Consultation dialled', schema: ActionReply }, ...common } }),
    }, async (request, reply) => {
      const p = request.params as ConnIdParams;
      const target = (request.body as ContactPointBody).contactPoint;
      if (refuseTarget(request, reply, target)) return reply;
      const r = await interactions.conference(p.userName, p.connId, target);
      return r.ok ? { ok: true, consultConnId: r.value.consultConnId } : sendError(reply, r.error);
    });

    app.put(`${base}/:connId/notes`, {
      schema: { params: ConnIdParams, body: NotesBody },
      preHandler: own,
      config: doc({ summary: 'Save the notes to the call UserData under userdata-note-key (RequestUpdateUserData)', responses: { 200: { description: 'Saved', schema: ActionReply }, ...common } }),
    }, async (request, reply) => {
      const p = request.params as ConnIdParams;
      const r = await interactions.saveNotes(p.userName, p.connId, deps.noteKey(p.userName), (request.body as NotesBody).notes);
      return r.ok ? { ok: true } : sendError(reply, r.error);
    });

    app.get('/api/v1/contact-points', {
      preHandler: auth.requireKw,
      config: doc({ summary: 'Contact points (routing points with display-name) and their attribute<n> statistics', responses: { 200: { description: 'OK', schema: Type.Array(ContactPointReply) }, 401: common[401] } }),
    }, async () => contactPointsFromConfig(deps.view, deps.stats));
  };
}
