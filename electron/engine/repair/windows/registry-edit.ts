import type { RegistryChange } from '../../../../shared/contract/models/repair';
import type { RegTree, RegValue } from '../../inspect/windows/registry';

/**
 * Registry edits as the Windows planner states them (the state a value or key must end in), the
 * changes they make on a given hive (what the plan shows: key, value, data before and after),
 * and the .reg text `hivexregedit --merge` applies on the host. Pure.
 *
 * Edits are idempotent by construction: an edit whose value already holds the data, or a key
 * to delete that is not there, changes nothing and is dropped, so planning again on a repaired
 * guest finds nothing to do.
 */

export type Hive = 'SYSTEM' | 'SOFTWARE';

export type RegData =
  | { type: 'REG_DWORD'; value: number }
  | { type: 'REG_SZ'; value: string }
  | { type: 'REG_EXPAND_SZ'; value: string }
  | { type: 'REG_MULTI_SZ'; value: string[] }
  | { type: 'REG_BINARY'; value: Buffer };

/** A key path is relative to the hive's root, backslash-separated ("ControlSet001\\Services\\viostor"). */
export type RegEdit =
  | { hive: Hive; key: string; op: 'set'; name: string; data: RegData }
  | { hive: Hive; key: string; op: 'delete-value'; name: string }
  | { hive: Hive; key: string; op: 'delete-key' };

export const dword = (value: number): RegData => ({ type: 'REG_DWORD', value });
export const sz = (value: string): RegData => ({ type: 'REG_SZ', value });
export const expandSz = (value: string): RegData => ({ type: 'REG_EXPAND_SZ', value });
export const multiSz = (value: string[]): RegData => ({ type: 'REG_MULTI_SZ', value });
export const binary = (value: Buffer): RegData => ({ type: 'REG_BINARY', value });

export function setValue(hive: Hive, key: string, name: string, data: RegData): RegEdit {
  return { hive, key, op: 'set', name, data };
}

export function deleteKey(hive: Hive, key: string): RegEdit {
  return { hive, key, op: 'delete-key' };
}

export const hklmPath = (hive: Hive, key: string): string => `HKLM\\${hive}\\${key}`;

/** Data as regedit shows it: 0x00000000 (0) for a DWORD, hex bytes for binary data. */
export function formatData(data: RegData): string {
  switch (data.type) {
    case 'REG_DWORD':
      return `0x${data.value.toString(16).padStart(8, '0')} (${data.value})`;
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return data.value;
    case 'REG_MULTI_SZ':
      return data.value.join(' | ');
    case 'REG_BINARY':
      return [...data.value].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  }
}

/** A value read from the hive, in the same terms. */
export function fromRegValue(value: RegValue): RegData {
  switch (value.type) {
    case 'dword':
      return dword(value.value);
    case 'string':
      return sz(value.value);
    case 'expand-string':
      return expandSz(value.value);
    case 'multi-string':
      return multiSz(value.value);
    case 'qword': {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(value.value);
      return { type: 'REG_BINARY', value: bytes };
    }
    case 'binary':
      return binary(value.value);
  }
}

export function sameData(a: RegData, b: RegData): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'REG_BINARY') return a.value.equals(b.value as Buffer);
  if (a.type === 'REG_MULTI_SZ') return JSON.stringify(a.value) === JSON.stringify(b.value);
  return a.value === b.value;
}

/** The values and subkeys under a key, in one line (what a deleted key held). */
function keySummary(tree: RegTree, key: string): string {
  const own = tree.key(key);
  const values = own ? [...own.values].map(([name, v]) => `${name || '(default)'} = ${formatData(fromRegValue(v))}`) : [];
  const subkeys = tree.subkeys(key);
  return [...values, ...subkeys.map((s) => `${s}\\`)].join('; ') || '(empty)';
}

function keyExists(tree: RegTree, key: string): boolean {
  return tree.key(key) !== undefined || tree.subkeys(key).length > 0;
}

/**
 * The edits that change something on this hive (whose keys `tree` holds, read with their
 * subtrees), and those changes as the plan shows them.
 */
