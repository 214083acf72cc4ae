/**
 * Operations routes: `GET /metrics` (Prometheus text) and `GET /api/v1/ready` (readiness: 200 when
 * ready, 503 when not ready or draining, each role and dependency in the body). `GET /api/v1/health`
 * (liveness) is the HTTP server's own. Neither route takes a session: a load balancer and a
 * Prometheus server call them; they show counts and states, no personal data. Expose the HTTP port
 * to the monitoring network only (docs/operations.md).
 */
import type { FastifyInstance } from 'fastify';
import type { Operations } from '../../app/operations.ts';
import type { UccMetrics } from '../../metrics/ucc-metrics.ts';

export function opsRoutes(o: { metrics: UccMetrics; operations: Operations }): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await o.metrics.text();
      return reply.type(contentType).send(body);
    });
    app.get('/api/v1/ready', async (_request, reply) => {
      const report = await o.operations.readiness();
      return reply.code(report.status === 'ready' ? 200 : 503).send(report);
    });
  };
}
