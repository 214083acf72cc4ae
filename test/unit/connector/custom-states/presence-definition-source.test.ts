import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInPresenceDefinition } from '../../../../src/connector/custom-states/built-in-presence-definition.ts';
import { PresenceDefinitionSource } from '../../../../src/connector/custom-states/presence-definition-source.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';

const NS = 'http://genesyslab.com/schemas/ucc/presence';
const valid = (id: string) => `<presence xmlns="${NS}">\n<state id="${id}"><display><menuText>${id}</menuText></display><genesysAgent ready="true"/></state>\n</presence>`;

function source(files: Record<string, string>) {
  const logger = memoryLogger();
  const reads: string[] = [];
  const src = new PresenceDefinitionSource({
    logger,
    baseDir: '/etc/ucc',
    read: async (p) => {
      reads.push(p);
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return Buffer.from(f);
    },
  });
  return { src, logger, reads };
}

describe('PresenceDefinitionSource', () => {
  test('blank presence-location is the built-in definition', async () => {
    const { src } = source({});
    assert.equal(await src.update(''), 'built-in');
    assert.equal(src.current(), builtInPresenceDefinition);
  });

  test('a valid file is loaded (relative to the base directory) and announced', async () => {
    const { src, reads } = source({ '/etc/ucc/presence.xml': valid('a') });
    const seen: string[] = [];
    src.on('change', (d) => seen.push(d.states[0]!.id));
    assert.equal(await src.update('presence.xml'), 'loaded');
    assert.deepEqual(reads, ['/etc/ucc/presence.xml']);
    assert.deepEqual(seen, ['a']);
  });

  test('the document is re-read only when the option value changes', async () => {
    const { src, reads } = source({ '/etc/ucc/p.xml': valid('a') });
    await src.update('/etc/ucc/p.xml');
    assert.equal(await src.update('/etc/ucc/p.xml'), 'unchanged');
    assert.equal(reads.length, 1);
  });

  test('an invalid document keeps the last valid one, with an error naming the file and line', async () => {
    const { src, logger } = source({ '/etc/ucc/good.xml': valid('good'), '/etc/ucc/bad.xml': `<presence xmlns="urn:wrong">\n</presence>` });
    await src.update('good.xml');
    assert.equal(await src.update('bad.xml'), 'kept-previous');
    assert.equal(src.current().states[0]!.id, 'good');
    const e = logger.lines.find((l) => l['level'] === 'error');
    assert.ok(e);
    assert.equal(e['file'], '/etc/ucc/bad.xml');
    assert.equal(e['line'], 1);
    assert.match(String(e['msg']), /namespace/);
  });

  test('a missing file keeps the last valid one and logs the file', async () => {
    const { src, logger } = source({ '/etc/ucc/good.xml': valid('good') });
    await src.update('good.xml');
    assert.equal(await src.update('missing.xml'), 'kept-previous');
    assert.equal(src.current().states[0]!.id, 'good');
    assert.equal(logger.lines.find((l) => l['level'] === 'error')?.['file'], '/etc/ucc/missing.xml');
  });

  test('HTTP locations are not fetched: error logged, previous kept', async () => {
    const { src, reads } = source({});
    assert.equal(await src.update('https://example.test/presence.xml'), 'kept-previous');
    assert.equal(reads.length, 0);
    assert.equal(src.current(), builtInPresenceDefinition);
  });

  test('dropped parts of a valid document are warnings with file and line', async () => {
    const doc = `<presence xmlns="${NS}">\n<state id="a"><display><menuText>a</menuText></display><genesysAgent ready="true"/></state>\n<state id="predefDND"><display><menuText>x</menuText></display><genesysAgent ready="true"/></state>\n</presence>`;
    const { src, logger } = source({ '/etc/ucc/p.xml': doc });
    assert.equal(await src.update('p.xml'), 'loaded');
    const w = logger.lines.find((l) => l['level'] === 'warn');
    assert.equal(w?.['file'], '/etc/ucc/p.xml');
    assert.equal(w?.['line'], 3);
  });
});
