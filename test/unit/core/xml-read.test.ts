import { describe, expect, it } from 'vitest';
import { XSI_NS, XmlParseError, attribute, descendants, parseXml, textOf } from '../../../electron/engine/core/xml-read';

const NS = { xsi: XSI_NS, xsd: 'http://www.w3.org/2001/XMLSchema' };

// The engine's one XML reader (SOAP answers, OVF descriptors, libvirt domains). These are the
// inputs it must get right beyond the real samples each reader's users are tested on
// (test/unit/vsphere/xml.test.ts, test/unit/formats/ovf.test.ts, test/unit/libvirt/domain-xml.test.ts).
describe('the XML reader', () => {
  it('keeps namespaces per element, shares none by accident', () => {
    const doc = parseXml('<a xmlns="urn:one" xmlns:x="urn:x"><b xmlns="urn:two"><c/></b><x:d/><e/></a>');
    expect(doc.ns).toBe('urn:one');
    expect(doc.children.map((c) => [c.name, c.ns])).toEqual([
      ['b', 'urn:two'],
      ['d', 'urn:x'],
      ['e', 'urn:one'],
    ]);
    expect(doc.children[0]!.children[0]!.ns).toBe('urn:two');
  });

  it('resolves xsi:type on siblings that each declare the prefix again (vcsim)', () => {
    const val = `<val xmlns:XMLSchema-instance="${NS.xsi}" XMLSchema-instance:type="xsd:int">1</val>`;
    const doc = parseXml(`<r xmlns:xsd="${NS.xsd}">${val}${val}<val xmlns:XMLSchema-instance="urn:not-xsi" XMLSchema-instance:type="x">2</val></r>`);
    expect(doc.children.map((c) => [c.xsiType, c.xsiTypeNs])).toEqual([
      ['int', NS.xsd],
      ['int', NS.xsd],
      [undefined, undefined],
    ]);
    expect(doc.children[2]!.attrs.type).toBe('x');
  });

  it("reads attributes in either quotes, with '>' inside, and entities in them", () => {
    const doc = parseXml(`<a one="1 > 0" two='it&apos;s' three = "&lt;&#65;&gt;"/>`);
    expect(doc.attrs).toEqual({ one: '1 > 0', two: "it's", three: '<A>' });
    expect(doc.children).toEqual([]);
  });

  it('skips the declaration, processing instructions and comments around and inside the root', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<!-- hi -->\n<r>t<!-- c -->u<?pi x?>v</r>\n<!-- after -->');
    expect(doc.text).toBe('tuv');
  });

  it('gives every attribute its namespace, and picks among same-named ones by namespace', () => {
    const doc = parseXml('<Config xmlns:ovf="urn:ovf" xmlns:vmw="urn:vmw" vmw:key="a" ovf:key="b" key="c" xmlns="urn:default"/>');
    expect(doc.attributes).toEqual([
      { ns: 'urn:vmw', name: 'key', value: 'a' },
      { ns: 'urn:ovf', name: 'key', value: 'b' },
      { ns: '', name: 'key', value: 'c' },
    ]);
    expect(attribute(doc, 'key', ['urn:ovf'])).toBe('b');
    expect(attribute(doc, 'key', [''])).toBe('c');
    expect(attribute(doc, 'key', ['urn:none'])).toBe('a');
    // Unprefixed attributes are in no namespace even under a default namespace.
    expect(doc.ns).toBe('urn:default');
  });

  it('finds descendants at any depth, in document order', () => {
    const doc = parseXml('<a><Item n="1"><Item n="2"/></Item><b><Item n="3"/></b></a>');
    expect(descendants(doc, 'Item').map((item) => item.attrs.n)).toEqual(['1', '2', '3']);
  });

  it('keeps text of an element, not of its children', () => {
    const doc = parseXml('<a>one<b>two</b>three</a>');
    expect(doc.text).toBe('onethree');
    expect(textOf(doc, 'b')).toBe('two');
  });

  it.each([
    ['<a><b></a>', 'mismatched end tag'],
    ['<a>', 'unclosed element'],
    ['<a/><b/>', 'two roots'],
    ['text only', 'no element'],
    ['<a x=1/>', 'unquoted attribute'],
    ['<a><!-- never closed </a>', 'unterminated comment'],
    ['<html><body><br></body></html>', 'HTML, not XML'],
    ['', 'empty'],
  ])('refuses %j (%s)', (xml) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
  });

  it.each([
    { xml: '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/shadow">]>\n<a>&x;</a>', line: 2, kind: 'refused', says: /DOCTYPE/ },
    { xml: '<a>\n<b>\n</c>\n</a>', line: 3, kind: 'malformed', says: /<\/c> does not match <b>/ },
    { xml: '<a>\n  <b>\n', line: 3, kind: 'malformed', says: /ends before <b> is closed/ },
    { xml: '<a>\n<rasd:Item/></a>', line: 2, kind: 'malformed', says: /prefix "rasd" of rasd:Item is not declared/ },
    { xml: '<a x:y="1"/>', line: 1, kind: 'malformed', says: /prefix "x" of x:y is not declared/ },
    { xml: '<a\nb="1" b="2"/>', line: 1, kind: 'malformed', says: /attribute b appears twice/ },
    { xml: `<?'xml version="1.0"?><a/>`, line: 1, kind: 'malformed', says: /processing instruction without a valid name/ },
    { xml: '<a/>\n\n<?\'?>', line: 3, kind: 'malformed', says: /processing instruction/ },
    { xml: '<a><!ENTITY x "y"></a>', line: 1, kind: 'malformed', says: /markup declaration/ },
  ])('says what is wrong and on which line: $says', ({ xml, line, kind, says }) => {
    const error = (() => {
      try {
        parseXml(xml);
      } catch (caught) {
        return caught;
      }
      throw new Error('parsed');
    })();
    expect(error).toBeInstanceOf(XmlParseError);
    const problem = error as XmlParseError;
    expect(problem.reason).toMatch(says);
    expect(problem.line).toBe(line);
    expect(problem.kind).toBe(kind);
  });
});
