/**
 * Calls on the KW socket: `interaction` / `interaction-closed` pushed from the InteractionTracker to
 * the KW whose DN the call is on, and the open calls sent at once to a socket that connects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { InteractionTracker } from '../../../src/connector/interactions/interaction-tracker.ts';
import type { KnowledgeWorkerView } from '../../../src/connector/knowledge-worker-view.ts';
import type { KwServerMessage } from '../../../src/connector/kw-client-messages.ts';
import { KwClientSessions } from '../../../src/connector/kw-client-sessions.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { createHttpServer } from '../../../src/web/http-server.ts';
import { identifyKwFromQuery, kwSocketPath, kwSocketRoutes } from '../../../src/web/kw-socket.ts';
import { FakeTlib } from '../../unit/connector/interactions/fake-tlib.ts';

const view = (userName: string, dn: string): KnowledgeWorkerView => ({
  userName, dn, agentId: userName, agentState: 'Ready', workMode: null, reasons: {}, presence: null, connectorDnd: false, autoState: null,
  registration: 'Registered', monitoring: true, sessions: 0, afterCallWork: 'none', onCall: false, published: null, staleDropped: 0,
});

/** A socket that keeps every message and resolves waits as they arrive. */
async function openKw(url: string) {
  const ws = new WebSocket(url);
  const got: KwServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d: Buffer) => {
    got.push(JSON.parse(d.toString()) as KwServerMessage);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (pred: (m: KwServerMessage) => boolean): Promise<KwServerMessage> => {
    const giveUp = Date.now() + 5000;
    for (;;) {
      const hit = got.find(pred);
      if (hit) return hit;
      if (Date.now() > giveUp) throw new Error('message not received');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  const close = () => new Promise<void>((r) => {
    ws.once('close', () => r());
    ws.close();
  });
  return { got, waitFor, close };
}

describe('interactions on the KW socket', () => {
  const tlib = new FakeTlib();
  const tracker = new InteractionTracker({ tlib, clock: new ManualClock() });
  tracker.track('kw1', '7001');
  tracker.track('kw2', '7002');
  const kws = new Map([['kw1', view('kw1', '7001')], ['kw2', view('kw2', '7002')]]);
  const connector = { knowledgeWorker: (u: string) => kws.get(u), openSession: () => true, closeSession: () => true, on: () => undefined, off: () => undefined };
  const previews = { accept: () => ({ ok: true as const }), reject: () => ({ ok: true as const }), acceptExternal: () => ({ ok: true as const }) };
  const sessions = new KwClientSessions();
  let app: FastifyInstance;
  let base = '';

  before(async () => {
    app = createHttpServer({ logger: silentLogger, version: 'test', routes: [kwSocketRoutes({ connector, sessions, previews, interactions: tracker, identify: identifyKwFromQuery })] });
    base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  });
  after(async () => {
    tracker.stop();
    await app.close();
  });

  test('calls are pushed to the KW of the DN only, then closed', async () => {
    const a = await openKw(`${base}${kwSocketPath}?userName=kw1`);
    const b = await openKw(`${base}${kwSocketPath}?userName=kw2`);
    try {
      await a.waitFor((m) => m.type === 'state');
      await b.waitFor((m) => m.type === 'state');
      tlib.emit('EventRinging', '7001', 'c1', { OtherDN: '555', UserData: [['custname', 'Анна']] });
      const ringing = await a.waitFor((m) => m.type === 'interaction');
      assert.ok(ringing.type === 'interaction');
      assert.deepEqual([ringing.interaction.connId, ringing.interaction.state, ringing.interaction.actions], ['c1', 'ringing', ['answer', 'release']]);
      assert.deepEqual(ringing.interaction.userData, [['custname', 'Анна']]);
      tlib.emit('EventEstablished', '7001', 'c1');
      await a.waitFor((m) => m.type === 'interaction' && m.interaction.state === 'established');
      tlib.emit('EventPartyChanged', '7001', 'c2', { PreviousConnID: 'c1' });
      const renamed = await a.waitFor((m) => m.type === 'interaction' && m.interaction.connId === 'c2');
      assert.equal(renamed.type === 'interaction' && renamed.previousConnId, 'c1');
      tlib.emit('EventReleased', '7001', 'c2');
      await a.waitFor((m) => m.type === 'interaction-closed' && m.connId === 'c2');
      assert.equal(b.got.some((m) => m.type === 'interaction' || m.type === 'interaction-closed'), false, 'kw2 saw none of kw1\'s calls');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a socket that connects during a call gets it at once', async () => {
    tlib.emit('EventRinging', '7002', 'd1');
    tlib.emit('EventEstablished', '7002', 'd1');
    const b = await openKw(`${base}${kwSocketPath}?userName=kw2`);
    try {
      const m = await b.waitFor((x) => x.type === 'interaction');
      assert.ok(m.type === 'interaction' && m.interaction.connId === 'd1' && m.interaction.state === 'established');
      assert.ok(b.got.findIndex((x) => x.type === 'state') < b.got.indexOf(m), 'after the state message');
    } finally {
      await b.close();
    }
  });
});
