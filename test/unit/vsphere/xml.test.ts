import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  NS,
  XmlBuildError,
  arrayItems,
  children,
  decodeEntities,
  el,
  elWith,
  escapeAttribute,
  escapeText,
  moRefOf,
  parseXml,
  path,
  renderXml,
  soapEnvelope,
  textOf,
  typed,
} from '../../../electron/engine/vsphere/xml';
import type { XmlNode } from '../../../electron/engine/vsphere/xml';
import { sample, withXsiPrefix } from './fake-vcenter';

const xmlSamples = readdirSync(join(dirname(fileURLToPath(import.meta.url)), 'samples')).filter((name) => name.endsWith('.xml'));

function findAll(node: XmlNode, predicate: (n: XmlNode) => boolean, found: XmlNode[] = []): XmlNode[] {
  if (predicate(node)) found.push(node);
  for (const c of node.children) findAll(c, predicate, found);
  return found;
}

describe('building requests', () => {
  it.each([
    ['plain', 'administrator', 'administrator'],
    ['ampersand and angle brackets', 'a&b<c>d', 'a&amp;b&lt;c&gt;d'],
    ['quotes stay as they are in text', `it's "quoted"`, `it's "quoted"`],
    ['an entity-looking value is escaped, not passed through', '&amp;', '&amp;amp;'],
    ['CDATA terminator', ']]>', ']]&gt;'],
    ['non-ASCII', 'Zürich ☃', 'Zürich ☃'],
  ])('escapes text: %s', (_label, value, expected) => {
    expect(escapeText(value)).toBe(expected);
    expect(renderXml(el('password', value))).toBe(`<password>${expected}</password>`);
  });

  it.each([
    ['double quote', 'a"b', 'a&#34;b'],
    ['single quote', "a'b", 'a&#39;b'],
    ['tab and newline survive attribute normalisation', 'a\tb\nc', 'a&#9;b&#10;c'],
    ['ampersand', 'a&b', 'a&amp;b'],
  ])('escapes attributes: %s', (_label, value, expected) => {
    expect(escapeAttribute(value)).toBe(expected);
  });

  it.each([['\u0000'], ['\u0007'], ['\u001b[31m'], ['\uFFFF']])('refuses characters XML cannot carry (%j) without echoing the value', (bad) => {
    const secret = `pw${bad}secret`;
    expect(() => renderXml(el('password', secret))).toThrow(XmlBuildError);
    try {
      renderXml(el('password', secret));
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
      expect((error as Error).message).toContain('<password>');
    }
  });

  it('builds a vim25 envelope with _this, typed children and escaped values', () => {
    const xml = soapEnvelope('Login', { type: 'SessionManager', value: 'SessionManager' }, [el('userName', 'root@vsphere.local'), el('password', 'p<&>"')]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
        '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>root@vsphere.local</userName><password>p&lt;&amp;&gt;"</password></Login></soapenv:Body></soapenv:Envelope>',
    );
    // And it reads back as what was meant.
    const login = path(parseXml(xml), 'Body', 'Login');
    expect(textOf(login, 'password')).toBe('p<&>"');
    expect(moRefOf(path(login, '_this'))).toEqual({ type: 'SessionManager', value: 'SessionManager' });
  });

  it('writes xsi:type, skips undefined attributes and empty elements', () => {
    expect(renderXml(typed('selectSet', 'TraversalSpec', el('name', 'view')))).toBe('<selectSet xsi:type="TraversalSpec"><name>view</name></selectSet>');
    expect(renderXml(elWith('obj', { type: 'Folder', missing: undefined }, 'group-d1'))).toBe('<obj type="Folder">group-d1</obj>');
    expect(renderXml(el('options'))).toBe('<options/>');
    expect(renderXml(el('n', 5, true, null, undefined))).toBe('<n>5true</n>');
  });

  it('refuses odd element names (they never come from users, but still)', () => {
    expect(() => renderXml(el('a b'))).toThrow();
    expect(() => renderXml(el('x"><evil'))).toThrow();
  });
});

