/**
 * Binds the configuration layer's objects (src/config) to the T-Server's own {@link TServerConfig}:
 * the `tserver` Application's `[TServer]` options, the DNs and Agent Logins of its Switch, and
 * their `[TServer]` annex sections.
 */
import { findSection, type ApplicationObject, type ConfigObjects, type DnType as CfgDnType } from '../config/config-objects.ts';
import { resolveOptionIn } from '../config/option-resolver.ts';
import type { TlibClientApplication } from './tlib-access.ts';
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
      agentLogins: objects.agentLogins.filter((a) => a.switch === switchName).map((a) => ({
        agentId: a.loginCode, options: { ...(findSection(a.annex, 'TServer') ?? {}) }, ...(a.passwordHash !== undefined ? { passwordHash: a.passwordHash } : {}),
      })),
      options: { ...(findSection(app.options, 'TServer') ?? {}) },
      applications: objects.applications.map((a) => tlibClientOf(objects, a, switchName)),
    }));
  } catch (e) {
    if (e instanceof UccError) return err(e.message);
    throw e;
  }
}

/** Application types that are OpenUCC's own roles: they may do everything over T-Lib. */
const roleTypes: ReadonlySet<string> = new Set(['ucc', 'router', 'stat-server', 'reporting', 'tserver']);

const listOption = (a: ApplicationObject, name: string): string[] =>
  String(resolveOptionIn('tlib-client', name, { application: findSection(a.options, 'tlib-client') ?? {} }).value ?? '')
    .split(',').map((s) => s.trim()).filter((s) => s !== '');

/**
 * An Application as a T-Lib client (docs/protocols/tlib.md 1.2): the roles and `access: all` may use
 * every DN; any other owns the DNs of `[tlib-client] dns`, of its `places`, and of its `persons`'
 * default Places, on this switch.
 */
function tlibClientOf(objects: ConfigObjects, a: ApplicationObject, switchName: string): TlibClientApplication {
  const section = { application: findSection(a.options, 'tlib-client') ?? {} };
  const out: TlibClientApplication = { name: a.name, dns: 'all' };
  if (a.passwordHash !== undefined) out.passwordHash = a.passwordHash;
  const cn = String(resolveOptionIn('tlib-client', 'certificate-cn', section).value ?? '');
  if (cn !== '') out.certificateCn = cn;
  if (roleTypes.has(a.type) || resolveOptionIn('tlib-client', 'access', section).value === 'all') return out;
  const places = new Set(listOption(a, 'places'));
  for (const userName of listOption(a, 'persons')) {
    const place = objects.persons.find((p) => p.userName === userName)?.defaultPlace;
    if (place !== undefined) places.add(place);
  }
  const dns = new Set(listOption(a, 'dns'));
  for (const p of objects.places) if (places.has(p.name)) for (const d of p.dns) if (d.switch === switchName) dns.add(d.number);
  out.dns = [...dns];
  return out;
}
