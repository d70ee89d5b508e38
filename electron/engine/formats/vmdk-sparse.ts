import { fail } from '../core/errors';

/**
 * Recognises what a file that claims to be a VMDK really is, from its first bytes:
 *  - a hosted sparse extent ("KDMV": Workstation/Fusion/ovftool monolithicSparse, twoGbMaxExtentSparse
 *    extents, streamOptimized), with the descriptor embedded after the header when there is one;
 *  - an ESX 2.x–6.x "COWD" sparse extent (the -delta.vmdk of vmfsSparse snapshots), which has no
 *    embedded descriptor;
 *  - a text descriptor;
 *  - none of these (a -flat.vmdk of raw data, or something else entirely).
 * All integers in the headers are little-endian. Only the head of the file is looked at, so a
 * truncation is detected when the metadata (grain directories, the streamOptimized footer) or
 * whatever the head's grain tables point at would lie beyond the end of the file; for big disks
 * whose tables lie further on, `qemu-img check` finds the rest.
 */

export const SECTOR_BYTES = 512;
/** gdOffsetSectors of a streamOptimized header whose grain directory is in the footer at the end of the file. */
export const GD_AT_END = -1;

export interface SparseHeader {
  magic: 'KDMV' | 'COWD';
  version: number;
  flags: number;
  capacitySectors: number;
  grainSizeSectors: number;
  descriptorOffsetSectors: number;
  descriptorSizeSectors: number;
  numGTEsPerGT: number;
  /** GD_AT_END (-1) when the grain directory is in the footer (streamOptimized written by VMware). */
  gdOffsetSectors: number;
  /**
   * Sectors of metadata before the first grain. For COWD, which allocates grain tables lazily, this
   * is the end of the grain directory.
   */
  overHeadSectors: number;
  compressAlgorithm: number;
  /** compressAlgorithm is deflate (1) and/or the grain directory is at the end. */
  streamOptimized: boolean;
  /** The redundant grain directory (KDMV, 0 when there is none). */
  rgdOffsetSectors: number;
  /** VMware had the disk open when the host stopped: the disk may need a consistency check. */
  uncleanShutdown: boolean;
}

export type VmdkFileKind =
  | { kind: 'descriptor'; text: string }
  | { kind: 'sparse'; header: SparseHeader; embeddedDescriptor: string | null }
  | { kind: 'not-vmdk' };

const KDMV_MAGIC = 0x564d444b; // "KDMV" read as a little-endian uint32
const COWD_MAGIC = 0x44574f43; // "COWD"
const KDMV_HEADER_BYTES = 512;
const COWD_HEADER_BYTES = 2048;
const COWD_GTES_PER_GT = 4096;
/** Footer marker, footer and end-of-stream marker: the last three sectors of a VMware stream. */
const STREAM_TAIL_BYTES = 3 * SECTOR_BYTES;
const FLAG_VALID_NEWLINE_TEST = 1 << 0;
const FLAG_REDUNDANT_GRAIN_TABLE = 1 << 1;
const COMPRESSION_DEFLATE = 1;
/** Largest grain VMware or qemu write is 2 MiB; anything far beyond that is a damaged header. */
const MAX_GRAIN_SECTORS = 1 << 17;
const MAX_GTES_PER_GT = 1 << 16;

/** Descriptors are a few hundred bytes; a twoGbMaxExtent disk of 64 TB still fits in far less than this. */
const HEAD_HINT = 'Pass at least the first 64 KiB of the file.';

/**
 * Classifies a file from its head (the first up to 64 KiB) and its size. Throws VMDK_TRUNCATED when
 * the header says the file must be larger than it is, VMDK_GARBLED when a header is internally
 * impossible.
 */
