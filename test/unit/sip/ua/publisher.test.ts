import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { Publisher, PUBLICATION_TRANSITIONS } from '../../../../src/sip/ua/publisher.ts';
import type { PublicationState, PublisherOptions } from '../../../../src/sip/ua/publisher.ts';
import { FakeTransactionUser, flush } from '../support/fake-transaction-user.ts';

const PIDF = '<presence entity="sip:alice@example.test"/>';

function setup(extra: Partial<PublisherOptions> = {}) {
  const clock = new ManualClock(0);
  const tu = new FakeTransactionUser();
  const pub = new Publisher({ tu, clock, aor: 'sip:alice@example.test', event: 'presence', expires: 120, ...extra });
  const states: PublicationState[] = [];
  pub.on('stateChange', (s) => states.push(s));
  return { clock, tu, pub, states };
}

describe('Publisher (RFC 3903)', () => {
  test('initial PUBLISH carries the body, Event and Expires and no SIP-If-Match; the SIP-ETag is stored', async () => {
    const s = setup();
    const done = s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    const r = s.tu.last('PUBLISH').request;
    assert.equal(r.uri, 'sip:alice@example.test');
    assert.equal(r.headers.get('Event'), 'presence');
    assert.equal(r.headers.get('Expires'), '120');
    assert.equal(r.headers.get('SIP-If-Match'), undefined);
    assert.equal(r.headers.get('Content-Type'), 'application/pidf+xml');
    assert.equal(r.body.toString(), PIDF);
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1', Expires: '120' } });
    assert.equal((await done).status, 200);
    assert.equal(s.pub.etag, 'e1');
    assert.equal(s.pub.state, 'published');
    s.pub.dispose();
  });

  test('refresh before expiry: SIP-If-Match, no body; the new ETag replaces the old', async () => {
    const s = setup();
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1', Expires: '120' } });
    s.clock.advance(107_999);
    assert.equal(s.tu.sent.length, 1);
    s.clock.advance(1);
    await flush();
    const r = s.tu.last('PUBLISH').request;
    assert.equal(s.tu.sent.length, 2);
    assert.equal(r.headers.get('SIP-If-Match'), 'e1');
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.get('Content-Type'), undefined);
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e2', Expires: '120' } });
    assert.equal(s.pub.etag, 'e2');
    s.pub.dispose();
  });

  test('modify: SIP-If-Match with the new body', async () => {
    const s = setup();
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1' } });
    void s.pub.publish('<presence entity="x"><note>busy</note></presence>', 'application/pidf+xml');
    await flush();
    const r = s.tu.last('PUBLISH').request;
    assert.equal(r.headers.get('SIP-If-Match'), 'e1');
    assert.match(r.body.toString(), /busy/);
    s.pub.dispose();
  });

  for (const status of [412, 500]) {
    test(`${status} to a conditional PUBLISH → re-publish from scratch with the full body`, async () => {
      const s = setup();
      void s.pub.publish(PIDF, 'application/pidf+xml');
      await flush();
      await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1' } });
      void s.pub.refresh();
      await flush();
      await s.tu.answerLast('PUBLISH', status);
      const r = s.tu.last('PUBLISH').request;
      assert.equal(s.tu.sent.length, 3);
      assert.equal(r.headers.get('SIP-If-Match'), undefined);
      assert.equal(r.body.toString(), PIDF);
      await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e9' } });
      assert.equal(s.pub.etag, 'e9');
      assert.equal(s.pub.state, 'published');
      s.pub.dispose();
    });
  }

  test('operations are never pipelined: a modify waits for the response with the current ETag', async () => {
    const s = setup();
    void s.pub.publish(PIDF, 'application/pidf+xml');
    void s.pub.publish('<presence entity="y"/>', 'application/pidf+xml');
    await flush();
    assert.equal(s.tu.pending('PUBLISH').length, 1);
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1' } });
    await flush();
    assert.equal(s.tu.pending('PUBLISH').length, 1);
    assert.equal(s.tu.last('PUBLISH').request.headers.get('SIP-If-Match'), 'e1');
    s.pub.dispose();
  });

  test('removal: Expires: 0 with SIP-If-Match and no body; timers cancelled', async () => {
    const s = setup();
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1' } });
    const done = s.pub.unpublish();
    await flush();
    const r = s.tu.last('PUBLISH').request;
    assert.equal(r.headers.get('Expires'), '0');
    assert.equal(r.headers.get('SIP-If-Match'), 'e1');
    assert.equal(r.body.length, 0);
    await s.tu.answerLast('PUBLISH', 200, { headers: { Expires: '0' } });
    await done;
    assert.equal(s.pub.state, 'unpublished');
    assert.equal(s.pub.etag, undefined);
    assert.equal(s.clock.pending, 0);
  });

  test('503 → retry-wait, then the full state is published again', async () => {
    const s = setup({ backoff: { baseMs: 1_000 } });
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 503);
    assert.equal(s.pub.state, 'retry-wait');
    s.clock.advance(1_000);
    await flush();
    assert.equal(s.tu.sent.length, 2);
    assert.equal(s.tu.last('PUBLISH').request.body.toString(), PIDF);
    s.pub.dispose();
  });

  test('489 (unknown event package) → unpublished, no retry', async () => {
    const s = setup();
    const failed: boolean[] = [];
    s.pub.on('failed', (_r, retry) => failed.push(retry));
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 489);
    assert.equal(s.pub.state, 'unpublished');
    assert.deepEqual(failed, [false]);
    assert.equal(s.clock.pending, 0);
  });

  test('transition table: disposed is final; the observed path follows the table', async () => {
    const s = setup();
    void s.pub.publish(PIDF, 'application/pidf+xml');
    await flush();
    await s.tu.answerLast('PUBLISH', 200, { headers: { 'SIP-ETag': 'e1' } });
    s.pub.dispose();
    assert.deepEqual(s.states, ['publishing', 'published', 'disposed']);
    assert.deepEqual(PUBLICATION_TRANSITIONS.disposed, []);
  });
});
