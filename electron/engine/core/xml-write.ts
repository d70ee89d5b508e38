/**
 * The one XML writer: SOAP requests to vSphere (compact) and libvirt documents (indented, the
 * way virsh prints them). Names come from our code and are checked; values may come from users
 * (a VM's name, a password) and are escaped, and a character XML cannot carry at all is refused
 * rather than written into a document the other side would reject or misread.
 */

export type XmlAttributeValue = string | number | boolean | undefined;
export type XmlChild = XmlElement | string | number | boolean | null | undefined;

export interface XmlElement {
  readonly name: string;
  /** In the order given, so generated documents diff cleanly; undefined values are left out. */
  readonly attrs?: Readonly<Record<string, XmlAttributeValue>>;
  /** Written as xsi:type (the prefix is declared by the document's root). */
  readonly xsiType?: string;
  /** null and undefined are dropped; numbers and booleans are written as text (SOAP's xsd:boolean). */
  readonly children?: readonly XmlChild[];
}

/** How the document is laid out. */
export interface XmlLayout {
  /** Indent each level by this (and put each element on its own line); compact when absent. */
  indent?: string;
  /** The quote around attribute values. */
  quote?: '"' | "'";
}

/** Element and attribute names: ours, never users'; anything odd is a bug. */
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

export function escapeText(value: string, elementName = 'text'): string {
  if (NOT_XML.test(value)) throw new XmlBuildError(elementName);
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttribute(value: string, elementName = 'attribute'): string {
  if (NOT_XML.test(value)) throw new XmlBuildError(elementName);
  // Tabs and line breaks in attributes would be normalised to spaces by the reader: keep them.
  return value.replace(/[&<>"'\t\n\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `&#${c.charCodeAt(0)};`));
}

export function renderXml(node: XmlChild, layout: XmlLayout = {}): string {
  return render(node, layout, '');
}

function render(node: XmlChild, layout: XmlLayout, indent: string): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return escapeText(node);
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (!NAME.test(node.name)) throw new Error(`Invalid XML element name: ${node.name}`);
  const q = layout.quote ?? '"';
  let open = `<${node.name}`;
  if (node.xsiType !== undefined) open += ` xsi:type=${q}${escapeAttribute(node.xsiType, node.name)}${q}`;
  for (const [key, value] of Object.entries(node.attrs ?? {})) {
    if (value === undefined) continue;
    if (!NAME.test(key)) throw new Error(`Invalid XML attribute name: ${key}`);
    open += ` ${key}=${q}${escapeAttribute(String(value), node.name)}${q}`;
  }
  // Empty strings count as nothing: <description/>, never <description></description>.
  const children = (node.children ?? []).filter((c) => c !== null && c !== undefined && c !== '');
  if (children.length === 0) return `${indent}${open}/>`;
  const text = (c: string | number | boolean): string => (typeof c === 'string' ? escapeText(c, node.name) : String(c));
  const onlyText = children.every((c) => typeof c !== 'object');
  if (layout.indent === undefined || onlyText) {
    const inner = children.map((c) => (typeof c === 'object' && c !== null ? render(c, layout, '') : text(c as string | number | boolean))).join('');
    return `${indent}${open}>${inner}</${node.name}>`;
  }
  const deeper = indent + layout.indent;
  const inner = children.map((c) => (typeof c === 'object' && c !== null ? render(c, layout, deeper) : `${deeper}${text(c as string | number | boolean)}`)).join('\n');
  return `${indent}${open}>\n${inner}\n${indent}</${node.name}>`;
}
