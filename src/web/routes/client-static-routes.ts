/**
 * Serves the built browser client (client/dist) at `/`: files by extension with their content
 * type, `index.html` for `/` and for extension-less paths (the client's own screens). Paths are
 * resolved inside the root only: `..`, encoded separators, NUL bytes and symlinks leading out are
 * refused, never read.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteRegistration } from '../http-server.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_PATH = 512;
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Maps a URL path to a file under `root`, or undefined when it would leave the root or is not a
 * plain relative path (exported for tests).
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  if (urlPath.length > MAX_PATH) return undefined;
  const q = urlPath.indexOf('?');
  let path = q >= 0 ? urlPath.slice(0, q) : urlPath;
  try {
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) return undefined;
  if (parts.length === 0 || extname(parts[parts.length - 1]!) === '') return join(root, 'index.html');
  const full = resolve(root, ...parts);
  return full.startsWith(resolve(root) + sep) ? full : undefined;
}

/** Registers the static routes for `root` (the built client). Register after every /api route. */
export function clientStaticRoutes(options: { root: string }): RouteRegistration {
  return (app: FastifyInstance) => {
    const rootReal = realpath(options.root).catch(() => resolve(options.root));
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
      const file = resolveStaticPath(options.root, request.url);
      // No source map is served, even one a development build left in the folder.
      if (file === undefined || extname(file).toLowerCase() === '.map') return reply.code(404).send({ error: 'not found' });
      try {
        const real = await realpath(file);
        const root = await rootReal;
        if (real !== root && !real.startsWith(root + sep)) return reply.code(404).send({ error: 'not found' });
        const st = await stat(real);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) return reply.code(404).send({ error: 'not found' });
        const body = await readFile(real);
        const type = CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream';
        return reply
          .header('content-type', type)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', extname(real) === '.html' ? 'no-cache' : 'public, max-age=300')
          .header('content-security-policy', "default-src 'self'; img-src 'self' data: https:; media-src 'self' https:; object-src 'none'; frame-ancestors 'self'")
          .send(body);
      } catch {
        return reply.code(404).send({ error: 'not found' });
      }
    };
    app.get('/', handler);
    app.get('/*', handler);
  };
}
