import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects, type PersonObject } from '../../../src/config/config-objects.ts';
import { knowledgeWorkersFromConfig, personContact } from '../../../src/connector/knowledge-worker-directory.ts';

const person = (userName: string, p: Partial<PersonObject>): PersonObject => ({ userName, agentLogins: [{ switch: 'SW', loginCode: `L-${userName}` }], defaultPlace: 'P1', annex: { uc: { contact: `sip:${userName}@x.test` } }, ...p });

const rows: Array<[string, PersonObject, string]> = [
  ['a Person with [uc] contact, Agent Login and default Place is a KW', person('a', {}), 'kw a sip:a@x.test 7001 L-a P1'],
  ['[Microsoft-OCS] contact is used when there is no [uc] contact', person('b', { annex: { 'Microsoft-OCS': { contact: 'sip:b@ocs.test' } } }), 'kw b sip:b@ocs.test 7001 L-b P1'],
  ['UC-Connector/enabled=false → skipped', person('c', { annex: { uc: { contact: 'sip:c@x.test' }, 'UC-Connector': { enabled: false } } }), 'skip c UC-Connector/enabled is false'],
  ['enabled "no" (string) → skipped', person('d', { annex: { uc: { contact: 'sip:d@x.test' }, 'uc-connector': { enabled: 'no' } } }), 'skip d UC-Connector/enabled is false'],
  ['no contact → skipped', person('e', { annex: {} }), 'skip e no UC contact in the annex ([uc] or [Microsoft-OCS] contact)'],
  ['no Agent Login → skipped', person('f', { agentLogins: [] }), 'skip f no Agent Login'],
  ['no default Place → skipped', person('g', { defaultPlace: undefined }), 'skip g no default Place with a DN'],
  ['an unknown Place → skipped', person('h', { defaultPlace: 'nowhere' }), 'skip h no default Place with a DN'],
];

for (const [name, p, want] of rows) {
  test(name, () => {
    const o = emptyObjects();
    o.places.push({ name: 'P1', dns: [{ switch: 'SW', number: '7001' }] });
    o.persons.push(p);
    const { kws, skipped } = knowledgeWorkersFromConfig(new ConfigIndex(o));
    const got = kws.map((k) => `kw ${k.userName} ${String(k.contact)} ${k.dn} ${k.agentId} ${String(k.place)}`).concat(skipped.map((s) => `skip ${s.userName} ${s.reason}`));
    assert.deepEqual(got, [want]);
  });
}

test('personContact trims and ignores empty values', () => {
  assert.equal(personContact(person('x', { annex: { uc: { contact: '  ' }, 'Microsoft-OCS': { contact: ' sip:x@y ' } } })), 'sip:x@y');
});
