// TransportLayer.prepareResponse / sendPreparedNow: what a prepared response keeps, where it goes
// (RFC 3261 section 18.2.2), and how failures reach the caller without a Promise per send.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../../src/sip/message/index.ts';
import type { MessageSource, TransportAddress, TransportProtocol } from '../../../../src/sip/transaction/transaction-user.ts';
import { TransportLayer } from '../../../../src/sip/transport/transport-layer.ts';
import type { Transport, TransportSink } from '../../../../src/sip/transport/transport.ts';

class FakeTransport implements Transport {
  readonly local: TransportAddress;
  readonly reliable: boolean;
  readonly sent: Array<{ to: TransportAddress; connectionId: string | undefined }> = [];
  outcome: 'ok' | 'reject' | 'throw' = 'ok';
  open = new Set<string>();

  constructor(readonly protocol: TransportProtocol) {
    this.reliable = protocol !== 'udp';
    this.local = { protocol, host: '127.0.0.1', port: 5060 };
  }
  start(_sink: TransportSink): Promise<void> {
    return Promise.resolve();
  }
  send(_data: Buffer, to: TransportAddress, connectionId?: string): Promise<string | undefined> {
    if (this.outcome === 'throw') throw new Error('sync failure');
    if (this.outcome === 'reject') return Promise.reject(new Error('async failure'));
    this.sent.push({ to, connectionId });
    return Promise.resolve(connectionId);
  }
  hasConnection(id: string): boolean {
    return this.open.has(id);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const response = (via: string) => createResponse({
  status: 200,
  headers: [['Via', via], ['From', '<sip:a@x>;tag=1'], ['To', '<sip:b@x>;tag=2'], ['Call-ID', 'c'], ['CSeq', '1 NOTIFY']],
});

const sourceOn = (t: Transport): MessageSource => ({ remote: { protocol: t.protocol, host: '198.51.100.7', port: 40000 }, local: t.local });

describe('PreparedResponse', () => {
  test('over UDP it keeps the Via destination (received/rport) and no stream fields', () => {
    const t = new FakeTransport('udp');
    const layer = new TransportLayer({ transports: [t] });
    const p = layer.prepareResponse(response('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=1024'), sourceOn(t), 'ignored');
    assert.deepEqual(p.destination, { protocol: 'udp', host: '203.0.113.9', port: 1024 });
    assert.equal(p.connectionId, undefined);
    assert.match(p.data.toString('latin1'), /^SIP\/2\.0 200 OK\r\n/);
  });

  test('over TCP it answers on the open connection, else at the Via destination', async () => {
    const t = new FakeTransport('tcp');
    const layer = new TransportLayer({ transports: [t] });
    const p = layer.prepareResponse(response('SIP/2.0/TCP pc.test:5070;branch=z9hG4bK1;received=192.0.2.3'), sourceOn(t), 'conn-1');
    assert.deepEqual(p.remote, { protocol: 'tcp', host: '198.51.100.7', port: 40000 });
    assert.equal(p.connectionId, 'conn-1');
    const failures: unknown[] = [];
    t.open.add('conn-1');
    layer.sendPreparedNow(p, { sendFailed: (e) => failures.push(e) });
    t.open.clear();
    layer.sendPreparedNow(p, { sendFailed: (e) => failures.push(e) });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(t.sent, [
      { to: { protocol: 'tcp', host: '198.51.100.7', port: 40000 }, connectionId: 'conn-1' },
      { to: { protocol: 'tcp', host: '192.0.2.3', port: 5070 }, connectionId: undefined },
    ]);
    assert.deepEqual(failures, []);
  });

  for (const outcome of ['reject', 'throw'] as const) {
    test(`a transport without sendNow: a ${outcome === 'reject' ? 'rejected' : 'thrown'} send reaches the sink later, once`, async () => {
      const t = new FakeTransport('udp');
      t.outcome = outcome;
      const layer = new TransportLayer({ transports: [t] });
      const p = layer.prepareResponse(response('SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1'), sourceOn(t));
      const failures: string[] = [];
      layer.sendPreparedNow(p, { sendFailed: (e) => failures.push((e as Error).message) });
      assert.deepEqual(failures, [], 'never during the call');
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(failures, [outcome === 'reject' ? 'async failure' : 'sync failure']);
    });
  }
});
