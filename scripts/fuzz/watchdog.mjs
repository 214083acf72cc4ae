// Fuzz watchdog (a worker thread): when the fuzz loop stops advancing for `hangMs` (an infinite loop
// in the code under test cannot be interrupted from inside), it saves the input being run and kills
// the process, which then exits non-zero.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { workerData } from 'node:worker_threads';
import { setInterval } from 'node:timers';

const { state, input, hangMs, file } = workerData;
const counters = new Int32Array(state); // [case index, input length]
const bytes = new Uint8Array(input);
let last = -1;
let since = Date.now();
setInterval(() => {
  const now = Date.now();
  const index = Atomics.load(counters, 0);
  if (index !== last) {
    last = index;
    since = now;
    return;
  }
  if (now - since < hangMs) return;
  const out = file.replace('{case}', String(index));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes.subarray(0, Atomics.load(counters, 1)));
  process.stderr.write(`FUZZ HANG: case ${index} ran for more than ${hangMs} ms; input saved to ${out}\n`);
  process.kill(process.pid, 'SIGKILL');
}, 250);
