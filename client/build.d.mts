/** Builds the browser client into `outdir` (default client/dist); resolves with the files written. */
export function buildClient(outdir?: string): Promise<string[]>;
