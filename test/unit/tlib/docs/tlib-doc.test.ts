import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageCatalogue, messageNames, attributeRules, tlibErrors, encodeFrame, decodeFrames } from '../../../../src/tlib/index.ts';
import type { MessageSpec, TlibMessage } from '../../../../src/tlib/index.ts';

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/protocols/tlib.md', import.meta.url)), 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim()));
const list = (cell: string | undefined): string[] => (!cell || cell === '—' ? [] : cell.split(',').map((s) => s.trim()));

describe('docs/protocols/tlib.md matches the code', () => {
  test('the message table lists every catalogue message with the same kind, attributes and reply', () => {
    const documented = new Map(rows.filter((r) => r.length === 6 && /^(Request|Event)/.test(r[0] ?? '')).map((r) => [r[0], r]));
    for (const n of messageNames) {
      const r = documented.get(n);
      assert.ok(r, `${n} missing from the doc`);
      const s: MessageSpec = messageCatalogue[n];
      assert.equal(r[1], s.kind, n);
      assert.deepEqual(list(r[2]), [...s.required], `${n} required`);
      assert.deepEqual(list(r[3]), [...s.optional], `${n} optional`);
      assert.equal(r[4], s.reply ?? '—', `${n} reply`);
    }
    assert.equal(documented.size, messageNames.length, 'the doc lists no message the code lacks');
  });

  test('the attribute table lists every attribute', () => {
    const documented = new Set(rows.filter((r) => r.length === 3 && r[0] && /^[A-Z]/.test(r[0]) && r[0] in attributeRules).map((r) => r[0]));
    for (const a of Object.keys(attributeRules)) assert.ok(documented.has(a), a);
  });

  test('the error table lists every code with its name and text', () => {
    const documented = new Map(rows.filter((r) => r.length === 3 && /^\d+$/.test(r[0] ?? '')).map((r) => [Number(r[0]), r]));
    for (const e of tlibErrors.values()) {
      const r = documented.get(e.code);
      assert.ok(r, String(e.code));
      assert.equal(r[1]?.replace(' *', ''), e.name);
      assert.equal(r[2], e.message);
    }
    assert.equal(documented.size, tlibErrors.size);
  });

  test('the byte-for-byte examples are what encodeFrame produces', () => {
    const blocks = [...doc.matchAll(/<!-- frame-hex: (\w+) -->\n```\n([\s\S]*?)```/g)];
    assert.equal(blocks.length, 2);
    const expected: Record<string, TlibMessage> = {
      RequestAgentReady: { message: 'RequestAgentReady', ThisDN: '5001', Reasons: [['KW_UC_STATUS', 'ready']], ReferenceID: 1 },
      RequestAttachUserData: { message: 'RequestAttachUserData', ThisDN: '5001', ConnID: '006e02b3c4d5e6f7', UserData: [['Имя', 'Анна'], ['mood', '😀']], ReferenceID: 2 },
    };
    for (const [, name, dump] of blocks) {
      const hex = (dump ?? '').split('\n').filter(Boolean).map((l) => l.slice(10, 58).replace(/\s+/g, '')).join('');
      const msg = expected[name ?? ''];
      assert.ok(msg, name);
      assert.equal(hex, encodeFrame(msg).toString('hex'), name);
      const [decoded] = decodeFrames(Buffer.from(hex, 'hex'));
      assert.ok(decoded?.ok);
      assert.deepEqual(decoded.value, msg);
    }
  });

  test('the documented session lines are valid messages', () => {
    const lines = doc.split('\n').filter((l) => /^[CS]: \{/.test(l));
    assert.ok(lines.length >= 6);
    for (const l of lines) {
      const [decoded] = decodeFrames(encodeFrame(JSON.parse(l.slice(3)) as TlibMessage), { accept: l.startsWith('C') ? 'request' : 'event' });
      if (l.includes('"RequestAgentLogin"')) assert.ok(decoded && !decoded.ok && decoded.error.errorCode === 53, 'the bad login is bad');
      else assert.ok(decoded?.ok, l);
    }
  });
});
