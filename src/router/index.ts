/**
 * The router role (the seeds' URS): declarative strategies per Routing Point, candidate selection,
 * store-backed reservation (BlockDN) with fencing tokens and the single winner per call, and the
 * Router that runs them against the T-Server and the connector's preview protocol. docs/router.md.
 */
export * from './routing-strategy.ts';
export * from './agent-selection.ts';
export * from './call-routing-state.ts';
export * from './reservation-store.ts';
export * from './memory-reservations.ts';
export * from './winner-decider.ts';
export * from './router.ts';
export * from './strategy-watch.ts';
