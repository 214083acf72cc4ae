/**
 * Serves the built browser client (client/dist) at `/`: files by extension with their content
 * type, `index.html` for `/` and for extension-less paths (the client's own screens). Paths are
 * resolved inside the root only: `..`, encoded separators, NUL bytes and symlinks leading out are
 * refused, never read.
 *
 * @fastify/static delivers the file (streamed, with ETag, Last-Modified, conditional GET and
 * ranges); this file keeps the mapping of URL to file and the refusals, which the plugin answers
 * differently (403 for `..`, no fallback to index.html, symlinks followed). The security headers
 * and the CSP come from @fastify/helmet (http-server.ts).
 */
import { realpathSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import { extname, join, relative, resolve, sep } from 'node:path';
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

/** True when `file`, symlinks resolved, is inside `rootReal`; false when it does not exist. */
function insideRoot(rootReal: string, file: string): boolean {
  try {
    const real = realpathSync(file);
    return real === rootReal || real.startsWith(rootReal + sep);
  } catch {
    return false;
  }
}

/** Registers the static routes for `root` (the built client). Register after every /api route. */
export function clientStaticRoutes(options: { root: string }): RouteRegistration {
  return (app: FastifyInstance) => {
    void app.register(async (scope) => {
      const root = resolve(options.root);
      let rootReal = root;
      try {
        rootReal = realpathSync(root);
      } catch {
        // Not built yet: every file is a 404 until it is.
      }
      await scope.register(fastifyStatic, {
        root,
        serve: false,
        index: false,
        dotfiles: 'deny',
        // Checked again on the resolved path: a symlink may not lead out of the root.
        allowedPath: (pathName) => insideRoot(rootReal, join(root, pathName)),
        setHeaders: (reply, path) => {
          const ext = extname(path).toLowerCase();
          void reply.header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
          void reply.header('cache-control', ext === '.html' ? 'no-cache' : 'public, max-age=300');
        },
        cacheControl: false,
      });
      const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'not found' });
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.url.startsWith('/api/')) return notFound(reply);
        const file = resolveStaticPath(root, request.url);
        // No source map is served, even one a development build left in the folder.
        if (file === undefined || extname(file).toLowerCase() === '.map') return notFound(reply);
        if (!insideRoot(rootReal, file)) return notFound(reply);
        return reply.sendFile(relative(root, file).split(sep).join('/'));
      };
      scope.get('/', handler);
      scope.get('/*', handler);
      // The plugin's own 404s (a file gone between the check and the read) answer like ours.
      scope.setNotFoundHandler(async (_request, reply) => notFound(reply));
    });
  };
}
