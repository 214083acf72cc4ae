/**
 * The voice block's listener limits reach the SIP switch's real TCP listener: with
 * maxConnectionsPerAddress 1 a second connection from the same address is closed at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { LineCounter, parseDocument } from 'yaml';
import { lineOf } from '../../../../src/config/config-location.ts';
import { parseVoiceConfig } from '../../../../src/config/voice-settings.ts';
import type { ConfigPath } from '../../../../src/config/config-reader.ts';
import { SipSwitch } from '../../../../src/switch/sip/sip-switch.ts';

function voiceConfig(text: string) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const ctx = { file: 'v.yaml', doc, lc };
  const r = parseVoiceConfig((doc.toJS() as { voice?: unknown }).voice, (path: ConfigPath) => ({ file: 'v.yaml', line: lineOf(ctx, [...path]) }));
  assert.ok(r.config, r.issues.map((i) => i.message).join('; '));
  return r.config;
}

test('voice.listen maxConnectionsPerAddress reaches the TCP listener', async () => {
  const config = voiceConfig('voice:\n  domain: example.test\n  listen:\n    - { protocol: tcp, host: 127.0.0.1, port: 0, maxConnectionsPerAddress: 1 }\n');
  const sw = new SipSwitch({ config });
  await sw.start(() => undefined);
  const socks: net.Socket[] = [];
  try {
    const port = sw.addresses.find((a) => a.protocol === 'tcp')?.port ?? 0;
    assert.ok(port > 0);
    const dial = (): Promise<net.Socket> => new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c)).once('error', reject);
      socks.push(c);
    });
    const first = await dial();
    const second = await dial();
    const closed = await new Promise<boolean>((r) => { second.once('close', () => r(true)); setTimeout(() => r(false), 2000); });
    assert.equal(closed, true, 'the second connection from the address is refused');
    assert.equal(first.destroyed, false, 'the first stays');
  } finally {
    for (const c of socks) c.destroy();
    await sw.stop();
  }
});
