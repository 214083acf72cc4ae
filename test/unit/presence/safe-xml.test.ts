import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXmlAttribute, escapeXmlText, parseSafeXml } from '../../../src/presence/safe-xml.ts';
import { parsePidf } from '../../../src/presence/pidf.ts';
import { attr, child, descendants } from '../../../src/presence/xml-element.ts';
import { fixture } from './fixtures.ts';

describe('safe XML rejects hostile documents with a typed error', () => {
  const cases: [string, string | Buffer, string][] = [
    ['billion laughs (internal entity expansion)', fixture('unsafe/billion-laughs.xml'), 'doctype-forbidden'],
    ['external entity (XXE, file:///etc/passwd)', fixture('unsafe/external-entity.xml'), 'doctype-forbidden'],
    ['external DTD (SYSTEM URL)', fixture('unsafe/external-dtd.xml'), 'doctype-forbidden'],
    ['reference to an undeclared entity', fixture('unsafe/undeclared-entity.xml'), 'entity-forbidden'],
    ['ENTITY declaration outside a DOCTYPE', fixture('unsafe/bare-entity-declaration.xml'), 'entity-forbidden'],
    ['lower-case doctype', '<!doctype a><a/>', 'doctype-forbidden'],
    ['HTML entity (&nbsp; is not XML)', '<a>&nbsp;</a>', 'entity-forbidden'],
    ['bare ampersand', '<a>Q&A</a>', 'malformed-xml'],
    ['< in an attribute value', '<a b="x<y"/>', 'malformed-xml'],
    ['character reference to NUL', '<a>&#0;</a>', 'malformed-xml'],
    ['mismatched end tag', '<a><b></a>', 'malformed-xml'],
    ['unclosed element', '<a><b/>', 'malformed-xml'],
    ['two root elements', '<a/><b/>', 'malformed-xml'],
    ['text after the root', '<a/>junk', 'malformed-xml'],
    ['attribute without a value', '<a b>x</a>', 'malformed-xml'],
    ['repeated attribute', '<a x="1" x="2"/>', 'malformed-xml'],
    ['undeclared namespace prefix', '<q:a/>', 'malformed-xml'],
    ['prototype-polluting name', '<a><__proto__/></a>', 'malformed-xml'],
    ['empty body', '', 'malformed-xml'],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), 'invalid-encoding'],
  ];
  for (const [name, input, kind] of cases) {
    test(`rejects ${name} as ${kind}`, () => {
      const r = parseSafeXml(input);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.kind, kind);
        assert.ok(r.error.message.length > 0);
      }
    });
  }

  test('the billion-laughs note is never expanded, even through the PIDF codec', () => {
    const r = parsePidf(fixture('unsafe/billion-laughs.xml'));
    assert.deepEqual(r.ok ? 'parsed' : r.error.kind, 'doctype-forbidden');
  });

  test('rejects a body over maxBytes (default 64 KiB) before parsing', () => {
    const big = `<a>${'x'.repeat(64 * 1024)}</a>`;
    const r = parseSafeXml(big);
    assert.equal(r.ok ? 'ok' : r.error.kind, 'too-large');
    assert.equal(parseSafeXml('<a>xxxxxxxxxx</a>', { maxBytes: 10 }).ok, false);
    assert.equal(parseSafeXml('<a>xxxxxxxxxx</a>', { maxBytes: 17 }).ok, true);
  });

  test('counts bytes, not characters, against maxBytes', () => {
    const s = `<a>${'é'.repeat(10)}</a>`; // 7 + 20 bytes
    assert.equal(parseSafeXml(s, { maxBytes: 26 }).ok, false);
    assert.equal(parseSafeXml(s, { maxBytes: 27 }).ok, true);
  });

  test('rejects nesting deeper than maxDepth (default 32) without recursing', () => {
    const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    assert.equal(parseSafeXml(deep(32)).ok, true);
    const r = parseSafeXml(deep(33));
    assert.equal(r.ok ? 'ok' : r.error.kind, 'too-deep');
    const huge = parseSafeXml(deep(20000), { maxBytes: 1 << 20 });
    assert.equal(huge.ok ? 'ok' : huge.error.kind, 'too-deep');
    assert.equal(parseSafeXml(deep(5), { maxDepth: 4 }).ok, false);
  });

  test('rejects more elements than maxElements', () => {
    const flat = (n: number) => `<a>${'<b/>'.repeat(n - 1)}</a>`;
    assert.equal(parseSafeXml(flat(4096)).ok, true);
    const r = parseSafeXml(flat(4097));
    assert.equal(r.ok ? 'ok' : r.error.kind, 'too-many-elements');
  });
});

describe('safe XML reads well-formed documents', () => {
  test('resolves namespaces by URI whatever the prefix, including default and nested redeclarations', () => {
    const r = parseSafeXml('<p:a xmlns:p="urn:p" xmlns="urn:d"><p:b p:c="1" e="2"/><c/><x:d xmlns:x="urn:p"/><f xmlns="urn:f"/></p:a>');
    assert.ok(r.ok);
    const a = r.value;
    assert.deepEqual([a.ns, a.local], ['urn:p', 'a']);
    const b = child(a, 'urn:p', 'b')!;
    assert.equal(attr(b, 'c', 'urn:p'), '1');
    assert.equal(attr(b, 'e'), '2');
    assert.equal(attr(b, 'c'), undefined, 'a prefixed attribute is not in the empty namespace');
    assert.ok(child(a, 'urn:d', 'c'));
    assert.equal(descendants(a, 'urn:p', 'd').length, 1);
    assert.ok(child(a, 'urn:f', 'f'));
  });

  test('decodes the five predefined entities and numeric references once, keeps CDATA literal', () => {
    const r = parseSafeXml('<a t="&lt;&amp;&gt;&quot;&apos;&#65;&#x42;">&lt;b&gt; &amp;amp; &#x26;&#38; <![CDATA[<&amp;>]]></a>');
    assert.ok(r.ok);
    assert.equal(attr(r.value, 't'), '<&>"\'AB');
    assert.equal(r.value.text, '<b> &amp; && <&amp;>');
  });

  test('ignores the XML declaration, comments, processing instructions and a BOM', () => {
    const r = parseSafeXml(Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a><?pi x?>t</a>\n', 'utf8'));
    assert.ok(r.ok);
    assert.equal(r.value.text, 't');
  });

  test('normalizes literal whitespace in attribute values but keeps character references', () => {
    const r = parseSafeXml('<a t="x\ny&#10;z"/>');
    assert.ok(r.ok);
    assert.equal(attr(r.value, 't'), 'x y\nz');
  });
});

describe('escaping for the bodies we build', () => {
  const samples = ['Back at 4 & then free', 'a < b > c', 'R&D <lab> "quoted" \'single\'', ']]>', 'tab\there\nnew line', 'emoji 😀 ünïcode'];
  for (const s of samples) {
    test(`text and attribute round-trip: ${JSON.stringify(s)}`, () => {
      const r = parseSafeXml(`<a v="${escapeXmlAttribute(s)}">${escapeXmlText(s)}</a>`);
      assert.ok(r.ok);
      assert.equal(r.value.text, s);
      assert.equal(attr(r.value, 'v'), s);
    });
  }

  test('characters XML cannot carry become U+FFFD instead of producing a broken document', () => {
    const s = 'bell\u0007 nul\u0000 lone\ud800';
    const r = parseSafeXml(`<a>${escapeXmlText(s)}</a>`);
    assert.ok(r.ok);
    assert.equal(r.value.text, 'bell\ufffd nul\ufffd lone\ufffd');
  });
});
