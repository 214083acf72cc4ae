/**
 * The T-Server role: DNs, emulated agents, calls with ConnID and UserData, routing points, user
 * events and no-answer supervision, behind the T-Library protocol (docs/protocols/tlib.md).
 */
export * from './tserver-config.ts';
export * from './agent-state.ts';
export * from './agent.ts';
export * from './party-state.ts';
export * from './call.ts';
export * from './routing-point.ts';
export * from './tserver-core.ts';
export * from './tserver.ts';
export * from './tserver-config-binding.ts';
