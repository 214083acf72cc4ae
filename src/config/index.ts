/** The configuration layer: objects, YAML loading with located errors, option table and resolver. */
export * from './config-objects.ts';
export * from './config-index.ts';
export * from './config-issue.ts';
export * from './config-loader.ts';
export * from './option-table.ts';
export * from './option-value.ts';
export * from './option-resolver.ts';
export { hashPassword, verifyPassword, isPasswordHash, defaultScryptParams } from './password-hash.ts';
