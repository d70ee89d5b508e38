/**
 * Just enough XML writing for libvirt documents: elements, attributes, text, indentation.
 * Attribute order is the order given, so generated documents diff cleanly and tests can compare
 * whole strings.
 */

export type Attrs = Record<string, string | number | boolean | undefined>;

export interface XmlNode {
  readonly name: string;
  readonly attrs: Attrs;
  readonly children: ReadonlyArray<XmlNode | string>;
}

/** An element; `undefined`, `false` and `null` children are dropped (for optional parts). */
export function el(name: string, attrs: Attrs = {}, ...children: Array<XmlNode | string | number | undefined | false | null>): XmlNode {
  const kept: Array<XmlNode | string> = [];
  for (const child of children) {
    if (child === undefined || child === false || child === null) continue;
    kept.push(typeof child === 'number' ? String(child) : child);
  }
  return { name, attrs, children: kept };
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function renderXml(node: XmlNode, indent = ''): string {
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}='${escapeXml(String(v))}'`)
    .join('');
  if (node.children.length === 0) return `${indent}<${node.name}${attrs}/>`;
  const onlyText = node.children.every((c) => typeof c === 'string');
  if (onlyText) return `${indent}<${node.name}${attrs}>${escapeXml(node.children.join(''))}</${node.name}>`;
  const inner = node.children.map((c) => (typeof c === 'string' ? `${indent}  ${escapeXml(c)}` : renderXml(c, `${indent}  `))).join('\n');
  return `${indent}<${node.name}${attrs}>\n${inner}\n${indent}</${node.name}>`;
}
