import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../../src/config/config-index.ts';
import { emptyObjects, type DnObject } from '../../../../src/config/config-objects.ts';
import type { StatRef } from '../../../../src/stats/stat-types.ts';
import { contactPointsFromConfig, parseContactPointAttribute, renderAttribute } from '../../../../src/web/routes/contact-points.ts';

describe('contact point attribute<n>', () => {
  test('the seed example parses to a DN statistic', () => {
    const r = parseContactPointAttribute('format: Calls waiting: %s, statistic:1111@YourSwitch, RoutePoint, YourTenantName, CurrNumberWaitingCalls, Default');
    assert.deepEqual(r, { ok: true, value: { format: 'Calls waiting: %s', ref: { object: 'dn', id: '1111', stat: 'CurrNumberWaitingCalls' } } });
  });

  test('missing statistic fields: text only, no statistic (seed requirement 100)', () => {
    const r = parseContactPointAttribute('format: Waiting %s, statistic:1111@S, RoutePoint, Tenant');
    assert.equal(r.ok && r.value.ref, null);
  });

  test('a StatType src/stats does not compute: no statistic', () => {
    const r = parseContactPointAttribute('format: SL %s, statistic:1111@S, RoutePoint, T, ServiceFactor, Default');
    assert.equal(r.ok && r.value.ref, null);
  });

  test('no format: is an error; oversized values are refused', () => {
    assert.equal(parseContactPointAttribute('statistic: 1, 2').ok, false);
    assert.equal(parseContactPointAttribute('format: ' + 'x'.repeat(2000)).ok, false);
  });

  test('render replaces every %s, ? when the value is unknown', () => {
    assert.equal(renderAttribute({ format: '%s waiting (%s)', ref: null }, 3), '3 waiting (3)');
    assert.equal(renderAttribute({ format: 'Waiting: %s', ref: null }, undefined), 'Waiting: ?');
  });
});

describe('contactPointsFromConfig', () => {
  const dn = (number: string, type: DnObject['type'], annex: DnObject['annex']): DnObject => ({ switch: 'S', number, type, register: true, annex });
  const index = new ConfigIndex({
    ...emptyObjects(),
    switches: [{ name: 'S', annex: {} } as never],
    dns: [
      dn('5000', 'Routing Point', { 'UC-Connector': { 'display-name': 'Sales', attribute2: 'format: Entered %s, statistic:5000@S, RoutePoint, T, TotalNumberCallsEntered, Default', attribute1: 'format: Waiting: %s, statistic:5000@S, RoutePoint, T, CurrNumberWaitingCalls, Default' } }),
      dn('5001', 'Routing Point', { 'uc-connector': { 'display-name': 'Off', enabled: false } }),
      dn('5002', 'Routing Point', {}),
      dn('7001', 'Extension', { 'UC-Connector': { 'display-name': 'not a contact point' } }),
    ],
  });

  test('routing points with display-name, enabled, attributes in number order with live values', () => {
    const values = new Map([['5000/CurrNumberWaitingCalls', 4]]);
    const stats = { value: (r: StatRef) => values.get(`${r.id}/${r.stat}`) };
    assert.deepEqual(contactPointsFromConfig(index, stats), [{ dn: '5000', displayName: 'Sales', tooltip: ['Waiting: 4', 'Entered ?'] }]);
  });
});
