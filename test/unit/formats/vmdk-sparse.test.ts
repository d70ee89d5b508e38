import { describe, expect, it } from 'vitest';
import { classifyVmdkHead, GD_AT_END, parseVmdkDescriptor } from '../../../electron/engine/formats/vmdk-descriptor';
import type { SparseHeader, VmdkFileKind } from '../../../electron/engine/formats/vmdk-descriptor';
import { failureOf, sampleHead, sampleText } from './helpers';

function sparse(kind: VmdkFileKind): { header: SparseHeader; embeddedDescriptor: string | null } {
  if (kind.kind !== 'sparse') throw new Error(`expected a sparse extent, got ${kind.kind}`);
  return kind;
}

/** A hosted sparse (KDMV) header as VMware's format defines it, for shapes qemu-img does not write. */
function kdmvHeader(fields: Partial<{ version: number; flags: number; capacity: bigint; grain: bigint; descriptorOffset: bigint; descriptorSize: bigint; gtes: number; rgd: bigint; gd: bigint; overhead: bigint; compress: number }>): Buffer {
  const header = Buffer.alloc(512);
  header.write('KDMV', 0, 'latin1');
  header.writeUInt32LE(fields.version ?? 1, 4);
  header.writeUInt32LE(fields.flags ?? 3, 8);
  header.writeBigUInt64LE(fields.capacity ?? 20480n, 12);
  header.writeBigUInt64LE(fields.grain ?? 128n, 20);
  header.writeBigUInt64LE(fields.descriptorOffset ?? 1n, 28);
  header.writeBigUInt64LE(fields.descriptorSize ?? 20n, 36);
  header.writeUInt32LE(fields.gtes ?? 512, 44);
  header.writeBigUInt64LE(fields.rgd ?? 21n, 48);
  header.writeBigUInt64LE(fields.gd ?? 26n, 56);
  header.writeBigUInt64LE(fields.overhead ?? 128n, 64);
  header.write('\n \r\n', 73, 'latin1');
  header.writeUInt16LE(fields.compress ?? 0, 77);
  return header;
}

