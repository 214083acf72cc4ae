// The ms-pres UC adapter against SIPp playing a Lync / SfB Front End (test/peers/sipp/ms-pres-front-end.xml),
// over UDP and TCP: REGISTER, batch SUBSCRIBE with a piggybacked first notification, two BENOTIFYs
// (never answered), a NOTIFY, SERVICE → 409 WrongDelta → corrected retry → 200, SERVICE clear,
// unsubscribe and un-REGISTER. No open-source server speaks MS-PRES, so SIPp replays the flows;
// SIPp's timers are real, so the adapter uses the system clock here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Presence } from '../../src/presence/presence.ts';
import type { TransportProtocol } from '../../src/sip/transaction/transaction-user.ts';
import { connectorInstances } from '../../src/uc/ms-pres/connector-publication.ts';
import { MsPresPlatform } from '../../src/uc/ms-pres/ms-pres-platform.ts';
import type { UcKnowledgeWorker } from '../../src/uc/uc-platform.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/peer-process.ts';
import { startSipp } from '../support/sipp.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@contoso.com' };
const onCall: Presence = {
  uri: alice.contact, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null }, note: null, device: null,
  source: 'ms-pres', version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: null, lastActive: null,
};

/** Resolves once SIPp has bound its port (read from /proc/net, so we never take the port ourselves). */
async function sippListening(port: number, protocol: TransportProtocol): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const bound = (): boolean => readFileSync(`/proc/net/${protocol}`, 'utf8').split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1]?.endsWith(hex) === true && (protocol === 'udp' || cols[3] === '0A');
  });
  await waitFor(`SIPp to bind ${protocol} ${port}`, bound, 5_000);
}

/** The messages of a SIPp -trace_msg log, each with its direction and text. */
function sippMessages(log: string): Array<{ received: boolean; text: string }> {
  const out: Array<{ received: boolean; text: string }> = [];
  for (const block of log.split(/^-{20,}.*$/m)) {
    // "UDP message received [483] bytes :" / "UDP message sent (411 bytes):"
    const m = /message (sent|received) (?:\[\d+\] bytes :|\(\d+ bytes\):)\s*\n([\s\S]*)/.exec(block);
    if (m) out.push({ received: m[1] === 'received', text: m[2]!.trim() });
  }
  return out;
}

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`MsPresPlatform against SIPp playing the Front End (${protocol})`, { timeout: 60_000 }, () => {
    test('piggybacked 200, BENOTIFY ×2 (unanswered) and NOTIFY → Presence; SERVICE 409 → corrected retry; clear; stop', async () => {
      const sippPort = await freePort();
      const run = startSipp({ scenario: 'ms-pres-front-end.xml', localPort: sippPort, transport: protocol, timeoutSeconds: 30, extraArgs: ['-m', '4', '-nr'] });
      let platform: MsPresPlatform | undefined;
      try {
        await sippListening(sippPort, protocol);
        platform = new MsPresPlatform({
          registrarUri: `sip:127.0.0.1:${sippPort};transport=${protocol}`, contact: 'sip:ucc@contoso.com',
          listen: [{ protocol, host: '127.0.0.1', port: await freePort() }], keepAliveIntervalMs: 0, batchDelayMs: 0,
        });
        const seen: Presence[] = [];
        platform.on('presence', (kw, p) => {
          if (kw.userName === 'alice') seen.push(p);
        });
        await platform.start();
        assert.equal(platform.connectionState, 'connected');
        platform.subscribe(alice);
        await waitFor('four presence updates', () => seen.length >= 4, 10_000, () => run.messages());
        assert.deepEqual(seen.map((p) => [p.availability, p.availabilityCode, p.activity?.token ?? null, p.note?.text ?? null]), [
          ['online', 3500, null, null], // piggybacked in the 200 OK (the empty note category: no note)
          ['busy', 6500, 'on-the-phone', 'Back at 4 & then free'], // BENOTIFY 1
          ['away', 15500, null, 'Back at 4 & then free'], // BENOTIFY 2 (state only; the note is kept)
          ['online', 3500, null, null], // NOTIFY (the note was cleared)
        ]);
        assert.equal(seen[2]!.lastActive, Date.UTC(2026, 10, 21, 14, 15, 0));

        await platform.publish(alice, onCall);
        await platform.publish(alice, null);
        await platform.stop();
        assert.equal(await run.exitCode, 0, run.messages());

        const msgs = sippMessages(run.messages());
        const benotifies = msgs.filter((m) => !m.received && m.text.startsWith('BENOTIFY '));
        assert.equal(benotifies.length, 2);
        const answers = msgs.filter((m) => m.received && m.text.startsWith('SIP/2.0'));
        assert.ok(answers.some((m) => /^CSeq:\s*3 NOTIFY/mi.test(m.text)), 'the NOTIFY was answered');
        assert.ok(!answers.some((m) => /^CSeq:\s*\d+ BENOTIFY/mi.test(m.text)), 'no response to any BENOTIFY');

        const services = msgs.filter((m) => m.received && m.text.startsWith('SERVICE '));
        assert.equal(services.length, 3);
        const inst = connectorInstances(alice.contact).state;
        assert.match(services[0]!.text, new RegExp(`instance="${inst}" container="3" version="0"`));
        assert.match(services[1]!.text, new RegExp(`instance="${inst}" container="3" version="1"`), 'the retry carries curVersion from the fault');
        assert.match(services[1]!.text, /^CSeq:\s*2 SERVICE/m);
        assert.match(services[2]!.text, new RegExp(`instance="${inst}" container="2" version="1" expireType="time" expires="0"`));
        assert.match(services[2]!.text, new RegExp(`instance="${inst}" container="3" version="2" expireType="time" expires="0"`));
        assert.equal(msgs.filter((m) => !m.received && m.text.startsWith('SIP/2.0 409')).length, 1);
      } finally {
        await platform?.stop();
        await run.stop();
      }
    });
  });
}
