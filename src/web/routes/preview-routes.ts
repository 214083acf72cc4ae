/**
 * The Preview window's REST API (seed 000 4.7): the KW's open previews, and accept, reject and
 * accept on the external number. The same actions as the KW socket's `accept` / `reject` /
 * `accept-external` messages, through the same PreviewManager. A KW acts only on its own
 * previews: another KW's path is 403 (requireOwn), and so is another KW's preview id under the
 * caller's own path (`not-your-preview`; nothing changes).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PreviewActionRefusal, PreviewActionResult, PreviewOfferView } from '../../connector/preview-manager.ts';
import type { WebAuth } from '../auth/web-auth.ts';
import type { RouteRegistration } from '../http-server.ts';
import { ActionReply, ErrorReply, UserNameParams } from './api-schemas.ts';
import type { OpenApiRouteDoc } from './openapi-routes.ts';

/** What the routes need of the PreviewManager. */
export interface PreviewActionsPort {
  openPreviews(userName: string): PreviewOfferView[];
  accept(userName: string, id: string): PreviewActionResult;
  reject(userName: string, id: string): PreviewActionResult;
  acceptExternal(userName: string, id: string): PreviewActionResult;
}

export interface PreviewRoutesDeps {
  auth: WebAuth;
  previews: PreviewActionsPort;
}

const PreviewIdParams = Type.Object({
  userName: Type.String({ minLength: 1, maxLength: 256 }),
  id: Type.String({ minLength: 1, maxLength: 128 }),
});
type PreviewIdParams = Static<typeof PreviewIdParams>;

const PreviewReply = Type.Object({
  id: Type.String(),
  connId: Type.String(),
  state: Type.String(),
  deadline: Type.Number({ description: 'End of the countdown, epoch ms' }),
});

const RefusalReply = Type.Object({ error: Type.String(), code: Type.String() });

const doc = (d: OpenApiRouteDoc) => ({ openapi: { tags: ['previews'], auth: true, ...d } });
const common = {
  401: { description: 'Not logged in', schema: ErrorReply },
  403: { description: "Another KW's path or preview (code not-your-preview), or CSRF token missing", schema: RefusalReply },
  404: { description: 'No such preview (code unknown-preview)', schema: RefusalReply },
  409: { description: 'The preview already ended or is being decided (already-closed), or no enabled redirect number (cannot-redirect)', schema: RefusalReply },
};

/** HTTP status of a refused action. */
export function refusalStatus(code: PreviewActionRefusal['code']): 403 | 404 | 409 {
  switch (code) {
    case 'not-your-preview': return 403;
    case 'unknown-preview': return 404;
    case 'already-closed':
    case 'cannot-redirect': return 409;
  }
}

/** Registers the preview routes. Needs the session routes registered too. */
export function previewRoutes(deps: PreviewRoutesDeps): RouteRegistration {
  const { auth, previews } = deps;
  const own = [auth.requireKw, auth.requireOwn];
  const base = '/api/v1/knowledge-workers/:userName/previews';
  return (app: FastifyInstance) => {
    app.get(base, {
      schema: { params: UserNameParams },
      preHandler: own,
      config: doc({ summary: "The KW's open previews", responses: { 200: { description: 'OK', schema: Type.Array(PreviewReply) }, ...common } }),
    }, async (request) => {
      const { userName } = request.params as UserNameParams;
      return previews.openPreviews(userName).map((o) => ({ id: o.id, connId: o.connId, state: o.state, deadline: o.deadline }));
    });

    const action = (path: string, act: 'accept' | 'reject' | 'acceptExternal', summary: string) =>
      app.post(`${base}/:id/${path}`, {
        schema: { params: PreviewIdParams },
        preHandler: own,
        config: doc({ summary, responses: { 200: { description: 'Done', schema: ActionReply }, ...common } }),
      }, async (request, reply: FastifyReply) => {
        const p = request.params as PreviewIdParams;
        const r = previews[act](p.userName, p.id);
        if (r.ok) return { ok: true };
        if (r.refusal.code === 'not-your-preview') auth.securityEvent('cross-kw', 'security: a KW tried to act on another KW\'s preview', { userName: p.userName, preview: p.id, ip: request.ip });
        return reply.code(refusalStatus(r.refusal.code)).send({ error: r.refusal.message, code: r.refusal.code });
      });
    action('accept', 'accept', 'Accept the preview (the router routes the call to the KW)');
    action('reject', 'reject', 'Reject the preview (the KW gets the preview-reject auto-state for dnd-off-timeout)');
    action('accept-external', 'acceptExternal', 'Accept the preview on the KW\'s enabled redirect number');
  };
}
