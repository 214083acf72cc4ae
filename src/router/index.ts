/**
 * The router role (the seeds' URS): declarative strategies per Routing Point, candidate selection,
 * KW claims (BlockDN) with fencing tokens in the store's Reservations (src/store), and the Router
 * that runs them against the T-Server and the connector's preview protocol. docs/router.md.
 */
export * from './routing-strategy.ts';
export * from './agent-selection.ts';
export * from './call-routing-state.ts';
export * from './router.ts';
export * from './strategy-watch.ts';
