/**
 * KV lists (UserData) moved to src/lib/kv-list.ts, shared with the preview protocol. This re-export
 * keeps the T-Lib import path working for the modules that still use it.
 */
export * from '../../lib/kv-list.ts';
