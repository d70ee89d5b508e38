/**
 * The engine's one XML reader, for every document it reads: SOAP answers from vCenter, OVF
 * descriptors, libvirt domain XML. (core/xml-write.ts is the one writer.)
 *
 * Namespace-aware: producers spell the same document with different prefixes (vcsim writes
 * `XMLSchema-instance:type` where vCenter writes `xsi:type`; OVF tools write ovf:, rasd:, none at
 * all, or default namespaces set per element), so every element and attribute carries its
 * namespace URI and local name, and lookups go by those, never by prefix. An undeclared prefix
 * is an error, as the Namespaces in XML recommendation says.
 *
 * Safe: a document with a DOCTYPE is refused, so neither external entities (XXE) nor entity
 * expansion ("billion laughs") can happen; only the five predefined entities and numeric
 * character references are decoded. None of the three kinds of document ever needs a DOCTYPE.
 *
 * Fast: a small scanner of our own rather than a general-purpose library, because SOAP answers
 * for thousands of VMs run to tens of megabytes and every inventory listing reads them
 * (`npm run bench:inventory`); it allocates as little as it can per element (shared empty
 * attribute and child lists, namespace scopes shared between siblings that declare the same).
 *
 * Errors are XmlParseError with the line where the problem was found, so a user can open the
 * file at that line.
 */

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  /** Namespace URI ('' for an unprefixed attribute, which is in no namespace). */
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

export interface XmlNode {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI of the element ('' when none). */
  readonly ns: string;
  /**
   * Attribute values by local name, for documents where names do not collide (SOAP, libvirt).
   * Namespace declarations and xsi:type are left out. When two attributes share a local name
   * (ovf:id and vmw:id), use `attribute()`, which chooses by namespace.
   */
  readonly attrs: Readonly<Record<string, string>>;
  /** Every attribute with its namespace, in document order (namespace declarations and xsi:type left out). */
  readonly attributes: readonly XmlAttribute[];
  /** Local part of the xsi:type value, e.g. "VirtualDisk" or "string" (for xsd:string). */
  readonly xsiType?: string;
  /** Namespace URI of the xsi:type value. */
  readonly xsiTypeNs?: string;
  /** Concatenated character data of this element (not of its children), entities decoded. */
  readonly text: string;
  readonly children: readonly XmlNode[];
}