/** An ESX "COWD" header (vmfsSparse -delta.vmdk): 2048 bytes, 32-bit fields. */
function cowdHeader(capacity: number, grain: number, gdOffset: number, gdEntries: number): Buffer {
  const header = Buffer.alloc(2048);
  header.write('COWD', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(3, 8);
  header.writeUInt32LE(capacity, 12);
  header.writeUInt32LE(grain, 16);
  header.writeUInt32LE(gdOffset, 20);
  header.writeUInt32LE(gdEntries, 24);
  header.writeUInt32LE(gdOffset + 1, 28);
  return header;
}

function withDescriptor(header: Buffer, descriptor: string, headSize = 65536): Buffer {
  const head = Buffer.alloc(headSize);
  header.copy(head, 0);
  head.write(descriptor, 512, 'utf8');
  return head;
}

describe('classifyVmdkHead on heads of files written by qemu-img 7.2', () => {
  const cases: Array<{ sample: string; header: Partial<SparseHeader>; descriptor: string | null }> = [
    {
      sample: 'vmdk/qemu-monolithicSparse.head.hex',
      header: { magic: 'KDMV', version: 1, flags: 3, capacitySectors: 20480, grainSizeSectors: 128, descriptorOffsetSectors: 1, descriptorSizeSectors: 20, numGTEsPerGT: 512, rgdOffsetSectors: 21, gdOffsetSectors: 26, overHeadSectors: 128, compressAlgorithm: 0, streamOptimized: false, uncleanShutdown: false },
      descriptor: 'vmdk/qemu-monolithicSparse.embedded.vmdk',
    },
    {
      sample: 'vmdk/qemu-streamOptimized.head.hex',
      header: { magic: 'KDMV', version: 3, flags: 0x30003, capacitySectors: 20480, gdOffsetSectors: 26, compressAlgorithm: 1, streamOptimized: true },
      descriptor: 'vmdk/qemu-streamOptimized.embedded.vmdk',
    },
    {
      sample: 'vmdk/qemu-delta-000001.head.hex',
      header: { magic: 'KDMV', version: 1, capacitySectors: 20480, overHeadSectors: 128, streamOptimized: false },
      descriptor: 'vmdk/qemu-delta-000001.embedded.vmdk',
    },
    {
      // The extents of a twoGbMaxExtentSparse disk reserve room for a descriptor but leave it empty.
      sample: 'vmdk/qemu-twoGbMaxExtentSparse-s003.head.hex',
      header: { magic: 'KDMV', capacitySectors: 827392, gdOffsetSectors: 74, overHeadSectors: 128 },
      descriptor: null,
    },
  ];

  it.each(cases)('$sample', ({ sample, header, descriptor }) => {
    const { head, fileSize } = sampleHead(sample);
    const result = sparse(classifyVmdkHead(head, fileSize));
    expect(result.header).toMatchObject(header);
    if (descriptor === null) {
      expect(result.embeddedDescriptor).toBeNull();
    } else {
      expect(result.embeddedDescriptor).toBe(sampleText(descriptor));
      expect(parseVmdkDescriptor(result.embeddedDescriptor!).createType).toMatch(/monolithicSparse|streamOptimized/);
    }
  });

  it('the delta names its parent in the embedded descriptor', () => {
    const { head, fileSize } = sampleHead('vmdk/qemu-delta-000001.head.hex');
    const descriptor = parseVmdkDescriptor(sparse(classifyVmdkHead(head, fileSize)).embeddedDescriptor!);
    expect(descriptor.parentFileNameHint).toBe('disk.vmdk');
    expect(descriptor.parentCid).toBe(parseVmdkDescriptor(sampleText('vmdk/qemu-monolithicSparse.embedded.vmdk')).cid);
  });
});

describe('classifyVmdkHead on VMware shapes', () => {
  it('an ovftool streamOptimized header with the grain directory at the end', () => {
    const header = kdmvHeader({ version: 3, flags: 0x30001, capacity: 41943040n, rgd: 0n, gd: 0xffffffffffffffffn, compress: 1 });
    const descriptor = sampleText('vmdk/ovftool-streamOptimized.embedded.vmdk');
    const result = sparse(classifyVmdkHead(withDescriptor(header, descriptor), 1_363_148_800));
    expect(result.header).toMatchObject({ gdOffsetSectors: GD_AT_END, streamOptimized: true, compressAlgorithm: 1, capacitySectors: 41943040 });
    expect(result.embeddedDescriptor).toBe(descriptor);
  });

  it('an ESX COWD delta: no embedded descriptor, 4096 entries per grain table', () => {
    const head = Buffer.alloc(65536);
    cowdHeader(16384, 1, 4, 4).copy(head);
    const result = sparse(classifyVmdkHead(head, 3 * 1024 * 1024));
    expect(result.embeddedDescriptor).toBeNull();
    expect(result.header).toMatchObject({ magic: 'COWD', version: 1, capacitySectors: 16384, grainSizeSectors: 1, numGTEsPerGT: 4096, gdOffsetSectors: 4, overHeadSectors: 5, streamOptimized: false });
  });

  it.each([
    { name: 'the monolithicFlat descriptor qemu pads with NULs', sample: 'vmdk/qemu-monolithicFlat.vmdk', extents: 1 },
    { name: 'a Workstation descriptor saved with CRLF', sample: 'vmdk/workstation-twoGbMaxExtentSparse-crlf.vmdk', extents: 3 },
    { name: 'an ESXi vmfs descriptor', sample: 'vmdk/esxi-vmfs-thick.vmdk', extents: 1 },
  ])('a text descriptor: $name', ({ sample, extents }) => {
    const bytes = Buffer.from(sampleText(sample), 'utf8');
    const result = classifyVmdkHead(bytes, bytes.length);
    if (result.kind !== 'descriptor') throw new Error(`expected a descriptor, got ${result.kind}`);
    expect(result.text).not.toMatch(/\0/);
    expect(parseVmdkDescriptor(result.text).extents).toHaveLength(extents);
  });
});

describe('classifyVmdkHead on files that are not VMDKs', () => {
  const readme = Buffer.from('This folder holds the exported VM.\nversion 2\n');
  const random = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + 13) % 251));
  const qcow2 = Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), Buffer.alloc(504)]);
  it.each([
    { name: 'a -flat.vmdk full of zeros', head: Buffer.alloc(65536), size: 10 * 1024 * 1024 },
    { name: 'random data', head: random, size: 1024 * 1024 * 1024 },
    { name: 'a qcow2 image', head: qcow2, size: 196616 },
    { name: 'a text file that is not a descriptor', head: readme, size: readme.length },
    { name: 'an empty file', head: Buffer.alloc(0), size: 0 },
  ])('$name', ({ head, size }) => {
    expect(classifyVmdkHead(head, size)).toEqual({ kind: 'not-vmdk' });
  });

  it('refuses a "descriptor" far larger than a descriptor can be', () => {
    const head = Buffer.from(sampleText('vmdk/esxi-vmfs-thick.vmdk'));
    const error = failureOf(() => classifyVmdkHead(head, 8 * 1024 * 1024 * 1024, 'web01.vmdk'));
    expect(error.code).toBe('VMDK_GARBLED');
    expect(error.evidence?.path).toBe('web01.vmdk');
  });
});

