// The scanner (xml-scanner.ts) must read every input exactly as the parser before it did
// (reference-safe-xml.ts): the same tree, or the same error kind and message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseSafeXml } from '../../../src/presence/safe-xml.ts';
import type { XmlLimits } from '../../../src/presence/safe-xml.ts';
import { isJsSpace } from '../../../src/presence/xml-scanner.ts';
import { fixture } from './fixtures.ts';
import { referenceParseSafeXml } from './reference-safe-xml.ts';

function agree(input: string | Buffer, label: string, limits?: Partial<XmlLimits>): boolean {
  const expected = referenceParseSafeXml(input, limits);
  const actual = parseSafeXml(input, limits);
  assert.deepStrictEqual(actual, expected, `${label}: ${JSON.stringify(typeof input === 'string' ? input : input.toString('latin1'))}`);
  return expected.ok;
}

const PIDF_NS = 'xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"';

/** PIDF as servers and clients really write it, and the XML corners around it. */
const pidfVariants: string[] = [
  `<presence ${PIDF_NS} entity="sip:a@x"><tuple id="t1"><status><basic>open</basic></status></tuple><dm:person id="p1"><rpid:activities><rpid:busy/></rpid:activities></dm:person></presence>`,
  // Other prefixes, a default namespace on the person, a redeclared prefix inside.
  `<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:a@x"><p:tuple id="t"><p:status><p:basic>closed</p:basic></p:status></p:tuple>` +
    `<person xmlns="urn:ietf:params:xml:ns:pidf:data-model" id="p"><r:activities><r:away/></r:activities><note xml:lang="de">Weg</note></person>` +
    `<r:x xmlns:r="urn:other"><r:away/></r:x></p:presence>`,
  // Comments, a processing instruction, CDATA, CRLF line ends, indentation and escaped notes.
  `<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- generated -->\r\n<presence ${PIDF_NS}\r\n    entity="sip:a@x">\r\n  <tuple id="t1">\r\n` +
    `    <status><basic>open</basic></status>\r\n    <note>R&amp;D &lt;lab&gt; &#x263A; &#9731;</note>\r\n  </tuple>\r\n` +
    `  <dm:person id="p1"><rpid:activities><rpid:other><![CDATA[a <b> & c]]></rpid:other></rpid:activities>` +
    `<dm:note>x<!-- inner -->y<?pi data?>z</dm:note></dm:person>\r\n</presence>\r\n`,
  // Several tuples and persons, timestamps, user-input with attributes, a device.
  `<presence ${PIDF_NS} entity="sip:a@x"><tuple id="a"><status><basic>open</basic><rpid:user-input idle-threshold="600" last-input="2026-11-21T14:00:00Z">idle</rpid:user-input></status>` +
    `<contact priority="0.8">sip:a@10.0.0.1</contact><timestamp>2026-11-21T14:53:24Z</timestamp></tuple><tuple id="b"><status><basic>closed</basic></status></tuple>` +
    `<dm:person id="p1"><rpid:activities from="2026-11-21T00:00:00Z"><rpid:on-the-phone/><rpid:meeting/></rpid:activities><dm:timestamp>2026-11-21T14:50:00Z</dm:timestamp></dm:person>` +
    `<dm:person id="p2"><rpid:activities><rpid:vacation/></rpid:activities></dm:person><dm:device id="d1"><dm:deviceID>mac:1</dm:deviceID></dm:device></presence>`,
  // Attribute values: single quotes, tab / LF / CR to normalize, references kept.
  `<presence ${PIDF_NS} entity='sip:a@x&amp;b'><tuple id="x\ty\r\nz&#10;w"><status><basic>open</basic></status></tuple></presence>`,
  // Whitespace inside tags and end tags.
  `<presence  ${PIDF_NS}\n entity = "sip:a@x" ><tuple\tid="t"\n/><dm:person id="p" ></dm:person \n></presence >`,
];