export class XmlParseError extends Error {
  constructor(
    /** What is wrong, as a phrase: "the end tag </a> does not match <b>". */
    readonly reason: string,
    /** 1-based line of the document where the problem was found. */
    readonly line?: number,
    /** `refused`: well-formed, but not accepted for safety (a DOCTYPE). */
    readonly kind: 'malformed' | 'refused' = 'malformed',
  ) {
    super(line === undefined ? reason : `${reason} (line ${line})`);
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
const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);
const NO_CHILDREN: readonly XmlNode[] = Object.freeze([]);

/** Parses a document and returns its root element, or throws XmlParseError saying what is wrong and where. */
export function parseXml(xml: string): XmlNode {
  const rootScope: Scope = new Map([['xml', XML_NS]]);
  const stack: OpenElement[] = [];
  let root: XmlNode | undefined;
  let i = 0;
  /** Where the construct being read starts: the line an error reports. */
  let at = 0;
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
  try {
    while (i < length) {
      at = i;
      const lt = xml.indexOf('<', i);
      if (lt < 0) {
        appendText(decodeEntities(xml.slice(i)));
        break;
      }
      if (lt > i) appendText(decodeEntities(xml.slice(i, lt)));
      at = lt;
      const next = xml.charCodeAt(lt + 1);
      if (next === 47 /* / */) {
        const gt = xml.indexOf('>', lt);
        if (gt < 0) throw new XmlParseError('an end tag that is never closed');
        const open = stack.pop();
        if (!open || !closes(xml, lt + 2, gt, open.qname)) throw new XmlParseError(`the end tag </${xml.slice(lt + 2, gt).trim()}> does not match <${open?.qname ?? 'nothing'}>`);
        place(open.node);
        i = gt + 1;
        continue;
      }
      if (next === 33 /* ! */) {
        if (xml.startsWith('<!--', lt)) {
          const end = xml.indexOf('-->', lt + 4);
          if (end < 0) throw new XmlParseError('a comment that is never closed');
          i = end + 3;
        } else if (xml.startsWith('<![CDATA[', lt)) {
          const end = xml.indexOf(']]>', lt + 9);
          if (end < 0) throw new XmlParseError('a CDATA section that is never closed');
          appendText(xml.slice(lt + 9, end));
          i = end + 3;
        } else if (xml.startsWith('<!DOCTYPE', lt) || xml.startsWith('<!doctype', lt)) {
          throw new XmlParseError('a DOCTYPE declaration, which these documents never need and which is refused for safety (it can pull in files or expand without end)', undefined, 'refused');
        } else {
          throw new XmlParseError('a markup declaration (<!…) that is not a comment or CDATA');
        }
        continue;
      }
      if (next === 63 /* ? */) {
        const end = xml.indexOf('?>', lt + 2);
        if (end < 0) throw new XmlParseError('a processing instruction that is never closed');
        // Its target must be a name (the fuzzer found `<?'?>`, which other readers accept or choke on).
        if (!PI_TARGET.test(xml.slice(lt + 2, Math.min(end, lt + 66)))) throw new XmlParseError('a processing instruction without a valid name');
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
    at = length;
    if (stack.length > 0) throw new XmlParseError(`it ends before <${stack[stack.length - 1]!.qname}> is closed (the file may be cut short)`);
    if (!root) throw new XmlParseError('no root element');
    return root;
  } catch (error) {
    if (error instanceof XmlParseError && error.line === undefined) throw new XmlParseError(error.reason, lineAt(xml, at), error.kind);
    throw error;
  }
}

const PI_TARGET = /^[A-Za-z_:][\w.:-]*(\s|$)/;

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
  throw new XmlParseError('a tag that is never closed');
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
    if (close < 0 || close >= to) throw new XmlParseError(`an attribute value in <${qname}> that is never closed`);
    const value = decodeEntities(xml.slice(q + 1, close));
    if (raw) {
      for (const [seen] of raw) if (seen === key) throw new XmlParseError(`the attribute ${key} appears twice in <${qname}>`);
    }
    (raw ??= []).push([key, value]);
    if (key === 'xmlns' || key.startsWith('xmlns:')) declarations += `${key}=${value}\n`;
    j = close + 1;
  }
  const scope = declarations === '' ? parentScope : childScope(parentScope, raw!, declarations);
  const colon = qname.indexOf(':');
  const node: MutableNode = {
    name: colon < 0 ? qname : qname.slice(colon + 1),
    ns: colon < 0 ? (scope.get('') ?? '') : declared(scope, qname.slice(0, colon), qname),
    attrs: NO_ATTRS,
    attributes: NO_ATTRIBUTES,
    text: '',
    children: NO_CHILDREN as XmlNode[],
  };
  if (raw) {
    let attrs: Record<string, string> | undefined;
    let attributes: XmlAttribute[] | undefined;
    for (const [key, value] of raw) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
      const split = key.indexOf(':');
      // Unprefixed attributes are in no namespace, whatever the default namespace is (the MoRef
      // `type` attribute is one of them).
      const ns = split < 0 ? '' : declared(scope, key.slice(0, split), key);
      const name = split < 0 ? key : key.slice(split + 1);
      if (ns === XSI_NS && name === 'type') {
        const typeName = value.trim();
        const typeColon = typeName.indexOf(':');
        node.xsiType = typeColon < 0 ? typeName : typeName.slice(typeColon + 1);
        // A type's prefix is a value, not a name: an undeclared one is left unresolved rather than refused.
        node.xsiTypeNs = scope.get(typeColon < 0 ? '' : typeName.slice(0, typeColon)) ?? '';
        continue;
      }
      (attributes ??= []).push({ ns, name, value });
      (attrs ??= {})[name] ??= value;
    }
    if (attrs) node.attrs = attrs;
    if (attributes) node.attributes = attributes;
  }
  return { qname, scope, node };
}

function declared(scope: Scope, prefix: string, qname: string): string {
  const uri = scope.get(prefix);
  if (uri === undefined) throw new XmlParseError(`the prefix "${prefix}" of ${qname} is not declared`);
  return uri;
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

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and numeric character references in one pass (so "&amp;lt;" stays "&lt;"). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body] ?? whole;
  });
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------
// Navigating. Names are local names; pass `ns` where a document mixes namespaces.

/** The first child with this local name (and namespace, when given), or undefined. */
export function child(node: XmlNode | undefined, name: string, ns?: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Every child with this local name: always an array, also for one or none. */
export function children(node: XmlNode | undefined, name: string, ns?: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns)) : [];
}

/** All descendants with this local name, depth first. */
export function descendants(node: XmlNode, name: string): XmlNode[] {
  const found: XmlNode[] = [];
  const visit = (parent: XmlNode): void => {
    for (const c of parent.children) {
      if (c.name === name) found.push(c);
      visit(c);
    }
  };
  visit(node);
  return found;
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

/**
 * An attribute by local name, preferring the given namespaces in order ('' means no namespace,
 * an unprefixed attribute). Any other namespace is the last resort, because tools disagree on
 * whether OVF's Config key is ovf:key or vmw:key.
 */
export function attribute(node: XmlNode, name: string, preferred: readonly string[] = []): string | undefined {
  const candidates = node.attributes.filter((attr) => attr.name === name);
  for (const ns of preferred) {
    const match = candidates.find((attr) => attr.ns === ns);
    if (match) return match.value;
  }
  return candidates[0]?.value;
}
