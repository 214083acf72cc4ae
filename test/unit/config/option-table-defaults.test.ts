import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredBoolean, declaredDefault, declaredNumber, declaredRangeList, declaredString } from '../../../src/config/option-table.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { defaultKwConfig } from '../../../src/connector/kw-config.ts';
import { defaultPreviewSettings } from '../../../src/connector/preview-settings.ts';
import { DEFAULT_PREVIEW_INFO_KEYS, DEFAULT_PREVIEW_STATE_NAME, previewReportingSettings } from '../../../src/reporting/preview-reporting-options.ts';

test('declared defaults are read from the option table, typed', () => {
  assert.equal(declaredNumber('uc-connector', 'preview-expiration-timeout'), 15000);
  assert.equal(declaredNumber('uc-connector', 'preview-itx-arrival-timeout'), 9000);
  assert.equal(declaredString('uc-connector', 'preview-state-name'), '3721,UCC_Preview');
  assert.equal(declaredBoolean('uc-connector', 'enable-preview-reporting'), false);
  assert.deepEqual(declaredRangeList('Microsoft-OCS', 'agent-status-ready'), [{ from: 0, to: 4499 }]);
  assert.equal(declaredDefault('UC-CONNECTOR', 'dnd-off-timeout'), 300000, 'sections match case-insensitively');
});

test('an undeclared option, one without a default, or the wrong kind is a clear error', () => {
  assert.throws(() => declaredNumber('uc-connector', 'no-such-option'), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_UNKNOWN_OPTION');
  assert.throws(() => declaredString('uc-connector', 'display-name'), /no declared default/);
  assert.throws(() => declaredNumber('uc-connector', 'preview-state-name'), /not a number option/);
  assert.throws(() => declaredRangeList('uc-connector', 'dnd-off-timeout'), /not a range list/);
});

test('the connector, preview and reporting defaults are the table\'s', () => {
  assert.equal(defaultPreviewSettings.expirationTimeoutMs, declaredNumber('uc-connector', 'preview-expiration-timeout'));
  assert.equal(defaultKwConfig.dndOffTimeoutMs, declaredNumber('uc-connector', 'dnd-off-timeout'));
  assert.equal(defaultKwConfig.userUnregisterTimeoutMs, declaredNumber('uc-connector', 'user-unregister-timeout'));
  assert.equal(defaultKwConfig.acwNote, declaredString('Microsoft-OCS', 'presence-acw-note'));
  assert.equal(defaultKwConfig.notePolicy, declaredString('Microsoft-OCS', 'presence-note-policy'));
  assert.equal(DEFAULT_PREVIEW_INFO_KEYS, declaredString('uc-connector', 'preview-info-keys'));
  assert.equal(DEFAULT_PREVIEW_STATE_NAME, declaredString('uc-connector', 'preview-state-name'));
  assert.deepEqual(previewReportingSettings({}), { enabled: false, keys: { connId: 'UCC_ConnId', userId: 'UCC_UserId', agentId: 'UCC_AgentId', reason: 'UCC_Reason' }, stateId: '3721', stateKey: 'UCC_Preview' });
});
