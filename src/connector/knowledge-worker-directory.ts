/**
 * Which configured Persons are knowledge workers, and their DN / Agent Login / UC contact
 * (seed 000 5.5 and F9: a KW Person has a default Place with the KW DN, an Agent Login, and the
 * UC sign-in in its annex; `UC-Connector/enabled=false` Persons are not handled). Pure.
 */
import type { ConfigView } from '../config/config-index.ts';
import { findSection } from '../config/config-objects.ts';
import type { PersonObject } from '../config/config-objects.ts';
import type { KwIdentity } from './kw-state.ts';

/** Why a Person is not a KW (for `ucc check-config` style reports and logs). */
export interface SkippedPerson {
  readonly userName: string;
  readonly reason: string;
}

/** The UC contact of a Person: annex `[uc] contact`, else `[Microsoft-OCS] contact`. */
export function personContact(p: PersonObject): string | null {
  for (const section of ['uc', 'Microsoft-OCS']) {
    const v = findSection(p.annex, section)?.['contact'];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return null;
}

function enabled(p: PersonObject): boolean {
  const v = findSection(p.annex, 'UC-Connector')?.['enabled'];
  return !(v === false || (typeof v === 'string' && ['false', 'no', '0', 'off'].includes(v.trim().toLowerCase())));
}

/** Every KW of the configuration, and the Persons skipped with the reason. */
export function knowledgeWorkersFromConfig(view: ConfigView): { kws: KwIdentity[]; skipped: SkippedPerson[] } {
  const kws: KwIdentity[] = [];
  const skipped: SkippedPerson[] = [];
  for (const p of view.list('persons')) {
    const exclude = (reason: string): void => {
      skipped.push({ userName: p.userName, reason });
    };
    if (!enabled(p)) {
      exclude('UC-Connector/enabled is false');
      continue;
    }
    const contact = personContact(p);
    if (contact === null) {
      exclude('no UC contact in the annex ([uc] or [Microsoft-OCS] contact)');
      continue;
    }
    const login = p.agentLogins[0];
    if (!login) {
      exclude('no Agent Login');
      continue;
    }
    const place = p.defaultPlace === undefined ? undefined : view.get('places', p.defaultPlace);
    const dn = place?.dns.find((d) => d.switch === login.switch) ?? place?.dns[0];
    if (!place || !dn) {
      exclude('no default Place with a DN');
      continue;
    }
    kws.push({ userName: p.userName, contact, dn: dn.number, agentId: login.loginCode, place: place.name });
  }
  return { kws, skipped };
}
