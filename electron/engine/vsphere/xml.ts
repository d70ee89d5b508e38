import { renderXml } from '../core/xml-write';
import type { XmlChild, XmlElement } from '../core/xml-write';

/**
 * The little XML a SOAP client needs: build request elements (written by core/xml-write, the
 * engine's one XML writer, which escapes every value), and read
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

type Scope = ReadonlyMap<string, string>;

/** An element while its content is read: the node itself (filled in place) plus what closing it needs. */
interface OpenElement {
  qname: string;
  scope: Scope;
  node: MutableNode;
}

type MutableNode = { -readonly [K in keyof XmlNode]: XmlNode[K] } & { children: XmlNode[] };

/** Shared by every element without attributes or children, the common case; never mutated. */
const NO_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
const NO_CHILDREN: readonly XmlNode[] = Object.freeze([]);

/**
 * Parses a document and returns its root element. A small scanner of our own rather than a
 * general-purpose library: SOAP answers for thousands of VMs run to tens of megabytes and every
 * inventory listing reads them, so it allocates as little as it can per element. It reads
 * elements, attributes, character data, CDATA and character references; comments, processing
 * instructions and the DOCTYPE are skipped, and DOCTYPE entities are never expanded.
 */
export function parseXml(xml: string): XmlNode {
  const rootScope: Scope = new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]);
  const stack: OpenElement[] = [];
  let root: XmlNode | undefined;
  let i = 0;
  const length = xml.length;
  const appendText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.node.text = top.node.text === '' ? text : top.node.text + text;
    else if (text.trim() !== '') throw new XmlParseError('text outside the root element');
  };
  const place = (node: XmlNode): void => {
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = node;
      return;
    }
    if (parent.node.children === NO_CHILDREN) parent.node.children = [node];
    else parent.node.children.push(node);
  };
  while (i < length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      appendText(decodeEntities(xml.slice(i)));
      break;
    }
    if (lt > i) appendText(decodeEntities(xml.slice(i, lt)));
    const next = xml.charCodeAt(lt + 1);
    if (next === 47 /* / */) {
      const gt = xml.indexOf('>', lt);
      if (gt < 0) throw new XmlParseError('unterminated end tag');
      const open = stack.pop();
      if (!open || !closes(xml, lt + 2, gt, open.qname)) throw new XmlParseError(`closing tag </${xml.slice(lt + 2, gt).trim()}> does not match <${open?.qname ?? 'nothing'}>`);
      place(open.node);
      i = gt + 1;
      continue;
    }
    if (next === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end < 0) throw new XmlParseError('unterminated comment');
        i = end + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end < 0) throw new XmlParseError('unterminated CDATA section');
        appendText(xml.slice(lt + 9, end));
        i = end + 3;
      } else {
        i = skipDeclaration(xml, lt);
      }
      continue;
    }
    if (next === 63 /* ? */) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlParseError('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    if (stack.length === 0 && root !== undefined) throw new XmlParseError('more than one root element');
    const gt = tagEnd(xml, lt + 1);
    const selfClosing = xml.charCodeAt(gt - 1) === 47;
    const open = openElement(xml, lt + 1, selfClosing ? gt - 1 : gt, stack[stack.length - 1]?.scope ?? rootScope);
    if (selfClosing) place(open.node);
    else stack.push(open);
    i = gt + 1;
  }
  if (stack.length > 0) throw new XmlParseError(`unclosed element <${stack[stack.length - 1]!.qname}>`);
  if (!root) throw new XmlParseError('no root element');
  return root;
}

/** Whether xml[from, to) is `qname` (optionally followed by white space). */
function closes(xml: string, from: number, to: number, qname: string): boolean {
  if (!xml.startsWith(qname, from)) return false;
  for (let j = from + qname.length; j < to; j++) if (!isSpace(xml.charCodeAt(j))) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The '>' that ends a tag starting at `from`, skipping '>' inside quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let j = from; j < xml.length; j++) {
    const c = xml.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) {
      quote = c;
    } else if (c === 62) {
      return j;
    } else if (c === 60) {
      throw new XmlParseError('"<" inside a tag');
    }
  }
  throw new XmlParseError('unterminated tag');
}

