// The composition root's choice of UC adapter from `presence.mode`, and the ms-pres adapter options
// it derives from the settings (the TLS files go on every tls listener, asking peers for theirs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUcPlatform, msPresOptions } from '../../../src/app/uc-platform-factory.ts';
import type { MsPresSettings } from '../../../src/config/config-loader.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { MsPresPlatform } from '../../../src/uc/ms-pres/ms-pres-platform.ts';
import { SipSimplePlatform } from '../../../src/uc/sip-simple/sip-simple-platform.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';

const deps = { clock: new ManualClock(), logger: silentLogger };
const msPres: MsPresSettings = {
  mode: 'ms-pres',
  registrarUri: 'sip:pool01.contoso.com:5061;transport=tls',
  contact: 'sip:ucc@contoso.com',
  listen: [{ protocol: 'tls', host: '0.0.0.0', port: 5061 }, { protocol: 'udp', host: '127.0.0.1', port: 5070, receiveBufferBytes: 65536 }],
  tls: { certFile: '/etc/ucc/ucc.pem', keyFile: '/etc/ucc/ucc.key', caFile: '/etc/ucc/ca.pem' },
  registerExpires: 1800,
  subscribeExpires: 600,
  maxBatchSize: 150,
};

test('each presence mode builds its adapter', () => {
  assert.ok(createUcPlatform({ mode: 'standalone' }, deps) instanceof StandalonePlatform);
  const sip = createUcPlatform({ mode: 'sip', aor: 'sip:ucc@example.test', proxy: 'sip:127.0.0.1:5060', listen: [{ protocol: 'udp', host: '127.0.0.1', port: 5070 }], register: false }, deps);
  assert.ok(sip instanceof SipSimplePlatform);
  const ms = createUcPlatform(msPres, deps);
  assert.ok(ms instanceof MsPresPlatform);
  assert.equal(ms.kind, 'ms-pres');
  assert.equal(ms.connectionState, 'stopped');
});

test('ms-pres options: the seed names, the expiries and batch size, and mutual TLS on the tls listener only, with caFile', () => {
  assert.deepEqual(msPresOptions(msPres), {
    registrarUri: 'sip:pool01.contoso.com:5061;transport=tls',
    contact: 'sip:ucc@contoso.com',
    listen: [
      { protocol: 'tls', host: '0.0.0.0', port: 5061, tls: { certFile: '/etc/ucc/ucc.pem', keyFile: '/etc/ucc/ucc.key', caFile: '/etc/ucc/ca.pem', requestClientCert: true } },
      { protocol: 'udp', host: '127.0.0.1', port: 5070, receiveBufferBytes: 65536 },
    ],
    registerExpires: 1800,
    subscribeExpires: 600,
    maxBatchSize: 150,
  });
  // Without caFile there is no CA to check the pool's certificate against: no client certificates asked.
  const noCa = msPresOptions({ ...msPres, tls: { certFile: '/etc/ucc/ucc.pem', keyFile: '/etc/ucc/ucc.key' } });
  assert.deepEqual(noCa.listen?.[0], { protocol: 'tls', host: '0.0.0.0', port: 5061, tls: { certFile: '/etc/ucc/ucc.pem', keyFile: '/etc/ucc/ucc.key' } });
  const plain = msPresOptions({ mode: 'ms-pres', registrarUri: 'sip:10.0.0.5;transport=tcp', contact: 'sip:ucc@contoso.com', listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 5071 }] });
  assert.deepEqual(plain, { registrarUri: 'sip:10.0.0.5;transport=tcp', contact: 'sip:ucc@contoso.com', listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 5071 }] });
});
