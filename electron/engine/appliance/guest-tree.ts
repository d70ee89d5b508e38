/**
 * An in-memory view of the guest files the inspection fetched: directory trees arrive as tar
 * streams (guestfish tar-out), single files as downloads. The guest is untrusted input, so the
 * archives are read here, in memory: nothing is extracted on the host and no guest symlink is
 * ever followed outside the tree.
 */

export type GuestEntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface GuestEntry {
  kind: GuestEntryKind;
  /** File contents (files only). */
  data?: Buffer;
  /** Symlink target, as stored. */
  target?: string;
  size: number;
  /** A file's permission bits from the archive (0o755); absent for files added by hand or too big to keep. */
  mode?: number;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  // GNU base-256 for sizes over 8 GiB: high bit of the first byte set.
  if ((header[offset]! & 0x80) !== 0) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + header[i]!;
    return value;
  }
  const text = field(header, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

/** pax extended header records: "<len> key=value\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/** Normalises "./a/b/" relative to `prefix` ("/etc") into "/etc/a/b"; null for unsafe names. */
export function joinGuestPath(prefix: string, name: string): string | null {
  const parts: string[] = [];
  for (const part of `${prefix}/${name}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * Reads a (ustar / GNU / pax) tar archive into entries keyed by guest path under `prefix`.
 * Contents of files larger than `maxFileBytes` are not kept (their size is).
 */
export function readTar(archive: Buffer, prefix: string, maxFileBytes = 16 * 1024 * 1024): Map<string, GuestEntry> {
  const entries = new Map<string, GuestEntry>();
  let pos = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Map<string, string> | null = null;
  while (pos + BLOCK <= archive.length) {
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + BLOCK;
    const data = archive.subarray(dataStart, Math.min(dataStart + size, archive.length));
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'K') {
      longLink = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;

    const ustarPrefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(header, 345, 155) : '';
    const name = pax?.get('path') ?? longName ?? (ustarPrefix ? `${ustarPrefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const linkName = pax?.get('linkpath') ?? longLink ?? field(header, 157, 100);
    const realSize = pax?.get('size') ? Number(pax.get('size')) : size;
    longName = null;
    longLink = null;
    pax = null;

    const path = joinGuestPath(prefix, name);
    if (!path) continue;
    if (type === '0' || type === '\0' || type === '7') {
      // The mode of files read (systemd-sysv-generator skips an init script without its execute bit).
      const mode = octal(header, 100, 8) & 0o7777;
      // A view into the archive, not a copy: an initramfs is tens of megabytes.
      entries.set(path, realSize <= maxFileBytes ? { kind: 'file', data, size: realSize, mode } : { kind: 'file', size: realSize });
    } else if (type === '5') {
      entries.set(path, { kind: 'dir', size: 0 });
    } else if (type === '2') {
      entries.set(path, { kind: 'symlink', target: linkName, size: 0 });
    } else if (type === '1') {
      // A hard link: same contents as the entry it names.
      const other = joinGuestPath(prefix, linkName);
      const original = other ? entries.get(other) : undefined;
      entries.set(path, original ? { ...original } : { kind: 'other', size: 0 });
    } else {
      entries.set(path, { kind: 'other', size: 0 });
    }
  }
  return entries;
}

/** The guest files we have, with the lookups the fact readers need. */
export class GuestTree {
  private readonly entries = new Map<string, GuestEntry>();

  add(entries: Map<string, GuestEntry>): void {
    for (const [path, entry] of entries) this.entries.set(path, entry);
  }

  addFile(path: string, data: Buffer): void {
    this.entries.set(path, { kind: 'file', data, size: data.length });
  }

  addSymlink(path: string, target: string): void {
    this.entries.set(path, { kind: 'symlink', target, size: 0 });
  }

  addDir(path: string): void {
    this.entries.set(path, { kind: 'dir', size: 0 });
  }

  get(path: string): GuestEntry | undefined {
    return this.entries.get(path);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** Text of a file (UTF-8); follows symlinks inside the tree; null when we do not have it. */
  text(path: string): string | null {
    const entry = this.resolve(path);
    return entry?.kind === 'file' && entry.data ? entry.data.toString('utf8') : null;
  }

  /** Resolves symlinks (relative or absolute) within the tree, at most 16 hops. */
  resolve(path: string): GuestEntry | undefined {
    let current = path;
    for (let hop = 0; hop < 16; hop++) {
      const entry = this.entries.get(current);
      if (entry?.kind !== 'symlink' || entry.target === undefined) return entry;
      const base = entry.target.startsWith('/') ? '' : current.slice(0, current.lastIndexOf('/'));
      const next = joinGuestPath(base || '/', entry.target);
      if (!next) return undefined;
      current = next;
    }
    return undefined;
  }

  /** Direct children of a folder, sorted (names only). */
  list(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const path of this.entries.keys()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      if (rest && !rest.includes('/')) names.add(rest);
    }
    return [...names].sort();
  }

  /** Every path under a folder (any depth), sorted. */
  walk(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return [...this.entries.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  get size(): number {
    return this.entries.size;
  }
}
