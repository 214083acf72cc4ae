import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('client build (client/build.mjs)', () => {
  test('bundles main.tsx with Preact into one ES module beside index.html and styles.css', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ucc-client-'));
    try {
      const { buildClient } = await import('../../../client/build.mjs');
      const files = await buildClient(out);
      assert.ok(files.some((f) => f.endsWith('main.js')));
      const js = readFileSync(join(out, 'main.js'), 'utf8');
      assert.ok(js.length > 1000 && js.length < 200_000, `bundle is ${js.length} bytes`);
      assert.match(js, /\/api\/v1\/session/);
      assert.doesNotMatch(js, /from\s*["']preact/, 'preact is bundled, not imported');
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      assert.match(html, /<script type="module" src="\/main\.js">/);
      assert.match(readFileSync(join(out, 'styles.css'), 'utf8'), /\.indicator/);
      // The production build serves no source map: none written, none referenced.
      assert.ok(!files.some((f) => f.endsWith('.map')), files.join(', '));
      assert.ok(!existsSync(join(out, 'main.js.map')));
      assert.doesNotMatch(js, /sourceMappingURL/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
