/**
 * Presence codec microbenchmark: how many bodies per CPU-second each codec turns into a Presence
 * (safe XML parse included), and the CPU µs per body.
 *  - PIDF+RPID as the presence-hotpath bench sends it (our own PUBLISH body, one line);
 *  - PIDF+RPID as Kamailio notifies it (indented, a note) and a two-publisher document;
 *  - a Kamailio RLS list notification (multipart/related: RLMI root + one PIDF part);
 *  - an MS-PRES BENOTIFY categories body (state + note categories).
 * The codecs run in alternating rounds (see `compareRates`), so load changes hit all alike.
 * Run: `npm run bench -- presence-codecs`. Ends with one `BENCH {json}` line.
 */
import { readFileSync } from 'node:fs';
import { parseMsPresPresence } from '../src/presence/ms-pres-categories.ts';
import { buildPidfPublication, parsePidfPresence } from '../src/presence/pidf.ts';
import { parseResourceListNotification } from '../src/presence/resource-list-notification.ts';
import { compareRates, printBench, printTable } from './lib.ts';

const vector = (path: string): Buffer => readFileSync(new URL(`../test/fixtures/presence/${path}`, import.meta.url));

/** Runs `parse` once and fails the bench when the body does not parse (a broken codec must not look fast). */
function check(name: string, parse: () => { ok: boolean }): () => void {
  const r = parse();
  if (!r.ok) throw new Error(`bench: ${name} does not parse: ${JSON.stringify(r)}`);
  return () => {
    if (!parse().ok) throw new Error(`bench: ${name} failed`);
  };
}

export default async function run(): Promise<void> {
  const hotpathPidf = Buffer.from(buildPidfPublication({ entity: 'sip:u1@bench.test', availability: 'busy', tupleId: 't1' }));
  const kamailioPidf = vector('pidf/kamailio-notify-on-the-phone.xml');
  const twoPublishers = vector('pidf/rpid-two-publishers.xml');
  const rlsBody = vector('rls/kamailio-rls-notify-2.body');
  const rlsType = vector('rls/kamailio-rls-notify-2.content-type').toString('utf8').trim();
  const msPres = vector('ms-pres/v2-benotify-categories.xml');
  const cases: Array<[string, number, () => void]> = [
    ['PIDF+RPID (hotpath body)', hotpathPidf.length, check('hotpath PIDF', () => parsePidfPresence(hotpathPidf, 0))],
    ['PIDF+RPID (Kamailio NOTIFY)', kamailioPidf.length, check('Kamailio PIDF', () => parsePidfPresence(kamailioPidf, 0))],
    ['PIDF+RPID (two publishers)', twoPublishers.length, check('two-publisher PIDF', () => parsePidfPresence(twoPublishers, 0))],
    ['RLMI multipart (RLS NOTIFY)', rlsBody.length, check('RLS list', () => parseResourceListNotification(rlsBody, rlsType, { observedAt: 0 }))],
    ['MS-PRES categories (BENOTIFY)', msPres.length, check('MS-PRES', () => parseMsPresPresence(msPres, 0))],
  ];
  const rates = compareRates(cases.map(([, , fn]) => fn), { warmupMs: 500, roundMs: 200, rounds: 9 });
  const rows = cases.map(([name, bytes], i) => {
    const perSec = rates[i]?.perSec ?? NaN;
    return [name, bytes, Math.round(perSec), Math.round((1e6 / perSec) * 100) / 100];
  });
  console.log('bodies per CPU-second (median of 9 alternating rounds)');
  printTable(['codec', 'bytes', 'parses/s', 'cpu µs'], rows);
  const us = (i: number): number => Math.round((1e6 / (rates[i]?.perSec ?? NaN)) * 100) / 100;
  printBench('presence-codecs', {
    pidfHotpathUs: us(0), pidfKamailioUs: us(1), pidfTwoPublishersUs: us(2), rlsMultipartUs: us(3), msPresUs: us(4),
    pidfHotpathPerSec: Math.round(rates[0]?.perSec ?? NaN),
  });
}
