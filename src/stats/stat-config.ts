/**
 * What statistics read from configuration: the agents (Agent Login codes of Persons, so an agent
 * is known by AgentID and by user name), the agent groups (member Persons) and the DNs to watch
 * (Extensions, routing points and queues of the switch that are in service).
 */
import type { ConfigObjects, DnType } from '../config/config-objects.ts';
import type { StatConfig } from './stat-types.ts';

const WATCHED: ReadonlySet<DnType> = new Set<DnType>(['Extension', 'ACD Queue', 'Routing Point', 'External Routing Point', 'Virtual Queue']);

/**
 * Builds the statistics configuration from loaded objects, for one switch (default: the first).
 * DNs with `register: false` are out of service in the T-Server (except ACD queues) and are not watched.
 */
export function statConfigFromObjects(objects: ConfigObjects, switchName?: string): StatConfig {
  const sw = switchName ?? objects.switches[0]?.name;
  const agents: Array<{ agentId: string; userName: string }> = [];
  for (const p of objects.persons) {
    for (const login of p.agentLogins) if (sw === undefined || login.switch === sw) agents.push({ agentId: login.loginCode, userName: p.userName });
  }
  return {
    agents,
    groups: objects.agentGroups.map((g) => ({ name: g.name, members: [...g.members] })),
    dns: objects.dns
      .filter((d) => (sw === undefined || d.switch === sw) && WATCHED.has(d.type) && (d.register || d.type === 'ACD Queue'))
      .map((d) => d.number),
  };
}
