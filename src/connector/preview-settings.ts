/**
 * The per-KW settings the preview manager reads for each offer, from the `[uc-connector]`
 * options (Person annex over Application): the countdown and the "accept on external number"
 * destination.
 */
import type { OptionResolver } from '../config/option-resolver.ts';
import { declaredNumber } from '../config/option-table.ts';

const SECTION = 'uc-connector';

/** The per-KW settings the manager reads for each offer. */
export interface PreviewKwSettings {
  /** `preview-expiration-timeout` in ms. */
  readonly expirationTimeoutMs: number;
  /** The number "accept on external number" sends the call to; null when redirect is not enabled. */
  readonly redirectNumber: string | null;
}

/** The settings with nothing configured: the option table's countdown, no redirect. */
export const defaultPreviewSettings: PreviewKwSettings = Object.freeze({ expirationTimeoutMs: declaredNumber(SECTION, 'preview-expiration-timeout'), redirectNumber: null });

/** Reads {@link PreviewKwSettings} from the options (Person annex over Application, section `uc-connector`). */
export function previewSettingsFromOptions(resolver: OptionResolver): (userName: string) => PreviewKwSettings {
  return (userName) => {
    const ctx = { person: userName };
    const enabled = resolver.getBoolean(SECTION, 'redirect-enabled', ctx);
    const number = (resolver.getString(SECTION, 'redirect-number', ctx) ?? '').trim();
    return { expirationTimeoutMs: resolver.getNumber(SECTION, 'preview-expiration-timeout', ctx), redirectNumber: enabled && number !== '' ? number : null };
  };
}
