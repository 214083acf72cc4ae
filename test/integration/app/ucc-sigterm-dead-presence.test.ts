// SIGTERM while the presence server is gone: `ucc start` (presence mode sip) subscribes to its KWs
// at a presence server played by SIPp, the server is killed, then SIGTERM. The process must exit
// (code 0) within a few seconds, not after the un-SUBSCRIBE transactions time out (32 s), and each
// presence dialog is un-SUBSCRIBEd once: one Expires: 0 request per dialog, whatever sends it (the
// connector and the adapter used to send one each). A UDP socket bound to the dead server's port
// records what arrives; retransmissions of one request (same Call-ID and CSeq) count once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startPeer, waitFor } from '../../support/peer-process.ts';
import { startSipp } from '../../support/sipp.ts';
import { freePort } from '../../support/free-port.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function udpBound(port: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  await waitFor(`SIPp to bind udp ${port}`, () => readFileSync('/proc/net/udp', 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex) === true), 5_000);
}

const config = (serverPort: number, sipPort: number): string => `
store: { type: sqlite, path: ":memory:" }
presence:
  mode: sip
  aor: "sip:ucc@example.test"
  proxy: "sip:127.0.0.1:${serverPort}"
  listen: [{ protocol: udp, host: 127.0.0.1, port: ${sipPort} }]
switches: [{ name: SW }]
dns:
  - { number: "7001", type: Extension, switch: SW }
  - { number: "7002", type: Extension, switch: SW }
places: [{ name: P1, dns: ["7001"] }, { name: P2, dns: ["7002"] }]
agentLogins: [{ loginCode: A7001, switch: SW }, { loginCode: A7002, switch: SW }]
persons:
  - { userName: alice, password: alice, agentLogins: [A7001], defaultPlace: P1, annex: { uc: { contact: "sip:alice@example.test" } } }
  - { userName: bob, password: bob, agentLogins: [A7002], defaultPlace: P2, annex: { uc: { contact: "sip:bob@example.test" } } }
applications:
  - { name: TS, type: tserver, switch: SW }
  - { name: UCC, type: ucc }
listen: { tlib: 0, http: 0 }
`;

/** A KW signs in to the web client and opens its socket: the connector then watches its presence. */
async function signIn(http: string, userName: string): Promise<WebSocket> {
  const login = await fetch(`${http}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, password: userName }) });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const ws = new WebSocket(`${http.replace(/^http/, 'ws')}/api/v1/kw-socket`, { headers: { cookie, origin: http } });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  return ws;
}

/** Header value of a SIP message (compact forms included). */
function header(msg: string, long: string, compact?: string): string | undefined {
  const re = new RegExp(`^(?:${long}${compact ? `|${compact}` : ''})\\s*:\\s*(.*)$`, 'im');
  return re.exec(msg)?.[1]?.trim();
}

test('SIGTERM with the presence server gone: exit 0 within a few seconds, each dialog un-SUBSCRIBEd once', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-sigterm-'));
  const serverPort = await freePort();
  const sipPort = await freePort();
  const cfg = join(dir, 'ucc.yaml');
  writeFileSync(cfg, config(serverPort, sipPort));
  const sipp = startSipp({ scenario: 'presence-server-subscribe.xml', localPort: serverPort, transport: 'udp', timeoutSeconds: 80, extraArgs: ['-m', '2'] });
  const ucc = startPeer('ucc', process.execPath, [join(root, 'bin/ucc.js'), 'start', '--config', cfg, '--log-level', 'warn']);
  const capture = createSocket('udp4');
  const sockets: WebSocket[] = [];
  try {
    await udpBound(serverPort);
    await waitFor('the ucc ready line', () => /ucc ready/.test(ucc.output()), 30_000, () => ucc.output());
    const http = /ucc ready http=(\S+)/.exec(ucc.output())?.[1] ?? '';
    sockets.push(await signIn(http, 'alice'), await signIn(http, 'bob'));
    // Both KWs' SUBSCRIBEs answered 200 by the server.
    await waitFor('two subscriptions accepted', () => (sipp.messages().match(/^SIP\/2\.0 200 OK/gm) ?? []).length >= 2, 15_000, () => sipp.messages());
    const dialogs = new Set([...sipp.messages().matchAll(/^SUBSCRIBE [\s\S]*?^Call-ID:\s*(\S+)/gim)].map((m) => m[1]!));
    assert.equal(dialogs.size, 2, sipp.messages());

    // The server goes away; its port now only records what arrives (nothing is answered).
    process.kill(sipp.process.pid, 'SIGKILL');
    await sipp.process.exited;
    const unsubscribes: Array<{ callId: string; cseq: string }> = [];
    capture.on('message', (b: Buffer) => {
      const msg = b.toString('latin1');
      if (!msg.startsWith('SUBSCRIBE ') || header(msg, 'Expires') !== '0') return;
      unsubscribes.push({ callId: header(msg, 'Call-ID', 'i') ?? '', cseq: header(msg, 'CSeq') ?? '' });
    });
    await new Promise<void>((resolve, reject) => capture.once('error', reject).bind(serverPort, '127.0.0.1', () => resolve()));

    const t0 = Date.now();
    process.kill(ucc.pid, 'SIGTERM');
    const code = await ucc.exited;
    const elapsed = Date.now() - t0;
    assert.equal(code, 0, ucc.output());
    assert.ok(elapsed < 8_000, `exited ${elapsed} ms after SIGTERM`);

    // One un-SUBSCRIBE request per dialog: retransmissions share Call-ID and CSeq.
    const byDialog = new Map<string, Set<string>>();
    for (const u of unsubscribes) byDialog.set(u.callId, (byDialog.get(u.callId) ?? new Set()).add(u.cseq));
    assert.deepEqual([...byDialog.keys()].sort(), [...dialogs].sort(), `un-SUBSCRIBEs: ${JSON.stringify(unsubscribes)}`);
    for (const [callId, cseqs] of byDialog) assert.equal(cseqs.size, 1, `dialog ${callId} un-SUBSCRIBEd ${cseqs.size} times: ${[...cseqs].join(', ')}`);
  } finally {
    for (const ws of sockets) ws.terminate();
    capture.close();
    await ucc.stop();
    await sipp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
