import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMsPresCategories } from '../../../src/presence/ms-pres-categories.ts';
import { parseMultipartRelated } from '../../../src/presence/multipart.ts';
import { parsePidf } from '../../../src/presence/pidf.ts';
import { parseResourceListNotification } from '../../../src/presence/resource-list-notification.ts';
import { parseXmppPresence } from '../../../src/presence/xmpp-presence.ts';
import { prng } from '../../support/prng.ts';
import { fixture, fixtureText } from './fixtures.ts';

const specials = ['<', '>', '&', '"', "'", '/', '=', ':', '<!DOCTYPE a>', '&lt;', '&#x0;', '<![CDATA[', ']]>', '\r\n', '--', '\u0000', '\ud800'];

function mutate(src: Buffer, next: () => number): Buffer {
  const s = src.toString('latin1').split('');
  const n = 1 + Math.floor(next() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(next() * (s.length + 1));
    const op = next();
    if (op < 0.3) s.splice(at, 1);
    else if (op < 0.6) s.splice(at, 0, specials[Math.floor(next() * specials.length)]!);
    else if (op < 0.8) s[at] = String.fromCharCode(Math.floor(next() * 256));
    else s.splice(at, Math.floor(next() * 40));
  }
  return Buffer.from(s.join(''), 'latin1');
}

test('mutated PIDF, MS-PRES, RLMI multipart and XMPP bodies never throw: every parser returns a Result', () => {
  const next = prng(0xc0ffee);
  const seeds: [Buffer, (b: Buffer) => { ok: boolean }][] = [
    [fixture('pidf/kamailio-notify-on-the-phone.xml'), (b) => parsePidf(b)],
    [fixture('pidf/rpid-two-publishers.xml'), (b) => parsePidf(b)],
    [fixture('ms-pres/v2-benotify-categories.xml'), (b) => parseMsPresCategories(b)],
    [fixture('ms-pres/batch-two-users-state-note.xml'), (b) => parseMsPresCategories(b)],
    [fixture('rls/kamailio-rls-notify-2.body'), (b) => parseResourceListNotification(b, fixtureText('rls/kamailio-rls-notify-2.content-type'), { observedAt: 0 })],
    [fixture('ms-pres/v1-piggyback-200ok.body'), (b) => parseMultipartRelated(b, fixtureText('ms-pres/v1-piggyback-200ok.content-type'))],
    [Buffer.from('<presence xmlns="jabber:client" from="a@b/c"><show>away</show><status>x</status></presence>'), (b) => parseXmppPresence(b)],
  ];
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const [src, parse] = seeds[i % seeds.length]!;
    const input = mutate(src, next);
    let r: { ok: boolean };
    try {
      r = parse(input);
    } catch (e) {
      assert.fail(`iteration ${i} threw ${String(e)} on ${JSON.stringify(input.toString('latin1'))}`);
    }
    if (r.ok) accepted++;
    else rejected++;
  }
  // Both outcomes must occur, or the mutations are not exercising the parsers.
  assert.ok(accepted > 100 && rejected > 100, `accepted ${accepted}, rejected ${rejected}`);
});