/** Skips <!DOCTYPE …> including an internal subset in brackets; its entities are never used. */
function skipDeclaration(xml: string, lt: number): number {
  let depth = 0;
  for (let j = lt + 2; j < xml.length; j++) {
    const c = xml[j];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return j + 1;
  }
  throw new XmlParseError('unterminated declaration');
}

/** Reads the tag in xml[from, to): its name, then `name="value"` pairs. */
function openElement(xml: string, from: number, to: number, parentScope: Scope): OpenElement {
  let j = from;
  while (j < to && !isSpace(xml.charCodeAt(j))) j++;
  const qname = xml.slice(from, j);
  if (qname === '') throw new XmlParseError('a tag without a name');
  let raw: Array<[string, string]> | undefined;
  let declarations = '';
  for (;;) {
    while (j < to && isSpace(xml.charCodeAt(j))) j++;
    if (j >= to) break;
    const eq = xml.indexOf('=', j);
    if (eq < 0 || eq >= to) throw new XmlParseError(`an attribute without a value in <${qname}>`);
    const key = xml.slice(j, eq).trim();
    let q = eq + 1;
    while (q < to && isSpace(xml.charCodeAt(q))) q++;
    const quote = xml[q];
    if (quote !== '"' && quote !== "'") throw new XmlParseError(`an unquoted attribute value in <${qname}>`);
    const close = xml.indexOf(quote, q + 1);
    if (close < 0 || close >= to) throw new XmlParseError(`an unterminated attribute value in <${qname}>`);
    const value = decodeEntities(xml.slice(q + 1, close));
    (raw ??= []).push([key, value]);
    if (key === 'xmlns' || key.startsWith('xmlns:')) declarations += `${key}=${value}\n`;
    j = close + 1;
  }
  const scope = declarations === '' ? parentScope : childScope(parentScope, raw!, declarations);
  const colon = qname.indexOf(':');
  const node: MutableNode = {
    name: colon < 0 ? qname : qname.slice(colon + 1),
    ns: scope.get(colon < 0 ? '' : qname.slice(0, colon)) ?? '',
    attrs: NO_ATTRS,
    text: '',
    children: NO_CHILDREN as XmlNode[],
  };
  if (raw) {
    let attrs: Record<string, string> | undefined;
    for (const [key, value] of raw) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
      const [attrPrefix, attrLocal] = splitQName(key);
      // Unprefixed attributes are in no namespace (the MoRef `type` attribute is one of them).
      if (attrPrefix !== '' && scope.get(attrPrefix) === NS.xsi && attrLocal === 'type') {
        const [typePrefix, typeLocal] = splitQName(value.trim());
        node.xsiType = typeLocal;
        node.xsiTypeNs = scope.get(typePrefix) ?? '';
        continue;
      }
      (attrs ??= {})[attrLocal] = value;
    }
    if (attrs) node.attrs = attrs;
  }
  return { qname, scope, node };
}

/**
 * vcsim declares the XSI prefix again on every <val>: scopes are shared between elements that
 * declare the same thing under the same parent scope, so a page of thousands of objects does
 * not copy thousands of maps.
 */
const derivedScopes = new WeakMap<Scope, Map<string, Scope>>();

function childScope(parent: Scope, raw: ReadonlyArray<[string, string]>, declarations: string): Scope {
  let known = derivedScopes.get(parent);
  const cached = known?.get(declarations);
  if (cached) return cached;
  const scope = new Map(parent);
  for (const [key, value] of raw) if (key === 'xmlns' || key.startsWith('xmlns:')) scope.set(key === 'xmlns' ? '' : key.slice(6), value);
  if (!known) {
    known = new Map();
    derivedScopes.set(parent, known);
  }
  // Bounded: a document with endlessly varying declarations must not grow this without limit.
  if (known.size < 64) known.set(declarations, scope);
  return scope;
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
