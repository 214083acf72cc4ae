/** Picks the UC platform adapter the deployment settings name (only the composition root does). */
import type { PresenceSettings } from '../config/config-loader.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { SipSimplePlatform } from '../uc/sip-simple/sip-simple-platform.ts';
import { StandalonePlatform } from '../uc/standalone/standalone-platform.ts';
import type { UcPlatform } from '../uc/uc-platform.ts';

export function createUcPlatform(settings: PresenceSettings, deps: { clock: Clock; logger: Logger }): UcPlatform {
  if (settings.mode === 'standalone') return new StandalonePlatform(deps);
  return new SipSimplePlatform({
    aor: settings.aor,
    listen: settings.listen,
    outboundProxy: settings.proxy,
    register: settings.register,
    ...(settings.registrar ? { registrar: settings.registrar } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...deps,
  });
}
