import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyObjects, objectKey } from '../../../src/config/config-objects.ts';
import type { RoutingStrategy } from '../../../src/router/routing-strategy.ts';
import { watchStrategies } from '../../../src/router/strategy-watch.ts';
import { makeFixture } from '../../support/for-each-store.ts';

test('strategies are recompiled from the store on a DN change: added, made invalid (reported, dropped), fixed', async () => {
  const fx = await makeFixture('sqlite');
  try {
    const store = await fx.open();
    const o = emptyObjects();
    o.switches.push({ name: 'SW', annex: {} });
    const rp1 = { switch: 'SW', number: '5000', type: 'Routing Point' as const, register: true, annex: { router: { target: 'Sales' } } };
    const rp2 = { switch: 'SW', number: '5001', type: 'Routing Point' as const, register: true, annex: {} };
    o.dns.push(rp1, rp2);
    await store.loadConfig(o);
    const applied: Array<string[]> = [];
    const issues: string[] = [];
    const watch = watchStrategies(store, { setStrategies: async (m: ReadonlyMap<string, RoutingStrategy>) => void applied.push([...m.keys()]) }, (l) => issues.push(...l.map((i) => `${i.routingPoint}/${i.option}`)));
    assert.deepEqual([...watch.initial.keys()], ['5000']);
    await store.setOption('dns', objectKey('dns', rp2), 'router', 'target', 'Support');
    await watch.recompiled();
    assert.deepEqual(applied.at(-1), ['5000', '5001']);
    await store.setOption('dns', objectKey('dns', rp2), 'router', 'selection', 'targeted');
    await watch.recompiled();
    assert.deepEqual(applied.at(-1), ['5000'], 'an invalid strategy is dropped, not half-applied');
    assert.deepEqual(issues, ['5001/selection']);
    await store.setOption('dns', objectKey('dns', rp2), 'router', 'selection', 'longest-idle');
    await watch.recompiled();
    assert.deepEqual(applied.at(-1), ['5000', '5001']);
    watch.stop();
    await store.setOption('dns', objectKey('dns', rp1), 'router', 'target', 'Other');
    await watch.recompiled();
    assert.equal(applied.length, 3, 'nothing after stop()');
  } finally {
    await fx.dispose();
  }
});
