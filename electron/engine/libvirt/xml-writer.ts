import { renderXml } from '../core/xml-write';
import type { XmlElement } from '../core/xml-write';

/**
 * Libvirt documents through the engine's one XML writer (core/xml-write): elements with their
 * attributes first, indented two spaces with single-quoted attributes, the way virsh prints them.
 * Attribute order is the order given, so generated documents diff cleanly and tests can compare
 * whole strings.
 */

export type Attrs = Record<string, string | number | boolean | undefined>;
export type XmlNode = XmlElement;

/** An element; `undefined`, `false` and `null` children are dropped (for optional parts). */
export function el(name: string, attrs: Attrs = {}, ...children: Array<XmlNode | string | number | undefined | false | null>): XmlNode {
  const kept: Array<XmlNode | string> = [];
  for (const child of children) {
    if (child === undefined || child === false || child === null) continue;
    kept.push(typeof child === 'number' ? String(child) : child);
  }
  return { name, attrs, children: kept };
}

export function renderLibvirtXml(node: XmlNode): string {
  return renderXml(node, { indent: '  ', quote: "'" });
}
