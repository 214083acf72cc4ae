/**
 * The supervisor's API (docs/supervisor.md): the dashboard snapshot, its live socket, and the
 * report over a period as JSON or CSV. Only Persons whose `[uc] role` is `supervisor` may use any
 * of it: everyone else gets 403 (401 without a session), and the socket closes with 4403. The role
 * is read at every request and every push, so a change of the option takes effect at once.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { outcomeRows, startOfLocalDay } from '../../supervisor/dashboard-aggregation.ts';
import type { DashboardSnapshot, OutcomeRow } from '../../supervisor/dashboard-types.ts';
import { reportCsv } from '../../supervisor/report-csv.ts';
import type { FeedReportsPort, SnapshotListener } from '../../supervisor/supervisor-feed.ts';
import type { Clock } from '../../lib/clock.ts';
import { identifyKw, sessionOf, type WebAuth } from '../auth/web-auth.ts';
import type { RouteRegistration } from '../http-server.ts';
import { ErrorReply } from './api-schemas.ts';
import type { OpenApiRouteDoc } from './openapi-routes.ts';

/** The path of the supervisor socket. */
export const supervisorSocketPath = '/api/v1/supervisor-socket';

/** Close codes of the supervisor socket. */
export const supervisorSocketCloseCodes = {
  unauthenticated: 4401,
  /** Logged in, but not a supervisor (or no longer one). */
  forbidden: 4403,
  sessionEnded: 4408,
  slowConsumer: 4429,
  goingAway: 1001,
} as const;

/** Who is a supervisor (the `[uc] role` Person annex option, read through the OptionResolver). */
export interface SupervisorRolePort {
  isSupervisor(userName: string): boolean;
  /** Whether the Person is also a knowledge worker of this connector (the client then offers both screens). */
  isKnowledgeWorker(userName: string): boolean;
}

/** The dashboard's feed (SupervisorFeed). */
export interface SupervisorFeedPort {
  current(): Promise<DashboardSnapshot>;
  subscribe(listener: SnapshotListener): () => void;
}

export interface SupervisorRoutesDeps {
  auth: WebAuth;
  roles: SupervisorRolePort;
  feed: SupervisorFeedPort;
  /** The ledger's totals; without it the report routes answer 503. */
  reports?: Pick<FeedReportsPort, 'outcomeTotals'>;
  clock: Clock;
  /** A socket with more than this many bytes unsent is closed (default 1 MiB). */
  maxBufferedBytes?: number;
}

/** The longest period a report may span. */
export const MAX_REPORT_DAYS = 366;

const ReportQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Start of the period (ISO 8601 date or date-time; default: local midnight today)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'End of the period, exclusive (ISO 8601; default: now)' })),
});
type ReportQuery = Static<typeof ReportQuery>;
const CsvQuery = Type.Object({
  ...ReportQuery.properties,
  by: Type.Optional(Type.Union([Type.Literal('kw'), Type.Literal('routing-point')], { description: 'Rows per KW (default) or per routing point' })),
});
type CsvQuery = Static<typeof CsvQuery>;

const doc = (d: OpenApiRouteDoc) => ({ openapi: { tags: ['supervisor'], auth: true, ...d } });
const refusals = {
  401: { description: 'Not logged in', schema: ErrorReply },
  403: { description: 'Not a supervisor ([uc] role)', schema: ErrorReply },
};

/** Parses the report period; an error message for a bad one. Exported for tests. */
export function reportPeriod(q: ReportQuery, now: number): { from: number; to: number } | { error: string } {
  const parse = (name: string, v: string | undefined, dflt: number): number | string => {
    if (v === undefined || v === '') return dflt;
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : `${name}: not an ISO 8601 date or date-time`;
  };
  const from = parse('from', q.from, startOfLocalDay(now));
  const to = parse('to', q.to, now + 1);
  if (typeof from === 'string') return { error: from };
  if (typeof to === 'string') return { error: to };
  if (to <= from) return { error: 'to must be after from' };
  if (to - from > MAX_REPORT_DAYS * 86_400_000) return { error: `a report spans at most ${MAX_REPORT_DAYS} days` };
  return { from, to };
}

