// The element tree parseSafeXml builds in its single scan: text, whitespace, line ends, CDATA,
// comments, processing instructions and names, as XML 1.0 reads them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSafeXml } from '../../../src/presence/safe-xml.ts';

const text = (xml: string): string => {
  const r = parseSafeXml(xml);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.text;
};

describe('parseSafeXml tree', () => {
  const texts: Array<[rule: string, xml: string, expected: string]> = [
    ['text around children is concatenated, whitespace kept', '<a> <b/> x </a>', '  x '],
    ['text between several children', '<a>1<b/>2<c>in c</c>3</a>', '123'],
    ['section 2.11: CRLF and a lone CR read as LF', '<a>x\r\ny\rz</a>', 'x\ny\nz'],
    ['CRLF split by a comment gives two LFs', '<a>x\r<!--c-->\ny</a>', 'x\n\ny'],
    ['comments and processing instructions are dropped', '<a>x<!--c-->y<?pi data?>z</a>', 'xyz'],
    ['references decoded once', '<a>&lt;&#65;&#x42;&amp;amp;</a>', '<AB&amp;'],
    ['CDATA is literal (no reference decoding), line ends still normalized', '<a><![CDATA[<x>&amp;\r\n]]>y</a>', '<x>&amp;\ny'],
    ['an empty CDATA section adds nothing', '<a>x<![CDATA[]]>y</a>', 'xy'],
    ['whitespace-only content kept', '<a>\t\n </a>', '\t\n '],
  ];
  for (const [rule, xml, expected] of texts) {
    test(rule, () => assert.equal(text(xml), expected));
  }

  test('section 3.3.3: tab, LF, CR and CRLF in attribute values become one space each; references survive', () => {
    const r = parseSafeXml('<a b="1\n2\r\n3\t4&#10;5" c=\'x"y\'/>');
    assert.ok(r.ok);
    assert.deepEqual(r.value.attributes.map((a) => [a.local, a.value]), [['b', '1 2 3 4\n5'], ['c', 'x"y']]);
  });

  test('children keep document order and their own namespaces', () => {
    const r = parseSafeXml('<?xml version="1.0"?>\n<!-- c -->\n<a xmlns="u:x" xmlns:p="u:p"><p:b>1</p:b><c>2</c></a>\n');
    assert.ok(r.ok);
    assert.deepEqual(r.value.children.map((c) => [c.ns, c.local, c.text]), [['u:p', 'b', '1'], ['u:x', 'c', '2']]);
  });

  test('names that are Object.prototype members are kept verbatim', () => {
    const r = parseSafeXml('<a hasOwnProperty="1"><toString/></a>');
    assert.ok(r.ok);
    assert.equal(r.value.children[0]?.local, 'toString');
    assert.equal(r.value.attributes[0]?.local, 'hasOwnProperty');
  });

  const refused: Array<[rule: string, xml: string]> = [
    ['an attribute named __proto__', '<a __proto__="x"/>'],
    ['an element named constructor', '<a><constructor/></a>'],
    ['a processing instruction with an open quote', '<?xml version="1.0\r\n?><a/>'],
    ['a second root after a processing instruction', '<?p?><a/><?q?><b/>'],
  ];
  for (const [rule, xml] of refused) {
    test(`refused: ${rule}`, () => {
      const r = parseSafeXml(xml);
      assert.ok(!r.ok);
      assert.equal(r.error.kind, 'malformed-xml');
    });
  }
});
