/**
 * What the configuration tells the supervisor views: who is a supervisor (the Person annex option
 * `[uc] role = supervisor`), the Persons' names, the agent groups and the routing points. Every
 * read goes to the current configuration snapshot, so a change takes effect at once.
 */
import type { ConfigView } from '../config/config-index.ts';
import { findSection } from '../config/config-objects.ts';
import type { OptionResolver } from '../config/option-resolver.ts';
import type { FeedDirectory } from './supervisor-feed.ts';

/** The role a Person has in `[uc] role`. */
export function isSupervisor(resolver: Pick<OptionResolver, 'getString'>, userName: string): boolean {
  return resolver.getString('uc', 'role', { person: userName }) === 'supervisor';
}

/** The dashboard's directory over the configuration. */
export function directoryFromConfig(view: ConfigView, switchName?: string): FeedDirectory {
  return {
    displayName(userName) {
      const p = view.get('persons', userName);
      const name = [p?.firstName ?? '', p?.lastName ?? ''].map((s) => s.trim()).filter((s) => s !== '').join(' ');
      return name === '' ? userName : name;
    },
    groups: () => view.list('agentGroups').map((g) => ({ name: g.name, members: g.members })),
    routingPoints() {
      const out: Array<{ dn: string; displayName: string }> = [];
      for (const dn of view.list('dns')) {
        if (dn.type !== 'Routing Point' || (switchName !== undefined && dn.switch !== switchName)) continue;
        const name = findSection(dn.annex, 'UC-Connector')?.['display-name'];
        out.push({ dn: dn.number, displayName: name === undefined || String(name).trim() === '' ? dn.number : String(name).trim() });
      }
      return out;
    },
  };
}