export function classifyVmdkHead(head: Buffer, fileSize: number, source?: string): VmdkFileKind {
  const available = Math.min(head.length, fileSize);
  if (available < 4) return { kind: 'not-vmdk' };
  const magic = head.readUInt32LE(0);
  if (magic === KDMV_MAGIC) return readHostedSparse(head, fileSize, source);
  if (magic === COWD_MAGIC) return readCowd(head, fileSize, source);
  const text = textDescriptor(head.subarray(0, available));
  if (text === null) return { kind: 'not-vmdk' };
  if (fileSize > head.length) {
    fail(
      'VMDK_GARBLED',
      `${name(source)} starts like a VMDK descriptor but is ${fileSize} bytes long; descriptors are small text files.`,
      'Check that this is the descriptor and not a disk image renamed to .vmdk.',
      evidence(source, { fileSize, bytesRead: head.length }),
    );
  }
  return { kind: 'descriptor', text };
}

function readHostedSparse(head: Buffer, fileSize: number, source: string | undefined): VmdkFileKind {
  requireHeader(head, fileSize, KDMV_HEADER_BYTES, source);
  const version = head.readUInt32LE(4);
  const flags = head.readUInt32LE(8);
  const capacitySectors = u64(head, 12, 'capacity', source);
  const grainSizeSectors = u64(head, 20, 'grain size', source);
  const descriptorOffsetSectors = u64(head, 28, 'descriptor offset', source);
  const descriptorSizeSectors = u64(head, 36, 'descriptor size', source);
  const numGTEsPerGT = head.readUInt32LE(44);
  const rgdOffsetSectors = u64(head, 48, 'redundant grain directory offset', source);
  const gdAtEnd = head.readBigUInt64LE(56) === 0xffffffffffffffffn;
  const gdOffsetSectors = gdAtEnd ? GD_AT_END : u64(head, 56, 'grain directory offset', source);
  const overHeadSectors = u64(head, 64, 'overhead', source);
  const uncleanShutdown = head[72] !== 0;
  const compressAlgorithm = head.readUInt16LE(77);

  if (version < 1 || version > 3) garbledHeader(source, `its sparse header has version ${version}; versions 1 to 3 exist`);
  if ((flags & FLAG_VALID_NEWLINE_TEST) !== 0 && head.toString('latin1', 73, 77) !== '\n \r\n') {
    fail(
      'VMDK_GARBLED',
      `${name(source)} was damaged in transfer: the line-ending test bytes in its header were rewritten.`,
      'The file was copied in text (ASCII) mode. Copy it again in binary mode (scp, rsync, or FTP in binary mode).',
      evidence(source, { newlineBytes: head.subarray(73, 77).toString('hex') }),
    );
  }
  if (!isPowerOfTwo(grainSizeSectors) || grainSizeSectors > MAX_GRAIN_SECTORS) garbledHeader(source, `its grain size (${grainSizeSectors} sectors) is impossible`);
  if (numGTEsPerGT === 0 || numGTEsPerGT > MAX_GTES_PER_GT) garbledHeader(source, `its grain tables would hold ${numGTEsPerGT} entries`);
  if (!gdAtEnd && gdOffsetSectors === 0) garbledHeader(source, 'it has no grain directory');
  if (descriptorSizeSectors > 0 && descriptorOffsetSectors > 0 && descriptorOffsetSectors * SECTOR_BYTES < KDMV_HEADER_BYTES) {
    garbledHeader(source, 'its embedded descriptor overlaps the header');
  }

  const header: SparseHeader = {
    magic: 'KDMV',
    version,
    flags,
    capacitySectors,
    grainSizeSectors,
    descriptorOffsetSectors,
    descriptorSizeSectors,
    numGTEsPerGT,
    gdOffsetSectors,
    overHeadSectors,
    compressAlgorithm,
    streamOptimized: compressAlgorithm === COMPRESSION_DEFLATE || gdAtEnd,
    rgdOffsetSectors,
    uncleanShutdown,
  };

  const directoryBytes = Math.ceil(capacitySectors / (grainSizeSectors * numGTEsPerGT)) * 4;
  const descriptorEnd = descriptorOffsetSectors > 0 ? (descriptorOffsetSectors + descriptorSizeSectors) * SECTOR_BYTES : 0;
  const needs: Array<[string, number]> = [
    ['its header', KDMV_HEADER_BYTES],
    ['its embedded descriptor', descriptorEnd],
  ];
  if (gdAtEnd) {
    // VMware's streams keep the grain directory in a footer: header, overhead, at least the three tail sectors.
    needs.push(['its metadata and the stream footer', overHeadSectors * SECTOR_BYTES + STREAM_TAIL_BYTES]);
  } else {
    needs.push(['its metadata (header, descriptor, grain directories and tables)', overHeadSectors * SECTOR_BYTES]);
    needs.push(['its grain directory', gdOffsetSectors * SECTOR_BYTES + directoryBytes]);
    if ((flags & FLAG_REDUNDANT_GRAIN_TABLE) !== 0 && rgdOffsetSectors > 0) {
      needs.push(['its redundant grain directory', rgdOffsetSectors * SECTOR_BYTES + directoryBytes]);
    }
    const grainBytes = compressAlgorithm === COMPRESSION_DEFLATE ? SECTOR_BYTES : grainSizeSectors * SECTOR_BYTES;
    const reach = furthestReference(head, gdOffsetSectors * SECTOR_BYTES, directoryBytes, numGTEsPerGT, grainBytes);
    if (reach !== null) needs.push(['its grain tables', reach.tables], ['its data grains', reach.grains]);
  }
  requireSize(needs, fileSize, source);

  return { kind: 'sparse', header, embeddedDescriptor: embeddedDescriptor(head, descriptorOffsetSectors, descriptorSizeSectors) };
}