describe('classifyVmdkHead detects truncated copies', () => {
  const real = sampleHead('vmdk/qemu-monolithicSparse.head.hex');

  it.each([
    { name: 'cut inside the 512-byte header', size: 300, says: /ends inside its sparse header/ },
    { name: 'cut inside the metadata', size: 40_000, says: /at least 65536 bytes long to hold its metadata/ },
    // qemu wrote the one data grain at sector 128, so the real file is exactly 128 KiB.
    { name: 'cut after the metadata, inside the data grain', size: 100_000, says: /at least 131072 bytes long to hold its data grains/ },
  ])('a real monolithicSparse file $name', ({ size, says }) => {
    const error = failureOf(() => classifyVmdkHead(real.head.subarray(0, Math.min(size, real.head.length)), size, 'disk.vmdk'));
    expect(error.code).toBe('VMDK_TRUNCATED');
    expect(error.kind).toBe('bad-input');
    expect(error.message).toMatch(says);
    expect(error.evidence?.details?.fileSize).toBe(size);
  });

  it('the real file at its full size is fine', () => {
    expect(classifyVmdkHead(real.head, real.fileSize).kind).toBe('sparse');
  });

  it('a header whose grain directory is beyond the end of the file', () => {
    const header = kdmvHeader({ gd: 100_000n });
    const error = failureOf(() => classifyVmdkHead(withDescriptor(header, ''), 131072));
    expect(error.code).toBe('VMDK_TRUNCATED');
    expect(error.message).toMatch(/at least 51200004 bytes long to hold its grain directory/);
  });

  it('a grain directory pointing at a grain table beyond the end of the file', () => {
    const head = Buffer.from(real.head);
    head.writeUInt32LE(5000, 26 * 512); // the first grain directory entry
    const error = failureOf(() => classifyVmdkHead(head, real.fileSize));
    expect(error.code).toBe('VMDK_TRUNCATED');
    expect(error.message).toMatch(/grain tables/);
  });

  it('a VMware stream without room for its footer', () => {
    const header = kdmvHeader({ version: 3, flags: 0x30001, gd: 0xffffffffffffffffn, compress: 1 });
    expect(failureOf(() => classifyVmdkHead(withDescriptor(header, ''), 65536)).code).toBe('VMDK_TRUNCATED');
    expect(classifyVmdkHead(withDescriptor(header, ''), 65536 + 1536).kind).toBe('sparse');
  });

  it('a COWD delta whose grain directory is beyond the end of the file', () => {
    const head = Buffer.alloc(4096);
    cowdHeader(16384, 1, 4000, 4).copy(head);
    expect(failureOf(() => classifyVmdkHead(head, 4096)).code).toBe('VMDK_TRUNCATED');
  });
});

describe('classifyVmdkHead refuses impossible headers', () => {
  it.each([
    { name: 'an unknown version', header: kdmvHeader({ version: 9 }), says: /version 9/ },
    { name: 'a grain size that is not a power of two', header: kdmvHeader({ grain: 100n }), says: /grain size \(100 sectors\)/ },
    { name: 'grain tables of zero entries', header: kdmvHeader({ gtes: 0 }), says: /0 entries/ },
    { name: 'a capacity beyond 2^53', header: kdmvHeader({ capacity: 1n << 60n }), says: /capacity field/ },
    { name: 'no grain directory', header: kdmvHeader({ gd: 0n }), says: /no grain directory/ },
    { name: 'a COWD directory too small for the capacity', header: cowdHeader(16384, 1, 4, 1), says: /cannot cover/ },
  ])('$name', ({ header, says }) => {
    const error = failureOf(() => classifyVmdkHead(withDescriptor(header, '', 4096), 1 << 30));
    expect(error.code).toBe('VMDK_GARBLED');
    expect(error.message).toMatch(says);
  });

  it('a file copied in text mode (CRLF rewritten to LF in the header test bytes)', () => {
    const head = Buffer.from(real());
    head.write('\n \n\n', 73, 'latin1');
    const error = failureOf(() => classifyVmdkHead(head, 131072));
    expect(error.code).toBe('VMDK_GARBLED');
    expect(error.hint).toMatch(/binary mode/);
  });

  function real(): Buffer {
    return sampleHead('vmdk/qemu-monolithicSparse.head.hex').head;
  }
});

describe('classifyVmdkHead stays fast on hostile heads (found while writing the fuzz tests, issue 11)', () => {
  it('a grain directory whose 16 256 entries all name one table of 16 256 entries', () => {
    // Directory and table overlap at sector 1 of a 64 KiB head; walking every entry's table
    // used to cost 264 million reads (about 6 s), now each table is walked once.
    const gtes = 16256;
    const head = Buffer.alloc(65536);
    for (let at = 512; at < head.length; at += 4) head.writeUInt32LE(1, at);
    kdmvHeader({ flags: 0, capacity: BigInt(gtes) * BigInt(gtes), grain: 1n, descriptorOffset: 0n, descriptorSize: 0n, gtes, rgd: 0n, gd: 1n, overhead: 128n }).copy(head, 0, 0, 512);
    const started = performance.now();
    expect(classifyVmdkHead(head, 2 ** 40).kind).toBe('sparse');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