describe('reading responses', () => {
  it.each(xmlSamples.flatMap((name) => [[name, 'as vcsim writes it (XMLSchema-instance:type)'], [name, 'as vCenter writes it (xsi:type)']]))('%s parses %s', (name, variant) => {
    const text = variant.startsWith('as vcsim') ? sample(name) : withXsiPrefix(sample(name));
    const doc = parseXml(text);
    expect(doc.name).toBe('Envelope');
    expect(doc.ns).toBe(NS.soapenv);
    expect(doc.children[0]?.name).toBe('Body');
    // No attribute should still carry a raw prefix: types are resolved, declarations dropped.
    for (const node of findAll(doc, () => true)) {
      for (const key of Object.keys(node.attrs)) expect(key).not.toContain(':');
    }
  });

  it.each([
    ['vcsim prefix', sample('vm-properties.xml')],
    ['xsi prefix', withXsiPrefix(sample('vm-properties.xml'))],
    [
      'an arbitrary prefix bound to the XSI namespace',
      sample('vm-properties.xml').replace(/xmlns:XMLSchema-instance=/g, 'xmlns:q=').replace(/XMLSchema-instance:type=/g, 'q:type='),
    ],
  ])('resolves xsi:type by namespace URI, whatever the prefix (%s)', (_label, text) => {
    const doc = parseXml(text);
    const vals = findAll(doc, (n) => n.name === 'val');
    const types = vals.map((v) => v.xsiType);
    expect(types).toContain('ArrayOfVirtualDevice');
    expect(types).toContain('VirtualMachineSnapshotInfo');
    const name = vals.find((v) => v.xsiType === 'string');
    expect(name?.xsiTypeNs).toBe(NS.xsd);
    expect(name?.text).toBe('DC0_H0_VM1');
    const devices = arrayItems(vals.find((v) => v.xsiType === 'ArrayOfVirtualDevice'));
    expect(devices.map((d) => d.xsiType)).toContain('VirtualDisk');
    expect(devices.map((d) => d.xsiType)).toContain('VirtualE1000');
  });

  it('does not take an unrelated `type` attribute (a managed object reference) for xsi:type', () => {
    const doc = parseXml(sample('vm-properties.xml'));
    const host = findAll(doc, (n) => n.name === 'val' && n.xsiType === 'ManagedObjectReference')[0];
    expect(moRefOf(host)).toEqual({ type: 'HostSystem', value: 'host-21' });
    // A prefix bound to some other namespace is not the XSI namespace.
    const other = parseXml('<a xmlns:x="urn:other"><b x:type="Nope">1</b></a>');
    expect(other.children[0]?.xsiType).toBeUndefined();
    expect(other.children[0]?.attrs.type).toBe('Nope');
  });

  it('gives arrays for one element and for many alike', () => {
    const one = parseXml('<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">ds-1</ManagedObjectReference></val><device>x</device></r>');
    const val = one.children[0];
    expect(arrayItems(val)).toHaveLength(1);
    expect(moRefOf(arrayItems(val)[0])).toEqual({ type: 'Datastore', value: 'ds-1' });
    expect(children(one, 'device')).toHaveLength(1);
    expect(children(one, 'nothing')).toEqual([]);
    expect(arrayItems(undefined)).toEqual([]);
    // The recorded datastore list of a VM has exactly one entry.
    const vm = parseXml(sample('vm-properties.xml'));
    const datastoreVal = findAll(vm, (n) => n.name === 'val' && n.xsiType === 'ArrayOfManagedObjectReference')[0];
    expect(arrayItems(datastoreVal).map((n) => n.attrs.type)).toEqual(['Datastore']);
  });

  it.each([
    ['&lt;&gt;&amp;&quot;&apos;', `<>&"'`],
    ['&#34;&#39;&#xA;&#x9;', '"\'\n\t'],
    ['&#128512;', '😀'],
    ['&amp;lt;', '&lt;'],
    ['&nbsp; &unknown;', '&nbsp; &unknown;'],
    ['&#x110000;', '&#x110000;'],
    ['no entities', 'no entities'],
  ])('decodes %s', (input, expected) => {
    expect(decodeEntities(input)).toBe(expected);
  });

  it('reads character references Go writes, CDATA, and keeps whitespace inside values', () => {
    const doc = parseXml('<a><b>say &#34;hi&#34;&#xA;</b><c><![CDATA[x<y & z]]></c><d>  two  spaces  </d><!-- note --></a>');
    expect(textOf(doc, 'b')).toBe('say "hi"\n');
    expect(textOf(doc, 'c')).toBe('x<y & z');
    expect(textOf(doc, 'd')).toBe('  two  spaces  ');
    expect(doc.children.map((c) => c.name)).toEqual(['b', 'c', 'd']);
  });

  it('refuses a DOCTYPE, so entities are never expanded (vCenter never sends one)', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "EXPANDED">]><a>&x;</a>')).toThrow(/DOCTYPE/);
  });
});
