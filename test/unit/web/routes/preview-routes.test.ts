import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreviewActionResult, PreviewOfferView } from '../../../../src/connector/preview-manager.ts';
import { previewRoutes, refusalStatus, type PreviewActionsPort } from '../../../../src/web/routes/preview-routes.ts';
import { harness, type Harness } from '../web-harness.ts';

/** Open previews by id with their owner; acting records the call and closes the preview. */
class FakePreviews implements PreviewActionsPort {
  readonly calls: string[] = [];
  readonly offers = new Map<string, PreviewOfferView>([
    ['p1', { id: 'p1', connId: 'c1', userName: 'alice', agentId: 'alice', state: 'offered', deadline: 1000 }],
    ['p2', { id: 'p2', connId: 'c2', userName: 'bob', agentId: 'bob', state: 'offered', deadline: 2000 }],
  ]);
  openPreviews(userName: string): PreviewOfferView[] {
    return [...this.offers.values()].filter((o) => o.userName === userName);
  }
  private act(kind: string, userName: string, id: string): PreviewActionResult {
    const o = this.offers.get(id);
    if (!o) return { ok: false, refusal: { code: 'unknown-preview', message: `no preview ${id}` } };
    if (o.userName !== userName) return { ok: false, refusal: { code: 'not-your-preview', message: `preview ${id} is not yours` } };
    if (kind === 'acceptExternal') return { ok: false, refusal: { code: 'cannot-redirect', message: 'no redirect number' } };
    this.calls.push(`${kind} ${userName} ${id}`);
    this.offers.delete(id);
    return { ok: true };
  }
  accept(u: string, id: string) { return this.act('accept', u, id); }
  reject(u: string, id: string) { return this.act('reject', u, id); }
  acceptExternal(u: string, id: string) { return this.act('acceptExternal', u, id); }
}

describe('preview routes', () => {
  let h: Harness;
  let alice: { cookie: string; csrf: string };
  const previews = new FakePreviews();
  before(async () => {
    h = await harness({ routesWithAuth: (auth) => [previewRoutes({ auth, previews })] });
    alice = await h.login('alice');
  });
  after(() => h.close());

  const base = '/api/v1/knowledge-workers';
  const post = (url: string, csrf = true) => h.app.inject({ method: 'POST', url, headers: { cookie: alice.cookie, ...(csrf ? { 'x-csrf-token': alice.csrf } : {}) } });

  test('GET lists only the own open previews', async () => {
    const r = await h.app.inject({ url: `${base}/alice/previews`, headers: { cookie: alice.cookie } });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), [{ id: 'p1', connId: 'c1', state: 'offered', deadline: 1000 }]);
    assert.equal((await h.app.inject({ url: `${base}/bob/previews`, headers: { cookie: alice.cookie } })).statusCode, 403);
  });

  test("another KW's preview: 403 under their path and under the own path; nothing changes", async () => {
    const under = await post(`${base}/bob/previews/p2/accept`);
    assert.equal(under.statusCode, 403);
    const own = await post(`${base}/alice/previews/p2/accept`);
    assert.equal(own.statusCode, 403);
    assert.equal((own.json() as { code: string }).code, 'not-your-preview');
    assert.deepEqual(previews.calls, []);
    assert.ok(previews.offers.has('p2'));
  });

  test('no session is 401; no CSRF token is 403, nothing done', async () => {
    assert.equal((await h.app.inject({ method: 'POST', url: `${base}/alice/previews/p1/accept` })).statusCode, 401);
    assert.equal((await post(`${base}/alice/previews/p1/accept`, false)).statusCode, 403);
    assert.deepEqual(previews.calls, []);
  });

  test('accept-external without a redirect number is 409; accept is 200; a second accept is 404', async () => {
    assert.equal((await post(`${base}/alice/previews/p1/accept-external`)).statusCode, 409);
    const r = await post(`${base}/alice/previews/p1/accept`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { ok: true });
    assert.deepEqual(previews.calls, ['accept alice p1']);
    assert.equal((await post(`${base}/alice/previews/p1/reject`)).statusCode, 404);
  });

  test('each refusal has its status', () => {
    assert.deepEqual((['not-your-preview', 'unknown-preview', 'already-closed', 'cannot-redirect'] as const).map(refusalStatus), [403, 404, 409, 409]);
  });
});
