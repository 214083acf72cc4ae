// The wiring of bench/presence-e2e at a tiny scale: a presence server in a child process answers
// the sip-simple adapter's SUBSCRIBEs over real UDP and sends PIDF NOTIFYs; every NOTIFY must come
// out of the T-Server as the EventAgentReady / EventAgentNotReady it asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PresencePipeline } from '../../../bench/presence-pipeline.ts';

test('every NOTIFY from the load generator produces its EventAgent* (20 KWs × 3 NOTIFYs over UDP)', { timeout: 60_000 }, async () => {
  const kws = 20;
  const pipe = new PresencePipeline(kws, { receiveBufferBytes: 1 << 20 });
  try {
    // start() resolves once each initial NOTIFY (online) made its agent Ready.
    await pipe.start();
    assert.equal(pipe.subscriptions, kws);
    assert.ok(pipe.agentStates().every((s) => s === 'R'));

    // 60 NOTIFYs at 100/s: each KW gets busy, online, away (NotReady, Ready, NotReady).
    const r = await pipe.phase(100, 600);
    assert.equal(r.sent, 60);
    assert.equal(r.rejected, 0);
    assert.equal(r.received, 60);
    assert.equal(r.superseded, 0);
    assert.equal(r.completed, 60, JSON.stringify(r));
    assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p99Ms && r.p99Ms <= r.maxMs, JSON.stringify(r));
    assert.deepEqual([...pipe.agentStates()], new Array(kws).fill('N'));

    // One more each (online): every agent back to Ready.
    const back = await pipe.phase(100, 200);
    assert.equal(back.completed, 20, JSON.stringify(back));
    assert.deepEqual([...pipe.agentStates()], new Array(kws).fill('R'));
  } finally {
    await pipe.close();
  }
});
