/**
 * connector/custom-states: custom knowledge-worker states of standalone mode, from the presence
 * definition XML at `presence-location` (docs/custom-states.md).
 */
export * from './presence-definition.ts';
export * from './presence-definition-parser.ts';
export * from './custom-state-matcher.ts';
export * from './built-in-presence-definition.ts';
export * from './presence-definition-source.ts';
export * from './selected-agent-target.ts';