export function supervisorRoutes(deps: SupervisorRoutesDeps): RouteRegistration {
  const { auth, roles, feed, clock } = deps;
  const maxBuffered = deps.maxBufferedBytes ?? 1024 * 1024;

  /**
   * Pre-handler after requireKw: the session's Person must be a supervisor. A refusal is a
   * security event, except on `/me`, which the client asks after every login to choose its screen.
   */
  const supervisorCheck = (logRefusal: boolean) => async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = identifyKw(request);
    if (user !== undefined && roles.isSupervisor(user)) return;
    if (user !== undefined && logRefusal) auth.securityEvent('not-supervisor', 'security: supervisor route refused', { userName: user, url: request.url.slice(0, 200), ip: request.ip });
    await reply.code(403).send({ error: 'only a supervisor may use this' });
  };
  const guard = { preHandler: [auth.requireKw, supervisorCheck(true)] };

  const report = async (from: number, to: number): Promise<{ byKw: OutcomeRow[]; byRoutingPoint: OutcomeRow[] }> => {
    const [kw, rp] = await Promise.all([deps.reports!.outcomeTotals('agent', from, to), deps.reports!.outcomeTotals('routing-point', from, to)]);
    return { byKw: outcomeRows(kw), byRoutingPoint: outcomeRows(rp) };
  };

  return (app: FastifyInstance) => {
    app.get('/api/v1/supervisor/me', {
      preHandler: [auth.requireKw, supervisorCheck(false)],
      config: doc({ summary: 'Whether the logged-in Person is a supervisor (200) or not (403), and whether also a KW', responses: { 200: { description: 'A supervisor' }, ...refusals } }),
    }, async (request) => {
      const userName = identifyKw(request)!;
      return { userName, supervisor: true, knowledgeWorker: roles.isKnowledgeWorker(userName) };
    });

    app.get('/api/v1/supervisor/dashboard', {
      ...guard,
      config: doc({ summary: 'The dashboard now: KWs, routing points, previews in flight and the charts (the socket pushes the same)', responses: { 200: { description: 'DashboardSnapshot (docs/supervisor.md)' }, ...refusals } }),
    }, async () => feed.current());

    app.get('/api/v1/supervisor/report', {
      ...guard,
      schema: { querystring: ReportQuery },
      config: doc({ summary: 'Offers and outcomes per KW and per routing point over a period', responses: { 200: { description: '{from, to, byKw, byRoutingPoint}' }, 400: { description: 'Bad period', schema: ErrorReply }, ...refusals, 503: { description: 'No offer ledger', schema: ErrorReply } } }),
    }, async (request, reply) => {
      const p = reportPeriod(request.query as ReportQuery, clock.now());
      if ('error' in p) return reply.code(400).send({ error: p.error });
      if (!deps.reports) return reply.code(503).send({ error: 'no offer ledger' });
      return { from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), ...(await report(p.from, p.to)) };
    });

    app.get('/api/v1/supervisor/report.csv', {
      ...guard,
      schema: { querystring: CsvQuery },
      config: doc({ summary: 'The report as CSV (RFC 4180; cells that would start a formula are prefixed with an apostrophe)', responses: { 200: { description: 'text/csv' }, 400: { description: 'Bad period', schema: ErrorReply }, ...refusals, 503: { description: 'No offer ledger', schema: ErrorReply } } }),
    }, async (request, reply) => {
      const q = request.query as CsvQuery;
      const p = reportPeriod(q, clock.now());
      if ('error' in p) return reply.code(400).send({ error: p.error });
      if (!deps.reports) return reply.code(503).send({ error: 'no offer ledger' });
      const by = q.by === 'routing-point' ? 'routing-point' : 'agent';
      const rows = outcomeRows(await deps.reports.outcomeTotals(by, p.from, p.to));
      const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="offers-by-${by === 'agent' ? 'kw' : 'routing-point'}-${day(p.from)}-${day(p.to)}.csv"`)
        .send(reportCsv(by, rows, p.from, p.to));
    });

    void app.register(async (scope) => {
      const open = new Set<WebSocket>();
      const bySession = new Map<string, Set<WebSocket>>();
      const onSessionEnded = (s: { id: string }): void => {
        for (const ws of bySession.get(s.id) ?? []) ws.close(supervisorSocketCloseCodes.sessionEnded, 'logged out');
      };
      auth.on('sessionEnded', onSessionEnded);
      scope.addHook('onClose', async () => {
        auth.off('sessionEnded', onSessionEnded);
        for (const ws of open) ws.close(supervisorSocketCloseCodes.goingAway, 'server shutting down');
      });
      scope.get(supervisorSocketPath, { websocket: true }, (ws: WebSocket, request: FastifyRequest) => {
        const userName = identifyKw(request);
        if (userName === undefined) {
          ws.close(supervisorSocketCloseCodes.unauthenticated, 'not logged in');
          return;
        }
        if (!roles.isSupervisor(userName)) {
          auth.securityEvent('not-supervisor', 'security: supervisor socket refused', { userName, ip: request.ip });
          ws.close(supervisorSocketCloseCodes.forbidden, 'not a supervisor');
          return;
        }
        const sessionId = sessionOf(request)?.id;
        open.add(ws);
        if (sessionId !== undefined) {
          let set = bySession.get(sessionId);
          if (!set) bySession.set(sessionId, (set = new Set()));
          set.add(ws);
        }
        // The socket only pushes; whatever the browser sends is ignored (its size is capped by maxPayload).
        ws.on('error', () => undefined);
        const unsubscribe = feed.subscribe((snapshot) => {
          if (ws.readyState !== ws.OPEN) return;
          if (!roles.isSupervisor(userName)) {
            ws.close(supervisorSocketCloseCodes.forbidden, 'no longer a supervisor');
            return;
          }
          if (sessionId !== undefined && auth.sessions.get(sessionId) === undefined) {
            ws.close(supervisorSocketCloseCodes.sessionEnded, 'session expired');
            return;
          }
          if (ws.bufferedAmount > maxBuffered) {
            ws.close(supervisorSocketCloseCodes.slowConsumer, 'not reading');
            return;
          }
          ws.send(JSON.stringify({ type: 'dashboard', snapshot }));
        });
        ws.on('close', () => {
          unsubscribe();
          open.delete(ws);
          if (sessionId !== undefined) {
            const set = bySession.get(sessionId);
            set?.delete(ws);
            if (set?.size === 0) bySession.delete(sessionId);
          }
        });
      });
    });
  };
}
