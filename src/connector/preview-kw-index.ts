/**
 * The KWs a preview request may name, by AgentID or user name (the router names either). The
 * index is rebuilt on a miss: KWs come and go with configuration.
 */
import type { PreviewKw } from './preview-call.ts';
import type { PreviewConnectorPort } from './preview-manager-api.ts';

export class PreviewKwIndex {
  private readonly byName = new Map<string, PreviewKw>();

  constructor(private readonly connector: PreviewConnectorPort) {}

  /** The KW named `agent` (AgentID or user name), or undefined when the connector does not know it. */
  find(agent: string): PreviewKw | undefined {
    const hit = this.byName.get(agent);
    if (hit && this.connector.state(hit.userName)) return hit;
    this.byName.clear();
    for (const userName of this.connector.knowledgeWorkers()) {
      const s = this.connector.state(userName);
      if (!s) continue;
      const kw = { userName: s.userName, agentId: s.agentId, dn: s.dn };
      this.byName.set(s.userName, kw);
      if (s.agentId && !this.byName.has(s.agentId)) this.byName.set(s.agentId, kw);
    }
    return this.byName.get(agent);
  }
}
