/**
 * Registry text as hivex prints it, parsed into typed values. Two producers:
 *  - `hivexregedit --export HIVE KEY` (regedit's .reg format, a whole subtree, type numbers in
 *    hex: `hex(b):` is a QWORD, strings exported as `hex(1):` UTF-16LE bytes);
 *  - `hivexget HIVE KEY` (one key's values, strings decoded into "..." and type numbers in
 *    decimal: `hex(11):`).
 */

export type RegValue =
  | { type: 'string'; value: string }
  | { type: 'expand-string'; value: string }
  | { type: 'multi-string'; value: string[] }
  | { type: 'dword'; value: number }
  | { type: 'qword'; value: bigint }
  | { type: 'binary'; value: Buffer; rawType: number };

export interface RegKey {
  /** Path relative to the hive root, backslash-separated, without leading backslash ("" = root). */
  path: string;
  values: Map<string, RegValue>;
}

/** Keys in file order; key paths are compared case-insensitively, as Windows does. */
export class RegTree {
  readonly keys = new Map<string, RegKey>();

  static normalize(path: string): string {
    return path.replace(/^\\+|\\+$/g, '').toLowerCase();
  }

  key(path: string): RegKey | undefined {
    return this.keys.get(RegTree.normalize(path));
  }

  /** Names of the direct subkeys of `path`, as written. */
  subkeys(path: string): string[] {
    const base = RegTree.normalize(path);
    const prefix = base ? `${base}\\` : '';
    const names: string[] = [];
    for (const [normalized, key] of this.keys) {
      if (!normalized.startsWith(prefix) || normalized === base) continue;
      const rest = normalized.slice(prefix.length);
      if (rest && !rest.includes('\\')) names.push(key.path.slice(key.path.length - rest.length));
    }
    return names;
  }

