import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  availabilityFromMsPresCode, deriveRpidAvailability, msPresAvailabilityRanges, msPresCodeForAvailability, rpidForAvailability,
} from '../../../src/presence/availability.ts';
import { availabilities } from '../../../src/presence/presence.ts';
import type { Availability } from '../../../src/presence/presence.ts';
import { awayRpidActivities, busyRpidActivities, rpidActivityForToken, rpidActivityTokens } from '../../../src/presence/rpid-activities.ts';

describe('MS-PRES availability numbers map onto the normalized availability (seed 000 Table 14, protocol-notes 3.1)', () => {
  const table: [number, Availability][] = [
    [0, 'unknown'], [2999, 'unknown'],
    [3000, 'online'], [3500, 'online'], [4499, 'online'],
    [4500, 'online-idle'], [5000, 'online-idle'], [5999, 'online-idle'],
    [6000, 'busy'], [6500, 'busy'], [6900, 'busy'], [7499, 'busy'],
    [7500, 'busy-idle'], [8999, 'busy-idle'],
    [9000, 'do-not-disturb'], [9500, 'do-not-disturb'], [11999, 'do-not-disturb'],
    [12000, 'be-right-back'], [12500, 'be-right-back'], [14999, 'be-right-back'],
    [15000, 'away'], [15500, 'away'], [17999, 'away'],
    [18000, 'offline'], [18500, 'offline'], [99999, 'offline'],
    [-1, 'unknown'], [3500.5, 'unknown'], [Number.NaN, 'unknown'],
  ];
  for (const [code, expected] of table) {
    test(`${code} is ${expected}`, () => assert.equal(availabilityFromMsPresCode(code), expected));
  }

  test("0-2999 is 'online' with below3000: 'online' (UCC 8.0: 0-4499 Available)", () => {
    assert.equal(availabilityFromMsPresCode(0, { below3000: 'online' }), 'online');
    assert.equal(availabilityFromMsPresCode(2999, { below3000: 'online' }), 'online');
    assert.equal(availabilityFromMsPresCode(3000, { below3000: 'online' }), 'online');
  });

  test('the ranges are contiguous from 0 and every typical value lies in its own range', () => {
    let next = 0;
    for (const r of msPresAvailabilityRanges) {
      assert.equal(r.from, next);
      next = (r.to ?? Infinity) + 1;
      if (r.availability !== 'unknown') assert.equal(availabilityFromMsPresCode(r.typical), r.availability);
    }
    assert.equal(next, Infinity);
  });

  for (const a of availabilities) {
    test(`msPresCodeForAvailability(${a}) classifies back to ${a}`, () => {
      const code = msPresCodeForAvailability(a);
      if (a === 'unknown') assert.equal(code, null);
      else assert.equal(availabilityFromMsPresCode(code!), a);
    });
  }
});

describe('PIDF basic + RPID activities derive an availability and a representative number (protocol-notes 6)', () => {
  const open = { basic: 'open' as const, activities: [] as string[], otherActivities: [] as string[], idle: false };
  const table: [string, Parameters<typeof deriveRpidAvailability>[0], Availability, number | null][] = [
    ['closed is offline whatever the activity', { ...open, basic: 'closed', activities: ['on-the-phone'] }, 'offline', 18500],
    ['open with no activity is online', open, 'online', 3500],
    ['open and idle is online-idle', { ...open, idle: true }, 'online-idle', 4500],
    ['busy and idle is busy-idle', { ...open, activities: ['busy'], idle: true }, 'busy-idle', 7500],
    ['other "Do Not Disturb" is do-not-disturb', { ...open, otherActivities: ['Do Not Disturb'] }, 'do-not-disturb', 9500],
    ['other "be-right-back" is be-right-back', { ...open, otherActivities: ['be-right-back'] }, 'be-right-back', 12500],
    ['busy wins over away', { ...open, activities: ['away', 'on-the-phone'] }, 'busy', 6500],
    ['an unclassified activity (working) leaves online', { ...open, activities: ['working'] }, 'online', 3500],
    ['no basic and no activity is unknown', { ...open, basic: null }, 'unknown', null],
    ['no basic but an activity counts as reachable', { ...open, basic: null, activities: ['away'] }, 'away', 15500],
  ];
  for (const token of busyRpidActivities) table.push([`${token} is busy`, { ...open, activities: [token] }, 'busy', 6500]);
  for (const token of awayRpidActivities) table.push([`${token} is away`, { ...open, activities: [token] }, 'away', 15500]);
  for (const [name, input, availability, code] of table) {
    test(name, () => assert.deepEqual(deriveRpidAvailability(input), { availability, code }));
  }

  for (const a of availabilities) {
    test(`rpidForAvailability(${a}) derives back to ${a}`, () => {
      const e = rpidForAvailability(a);
      const d = deriveRpidAvailability({ basic: e.basic, activities: e.activities, otherActivities: e.other === null ? [] : [e.other], idle: e.idle });
      assert.equal(d.availability, a);
    });
  }

  test('every RFC 4480 activity maps to itself; MS-PRES tokens map to their closest RPID activity', () => {
    for (const t of rpidActivityTokens) assert.equal(rpidActivityForToken(t), t);
    assert.equal(rpidActivityForToken('in-a-meeting'), 'meeting');
    assert.equal(rpidActivityForToken('in-a-conference'), 'meeting');
    assert.equal(rpidActivityForToken('in-presentation'), 'presentation');
    assert.equal(rpidActivityForToken('out-of-office'), 'away');
    assert.equal(rpidActivityForToken('urgent-interruptions-only'), undefined);
  });
});
