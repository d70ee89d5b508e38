import { XMLParser } from 'fast-xml-parser';

/**
 * The little XML a SOAP client needs: build request elements with everything escaped, and read
 * responses into a tree whose names and xsi:type values are resolved by namespace URI (vcsim
 * writes `XMLSchema-instance:type`, vCenter writes `xsi:type`; both mean the same thing).
 * Children are always arrays, so "one element" and "many elements" never look different.
 */

export const NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  vim25: 'urn:vim25',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

// ---------------------------------------------------------------------------------------------
// Building

export type XmlChild = XmlElement | string | number | boolean | null | undefined;

export interface XmlElement {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string | undefined>>;
  /** Written as xsi:type (the prefix is declared on the envelope). */
  readonly xsiType?: string;
  readonly children?: readonly XmlChild[];
}

/** Element names come from our code, never from users; still, refuse anything odd. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;
/** Characters XML 1.0 cannot carry at all, even escaped. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export class XmlBuildError extends Error {
  constructor(readonly elementName: string) {
    // Never include the value: it may be a password.
    super(`The value of <${elementName}> contains a character that XML cannot carry.`);
    this.name = 'XmlBuildError';
  }
}

export function el(name: string, ...children: XmlChild[]): XmlElement {
  return { name, children };
}

export function elWith(name: string, attrs: Record<string, string | undefined>, ...children: XmlChild[]): XmlElement {
  return { name, attrs, children };
}

export function typed(name: string, xsiType: string, ...children: XmlChild[]): XmlElement {
  return { name, xsiType, children };
}

export function escapeText(value: string, elementName = 'text'): string {
  if (NOT_XML.test(value)) throw new XmlBuildError(elementName);
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttribute(value: string, elementName = 'attribute'): string {
  if (NOT_XML.test(value)) throw new XmlBuildError(elementName);
  // Tabs and line breaks in attributes would be normalised to spaces by the reader: keep them.
  return value.replace(/[&<>"'\t\n\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `&#${c.charCodeAt(0)};`));
}

export function renderXml(node: XmlChild): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return escapeText(node);
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (!NAME.test(node.name)) throw new Error(`Invalid XML element name: ${node.name}`);
  let open = `<${node.name}`;
  if (node.xsiType !== undefined) open += ` xsi:type="${escapeAttribute(node.xsiType, node.name)}"`;
  for (const [key, value] of Object.entries(node.attrs ?? {})) {
    if (value === undefined) continue;
    if (!NAME.test(key)) throw new Error(`Invalid XML attribute name: ${key}`);
    open += ` ${key}="${escapeAttribute(value, node.name)}"`;
  }
  const inner = (node.children ?? [])
    .map((child) => (typeof child === 'string' ? escapeText(child, node.name) : renderXml(child)))
    .join('');
  return inner === '' ? `${open}/>` : `${open}>${inner}</${node.name}>`;
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
// Reading

export interface XmlNode {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI of the element ('' when none). */
  readonly ns: string;
  /** Attributes by local name (namespace declarations and xsi:type left out). */
  readonly attrs: Readonly<Record<string, string>>;
  /** Local part of the xsi:type value, e.g. "VirtualDisk" or "string" (for xsd:string). */
  readonly xsiType?: string;
  /** Namespace URI of the xsi:type value. */
  readonly xsiTypeNs?: string;
  /** Concatenated character data of this element (not of its children). */
  readonly text: string;
  readonly children: readonly XmlNode[];
}

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // We decode the five XML entities and character references ourselves: no DOCTYPE entities,
  // no HTML names, and numeric references (Go writes &#34; and &#xA;) come out right.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
});

type RawNode = Record<string, unknown>;

/** Parses a document and returns its root element. */
export function parseXml(xml: string): XmlNode {
  let raw: unknown;
  try {
    raw = parser.parse(xml);
  } catch (error) {
    throw new XmlParseError(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(raw)) throw new XmlParseError('no XML document');
  const root = (raw as RawNode[]).find((entry) => elementName(entry) !== undefined);
  if (!root) throw new XmlParseError('no root element');
  return convert(root, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function elementName(entry: RawNode): string | undefined {
  for (const key of Object.keys(entry)) {
    if (key !== ':@' && !key.startsWith('#')) return key;
  }
  return undefined;
}

function convert(entry: RawNode, parentScope: ReadonlyMap<string, string>): XmlNode {
  const qname = elementName(entry) as string;
  const rawAttrs = (entry[':@'] ?? {}) as Record<string, string>;

  let scope = parentScope;
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    }
  }

  const [prefix, local] = splitQName(qname);
  const ns = scope.get(prefix) ?? '';
  const attrs: Record<string, string> = {};
  let xsiType: string | undefined;
  let xsiTypeNs: string | undefined;
  for (const [key, rawValue] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const value = decodeEntities(rawValue);
    const [attrPrefix, attrLocal] = splitQName(key);
    // Unprefixed attributes are in no namespace (the MoRef `type` attribute is one of them).
    if (attrPrefix !== '' && scope.get(attrPrefix) === NS.xsi && attrLocal === 'type') {
      const [typePrefix, typeLocal] = splitQName(value.trim());
      xsiType = typeLocal;
      xsiTypeNs = scope.get(typePrefix) ?? '';
      continue;
    }
    attrs[attrLocal] = value;
  }

  const children: XmlNode[] = [];
  let text = '';
  for (const child of (entry[qname] ?? []) as RawNode[]) {
    // parseTagValue is off, so character data always arrives as a string.
    if ('#text' in child) text += typeof child['#text'] === 'string' ? decodeEntities(child['#text']) : '';
    else if ('#cdata' in child) text += cdataText(child['#cdata']);
    else if ('#comment' in child) continue;
    else if (elementName(child) !== undefined) children.push(convert(child, scope));
  }
  const node: XmlNode = { name: local, ns, attrs, text, children };
  return xsiType === undefined ? node : { ...node, xsiType, xsiTypeNs };
}

function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return (value as RawNode[]).map((part) => (typeof part['#text'] === 'string' ? part['#text'] : '')).join('');
}

function splitQName(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body] ?? whole;
  });
}

// ---------------------------------------------------------------------------------------------
// Navigating

/** The first child with this local name, or undefined. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** Every child with this local name: always an array, also for one or none. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** Follows a path of child names: path(vm, 'backing', 'fileName'). */
export function path(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) current = child(current, name);
  return current;
}

/** Text of a descendant, or undefined when it is absent. */
export function textOf(node: XmlNode | undefined, ...names: string[]): string | undefined {
  return path(node, ...names)?.text;
}

export function numberOf(node: XmlNode | undefined, ...names: string[]): number | undefined {
  const value = textOf(node, ...names);
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function booleanOf(node: XmlNode | undefined, ...names: string[]): boolean | undefined {
  const value = textOf(node, ...names)?.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}

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
