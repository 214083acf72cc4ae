/** The Stat Server role: statistics from T-Server events, subscriptions, and the router's availableAgents query (docs/stats.md). */
export * from './stat-service.ts';
export * from './stat-core.ts';
export * from './stat-config.ts';
export * from './agent-stat-state.ts';