export function effectiveEdits(edits: readonly RegEdit[], trees: Readonly<Record<Hive, RegTree>>): { edits: RegEdit[]; changes: RegistryChange[] } {
  const out: RegEdit[] = [];
  const changes: RegistryChange[] = [];
  for (const edit of edits) {
    const tree = trees[edit.hive];
    const key = hklmPath(edit.hive, edit.key);
    if (edit.op === 'set') {
      const current = tree.value(edit.key, edit.name);
      const before = current ? fromRegValue(current) : null;
      if (before && sameData(before, edit.data)) continue;
      out.push(edit);
      changes.push({ key, value: edit.name, action: 'set', type: edit.data.type, before: before ? formatData(before) : null, after: formatData(edit.data) });
    } else if (edit.op === 'delete-value') {
      const current = tree.value(edit.key, edit.name);
      if (!current) continue;
      const before = fromRegValue(current);
      out.push(edit);
      changes.push({ key, value: edit.name, action: 'delete-value', type: before.type, before: formatData(before), after: null });
    } else {
      if (!keyExists(tree, edit.key)) continue;
      out.push(edit);
      changes.push({ key, value: null, action: 'delete-key', type: null, before: keySummary(tree, edit.key), after: null });
    }
  }
  return { edits: out, changes };
}

function utf16z(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf16le');
}

function hexList(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(',');
}

/** A value line of a .reg file; strings as UTF-16LE hex, so no quoting or encoding can go wrong. */
function valueLine(name: string, data: RegData): string {
  const quoted = `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  switch (data.type) {
    case 'REG_DWORD':
      return `${quoted}=dword:${(data.value >>> 0).toString(16).padStart(8, '0')}`;
    case 'REG_SZ':
      return `${quoted}=hex(1):${hexList(utf16z(data.value))}`;
    case 'REG_EXPAND_SZ':
      return `${quoted}=hex(2):${hexList(utf16z(data.value))}`;
    case 'REG_MULTI_SZ':
      return `${quoted}=hex(7):${hexList(Buffer.concat([...data.value.map(utf16z), Buffer.from([0, 0])]))}`;
    case 'REG_BINARY':
      return `${quoted}=hex:${hexList(data.value)}`;
  }
}

export const HIVE_PREFIX: Record<Hive, string> = { SYSTEM: 'HKEY_LOCAL_MACHINE\\SYSTEM', SOFTWARE: 'HKEY_LOCAL_MACHINE\\SOFTWARE' };

/**
 * The .reg text for `hivexregedit --merge --prefix <HIVE_PREFIX>`: every edit in order, each key
 * preceded by its ancestors (hivexregedit creates a key only under an existing parent; naming an
 * existing key changes nothing).
 */
export function regFile(hive: Hive, edits: readonly RegEdit[]): string {
  const prefix = HIVE_PREFIX[hive];
  const lines = ['Windows Registry Editor Version 5.00', ''];
  const opened = new Set<string>();
  let i = 0;
  const mine = edits.filter((e) => e.hive === hive);
  while (i < mine.length) {
    const edit = mine[i]!;
    if (edit.op === 'delete-key') {
      lines.push(`[-${prefix}\\${edit.key}]`, '');
      // A later edit under it must create it again.
      for (const k of [...opened]) if (k === edit.key.toLowerCase() || k.startsWith(`${edit.key.toLowerCase()}\\`)) opened.delete(k);
      i++;
      continue;
    }
    const parts = edit.key.split('\\');
    for (let depth = 1; depth < parts.length; depth++) {
      const ancestor = parts.slice(0, depth).join('\\');
      if (opened.has(ancestor.toLowerCase())) continue;
      lines.push(`[${prefix}\\${ancestor}]`, '');
      opened.add(ancestor.toLowerCase());
    }
    lines.push(`[${prefix}\\${edit.key}]`);
    opened.add(edit.key.toLowerCase());
    // Consecutive value edits of one key go into one section.
    while (i < mine.length && mine[i]!.op !== 'delete-key' && mine[i]!.key.toLowerCase() === edit.key.toLowerCase()) {
      const e = mine[i]! as Exclude<RegEdit, { op: 'delete-key' }>;
      lines.push(e.op === 'set' ? valueLine(e.name, e.data) : `"${e.name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"=-`);
      i++;
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Every key whose current state the edits depend on (read with its subtree before planning). */
export function keysOf(edits: readonly RegEdit[]): Record<Hive, string[]> {
  const out: Record<Hive, string[]> = { SYSTEM: [], SOFTWARE: [] };
  for (const e of edits) if (!out[e.hive].some((k) => k.toLowerCase() === e.key.toLowerCase())) out[e.hive].push(e.key);
  return out;
}
