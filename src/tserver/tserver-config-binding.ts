/**
 * Binds the configuration layer's objects (src/config) to the T-Server's own {@link TServerConfig}:
 * the `tserver` Application's `[TServer]` options, the DNs and Agent Logins of its Switch, and
 * their `[TServer]` annex sections.
 */
import { findSection, type ConfigObjects, type DnType as CfgDnType } from '../config/config-objects.ts';
import { err, ok, type Result } from '../lib/result.ts';
import { UccError } from '../lib/errors.ts';
import { createTServerConfig, type DnType, type TServerConfig } from './tserver-config.ts';

/** Configuration-layer DN types to the T-Server's (External Routing Points route like Routing Points; Trunk Groups act as trunks). */
const DN_TYPE_MAP: Record<CfgDnType, DnType> = {
  'Extension': 'Extension',
  'ACD Queue': 'ACDQueue',
  'Routing Point': 'RoutingPoint',
  'External Routing Point': 'RoutingPoint',
  'Virtual Queue': 'VirtualQueue',
  'Trunk': 'Trunk',
  'Trunk Group': 'Trunk',
  'Voice over IP Service': 'VoIPService',
};

/**
 * Builds the T-Server configuration from loaded objects. `applicationName` picks the `tserver`
 * Application (default: the only one); its `switch` selects the DNs and Agent Logins.
 */
export function tserverConfigFromObjects(objects: ConfigObjects, applicationName?: string): Result<TServerConfig, string> {
  const apps = objects.applications.filter((a) => a.type === 'tserver' && (applicationName === undefined || a.name === applicationName));
  if (apps.length === 0) return err(applicationName ? `no tserver application named '${applicationName}'` : 'no application of type tserver');
  if (apps.length > 1) return err(`several tserver applications (${apps.map((a) => a.name).join(', ')}): name one`);
  const app = apps[0];
  if (!app) return err('no application of type tserver');
  const switchName = app.switch ?? objects.switches[0]?.name;
  if (!switchName) return err(`application ${app.name}: no switch`);
  try {
    return ok(createTServerConfig({
      switchName,
      dns: objects.dns.filter((d) => d.switch === switchName).map((d) => ({
        name: d.number, type: DN_TYPE_MAP[d.type], register: d.register, options: { ...(findSection(d.annex, 'TServer') ?? {}) },
      })),
      agentLogins: objects.agentLogins.filter((a) => a.switch === switchName).map((a) => ({ agentId: a.loginCode, options: { ...(findSection(a.annex, 'TServer') ?? {}) } })),
      options: { ...(findSection(app.options, 'TServer') ?? {}) },
    }));
  } catch (e) {
    if (e instanceof UccError) return err(e.message);
    throw e;
  }
}
