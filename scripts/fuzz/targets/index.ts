/** The fuzz targets by name (`npm run fuzz -- <name>`). */
import type { FuzzTarget } from '../engine.ts';
import { kwSocketTarget } from './kw-socket.ts';
import { previewTarget } from './preview.ts';
import { restTarget } from './rest.ts';
import { sipStreamTarget } from './sip-stream.ts';
import { tlibTarget } from './tlib.ts';

export const fuzzTargets: Readonly<Record<string, () => FuzzTarget | Promise<FuzzTarget>>> = {
  tlib: tlibTarget,
  preview: previewTarget,
  'kw-socket': () => kwSocketTarget(),
  rest: restTarget,
  'sip-stream': sipStreamTarget,
};
