// The whole app on `presence: { mode: ms-pres }` over mutual TLS, with the certificate files named
// relative to the configuration file. The Debian SIPp has no TLS, so the Front End is our own
// SipStack (test/support/fake-ms-front-end.ts) on a TLS listener that requires a client
// certificate chaining to the trusted application's. The KW's agent follows the aggregateState.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../../src/app/build-app.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { categoriesBody, FakeFrontEnd } from '../../support/fake-ms-front-end.ts';
import { freePort } from '../../support/free-port.ts';
import { waitFor } from '../../support/peer-process.ts';
import { makeSelfSignedCert } from '../../support/self-signed-cert.ts';

const alice = 'sip:alice@contoso.com';

function config(fePort: number, sipPort: number, tls: string): string {
  return `store: { type: sqlite, path: ":memory:" }
presence:
  mode: ms-pres
  registrar-uri: "sip:127.0.0.1:${fePort};transport=tls"
  contact: "sip:ucc@contoso.com"
  listen: [ { protocol: tls, host: 127.0.0.1, port: ${sipPort} } ]
  tls: ${tls}
listen: { host: 127.0.0.1, tlib: 0, http: 0 }
switches: [ { name: SW } ]
dns: [ { number: "7001", type: Extension, switch: SW } ]
places: [ { name: P_alice, dns: ["7001"] } ]
agentLogins: [ { loginCode: A7001, switch: SW } ]
persons:
  - { userName: alice, agentLogins: [A7001], defaultPlace: P_alice, annex: { uc: { contact: "${alice}" } } }
applications:
  - { name: TServer_SW, type: tserver, switch: SW }
  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true } } }
`;
}

async function appFrom(dir: string, yaml: string): Promise<App> {
  const file = join(dir, 'ms-pres.yaml');
  writeFileSync(file, yaml);
  const loaded = loadConfigFile(file, { hashPasswords: false });
  if (!loaded.ok) assert.fail(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
  return buildApp(loaded.value, { logger: silentLogger });
}

describe('ucc with presence mode ms-pres over mutual TLS (in-process Front End)', { timeout: 60_000 }, () => {
  let dir: string;
  let feStack: SipStack;
  let front: FakeFrontEnd;
  let fePort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-ms-pres-mtls-'));
    for (const d of ['fe', 'ucc']) mkdirSync(join(dir, d));
    const fe = makeSelfSignedCert(join(dir, 'fe'));
    const trusted = makeSelfSignedCert(join(dir, 'ucc'));
    fePort = await freePort();
    feStack = await SipStack.listen({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: fePort, tls: { ...fe, caFile: trusted.certFile, requestClientCert: true } }] });
    front = new FakeFrontEnd(feStack, `sip:fe01@127.0.0.1:${fePort};transport=tls`);
    front.firstNotification = (users) => (users.includes(alice) ? categoriesBody(alice, 3500) : undefined);
  });

  after(async () => {
    await feStack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the trusted certificate (paths relative to the file) is presented; 3500 → Ready, BENOTIFY 6500 → NotReady', async () => {
    const app = await appFrom(dir, config(fePort, await freePort(), '{ certFile: ucc/cert.pem, keyFile: ucc/key.pem, caFile: fe/cert.pem }'));
    try {
      const events: Array<TlibEvent & Record<string, unknown>> = [];
      const observer = app.tserver.attach((e) => events.push(e as TlibEvent & Record<string, unknown>));
      observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: 1 } as TlibRequest);
      await app.listen();
      assert.equal(app.uc.connectionState, 'connected');
      const reg = front.received.find((r) => r.request.method === 'REGISTER');
      assert.equal(reg?.source.remote.protocol, 'tls');
      assert.ok(reg?.source.peerCertificate, 'the Front End saw our client certificate');

      await waitFor('Ready from the piggybacked 3500', () => events.some((e) => e.message === 'EventAgentReady' && e.ThisDN === '7001'), 10_000);
      front.benotify(categoriesBody(alice, 6500, { token: 'on-the-phone', publishTime: '2026-11-21T14:05:00.000' }));
      await waitFor('NotReady from the BENOTIFY 6500', () => app.connector.knowledgeWorker('alice')?.agentState === 'NotReady', 10_000);
      const last = events.filter((e) => e.ThisDN === '7001').at(-1);
      assert.equal(last?.message, 'EventAgentNotReady');
      observer.close();
    } finally {
      await app.close();
    }
  });

  test('an unreadable certificate file fails the start with its resolved path', async () => {
    const app = await appFrom(dir, config(fePort, await freePort(), '{ certFile: missing/cert.pem, keyFile: ucc/key.pem }'));
    try {
      await assert.rejects(app.listen(), (e: Error) => e.message.includes(join(dir, 'missing/cert.pem')));
    } finally {
      await app.close();
    }
  });
});
