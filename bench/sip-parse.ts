/**
 * SIP message parse + serialize throughput: our message layer against the `sip` npm package
 * (kirm/sip.js 0.0.6) on the same three messages (REGISTER; NOTIFY with a 700-byte PIDF body;
 * INVITE with SDP), in the same process, warm-up first, median of several rounds.
 *
 * Fairness, what each side does per message:
 * - `sip`: `parse(buffer)` decodes the bytes (latin1), splits the header section, and eagerly
 *   parses Via, From, To, Contact, Route, Record-Route, CSeq, Content-Length and the auth headers
 *   into objects; `stringify()` rebuilds the text from those objects. It validates little.
 * - ours: `parseMessage(buffer)` checks the UTF-8/ASCII encoding, splits every header line,
 *   canonicalises names, splits list values, validates the start line and Content-Length, and
 *   parses Via, From, To, CSeq, Contact, Route and Record-Route eagerly into the same kind of objects
 *   as `sip` (kept in the header list's cache, which the typed accessors copy from);
 *   `serializeMessage()` writes the canonical headers and a fresh Content-Length into a Buffer.
 *   `sip` returns a string; we encode it to a Buffer (latin1, as its transport does), since a
 *   transport sends bytes. A check outside the timed loop confirms our structured views exist.
 */
import { readFileSync } from 'node:fs';
import sip from 'sip';
import {
  getContacts, getCSeq, getFrom, getTo, getVias, parseMessage, serializeMessage,
} from '../src/sip/message/index.ts';
import { compareRates, printBench, printTable, type RateResult } from './lib.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../test/fixtures/sip/${name}`, import.meta.url));

export default async function run(): Promise<void> {
  const messages = [
    { label: 'REGISTER', key: 'register', bytes: fixture('register.sip') },
    { label: 'NOTIFY (700-byte PIDF)', key: 'notify', bytes: fixture('notify-pidf.sip') },
    { label: 'INVITE (SDP)', key: 'invite', bytes: fixture('invite-sdp.sip') },
  ];
  let sink = 0;
  const ours = (b: Buffer) => (): void => {
    const r = parseMessage(b);
    if (!r.ok) throw new Error(r.error.message);
    sink += serializeMessage(r.value).length;
  };
  const theirs = (b: Buffer) => (): void => {
    const m = sip.parse(b);
    if (m === undefined) throw new Error('sip.parse failed');
    sink += Buffer.from(sip.stringify(m), 'binary').length;
  };

  const rows: (string | number)[][] = [];
  const result: Record<string, number> = {};
  for (const m of messages) {
    // Outside the timing: the eager views are there and agree with `sip`'s.
    const p = parseMessage(m.bytes);
    const q = sip.parse(m.bytes) as { headers: { via: unknown[]; cseq: { seq: number } } } | undefined;
    if (!p.ok || q === undefined || getVias(p.value).length !== q.headers.via.length || getCSeq(p.value).seq !== q.headers.cseq.seq) {
      throw new Error(`${m.label}: parsers disagree`);
    }
    sink += getFrom(p.value).uri.host.length + getTo(p.value).uri.host.length + getContacts(p.value).length;
    ours(m.bytes)();
    theirs(m.bytes)();
    const [a, b] = compareRates([ours(m.bytes), theirs(m.bytes)]) as [RateResult, RateResult];
    rows.push([m.label, m.bytes.length, a.perSec, b.perSec, a.perSec / b.perSec]);
    result[`${m.key}PerSec`] = Math.round(a.perSec);
    result[`${m.key}SipPkgPerSec`] = Math.round(b.perSec);
    result[`${m.key}Ratio`] = Number((a.perSec / b.perSec).toFixed(2));
  }
  console.log('SIP parse + serialize, messages per CPU-second (median of 9 alternating rounds)');
  printTable(['message', 'bytes', 'openucc', 'sip pkg', 'ratio'], rows);
  if (sink === 0) console.log('(sink)');
  printBench('sip-parse', {
    notifyPerSec: result.notifyPerSec ?? 0,
    registerPerSec: result.registerPerSec ?? 0,
    invitePerSec: result.invitePerSec ?? 0,
    ratioVsSip: result.notifyRatio ?? 0,
    registerRatio: result.registerRatio ?? 0,
    inviteRatio: result.inviteRatio ?? 0,
    notifySipPkgPerSec: result.notifySipPkgPerSec ?? 0,
  });
}