/**
 * The grain directory lists the sectors of the grain tables, and the tables those of the grains.
 * Whatever of them lies within the head is followed, so a copy cut off after its metadata is
 * caught too (for small disks all of it; for big ones the first tables). A compressed grain's
 * length is only known from its marker, so it is counted as one sector.
 */
function furthestReference(head: Buffer, directoryStart: number, directoryBytes: number, numGTEsPerGT: number, grainBytes: number): { tables: number; grains: number } | null {
  if (directoryStart + directoryBytes > head.length) return null;
  let tables = 0;
  let grains = 0;
  // Each table is walked once: a directory whose thousands of entries name the same table would
  // otherwise cost entries × table size (seconds for a 64 KiB head).
  const walked = new Set<number>();
  for (let at = directoryStart; at < directoryStart + directoryBytes; at += 4) {
    const tableSector = head.readUInt32LE(at);
    if (tableSector === 0 || walked.has(tableSector)) continue;
    walked.add(tableSector);
    const tableStart = tableSector * SECTOR_BYTES;
    const tableEnd = tableStart + numGTEsPerGT * 4;
    tables = Math.max(tables, tableEnd);
    if (tableEnd > head.length) continue;
    for (let entry = tableStart; entry < tableEnd; entry += 4) {
      const grainSector = head.readUInt32LE(entry);
      // Sector 1 marks a grain of zeros in VMware's format, not data.
      if (grainSector > 1) grains = Math.max(grains, grainSector * SECTOR_BYTES + grainBytes);
    }
  }
  return { tables, grains };
}

function readCowd(head: Buffer, fileSize: number, source: string | undefined): VmdkFileKind {
  requireHeader(head, fileSize, 32, source);
  const version = head.readUInt32LE(4);
  const flags = head.readUInt32LE(8);
  const capacitySectors = head.readUInt32LE(12);
  const grainSizeSectors = head.readUInt32LE(16);
  const gdOffsetSectors = head.readUInt32LE(20);
  const gdEntries = head.readUInt32LE(24);
  // uncleanShutdown sits after the parent name, generation, name, description and reserved fields.
  const uncleanShutdown = head.length >= 1652 ? head.readUInt32LE(1648) !== 0 : false;

  if (grainSizeSectors === 0 || grainSizeSectors > MAX_GRAIN_SECTORS) garbledHeader(source, `its grain size (${grainSizeSectors} sectors) is impossible`);
  if (gdEntries === 0 || gdOffsetSectors === 0) garbledHeader(source, 'it has no grain directory');
  if (gdEntries * COWD_GTES_PER_GT * grainSizeSectors < capacitySectors) {
    garbledHeader(source, `its grain directory (${gdEntries} entries) cannot cover its capacity of ${capacitySectors} sectors`);
  }

  const directoryEnd = gdOffsetSectors * SECTOR_BYTES + gdEntries * 4;
  requireSize(
    [
      ['its header', COWD_HEADER_BYTES],
      ['its grain directory', directoryEnd],
    ],
    fileSize,
    source,
  );
  const header: SparseHeader = {
    magic: 'COWD',
    version,
    flags,
    capacitySectors,
    grainSizeSectors,
    descriptorOffsetSectors: 0,
    descriptorSizeSectors: 0,
    numGTEsPerGT: COWD_GTES_PER_GT,
    gdOffsetSectors,
    overHeadSectors: Math.ceil(directoryEnd / SECTOR_BYTES),
    compressAlgorithm: 0,
    streamOptimized: false,
    rgdOffsetSectors: 0,
    uncleanShutdown,
  };
  return { kind: 'sparse', header, embeddedDescriptor: null };
}

