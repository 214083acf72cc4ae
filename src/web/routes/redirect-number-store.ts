/**
 * The redirect number on the Person annex (`[uc-connector] redirect-number`, `redirect-enabled`),
 * the same options an administrator sets (seed 000 4.17), written through the configuration store
 * so the change reaches every reader at once.
 */
import type { OptionResolver } from '../../config/option-resolver.ts';
import type { ConfigStore } from '../../store/config-store.ts';
import type { RedirectNumberPort } from './knowledge-worker-routes.ts';

const SECTION = 'uc-connector';

/** A {@link RedirectNumberPort} over the configuration store. */
export function redirectNumbersFromStore(store: Pick<ConfigStore, 'setOption'>, resolver: OptionResolver): RedirectNumberPort {
  return {
    setupEnabled: (userName) => resolver.getBoolean(SECTION, 'redirect-setup-enabled', { person: userName }),
    get: (userName) => ({
      number: resolver.getString(SECTION, 'redirect-number', { person: userName }) ?? '',
      enabled: resolver.getBoolean(SECTION, 'redirect-enabled', { person: userName }),
    }),
    async set(userName, value) {
      await store.setOption('persons', userName, SECTION, 'redirect-number', value.number === '' ? undefined : value.number);
      await store.setOption('persons', userName, SECTION, 'redirect-enabled', value.enabled);
    },
  };
}
