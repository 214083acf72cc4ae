import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUserDataFormat, userDataFields } from '../../../client/src/preview/userdata-format.ts';

describe('userdata-*-format (seed 000 4.7)', () => {
  const cases: Array<{ rule: string; option: unknown; want: unknown }> = [
    { rule: 'the seed example', option: 'title: Customer Name, value: [custname]', want: { title: 'Customer Name', key: 'custname' } },
    { rule: 'keys with dashes (cust-account)', option: 'title: Account, value: [cust-account]', want: { title: 'Account', key: 'cust-account' } },
    { rule: 'the contact default', option: 'title: Contact, value: [USER-ID]', want: { title: 'Contact', key: 'USER-ID' } },
    { rule: 'spacing and case of the labels are free', option: '  Title:Case ,VALUE : [ k ] ', want: { title: 'Case', key: 'k' } },
    { rule: 'a comma inside the title is kept', option: 'title: Name, first, value: [fn]', want: { title: 'Name, first', key: 'fn' } },
    { rule: 'no brackets is invalid', option: 'title: X, value: key', want: undefined },
    { rule: 'an empty key is invalid', option: 'title: X, value: [ ]', want: undefined },
    { rule: 'not a string is invalid', option: 42, want: undefined },
    { rule: 'an oversized option is invalid', option: `title: ${'x'.repeat(2000)}, value: [k]`, want: undefined },
  ];
  for (const c of cases) test(c.rule, () => assert.deepEqual(parseUserDataFormat(c.option), c.want));

  test('fields in option order; missing keys, lists and invalid formats left out; markup stays text', () => {
    const fields = userDataFields(
      ['title: Customer, value: [customer]', 'bad format', 'title: Missing, value: [nope]', 'title: Amount, value: [amount]', 'title: List, value: [list]', 'title: Proto, value: [toString]'],
      { customer: '<b>Bank of Nova Scotia</b>', amount: 120.5, list: { a: 1 } },
    );
    assert.deepEqual(fields, [
      { title: 'Customer', value: '<b>Bank of Nova Scotia</b>' },
      { title: 'Amount', value: '120.5' },
    ]);
  });
});