  value(path: string, name: string): RegValue | undefined {
    const key = this.key(path);
    if (!key) return undefined;
    for (const [n, v] of key.values) if (n.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  }

  string(path: string, name: string): string | null {
    const v = this.value(path, name);
    if (!v) return null;
    if (v.type === 'string' || v.type === 'expand-string') return v.value;
    if (v.type === 'multi-string') return v.value.join(' ');
    if (v.type === 'dword') return String(v.value);
    if (v.type === 'qword') return v.value.toString();
    return null;
  }

  number(path: string, name: string): number | null {
    const v = this.value(path, name);
    if (!v) return null;
    if (v.type === 'dword') return v.value;
    if (v.type === 'qword') return Number(v.value);
    if ((v.type === 'string' || v.type === 'expand-string') && /^\s*\d+\s*$/.test(v.value)) return Number(v.value);
    return null;
  }

  strings(path: string, name: string): string[] {
    const v = this.value(path, name);
    if (!v) return [];
    if (v.type === 'multi-string') return v.value.filter((s) => s !== '');
    if (v.type === 'string' || v.type === 'expand-string') return v.value.split(/[\s,]+/).filter(Boolean);
    return [];
  }

  /** Adds the keys of another tree under `prefix` (e.g. hivexget output for one key). */
  merge(other: RegTree, prefix = ''): void {
    for (const key of other.keys.values()) {
      const path = [prefix.replace(/^\\+|\\+$/g, ''), key.path].filter(Boolean).join('\\');
      const existing = this.key(path);
      if (existing) for (const [n, v] of key.values) existing.values.set(n, v);
      else this.keys.set(RegTree.normalize(path), { path, values: new Map(key.values) });
    }
  }
}

function decodeUtf16(bytes: Buffer): string {
  const even = bytes.length - (bytes.length % 2);
  return bytes.subarray(0, even).toString('utf16le');
}

function stripNul(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

function hexBytes(text: string): Buffer {
  const clean = text.replace(/[\s\\]/g, '');
  if (!clean) return Buffer.alloc(0);
  return Buffer.from(clean.split(',').filter(Boolean).map((h) => parseInt(h, 16)));
}

function typedFromBytes(type: number, bytes: Buffer): RegValue {
  switch (type) {
    case 1:
      return { type: 'string', value: stripNul(decodeUtf16(bytes)) };
    case 2:
      return { type: 'expand-string', value: stripNul(decodeUtf16(bytes)) };
    case 7: {
      const parts = decodeUtf16(bytes).split('\0');
      while (parts.length && parts.at(-1) === '') parts.pop();
      return { type: 'multi-string', value: parts };
    }
    case 4:
      return bytes.length >= 4 ? { type: 'dword', value: bytes.readUInt32LE(0) } : { type: 'binary', value: bytes, rawType: type };
    case 5:
      return bytes.length >= 4 ? { type: 'dword', value: bytes.readUInt32BE(0) } : { type: 'binary', value: bytes, rawType: type };
    case 11:
      return bytes.length >= 8 ? { type: 'qword', value: bytes.readBigUInt64LE(0) } : { type: 'binary', value: bytes, rawType: type };
    default:
      return { type: 'binary', value: bytes, rawType: type };
  }
}

/** Reads a "quoted" .reg string starting at text[start] === '"'; returns value and end index. */
function readQuoted(text: string, start: number): { value: string; end: number } | null {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      value += text[++i]!;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    value += c;
  }
  return null;
}

function parseValueData(data: string, typeRadix: 10 | 16): RegValue | null {
  if (data.startsWith('"')) {
    const q = readQuoted(data, 0);
    return q ? { type: 'string', value: q.value } : null;
  }
  // hivexget prints an expand-string (and other string types) as str(2):"...".
  const typedString = /^str\(([0-9a-fA-F]+)\):(".*)$/s.exec(data);
  if (typedString) {
    const q = readQuoted(typedString[2]!, 0);
    if (!q) return null;
    const type = parseInt(typedString[1]!, typeRadix);
    return type === 2 ? { type: 'expand-string', value: q.value } : type === 7 ? { type: 'multi-string', value: q.value.split('\0').filter(Boolean) } : { type: 'string', value: q.value };
  }
  const dword = /^dword:([0-9a-fA-F]{1,8})$/.exec(data);
  if (dword) return { type: 'dword', value: parseInt(dword[1]!, 16) };
  const hex = /^hex(?:\(([0-9a-fA-F]+)\))?:(.*)$/s.exec(data);
  if (hex) {
    const type = hex[1] === undefined ? 3 : parseInt(hex[1], typeRadix);
    return typedFromBytes(type, hexBytes(hex[2]!));
  }
  return null;
}

/**
 * Parses either producer's output. `typeRadix` is 16 for hivexregedit, 10 for hivexget. Lines
 * ending in a backslash continue on the next (regedit wraps long hex values so).
 */
export function parseRegText(text: string, typeRadix: 10 | 16 = 16): RegTree {
  const tree = new RegTree();
  let current: RegKey = { path: '', values: new Map() };
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    if (pending) {
      pending += raw.trim();
    } else {
      pending = raw;
    }
    if (pending.endsWith('\\') && !pending.startsWith('[') && /=hex/.test(pending)) {
      pending = pending.slice(0, -1);
      continue;
    }
    logical.push(pending);
    pending = '';
  }
  if (pending) logical.push(pending);

  const ensure = (path: string): RegKey => {
    const normalized = RegTree.normalize(path);
    let key = tree.keys.get(normalized);
    if (!key) {
      key = { path: path.replace(/^\\+|\\+$/g, ''), values: new Map() };
      tree.keys.set(normalized, key);
    }
    return key;
  };

  for (const line of logical) {
    if (!line.trim() || line.startsWith('Windows Registry Editor') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.trimEnd().endsWith(']')) {
      current = ensure(line.trim().slice(1, -1));
      continue;
    }
    let name: string;
    let rest: string;
    if (line.startsWith('@=')) {
      name = '';
      rest = line.slice(2);
    } else if (line.startsWith('"')) {
      const q = readQuoted(line, 0);
      if (!q || line[q.end] !== '=') continue;
      name = q.value;
      rest = line.slice(q.end + 1);
    } else continue;
    const value = parseValueData(rest.trim(), typeRadix);
    if (!value) continue;
    if (!tree.keys.has(RegTree.normalize(current.path))) tree.keys.set(RegTree.normalize(current.path), current);
    current.values.set(name, value);
  }
  return tree;
}
