/**
 * The KW machine's target for a custom state the KW selected from the menu: the T-Library form of
 * {@link AgentStateRequest} (seed 000 4.12: Ready/NotReady, the mode's AgentWorkMode, the reason in
 * AttributeReasons or AttributeExtensions).
 */
import { agentWorkModes, type AgentWorkMode } from '../../tlib/messages/attribute-types.ts';
import type { KvList } from '../../lib/kv-list.ts';
import type { SelectedAgentTarget } from '../kw-state.ts';
import type { AgentStateRequest } from './custom-state-matcher.ts';

function isAgentWorkMode(v: string): v is AgentWorkMode {
  return (agentWorkModes as readonly string[]).includes(v);
}

/**
 * A request's target. A work mode our T-Library does not know (`back` → ReturnBack) is left out:
 * the request still sets NotReady with the reason (the seed leaves mode support to the T-Server).
 */
export function selectedAgentTargetOf(req: AgentStateRequest): SelectedAgentTarget {
  const reasons: KvList = Object.entries(req.reasons);
  const extensions: KvList = Object.entries(req.extensions);
  const workMode = !req.ready && req.workMode !== null && isAgentWorkMode(req.workMode) ? req.workMode : undefined;
  return {
    state: req.ready ? 'Ready' : 'NotReady',
    reasons,
    ...(workMode !== undefined ? { workMode } : {}),
    ...(extensions.length > 0 ? { extensions } : {}),
  };
}
