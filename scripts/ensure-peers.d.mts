// Types of scripts/ensure-peers.mjs for the TypeScript tests of its decision logic.
export declare const DEBIAN_PEERS: readonly string[];
export declare function installCommand(packages: readonly string[]): string;
export declare function parseDpkgStatus(output: string): Set<string>;
export declare function missingPeers(installed: ReadonlySet<string>, wanted?: readonly string[]): string[];
export type PeerPlan = { action: 'none' } | { action: 'install'; packages: string[] } | { action: 'fail'; line: string };
export declare function peerPlan(input: { missing: readonly string[]; isRoot: boolean; hasApt: boolean }): PeerPlan;
export type PostgresPlan = { action: 'none' } | { action: 'start'; command: string[] } | { action: 'fail'; line: string };
export declare function postgresPlan(input: { ready: boolean; isRoot: boolean; versions: readonly string[]; where?: string }): PostgresPlan;
export declare function postgresTarget(url?: string): { host: string; port: number; local: boolean };
