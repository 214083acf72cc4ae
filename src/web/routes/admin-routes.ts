/**
 * The operator's admin API: `GET|PUT /api/v1/admin/log-level` (the live log level).
 *
 * Who may call it: whoever holds the credentials of the `ucc` Application (its name and password,
 * the same an operator configures for it), sent as HTTP Basic authentication. Not a KW: a KW's
 * session cookie does not open it, and without a password on the `ucc` Application the admin API
 * is closed (403). Every change, and every refused attempt, is logged with the caller's address.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyPasswordAsync } from '../../config/password-hash.ts';
import type { LogControl } from '../../lib/log-control.ts';
import { logLevels } from '../../lib/log-control.ts';
import type { Logger, LogLevel } from '../../lib/logger.ts';

export interface AdminRoutesOptions {
  logControl: LogControl;
  /** The `ucc` Application's name and password hash, read at each request (configuration changes apply). */
  credentials: () => { name: string; passwordHash: string | undefined };
  logger: Logger;
}

const MAX_AUTH_HEADER = 2048;

/** Verifies `Authorization: Basic` against the ucc Application; answers the refusal itself. */
async function authorized(request: FastifyRequest, reply: FastifyReply, o: AdminRoutesOptions): Promise<boolean> {
  const { name, passwordHash } = o.credentials();
  if (passwordHash === undefined) {
    await reply.code(403).send({ error: 'admin API closed: the ucc Application has no password' });
    return false;
  }
  const header = request.headers.authorization ?? '';
  const m = header.length <= MAX_AUTH_HEADER ? /^Basic ([A-Za-z0-9+/=]+)$/.exec(header) : null;
  const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const ok = colon > 0 && decoded.slice(0, colon) === name && (await verifyPasswordAsync(decoded.slice(colon + 1), passwordHash));
  if (!ok) {
    o.logger.warn('security: admin API refused', { event: 'admin-refused', ip: request.ip, url: request.url.slice(0, 200) });
    await reply.code(401).header('www-authenticate', 'Basic realm="OpenUCC admin"').send({ error: 'authentication required' });
    return false;
  }
  return true;
}

export function adminRoutes(o: AdminRoutesOptions): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/api/v1/admin/log-level', async (request, reply) => {
      if (!(await authorized(request, reply, o))) return reply;
      return { level: o.logControl.level };
    });
    app.put<{ Body: { level: LogLevel } }>('/api/v1/admin/log-level', {
      schema: { body: { type: 'object', required: ['level'], additionalProperties: false, properties: { level: { type: 'string', enum: [...logLevels] } } } },
    }, async (request, reply) => {
      if (!(await authorized(request, reply, o))) return reply;
      const from = o.logControl.level;
      o.logControl.setLevel(request.body.level);
      // Written at warn so the change is on record even when the new level hides info lines.
      o.logger.warn('log level changed', { from, to: request.body.level, by: 'admin-api', ip: request.ip });
      return { level: o.logControl.level };
    });
  };
}
