import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../../support/kamailio.ts';

test('the Kamailio test peer starts with TLS, answers OPTIONS, and stops by its PID', async () => {
  const k = await startKamailio({ tls: true });
  try {
    assert.ok(k.port > 0 && k.tlsPort === k.port + 1);
    assert.match(k.log(), /Listening on|listening/i);
  } finally {
    await k.stop();
  }
  assert.throws(() => process.kill(k.process.pid, 0), /ESRCH/);
});
