/**
 * The `[uc-connector]` options of preview reporting (seed 000 4.9 and its option reference):
 * `enable-preview-reporting` (default false), `preview-info-keys` (four key names in the order
 * ConnId, UserId, AgentId, Reason) and `preview-state-name` (`<number>,<keyname>`). An invalid
 * value falls back to the default with a logged warning (seed 000: "When there are invalid
 * configuration parameters, the default values will be used").
 *
 * The defaults are the option table's (src/config/option-table.ts). The state id: the seed's
 * narrative and samples say 3271, its option table and option reference say 3721. The table uses
 * 3721 — the documented default of the option itself, which is what an installer copies into
 * ICON's AgentRecordUserTypes (docs/reporting.md).
 */
import type { OptionResolver } from '../config/option-resolver.ts';
import { declaredBoolean, declaredString } from '../config/option-table.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';

export const DEFAULT_PREVIEW_INFO_KEYS = declaredString('uc-connector', 'preview-info-keys');
export const DEFAULT_PREVIEW_STATE_NAME = declaredString('uc-connector', 'preview-state-name');
const DEFAULT_ENABLED = declaredBoolean('uc-connector', 'enable-preview-reporting');

/** The parsed settings a reporting user event is built from. */
export interface PreviewReportingSettings {
  readonly enabled: boolean;
  readonly keys: { readonly connId: string; readonly userId: string; readonly agentId: string; readonly reason: string };
  readonly stateId: string;
  readonly stateKey: string;
}

/** The raw option values (strings as configured; undefined = unset). */
export interface RawPreviewReportingOptions {
  'enable-preview-reporting'?: boolean;
  'preview-info-keys'?: string;
  'preview-state-name'?: string;
}

/** A UserData key name: a letter or underscore, then letters, digits, `_`, `-` or `.`; at most 64 characters. */
const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** The custom state id: a non-negative integer of at most 10 digits. */
const STATE_ID = /^\d{1,10}$/;

/** Parses `preview-info-keys`: exactly four distinct key names; undefined when invalid. */
export function parsePreviewInfoKeys(raw: string): PreviewReportingSettings['keys'] | undefined {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length !== 4 || !parts.every((p) => KEY_NAME.test(p)) || new Set(parts).size !== 4) return undefined;
  const [connId, userId, agentId, reason] = parts as [string, string, string, string];
  return { connId, userId, agentId, reason };
}

/** Parses `preview-state-name` (`<number>,<keyname>`); undefined when invalid. */
export function parsePreviewStateName(raw: string): { stateId: string; stateKey: string } | undefined {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length !== 2) return undefined;
  const [id, name] = parts as [string, string];
  if (!STATE_ID.test(id) || !KEY_NAME.test(name)) return undefined;
  return { stateId: id, stateKey: name };
}

const DEFAULT_KEYS = parsePreviewInfoKeys(DEFAULT_PREVIEW_INFO_KEYS) as PreviewReportingSettings['keys'];
const DEFAULT_STATE = parsePreviewStateName(DEFAULT_PREVIEW_STATE_NAME) as { stateId: string; stateKey: string };

/**
 * Builds the settings from raw values; an invalid `preview-info-keys` or `preview-state-name`
 * logs a warning and uses the default.
 */
export function previewReportingSettings(raw: RawPreviewReportingOptions, logger: Logger = silentLogger): PreviewReportingSettings {
  let keys = DEFAULT_KEYS;
  const rawKeys = raw['preview-info-keys'];
  if (rawKeys !== undefined) {
    const parsed = parsePreviewInfoKeys(rawKeys);
    if (parsed) keys = parsed;
    else logger.warn('invalid option value, using the default', { section: 'uc-connector', option: 'preview-info-keys', value: rawKeys, default: DEFAULT_PREVIEW_INFO_KEYS, expected: 'four distinct key names: <ConnId>,<UserId>,<AgentId>,<Reason>' });
  }
  let state = DEFAULT_STATE;
  const rawState = raw['preview-state-name'];
  if (rawState !== undefined) {
    const parsed = parsePreviewStateName(rawState);
    if (parsed) state = parsed;
    else logger.warn('invalid option value, using the default', { section: 'uc-connector', option: 'preview-state-name', value: rawState, default: DEFAULT_PREVIEW_STATE_NAME, expected: '<number>,<keyname>' });
  }
  return { enabled: raw['enable-preview-reporting'] ?? DEFAULT_ENABLED, keys, ...state };
}

/**
 * Reads the settings through the OptionResolver (the `ucc` Application's `[uc-connector]` section,
 * read at each call so changes take effect immediately). A malformed `enable-preview-reporting`
 * is handled by the resolver (default false, with its warning).
 */
export function previewReportingFromResolver(resolver: OptionResolver, logger: Logger = silentLogger): () => PreviewReportingSettings {
  // Read at every offer: warn once per distinct bad value, not once per offer.
  const warned = new Set<string>();
  const once: Logger = {
    ...logger,
    warn: (msg, fields) => {
      const k = JSON.stringify(fields ?? {});
      if (warned.has(k) || warned.size > 100) return;
      warned.add(k);
      logger.warn(msg, fields);
    },
  };
  return () =>
    previewReportingSettings(
      {
        'enable-preview-reporting': resolver.getBoolean('uc-connector', 'enable-preview-reporting'),
        'preview-info-keys': resolver.getString('uc-connector', 'preview-info-keys'),
        'preview-state-name': resolver.getString('uc-connector', 'preview-state-name'),
      },
      once,
    );
}
