/**
 * The Stat Server role's public surface. The implementation (StatService) lands in this file; the
 * types live in stat-types.ts.
 */
export type * from './stat-types.ts';
