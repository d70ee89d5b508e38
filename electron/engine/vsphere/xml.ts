import { renderXml } from '../core/xml-write';
import type { XmlChild, XmlElement } from '../core/xml-write';
import { XSI_NS } from '../core/xml-read';
import type { XmlNode } from '../core/xml-read';

/**
 * The little XML a SOAP client needs: build request elements (written by core/xml-write, the
 * engine's one XML writer, which escapes every value), and read responses with core/xml-read,
 * the engine's one reader, into a tree whose names and xsi:type values are resolved by namespace
 * URI (vcsim writes `XMLSchema-instance:type`, vCenter writes `xsi:type`; both mean the same
 * thing). Children are always arrays, so "one element" and "many elements" never look different.
 */

export const NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  vim25: 'urn:vim25',
  xsi: XSI_NS,
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

// ---------------------------------------------------------------------------------------------
// Building

export type { XmlChild, XmlElement } from '../core/xml-write';
export { XmlBuildError, escapeAttribute, escapeText, renderXml } from '../core/xml-write';

export function el(name: string, ...children: XmlChild[]): XmlElement {
  return { name, children };
}

export function elWith(name: string, attrs: Record<string, string | undefined>, ...children: XmlChild[]): XmlElement {
  return { name, attrs, children };
}

export function typed(name: string, xsiType: string, ...children: XmlChild[]): XmlElement {
  return { name, xsiType, children };
}

/** A managed object reference as an argument: `<_this type="SessionManager">SessionManager</_this>`. */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export function moRefElement(name: string, ref: MoRef): XmlElement {
  return elWith(name, { type: ref.type }, ref.value);
}

/** The whole request for one vim25 method. */
export function soapEnvelope(method: string, self: MoRef, args: readonly XmlChild[]): string {
  const body = elWith(method, { xmlns: NS.vim25 }, moRefElement('_this', self), ...args);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${NS.soapenv}" xmlns:xsd="${NS.xsd}" xmlns:xsi="${NS.xsi}">` +
    `<soapenv:Body>${renderXml(body)}</soapenv:Body></soapenv:Envelope>`
  );
}

// ---------------------------------------------------------------------------------------------
// Reading: the engine's one reader (core/xml-read.ts), plus what only SOAP answers need.

export type { XmlNode } from '../core/xml-read';
export { XmlParseError, booleanOf, child, children, decodeEntities, numberOf, parseXml, path, textOf } from '../core/xml-read';

/** Reads `<x type="VirtualMachine">vm-42</x>` as a reference. */
export function moRefOf(node: XmlNode | undefined): MoRef | undefined {
  if (!node || node.attrs.type === undefined) return undefined;
  return { type: node.attrs.type, value: node.text };
}

/**
 * The items of an array-valued property. A property asked for by path comes back as
 * `<val xsi:type="ArrayOfVirtualDevice"><VirtualDevice …/>…</val>` (items named after the item
 * type), while the same list inside a bigger object is repeated `<device>` elements: callers
 * pick the right one and this handles the first case.
 */
export function arrayItems(val: XmlNode | undefined): XmlNode[] {
  if (!val) return [];
  if (val.xsiType?.startsWith('ArrayOf')) return [...val.children];
  // Not declared as an array: one item that was the whole value.
  return [val];
}
