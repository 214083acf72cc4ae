import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePreviewInfoKeys, parsePreviewStateName, previewReportingFromResolver, previewReportingSettings } from '../../../src/reporting/preview-reporting-options.ts';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects, type OptionValue } from '../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';

const DEFAULT_KEYS = { connId: 'UCC_ConnId', userId: 'UCC_UserId', agentId: 'UCC_AgentId', reason: 'UCC_Reason' };

describe('preview-info-keys: four key names, in the order ConnId, UserId, AgentId, Reason', () => {
  const rows: Array<[string, typeof DEFAULT_KEYS | undefined]> = [
    ['UCC_ConnId,UCC_UserId,UCC_AgentId,UCC_Reason', DEFAULT_KEYS],
    ['C,U,A,R', { connId: 'C', userId: 'U', agentId: 'A', reason: 'R' }],
    ['UCC_ConnId,UCC_UserId, UCC_AgentId,UCC_Reason', DEFAULT_KEYS],
    ['UCC_ConnId,UCC_UserId,UCC_AgentId', undefined],
    ['a,b,c,d,e', undefined],
    ['a,b,,d', undefined],
    ['a,b,a,d', undefined],
    ['a b,c,d,e', undefined],
    ['1a,b,c,d', undefined],
    ['', undefined],
    [`${'k'.repeat(65)},b,c,d`, undefined],
  ];
  for (const [raw, want] of rows) test(`'${raw.slice(0, 40)}' -> ${want ? 'valid' : 'invalid'}`, () => assert.deepEqual(parsePreviewInfoKeys(raw), want));
});

describe('preview-state-name: <number>,<keyname>', () => {
  const rows: Array<[string, { stateId: string; stateKey: string } | undefined]> = [
    ['3721,UCC_Preview', { stateId: '3721', stateKey: 'UCC_Preview' }],
    ['3271, UCC_Preview', { stateId: '3271', stateKey: 'UCC_Preview' }],
    ['42,MyState', { stateId: '42', stateKey: 'MyState' }],
    ['UCC_Preview,3721', undefined],
    ['3721', undefined],
    ['3721,UCC_Preview,x', undefined],
    ['-1,UCC_Preview', undefined],
    ['12345678901,K', undefined],
    ['3721,', undefined],
  ];
  for (const [raw, want] of rows) test(`'${raw}' -> ${want ? 'valid' : 'invalid'}`, () => assert.deepEqual(parsePreviewStateName(raw), want));
});

describe('settings: defaults, custom values, invalid values fall back with a warning', () => {
  test('nothing configured: reporting off, the documented defaults (state id 3721)', () => {
    assert.deepEqual(previewReportingSettings({}), { enabled: false, keys: DEFAULT_KEYS, stateId: '3721', stateKey: 'UCC_Preview' });
  });
  test('custom values are used', () => {
    const s = previewReportingSettings({ 'enable-preview-reporting': true, 'preview-info-keys': 'C,U,A,R', 'preview-state-name': '3271,PV' });
    assert.deepEqual(s, { enabled: true, keys: { connId: 'C', userId: 'U', agentId: 'A', reason: 'R' }, stateId: '3271', stateKey: 'PV' });
  });
  test('an invalid preview-info-keys uses the default and warns; a valid preview-state-name still applies', () => {
    const log = memoryLogger();
    const s = previewReportingSettings({ 'enable-preview-reporting': true, 'preview-info-keys': 'only,three,keys', 'preview-state-name': '99,PV' }, log);
    assert.deepEqual(s.keys, DEFAULT_KEYS);
    assert.equal(s.stateId, '99');
    assert.deepEqual(log.lines.map((l) => [l.level, l.option, l.value]), [['warn', 'preview-info-keys', 'only,three,keys']]);
  });
  test('an invalid preview-state-name uses the default and warns', () => {
    const log = memoryLogger();
    const s = previewReportingSettings({ 'preview-state-name': 'UCC_Preview' }, log);
    assert.deepEqual([s.stateId, s.stateKey], ['3721', 'UCC_Preview']);
    assert.deepEqual(log.lines.map((l) => [l.level, l.option]), [['warn', 'preview-state-name']]);
  });
});

describe('settings through the OptionResolver ([uc-connector] of the ucc Application)', () => {
  const resolver = (opts: Record<string, OptionValue>, logger = memoryLogger()): OptionResolver => {
    const o = emptyObjects();
    o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': opts } });
    return new OptionResolver({ view: new ConfigIndex(o), application: 'UCC', logger });
  };
  test('defaults from the option table', () => {
    assert.deepEqual(previewReportingFromResolver(resolver({}))(), { enabled: false, keys: DEFAULT_KEYS, stateId: '3721', stateKey: 'UCC_Preview' });
  });
  test('configured values', () => {
    const s = previewReportingFromResolver(resolver({ 'enable-preview-reporting': 'true', 'preview-info-keys': 'K1,K2,K3,K4', 'preview-state-name': '3271,UCC_Preview' }))();
    assert.deepEqual(s, { enabled: true, keys: { connId: 'K1', userId: 'K2', agentId: 'K3', reason: 'K4' }, stateId: '3271', stateKey: 'UCC_Preview' });
  });
  test('an invalid enable-preview-reporting is false with the resolver\'s warning', () => {
    const log = memoryLogger();
    const s = previewReportingFromResolver(resolver({ 'enable-preview-reporting': 'maybe' }, log))();
    assert.equal(s.enabled, false);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
  });
  test('an invalid preview-state-name warns once however often it is read', () => {
    const log = memoryLogger();
    const read = previewReportingFromResolver(resolver({ 'preview-state-name': 'nonsense' }), log);
    for (let i = 0; i < 5; i++) assert.equal(read().stateId, '3721');
    assert.equal(log.lines.filter((l) => l.option === 'preview-state-name').length, 1);
  });
});
