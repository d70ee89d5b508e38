import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A small namespace-aware view of an XML document for reading descriptors (OVF). Producers spell
 * the same document with different prefixes (ovf:, rasd:, none at all, or default namespaces set
 * per element), so every element and attribute carries its namespace URI and local name, and
 * lookups go by those, never by prefix.
 *
 * Safety: documents with a DOCTYPE are refused before parsing, so neither external entities (XXE)
 * nor entity expansion ("billion laughs") can happen; only the five predefined entities and
 * numeric character references are decoded.
 */

export interface XmlAttribute {
  ns: string | null;
  local: string;
  value: string;
}

export interface XmlElement {
  ns: string | null;
  local: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** The element's own text (not its descendants'), entities decoded. */
  text: string;
}

export type XmlProblem = { reason: string; line?: number };

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const XML_URI = 'http://www.w3.org/XML/1998/namespace';

/** Parses a document, or returns what is wrong with it. */
export function parseXml(xml: string): { root: XmlElement } | { problem: XmlProblem } {
  const doctype = /<!DOCTYPE/i.exec(xml);
  if (doctype) return { problem: { reason: 'it contains a DOCTYPE declaration, which descriptors never need and which is refused for safety', line: lineAt(xml, doctype.index) } };

  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    // For a document that stops early the validator lists the open elements and says "line 1".
    const unclosed = valid.err.code === 'InvalidXml' ? /^Invalid '\[(.*)\]' found\.$/s.exec(valid.err.msg) : null;
    if (unclosed) {
      const open = unclosed[1]!.split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
      return { problem: { reason: `it is not well-formed XML (it ends before <${open.at(-1)}> is closed; the file may be cut short)`, line: lineAt(xml, xml.length) } };
    }
    return { problem: { reason: `it is not well-formed XML (${valid.err.msg})`, line: valid.err.line } };
  }

  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    cdataPropName: '#cdata',
    commentPropName: '#comment',
  });
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (error) {
    // The validator lets a few malformed shapes through that the parser then throws on
    // (`<?'?>`, found by fuzzing): still just not well-formed XML.
    return { problem: { reason: `it is not well-formed XML (${error instanceof Error ? error.message : String(error)})` } };
  }
  const roots = nodes.filter((node) => elementName(node) !== null);
  if (roots.length !== 1) return { problem: { reason: 'it does not have exactly one root element' } };
  try {
    return { root: toElement(roots[0]!, new Map([['xml', XML_URI]])) };
  } catch (error) {
    return { problem: { reason: error instanceof Error ? error.message : String(error) } };
  }
}

/** Children with this local name (and namespace, when given). */
export function childrenNamed(element: XmlElement, local: string, ns?: string): XmlElement[] {
  return element.children.filter((child) => child.local === local && (ns === undefined || child.ns === ns));
}

export function firstChild(element: XmlElement, local: string, ns?: string): XmlElement | undefined {
  return element.children.find((child) => child.local === local && (ns === undefined || child.ns === ns));
}

/** All descendants with this local name, depth first. */
export function descendantsNamed(element: XmlElement, local: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (node: XmlElement): void => {
    for (const child of node.children) {
      if (child.local === local) found.push(child);
      visit(child);
    }
  };
  visit(element);
  return found;
}

/**
 * An attribute by local name, preferring the given namespaces in order; `null` in the list means
 * "no namespace" (an unprefixed attribute). Any other namespace is the last resort, because tools
 * disagree on whether Config's key is ovf:key or vmw:key.
 */
export function attribute(element: XmlElement, local: string, preferred: ReadonlyArray<string | null> = []): string | undefined {
  const candidates = element.attributes.filter((attr) => attr.local === local);
  for (const ns of preferred) {
    const match = candidates.find((attr) => attr.ns === ns);
    if (match) return match.value;
  }
  return candidates[0]?.value;
}

/** The trimmed text of the first child with this local name. */
export function childText(element: XmlElement, local: string): string | undefined {
  const child = firstChild(element, local);
  return child === undefined ? undefined : child.text.trim();
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function elementName(node: OrderedNode): string | null {
  for (const key of Object.keys(node)) {
    if (key === ':@' || key === '#text' || key === '#cdata' || key === '#comment') continue;
    return key;
  }
  return null;
}

function toElement(node: OrderedNode, inherited: Map<string, string>): XmlElement {
  const qualified = elementName(node)!;
  const rawAttributes = node[':@'] ?? {};
  const scope = new Map(inherited);
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns') scope.set('', decodeEntities(value));
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), decodeEntities(value));
  }

  const [prefix, local] = split(qualified);
  const ns = resolve(prefix, scope, true, qualified);
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      attributes.push({ ns: XMLNS_URI, local: name === 'xmlns' ? 'xmlns' : name.slice(6), value: decodeEntities(value) });
      continue;
    }
    const [attrPrefix, attrLocal] = split(name);
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    attributes.push({ ns: attrPrefix === '' ? null : resolve(attrPrefix, scope, false, name), local: attrLocal, value: decodeEntities(value) });
  }

  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qualified] as OrderedNode[] | undefined) ?? []) {
    if ('#text' in child) text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) text += cdataText(child['#cdata']);
    else if (elementName(child) !== null) children.push(toElement(child, scope));
  }
  return { ns, local, attributes, children, text };
}

function cdataText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((part: Record<string, unknown>) => (typeof part['#text'] === 'string' ? part['#text'] : '')).join('');
}

function split(qualified: string): [string, string] {
  const colon = qualified.indexOf(':');
  return colon === -1 ? ['', qualified] : [qualified.slice(0, colon), qualified.slice(colon + 1)];
}

function resolve(prefix: string, scope: Map<string, string>, isElement: boolean, qualified: string): string | null {
  if (prefix === '') return isElement ? (scope.get('') || null) : null;
  const uri = scope.get(prefix);
  if (uri === undefined) throw new Error(`the prefix "${prefix}" of <${qualified}> is not declared`);
  return uri;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined entities and numeric character references in one pass (so "&amp;lt;" stays "&lt;"). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return codePoint(parseInt(body.slice(2), 16), whole);
    if (body.startsWith('#')) return codePoint(parseInt(body.slice(1), 10), whole);
    return PREDEFINED[body] ?? whole;
  });
}

function codePoint(value: number, fallback: string): string {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
