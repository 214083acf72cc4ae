// `node --import ./scripts/register-ts.mjs file.ts`: installs scripts/ts-hooks.mjs and source maps.
import { register } from 'node:module';
import process from 'node:process';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
