import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { EngineFailure, fail, fromErrno, throwIfAborted } from '../core/errors';
import { OVA_COMPRESSED } from './error-codes';

/**
 * Lists a tar archive (an OVA) without extracting it: reads each 512-byte header, checks its
 * checksum, and seeks over the data, so the disks can later be read in place at `dataOffset`.
 * Understands ustar (with the prefix field), GNU (long names 'L'/'K', base-256 sizes) and pax
 * ('x' headers: path, linkpath, size). Never writes anything.
 */

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  size: number;
  /** Byte offset of the entry's content in the archive. */
  dataOffset: number;
  mode: number;
  linkName?: string;
  /** Byte offset of the entry's (first) header, for error messages. */
  headerOffset?: number;
}

const BLOCK = 512;
/** An OVA holds a handful of files; this many means a hostile or wrong archive, not an export. */
const MAX_ENTRIES = 100_000;
/** Long names and pax headers are short; a huge one is an attempt to exhaust memory. */
const MAX_META_BYTES = 1024 * 1024;

const GARBLED_HINT = 'The OVA is damaged or incomplete. Download or export it again and compare its size with the original.';

interface PendingMeta {
  path?: string;
  linkPath?: string;
  size?: number;
}

export async function listTar(path: string, options: { signal?: AbortSignal } = {}): Promise<TarEntry[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  try {
    const { size: fileSize } = await handle.stat();
    return await walk(handle, fileSize, path, options.signal);
  } finally {
    await handle.close();
  }
}

async function walk(handle: FileHandle, fileSize: number, path: string, signal: AbortSignal | undefined): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const header = Buffer.alloc(BLOCK);
  let offset = 0;
  let pending: PendingMeta = {};
  let pendingStart: number | null = null;

  for (;;) {
    if (signal) throwIfAborted(signal);
    const read = await readAt(handle, header, offset, path);
    if (read === 0 && offset > 0 && pendingStart === null) break; // ends right after an entry: GNU tar accepts that too
    if (read < BLOCK) garbled(path, offset, read === 0 ? 'the archive is empty or ends where a header should be' : 'the archive ends in the middle of a header');
    if (offset === 0) refuseCompressed(header, path);
    if (isZeroBlock(header)) {
      if (pendingStart !== null) garbled(path, pendingStart, 'an extended header is not followed by the entry it describes');
      break; // the end-of-archive marker (one zero block is enough, as for GNU tar)
    }
    verifyChecksum(header, offset, path);

    const typeFlag = String.fromCharCode(header[156]!);
    const isMeta = typeFlag === 'L' || typeFlag === 'K' || typeFlag === 'x' || typeFlag === 'g';
    const ownSize = readSize(header, offset, path);
    const declaredSize = isMeta ? ownSize : (pending.size ?? ownSize);
    const dataOffset = offset + BLOCK;
    const hasData = !['1', '2', '3', '4', '6'].includes(typeFlag);
    const dataBytes = hasData ? declaredSize : 0;
    if (dataOffset + dataBytes > fileSize) {
      garbled(path, offset, `the data of "${displayName(headerName(header), pending)}" runs past the end of the archive (${dataOffset + dataBytes} > ${fileSize} bytes)`);
    }
    const next = dataOffset + Math.ceil(dataBytes / BLOCK) * BLOCK;

    if (isMeta) {
      if (dataBytes > MAX_META_BYTES) garbled(path, offset, `an extended header of ${dataBytes} bytes is too large`);
      const body = Buffer.alloc(dataBytes);
      await readExactly(handle, body, dataOffset, path, offset);
      pendingStart ??= offset;
      if (typeFlag === 'L') pending.path = cString(body);
      else if (typeFlag === 'K') pending.linkPath = cString(body);
      else if (typeFlag === 'x') pending = { ...pending, ...parsePax(body, offset, path) };
      // 'g' (global pax header) only carries defaults such as mtime; nothing we use.
      offset = next;
      continue;
    }

    const name = pending.path ?? headerName(header);
    const linkName = pending.linkPath ?? cString(header.subarray(157, 257));
    const entry: TarEntry = {
      name,
      type: entryType(typeFlag),
      size: declaredSize,
      dataOffset,
      mode: parseOctal(header.subarray(100, 108)) ?? 0,
      headerOffset: pendingStart ?? offset,
    };
    if (linkName !== '' && (typeFlag === '1' || typeFlag === '2')) entry.linkName = linkName;
    entries.push(entry);
    if (entries.length > MAX_ENTRIES) garbled(path, offset, `the archive has more than ${MAX_ENTRIES} entries`);

    pending = {};
    pendingStart = null;
    offset = next;
  }
  return entries;
}

/**
 * Refuses an entry that could write or read outside the place it is extracted to, or that is not a
 * plain file: absolute names, ".." components, backslashes (a Windows path separator that some
 * extractors honour), NUL and control characters, links and device nodes. Directories are fine.
 */
