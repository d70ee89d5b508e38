import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';

/**
 * A plan's YAML with the position of every key and value, so that a problem found in the data
 * (a wrong type, an unknown key, a path that does not exist) can be shown where it is in the
 * file: line and column, as editors and compilers do.
 */

export type KeyPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  column: number;
}

export interface SyntaxProblem extends Position {
  code: string;
  message: string;
}

export interface PlanDocument {
  /** The data, as plain JS values (null when the text is not YAML at all). */
  value: unknown;
  syntax: SyntaxProblem[];
  /** Where the value at `path` starts; the nearest existing parent's position when it is absent. */
  valueAt: (path: KeyPath) => Position;
  /** Where the key `key` of the map at `path` is written (its value's parent when absent). */
  keyAt: (path: KeyPath, key: string) => Position;
}

export function parsePlanDocument(text: string): PlanDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: false });
  const at = (offset: number): Position => {
    const p = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line, column: p.col };
  };
  const syntax: SyntaxProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({ code: e.code, message: firstLine(e.message), ...at(e.pos[0]) }));
  let value: unknown = null;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    syntax.push({ code: 'YAML_UNREADABLE', message: (error as Error).message, line: 1, column: 1 });
  }
  return {
    value,
    syntax,
    valueAt: (path) => at(offsetOf(doc, path)),
    keyAt: (path, key) => {
      const parent = nodeAt(doc, path);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => keyText(p) === key);
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return at(range[0]);
      }
      return at(offsetOf(doc, path));
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/** The node at `path`, or undefined. */
function nodeAt(doc: Document, path: KeyPath): unknown {
  let node: unknown = doc.contents;
  for (const step of path) {
    if (isMap(node)) {
      node = node.items.find((p) => keyText(p) === String(step))?.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
    } else {
      return undefined;
    }
  }
  return node;
}

/** Offset of the deepest node that exists along `path` (a missing value points at its key). */
function offsetOf(doc: Document, path: KeyPath): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p) === String(step));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      const valueStart = rangeStart(pair.value);
      best = valueStart ?? keyStart ?? best;
      node = pair.value;
      if (valueStart === undefined) break;
    } else if (isSeq(node) && typeof step === 'number') {
      const item: unknown = node.items[step];
      const start = rangeStart(item);
      if (start === undefined) break;
      best = start;
      node = item;
    } else {
      break;
    }
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  if (isPair(node)) return rangeStart(node.key);
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
