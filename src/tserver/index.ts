/**
 * The T-Server role: DNs, emulated agents, calls with ConnID, media type and UserData, routing
 * points, user events and no-answer supervision, behind the T-Library protocol
 * (docs/protocols/tlib.md); call legs live in a Switch (switch-port.ts, docs/switch.md).
 */
export * from './tserver-config.ts';
export * from './agent-state.ts';
export * from './agent.ts';
export * from './party-state.ts';
export * from './call.ts';
export { reduceCall, type CallEffect, type CallInput, type CallStep, type CallTimerName, type EventAttrs, type Requester } from './call-reducer.ts';
export { reduceCompletion, type CompletionStep } from './call-completion.ts';
export * from './routing-point.ts';
export * from './switch-port.ts';
export { expandSwitchEffects, type ShellEffect } from './switch-effects.ts';
export * from './tserver-core.ts';
export * from './tserver.ts';
export * from './tserver-config-binding.ts';
