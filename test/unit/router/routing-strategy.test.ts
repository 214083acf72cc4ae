import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStrategy, compileStrategies } from '../../../src/router/routing-strategy.ts';

describe('compileStrategy', () => {
  test('an agent group with broadcast compiles with defaults', () => {
    const r = compileStrategy('5000', { 'target-type': 'agent-group', target: 'Sales', selection: 'broadcast' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { routingPoint: '5000', target: { type: 'agent-group', group: 'Sales' }, selection: 'broadcast', preview: true, previewTimeoutMs: undefined, maxAttempts: 3, noAcceptAction: 'default-dn', defaultDn: undefined, routerTimeoutMs: undefined, imTreatment: undefined });
  });
  test('a fixed KW is targeted; timeouts and default-dn are read (seconds → ms for router-timeout)', () => {
    const r = compileStrategy('5001', { 'target-type': 'kw', target: 'alice', 'preview-timeout': '8000', 'router-timeout': 20, 'default-dn': '7000', 'max-attempts': 1 });
    assert.ok(r.ok);
    assert.equal(r.value.selection, 'targeted');
    assert.deepEqual(r.value.target, { type: 'kw', kw: 'alice' });
    assert.equal(r.value.previewTimeoutMs, 8000);
    assert.equal(r.value.routerTimeoutMs, 20000);
    assert.equal(r.value.defaultDn, '7000');
    assert.equal(r.value.maxAttempts, 1);
  });
  const bad: Array<{ rule: string; section: Record<string, string | number | boolean>; options: string[] }> = [
    { rule: 'target is required', section: { selection: 'round-robin' }, options: ['target'] },
    { rule: 'an unknown selection is refused', section: { target: 'Sales', selection: 'random' }, options: ['selection'] },
    { rule: 'targeted needs a single KW target', section: { target: 'Sales', selection: 'targeted' }, options: ['selection'] },
    { rule: 'a KW target cannot be broadcast', section: { 'target-type': 'kw', target: 'alice', selection: 'broadcast' }, options: ['selection'] },
    { rule: 'broadcast needs preview', section: { target: 'Sales', selection: 'broadcast', preview: false }, options: ['selection'] },
    { rule: 'max-attempts must be at least 1', section: { target: 'Sales', 'max-attempts': 0 }, options: ['max-attempts'] },
    { rule: 'an unknown option is reported', section: { target: 'Sales', 'max-atempts': 2 }, options: ['max-atempts'] },
    { rule: 'a bad no-accept-action is refused', section: { target: 'Sales', 'no-accept-action': 'drop' }, options: ['no-accept-action'] },
  ];
  for (const c of bad) {
    test(c.rule, () => {
      const r = compileStrategy('5000', c.section);
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.error.map((i) => i.option), c.options);
    });
  }
  test('compileStrategies keeps valid Routing Points, reports invalid ones and ignores other DNs', () => {
    const { strategies, issues } = compileStrategies([
      { number: '5000', type: 'RoutingPoint', annex: { router: { target: 'Sales' } } },
      { number: '5001', type: 'RoutingPoint', annex: { Router: { selection: 'x', target: 'y' } } },
      { number: '5002', type: 'RoutingPoint', annex: {} },
      { number: '1001', type: 'Extension', annex: { router: { target: 'Sales' } } },
    ]);
    assert.deepEqual([...strategies.keys()], ['5000']);
    assert.deepEqual(issues.map((i) => `${i.routingPoint}/${i.option}`), ['5001/selection']);
  });
});
