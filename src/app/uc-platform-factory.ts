/** Picks the UC platform adapter the deployment settings name (only the composition root does). */
import type { MsPresSettings, PresenceSettings } from '../config/config-loader.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ListenOptions } from '../sip/api/sip-stack.ts';
import { MsPresPlatform, type MsPresPlatformOptions } from '../uc/ms-pres/ms-pres-platform.ts';
import { SipSimplePlatform } from '../uc/sip-simple/sip-simple-platform.ts';
import { StandalonePlatform } from '../uc/standalone/standalone-platform.ts';
import type { UcPlatform } from '../uc/uc-platform.ts';

export function createUcPlatform(settings: PresenceSettings, deps: { clock: Clock; logger: Logger }): UcPlatform {
  if (settings.mode === 'standalone') return new StandalonePlatform(deps);
  if (settings.mode === 'ms-pres') return new MsPresPlatform({ ...msPresOptions(settings), ...deps });
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

/** The adapter options of `mode: ms-pres` (the TLS listener files are read when the stack starts). */
export function msPresOptions(s: MsPresSettings): MsPresPlatformOptions {
  const tls = s.tls;
  const listen: ListenOptions[] = s.listen.map((l) =>
    // Mutual TLS both ways when caFile names the pool's CA: the pool also opens connections to a
    // trusted application, and only a certificate chaining to that CA may. Without caFile, client
    // certificates would be checked against the public roots, which proves nothing about the pool.
    l.protocol === 'tls' && tls ? { ...l, tls: tls.caFile ? { ...tls, requestClientCert: true } : { ...tls } } : { ...l },
  );
  return {
    registrarUri: s.registrarUri,
    contact: s.contact,
    listen,
    ...(s.registerExpires !== undefined ? { registerExpires: s.registerExpires } : {}),
    ...(s.subscribeExpires !== undefined ? { subscribeExpires: s.subscribeExpires } : {}),
    ...(s.maxBatchSize !== undefined ? { maxBatchSize: s.maxBatchSize } : {}),
  };
}