export function checkEntrySafety(entry: TarEntry): void {
  const refuse = (why: string): never =>
    fail('OVA_UNSAFE_ENTRY', `The OVA contains an unsafe entry "${printable(entry.name)}": ${why}.`, 'An OVA exported by VMware holds plain files only. Do not use this file unless you know where it comes from.', {
      details: { entry: entry.name, type: entry.type, headerOffset: entry.headerOffset },
    });

  const name = entry.name;
  if (name === '') refuse('it has no name');
  if ([...name].some(isControl)) refuse('its name contains control characters');
  if (name.includes('\\')) refuse('its name contains a backslash');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) refuse('its name is an absolute path');
  if (name.split('/').some((part) => part === '..')) refuse('its name climbs out of the archive with ".."');
  if (entry.type === 'symlink') refuse(`it is a symbolic link${entry.linkName === undefined ? '' : ` to "${printable(entry.linkName)}"`}`);
  if (entry.type === 'hardlink') refuse(`it is a hard link${entry.linkName === undefined ? '' : ` to "${printable(entry.linkName)}"`}`);
  if (entry.type === 'other') refuse('it is a device, a FIFO or another special file');
}

/** "./disk.vmdk" → "disk.vmdk": archives made with `tar -C dir .` prefix every name with "./". */
export function plainEntryName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function entryType(flag: string): TarEntry['type'] {
  switch (flag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    default:
      return 'other';
  }
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  // Only POSIX ustar has the prefix field; GNU's "ustar  " header keeps times in those bytes.
  const posix = header.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = posix ? cString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function displayName(name: string, pending: PendingMeta): string {
  return printable(pending.path ?? name);
}

/** Sizes are octal, or base-256 (high bit set) for files of 8 GiB and more. */
function readSize(header: Buffer, offset: number, path: string): number {
  const field = header.subarray(124, 136);
  if ((field[0]! & 0x80) !== 0) {
    if (field[0] === 0xff) garbled(path, offset, 'an entry has a negative size');
    let value = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) garbled(path, offset, 'an entry has an impossible size');
    return Number(value);
  }
  const size = parseOctal(field);
  if (size === null) return garbled(path, offset, 'an entry has an unreadable size field');
  return size;
}

/** An octal field: digits, padded with spaces or NULs on either side. null when it is not one. */
function parseOctal(field: Buffer): number | null {
  const nul = field.indexOf(0);
  const text = field.toString('latin1', 0, nul === -1 ? field.length : nul).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  return parseInt(text, 8);
}

function verifyChecksum(header: Buffer, offset: number, path: string): void {
  const stored = parseOctal(header.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed bytes; GNU tar accepts either, and so do we.
  if (stored === null || (stored !== unsigned && stored !== signed)) {
    garbled(path, offset, `the header of "${printable(headerName(header))}" has a wrong checksum`);
  }
}

/** pax records: "<length> <key>=<value>\n", lengths in bytes including themselves. */
function parsePax(body: Buffer, offset: number, path: string): PendingMeta {
  const meta: PendingMeta = {};
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break;
    const space = body.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(body.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= space - at || at + length > body.length) garbled(path, offset, 'a pax extended header is malformed');
    const record = body.toString('utf8', space + 1, at + length);
    if (!record.endsWith('\n')) garbled(path, offset, 'a pax extended header record does not end with a newline');
    const equals = record.indexOf('=');
    if (equals === -1) garbled(path, offset, 'a pax extended header record has no "="');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1, -1);
    if (key === 'path') meta.path = value;
    else if (key === 'linkpath') meta.linkPath = value;
    else if (key === 'size') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) garbled(path, offset, `a pax size "${printable(value)}" is not a number`);
      meta.size = Number(value);
    }
    at += length;
  }
  return meta;
}

function refuseCompressed(header: Buffer, path: string): void {
  const compression =
    header[0] === 0x1f && header[1] === 0x8b
      ? 'gzip'
      : header.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        ? 'xz'
        : header.toString('latin1', 0, 3) === 'BZh'
          ? 'bzip2'
          : null;
  if (compression !== null) {
    fail(OVA_COMPRESSED, `${path} is ${compression}-compressed; an OVA is a plain tar archive.`, `Decompress it first (for example with ${compression === 'gzip' ? 'gunzip' : compression === 'xz' ? 'unxz' : 'bunzip2'}) and open the result.`, {
      path,
      details: { compression },
    });
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.subarray(0, nul === -1 ? bytes.length : nul).toString('utf8');
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

function printable(name: string): string {
  return [...name].map((char) => (isControl(char) ? '?' : char)).join('');
}

async function readAt(handle: FileHandle, buffer: Buffer, position: number, path: string): Promise<number> {
  try {
    let total = 0;
    while (total < buffer.length) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  } catch (error) {
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
}

async function readExactly(handle: FileHandle, buffer: Buffer, position: number, path: string, headerOffset: number): Promise<void> {
  const read = await readAt(handle, buffer, position, path);
  if (read < buffer.length) garbled(path, headerOffset, 'the archive ends inside an extended header');
}

function garbled(path: string, offset: number, problem: string): never {
  return fail('OVA_GARBLED', `${path} is not a readable tar archive at byte ${offset}: ${problem}.`, GARBLED_HINT, { path, details: { offset } });
}
