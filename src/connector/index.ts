/**
 * connector/: the UC Connector core. One pure machine per knowledge worker (kw-machine.ts), the
 * presence → agent-state mapping, the REST view, and the UcConnector shell that runs the machines
 * against a T-Lib client, a UcPlatform and a Clock. docs/connector.md describes the rules.
 */
export * from './kw-config.ts';
export * from './presence-mapping.ts';
export * from './kw-state.ts';
export * from './kw-machine.ts';
export * from './knowledge-worker-view.ts';
export * from './knowledge-worker-directory.ts';
export * from './connector.ts';
export * from './kw-client-messages.ts';
export * from './kw-client-sessions.ts';
export * from './preview-offer.ts';
export * from './preview-manager.ts';
export * from './preview-winner.ts';
export * from './interactions/interaction-machine.ts';
export * from './interactions/interaction-tracker.ts';
