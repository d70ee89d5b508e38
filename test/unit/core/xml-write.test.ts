import { describe, expect, it } from 'vitest';
import { XmlBuildError, renderXml } from '../../../electron/engine/core/xml-write';
import type { XmlElement } from '../../../electron/engine/core/xml-write';

const doc: XmlElement = {
  name: 'domain',
  attrs: { type: 'kvm', skipped: undefined },
  children: [
    { name: 'name', children: ['web <01> & "db"'] },
    { name: 'description', children: [''] },
    { name: 'devices', children: [{ name: 'disk', attrs: { device: "it's\ta disk" } }, null, undefined] },
    { name: 'flag', children: [false] },
  ],
};

describe('the one XML writer', () => {
  it('writes compact documents (SOAP): booleans as text, empty elements closed, values escaped', () => {
    expect(renderXml(doc)).toBe('<domain type="kvm"><name>web &lt;01&gt; &amp; "db"</name><description/><devices><disk device="it&#39;s&#9;a disk"/></devices><flag>false</flag></domain>');
  });

  it('writes indented documents with single quotes (libvirt), text kept on its element line', () => {
    expect(renderXml(doc, { indent: '  ', quote: "'" })).toBe(
      ["<domain type='kvm'>", '  <name>web &lt;01&gt; &amp; "db"</name>', '  <description/>', '  <devices>', "    <disk device='it&#39;s&#9;a disk'/>", '  </devices>', '  <flag>false</flag>', '</domain>'].join('\n'),
    );
  });

  it('writes xsi:type first', () => {
    expect(renderXml({ name: 'val', xsiType: 'xsd:string', attrs: { a: 1 }, children: ['x'] })).toBe('<val xsi:type="xsd:string" a="1">x</val>');
  });

  it.each([
    ['a control character in text', { name: 'password', children: ['se\u0001cret'] }],
    ['a control character in an attribute', { name: 'vm', attrs: { name: 'a\u0007b' } }],
  ] as const)('refuses %s without echoing the value', (_, node) => {
    expect(() => renderXml(node)).toThrow(XmlBuildError);
    expect(() => renderXml(node)).not.toThrow(/se.cret|a.b/);
  });

  it('refuses element and attribute names that are not names (a bug in our code, never user input)', () => {
    expect(() => renderXml({ name: 'bad name' })).toThrow(/element name/);
    expect(() => renderXml({ name: 'ok', attrs: { 'x"y': '1' } })).toThrow(/attribute name/);
  });
});
