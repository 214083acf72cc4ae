import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../../../src/lib/logger.ts';
import { createHttpServer } from '../../../../src/web/http-server.ts';
import { clientStaticRoutes, resolveStaticPath } from '../../../../src/web/routes/client-static-routes.ts';

describe('client static routes', () => {
  let dir: string;
  let app: FastifyInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-static-'));
    const root = join(dir, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(root, 'main.js'), 'console.log(1)');
    writeFileSync(join(root, 'main.js.map'), '{"version":3,"sources":["../src/main.tsx"]}');
    writeFileSync(join(root, 'assets', 'ready.png'), Buffer.from([0x89, 0x50]));
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    app = createHttpServer({ logger: silentLogger, version: 't', routes: [clientStaticRoutes({ root })] });
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ rule: string; url: string; status: number; type?: RegExp; body?: string }> = [
    { rule: '/ serves index.html as HTML', url: '/', status: 200, type: /^text\/html/, body: '<!doctype html><title>x</title>' },
    { rule: 'an extension-less path is a client screen: index.html', url: '/main-window', status: 200, type: /^text\/html/ },
    { rule: 'JavaScript gets its content type', url: '/main.js', status: 200, type: /^text\/javascript/ },
    { rule: 'images in sub-folders', url: '/assets/ready.png', status: 200, type: /^image\/png$/ },
    { rule: 'a missing file is 404', url: '/nope.js', status: 404 },
    { rule: 'no source map is served, even one left in the folder', url: '/main.js.map', status: 404 },
    { rule: '.. is refused', url: '/../secret.txt', status: 404 },
    { rule: 'encoded .. is refused', url: '/%2e%2e/secret.txt', status: 404 },
    { rule: 'an encoded slash + .. is refused', url: '/assets%2f..%2f..%2fsecret.txt', status: 404 },
    { rule: 'a symlink leading out of the root is refused', url: '/link.txt', status: 404 },
    { rule: 'a NUL byte is refused', url: '/main.js%00.png', status: 404 },
    { rule: '/api paths are never the client', url: '/api/v1/nothing', status: 404 },
  ];
  for (const c of cases) {
    test(c.rule, async () => {
      const r = await app.inject({ url: c.url });
      assert.equal(r.statusCode, c.status);
      if (c.type) assert.match(String(r.headers['content-type']), c.type);
      if (c.body) assert.equal(r.body, c.body);
      if (c.status === 200) assert.equal(r.headers['x-content-type-options'], 'nosniff');
    });
  }

  test('files carry an ETag and a conditional GET is 304 (@fastify/static); HTML is no-cache, the rest cached 5 minutes', async () => {
    const first = await app.inject({ url: '/main.js' });
    const etag = String(first.headers['etag']);
    assert.match(etag, /^(W\/)?"/);
    assert.equal(first.headers['cache-control'], 'public, max-age=300');
    assert.equal((await app.inject({ url: '/main.js', headers: { 'if-none-match': etag } })).statusCode, 304);
    assert.equal((await app.inject({ url: '/' })).headers['cache-control'], 'no-cache');
  });

  test('resolveStaticPath never leaves the root', () => {
    for (const p of ['/..', '/a/../../b.js', '/%2e%2e%2fb.js', '/a\\..\\b.js', '/%ZZ']) assert.equal(resolveStaticPath('/srv/dist', p), undefined, p);
    assert.equal(resolveStaticPath('/srv/dist', '/a/b.js?x=1'), '/srv/dist/a/b.js');
  });
});
