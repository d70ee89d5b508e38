import { describe, expect, it } from 'vitest';
import { NS, parseXml, textOf, XmlParseError } from '../../../electron/engine/vsphere/xml';

// The vSphere XML reader was replaced by a faster scanner for big inventories; these are the
// inputs it must get right beyond the recorded SOAP samples (test/unit/vsphere/xml.test.ts).
describe('the vSphere XML reader', () => {
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

  it('skips declarations, processing instructions and comments around the root', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<!-- hi --><!DOCTYPE r [<!ENTITY e "x">]>\n<r>t<!-- c -->u<?pi x?>v</r>\n');
    expect(doc.text).toBe('tuv');
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
});
