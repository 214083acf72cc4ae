/**
 * The knowledge workers the connector benches share: KW `i` is Person `u<i>` with agent login
 * `A<i>` on Extension DN `7<i, 5 digits>` (its Place `P<i>`), UC contact `sip:u<i>@<domain>`,
 * on switch SW; the connector Application `UCC` registers every KW at start.
 */
import { ConfigIndex } from '../src/config/config-index.ts';
import { emptyObjects } from '../src/config/config-objects.ts';
import { createTServerConfig } from '../src/tserver/tserver-config.ts';
import type { TServerConfig } from '../src/tserver/tserver-config.ts';
import { hashPassword } from '../src/config/password-hash.ts';

/** The T-Lib Application bench clients authenticate as over TCP (access to every DN). */
export const BENCH_TLIB_CREDENTIALS = { application: 'Bench', password: 'bench' } as const;

/** The bench Application as a T-Server configures it (cheap scrypt cost: benches connect often). */
export function benchTlibApplication(): { name: string; passwordHash: string; dns: 'all' } {
  return { name: BENCH_TLIB_CREDENTIALS.application, passwordHash: hashPassword(BENCH_TLIB_CREDENTIALS.password, { N: 1024, r: 8, p: 1 }), dns: 'all' };
}

/** The DN of KW `i`. */
const dnOf = (i: number): string => `7${String(i).padStart(5, '0')}`;

export function benchKnowledgeWorkers(kws: number, domain: string): { dns: string[]; tserver: TServerConfig; view: ConfigIndex } {
  const dns = Array.from({ length: kws }, (_, i) => dnOf(i));
  const tserver = createTServerConfig({ switchName: 'SW', dns: dns.map((name) => ({ name, type: 'Extension' as const })), agentLogins: dns.map((_, i) => `A${i}`), applications: [benchTlibApplication()] });
  const o = emptyObjects();
  o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'user-auto-registration': 'true' } } });
  dns.forEach((dn, i) => {
    o.dns.push({ switch: 'SW', number: dn, type: 'Extension', register: true, annex: {} });
    o.places.push({ name: `P${i}`, dns: [{ switch: 'SW', number: dn }] });
    o.agentLogins.push({ switch: 'SW', loginCode: `A${i}`, annex: {} });
    o.persons.push({ userName: `u${i}`, agentLogins: [{ switch: 'SW', loginCode: `A${i}` }], defaultPlace: `P${i}`, annex: { uc: { contact: `sip:u${i}@${domain}` } } });
  });
  return { dns, tserver, view: new ConfigIndex(o) };
}