/** Names, namespaces and markup the two parsers must read alike, accepted or not. */
const corners: string[] = [
  '<a\u00a0b="1"/>', '<\u00a0a/>', '<a \u00a0="1"/>', '<a b\u00a0="1"/>', '<a\u2028/>', '<a>x</a\u00a0>', '<a>x</a \t>', '<a>x</ab>', '<ab>x</a>',
  '<:a/>', '<a :b="1"/>', '<a xmlns:="u:x"><b/></a>', '<a xmlns="" b="1"/>', '<p:a xmlns:p=""/>', '<a xmlnsx="1"/>', '<a:b:c xmlns:a="u"/>',
  '<q:a><b></a>', '<q:a/>junk', '<a q:b="1" xmlns:q="u"/>', '<a q:b="1"/>', '<a><q:b/><r:c/></a>', '<a xml:lang="en"/>', '<xml:a/>',
  '<a><!-- a ---></a>', '<a><!-- a -- b --></a>', '<a><!----></a>', '<!-->x--><a/>', '<a><![CDATA[x]]]></a>', '<a><![CDATA[x</a>',
  '<a>&amp</a>', '<a>&#xD800;</a>', '<a>&#1114111;</a>', '<a b="&#x20;&#9;"/>', '<a b="&unknown;"/>', '<a b="x&y"/>', '<a>x\ry</a>', '<a>\r</a>',
  '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', '<!ELEMENT a ANY><a/>', '<a><!foo></a>', '<a/><!-- after --><?pi?>\n',
  '<a', '<a b', '<a b=', '<a b="1', '<a b="1"', '<a/', '</a>', '<a></a></a>', ' <a/> ', 'x<a/>', '<a/>&amp;', '<a/><![CDATA[x]]>', '',
  '<1a/>', '<a-b.c_d:e/>', '<a é="1"/>', '<é/>', '<a\u{1F600}/>', '<a b="1"c="2"/>', '<a b="1"/ >', '<a/ >',
  '<__proto__/>', '<a constructor="1"/>', '<a prototype="1"/>', '<a proto="1"/>', '<a><toString/></a>',
  `<a ${Array.from({ length: 20 }, (_, k) => `x${k}="${k}"`).join(' ')} x17="again"/>`,
  `<a ${Array.from({ length: 20 }, (_, k) => `x${k}="${k}"`).join(' ')}/>`,
];

describe('the scanner agrees with the parser before it', () => {
  test('PIDF variants (namespaces and prefixes, CDATA, comments, whitespace, tuples, persons, escaped notes) parse to the same tree', () => {
    for (const [k, xml] of pidfVariants.entries()) assert.ok(agree(xml, `variant ${k}`), `variant ${k} parses`);
  });

  test('names, namespaces and markup corners: same tree or same error', () => {
    for (const xml of corners) agree(xml, 'corner');
  });

  test('every presence fixture (including the hostile ones): same tree or same error', () => {
    for (const dir of ['pidf', 'ms-pres', 'rls', 'unsafe']) {
      for (const file of readdirSync(new URL(`../../fixtures/presence/${dir}/`, import.meta.url))) agree(fixture(`${dir}/${file}`), `${dir}/${file}`);
    }
  });

  test('limits: same error at the same boundary', () => {
    const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    for (const n of [3, 4, 5]) agree(deep(n), `depth ${n}`, { maxDepth: 4 });
    for (const n of [3, 4, 5]) agree(`<a>${'<b/>'.repeat(n - 1)}</a>`, `elements ${n}`, { maxElements: 4 });
    agree('<a>xxxxxxxxxx</a>', 'bytes', { maxBytes: 16 });
    agree('<q:a>'.repeat(3) + '</q:a>'.repeat(3), 'undeclared prefix under the depth limit', { maxDepth: 2 });
  });

  test('the name ends where JavaScript whitespace is, as the regular expressions before read it', () => {
    for (let c = 0; c <= 0xffff; c++) assert.equal(isJsSpace(c), /\s/.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
  });

  test('seeded mutations of PIDF, RLMI and MS-PRES bodies: same tree or same error', () => {
    let x = 0x5eed;
    const next = (): number => {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      return x / 0x100000000;
    };
    const specials = ['<', '>', '&', '"', "'", '/', '=', ':', 'xmlns:q="u:q" ', 'q:', '<!--', '-->', '--', '<![CDATA[', ']]>', '&amp;', '&#x26;', '&#0;',
      '\r\n', '\r', '\t', '\u00a0', '\u2028', 'é', '<!DOCTYPE a>', '<?', '?>', '</', '/>', ' '];
    const seeds = [...pidfVariants, fixture('ms-pres/v2-benotify-categories.xml').toString('utf8'), fixture('pidf/rpid-two-publishers.xml').toString('utf8'),
      '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@x" version="1" fullState="true"><resource uri="sip:a@x"><instance id="i" state="active" cid="c1"/></resource></list>'];
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      const s = [...seeds[i % seeds.length]!];
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (s.length + 1));
        const op = next();
        if (op < 0.35) s.splice(at, 1 + Math.floor(next() * 3));
        else s.splice(at, 0, specials[Math.floor(next() * specials.length)]!);
      }
      if (agree(s.join(''), `mutation ${i}`)) accepted++;
    }
    assert.ok(accepted > 500 && accepted < 5500, `accepted ${accepted} of 6000: the mutations must exercise both outcomes`);
  });
});