/** The embedded descriptor, NUL-terminated; null when there is none or it does not end inside the head. */
function embeddedDescriptor(head: Buffer, offsetSectors: number, sizeSectors: number): string | null {
  if (offsetSectors === 0 || sizeSectors === 0) return null;
  const start = offsetSectors * SECTOR_BYTES;
  const end = start + sizeSectors * SECTOR_BYTES;
  if (start >= head.length) return null;
  const region = head.subarray(start, Math.min(end, head.length));
  const nul = region.indexOf(0);
  if (nul === -1 && end > head.length) return null;
  const text = region.subarray(0, nul === -1 ? region.length : nul).toString('utf8');
  return text.trim() === '' ? null : text;
}

/** The text of a descriptor file, or null when the bytes are not one. */
function textDescriptor(bytes: Buffer): string | null {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i]!;
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f) return null;
  }
  const text = bytes.subarray(0, end).toString('utf8');
  const looksLikeOne = /^\uFEFF?\s*#\s*Disk DescriptorFile/i.test(text) || /^\s*createType\s*=/im.test(text);
  return looksLikeOne ? text : null;
}

function requireHeader(head: Buffer, fileSize: number, bytes: number, source: string | undefined): void {
  if (fileSize < bytes) {
    fail('VMDK_TRUNCATED', `${name(source)} ends inside its sparse header (${fileSize} of ${bytes} bytes).`, TRUNCATED_HINT, evidence(source, { fileSize }));
  }
  if (head.length < bytes) fail('INTERNAL', `Only ${head.length} bytes of ${name(source)} were read to classify it.`, HEAD_HINT);
}

/** Checks the needs in file order and reports the first one the file is too short for. */
function requireSize(needs: Array<[string, number]>, fileSize: number, source: string | undefined): void {
  const missing = needs.find(([, bytes]) => bytes > fileSize);
  if (missing) {
    const [what, bytes] = missing;
    fail(
      'VMDK_TRUNCATED',
      `${name(source)} is cut short: it must be at least ${bytes} bytes long to hold ${what}, but it has ${fileSize}.`,
      TRUNCATED_HINT,
      evidence(source, { fileSize, requiredBytes: bytes, reason: what }),
    );
  }
}

const TRUNCATED_HINT = 'The copy is incomplete. Copy the disk again from its source and check that the sizes match.';

function garbledHeader(source: string | undefined, problem: string): never {
  return fail('VMDK_GARBLED', `${name(source)} has a damaged sparse header: ${problem}.`, 'The disk file is damaged. Copy it again from its source, or export the VM again.', evidence(source));
}

/** A 64-bit header field; values beyond 2^53 cannot be real sector counts. */
function u64(head: Buffer, offset: number, field: string, source: string | undefined): number {
  const value = head.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) garbledHeader(source, `its ${field} field holds an impossible value`);
  return Number(value);
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && Number.isInteger(Math.log2(value));
}

function name(source: string | undefined): string {
  return source ?? 'The VMDK file';
}

function evidence(source: string | undefined, details?: Record<string, unknown>): { path?: string; details?: Record<string, unknown> } {
  return { ...(source === undefined ? {} : { path: source }), ...(details === undefined ? {} : { details }) };
}
