import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../shared/contract/errors';
import { chainFiles, locationOf, localNameFor, planLink, qemuSourceSpec, rewriteDescriptor, servedChain, siblingPath } from '../../../electron/engine/vcenter/chain-plan';
import type { ChainLinkPlan } from '../../../electron/engine/vcenter/chain-plan';
import { EngineFailure } from '../../../electron/engine/core/errors';

function failure(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected a failure');
}

// Descriptors as qemu-img and ESXi write them.
const MONOLITHIC_FLAT = `# Disk DescriptorFile
version=1
CID=8f00e8cc
parentCID=ffffffff
createType="monolithicFlat"

# Extent description
RW 5242880 FLAT "web 01-flat.vmdk" 0

# The Disk Data Base
#DDB

ddb.virtualHWVersion = "4"
ddb.geometry.cylinders = "5221"
ddb.adapterType = "lsilogic"
`;

const TWO_GB_SPARSE = `# Disk DescriptorFile
version=1
CID=52d3e0e6
parentCID=ffffffff
createType="twoGbMaxExtentSparse"

# Extent description
RW 4194304 SPARSE "disk-s001.vmdk"
RW 1048576 SPARSE "disk-s002.vmdk"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
`;

const ESXI_DELTA = `# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=a1b2c3d4
parentCID=fedcba98
isNativeSnapshot="no"
createType="vmfsSparse"
parentFileNameHint="/vmfs/volumes/5f1e-aa/base vm/base vm.vmdk"
# Extent description
RW 41943040 VMFSSPARSE "web01-000001-delta.vmdk"

# The Disk Data Base
#DDB

ddb.longContentID = "0123456789abcdef0123456789abcdef"
`;

const WITH_ZERO_AND_READONLY = `# Disk DescriptorFile
version=1
CID=11111111
parentCID=ffffffff
createType="monolithicFlat"
RW 2048 FLAT "a-flat.vmdk" 0
RW 1024 ZERO
RDONLY 2048 FLAT "b-flat.vmdk" 0
RW 2048 FLAT "c-flat.vmdk" 0
`;

const RDM = `# Disk DescriptorFile
version=1
CID=22222222
parentCID=ffffffff
createType="vmfsRawDeviceMap"
RW 2097152 VMFSRDM "db-rdm.vmdk"
`;

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('a chain link from the head of its descriptor', () => {
  it.each([
    ['monolithicFlat (a name with a space)', MONOLITHIC_FLAT, '[ds1] web 01/web 01.vmdk', { kind: 'text', createType: 'monolithicFlat', extents: ['[ds1] web 01/web 01-flat.vmdk'], parentHint: null }],
    ['twoGbMaxExtentSparse', TWO_GB_SPARSE, '[ds1] vm/disk.vmdk', { kind: 'text', createType: 'twoGbMaxExtentSparse', extents: ['[ds1] vm/disk-s001.vmdk', '[ds1] vm/disk-s002.vmdk'], parentHint: null }],
    ['an ESXi snapshot delta naming its parent by absolute /vmfs path', ESXI_DELTA, '[ds1] web01/web01-000001.vmdk', { kind: 'text', createType: 'vmfsSparse', extents: ['[ds1] web01/web01-000001-delta.vmdk'], parentHint: '[5f1e-aa] base vm/base vm.vmdk' }],
    ['ZERO and read-only extents (qemu does not open them)', WITH_ZERO_AND_READONLY, '[ds1] x/x.vmdk', { kind: 'text', extents: ['[ds1] x/a-flat.vmdk', '[ds1] x/c-flat.vmdk'] }],
  ])('%s', (_name, descriptor, dsPath, expected) => {
    expect(planLink(dsPath, text(descriptor), descriptor.length)).toMatchObject({ descriptor: dsPath, ...expected });
  });

  it('refuses raw device mappings, empty files and files that are not VMDKs', () => {
    expect(failure(() => planLink('[ds1] db/db.vmdk', text(RDM), RDM.length)).code).toBe('VCENTER_DISK_UNSUPPORTED');
    expect(failure(() => planLink('[ds1] db/db.vmdk', Buffer.alloc(0), 0)).message).toContain('is empty');
    expect(failure(() => planLink('[ds1] db/db-flat.vmdk', Buffer.alloc(4096, 0x55), 1 << 30)).code).toBe('VCENTER_DISK_UNSUPPORTED');
  });

  it('reads a hosted sparse header with its embedded descriptor and remembers where that sits', () => {
    const embedded = `# Disk DescriptorFile\nversion=1\nCID=2b2b2b2b\nparentCID=1a1a1a1a\ncreateType="monolithicSparse"\nparentFileNameHint="base.vmdk"\nRW 4096 SPARSE "base-000001.vmdk"\n`;
    const head = Buffer.alloc(64 * 1024);
    head.write('KDMV', 0, 'latin1');
    head.writeUInt32LE(1, 4); // version
    head.writeUInt32LE(3, 8); // flags: valid newline test, redundant grain table
    head.writeBigUInt64LE(4096n, 12); // capacity (sectors)
    head.writeBigUInt64LE(128n, 20); // grain size
    head.writeBigUInt64LE(1n, 28); // descriptor offset
    head.writeBigUInt64LE(20n, 36); // descriptor size
    head.writeUInt32LE(512, 44); // GTEs per GT
    head.writeBigUInt64LE(21n, 48); // redundant GD
    head.writeBigUInt64LE(22n, 56); // GD
    head.writeBigUInt64LE(128n, 64); // overhead
    head.write('\n \r\n', 73, 'latin1');
    head.write(embedded, 512, 'latin1');
    const link = planLink('[ds1] vm/disk1.vmdk', head, 128 * 512);
    expect(link).toMatchObject({ kind: 'sparse', createType: 'monolithicSparse', extents: [], parentHint: '[ds1] vm/base.vmdk', embedded: { offset: 512, length: 20 * 512 } });
    expect(link.descriptorText).toContain('parentFileNameHint="base.vmdk"');
  });
});

describe('file names inside descriptors as datastore paths', () => {
  it.each([
    ['[ds1] web01/web01.vmdk', 'web01-flat.vmdk', '[ds1] web01/web01-flat.vmdk'],
    ['[ds1] web01/web01.vmdk', '../base/base.vmdk', '[ds1] base/base.vmdk'],
    ['[ds1] web01.vmdk', 'web01-flat.vmdk', '[ds1] web01-flat.vmdk'],
    ['[ds1] web01/web01.vmdk', '/vmfs/volumes/ds2/gold/gold.vmdk', '[ds2] gold/gold.vmdk'],
    ['[my ds] a b/c d.vmdk', 'c d-flat.vmdk', '[my ds] a b/c d-flat.vmdk'],
  ])('%s names %s → %s', (descriptor, name, expected) => {
    expect(siblingPath(descriptor, name)).toBe(expected);
  });

  it.each([
    ['../../etc/passwd', 'climbs out of the datastore'],
    ['/etc/passwd', 'absolute path outside /vmfs/volumes'],
  ])('refuses %s (%s)', (name) => {
    expect(failure(() => siblingPath('[ds1] web01/web01.vmdk', name)).code).toBe('VCENTER_DISK_UNSUPPORTED');
  });

  it('locates a file for /folder and gives it a flat local name', () => {
    expect(locationOf('[ds 1] web01/web01-flat.vmdk', 'Europe/DC1')).toEqual({ datacenterPath: 'Europe/DC1', datastore: 'ds 1', path: 'web01/web01-flat.vmdk' });
    expect(localNameFor('[ds 1] web 01/web01-flat.vmdk')).toBe('ds_1__web_01__web01-flat.vmdk');
    expect(localNameFor('[ds1] a/../b.vmdk')).toBe('ds1__a__b.vmdk');
  });
});

describe('what qemu-img reads', () => {
  const top = planLink('[ds1] web01/web01-000001.vmdk', text(ESXI_DELTA), ESXI_DELTA.length);
  const base = planLink('[5f1e-aa] base vm/base vm.vmdk', text(MONOLITHIC_FLAT), MONOLITHIC_FLAT.length);
  const chain: ChainLinkPlan[] = [top, base];

  it('lists the chain files once each, descriptors with their extents', () => {
    expect(chainFiles(chain)).toEqual(['[ds1] web01/web01-000001.vmdk', '[ds1] web01/web01-000001-delta.vmdk', '[5f1e-aa] base vm/base vm.vmdk', '[5f1e-aa] base vm/web 01-flat.vmdk']);
  });

  it('serves every file under a short name and rewrites the descriptors to use them', () => {
    const served = servedChain(chain);
    expect([...served.names.values()]).toEqual(['l0.vmdk', 'l0e0.vmdk', 'l1.vmdk', 'l1e0.vmdk']);
    const topText = (served.rewrites[0] as { text: Buffer }).text.toString();
    expect(topText).toContain('RW 41943040 VMFSSPARSE "l0e0.vmdk"');
    expect(topText).toContain('parentFileNameHint="l1.vmdk"');
    // Content ids are what qemu checks between links: untouched.
    expect(topText).toContain('parentCID=fedcba98');
    const baseText = (served.rewrites[1] as { text: Buffer }).text.toString();
    expect(baseText).toContain('RW 5242880 FLAT "l1e0.vmdk" 0');
    expect(baseText.split('\n').length).toBe(MONOLITHIC_FLAT.split('\n').length);
  });

  it('patches an embedded descriptor in place, padded to its room', () => {
    const sparse: ChainLinkPlan = { descriptor: '[ds1] vm/disk1.vmdk', kind: 'sparse', createType: 'monolithicSparse', extents: [], parentHint: '[ds1] vm/base.vmdk', descriptorText: 'parentCID=1a1a1a1a\nparentFileNameHint="a very long original parent name.vmdk"\n', embedded: { offset: 512, length: 1024 } };
    const parent: ChainLinkPlan = { ...sparse, descriptor: '[ds1] vm/base.vmdk', parentHint: null, descriptorText: 'parentCID=ffffffff\n' };
    const rewrite = servedChain([sparse, parent]).rewrites[0] as { kind: string; offset: number; bytes: Buffer };
    expect(rewrite.kind).toBe('embedded');
    expect(rewrite.offset).toBe(512);
    expect(rewrite.bytes.length).toBe(1024);
    expect(rewrite.bytes.toString('latin1').replace(/\0+$/, '')).toBe('parentCID=1a1a1a1a\nparentFileNameHint="l1.vmdk"\n');
  });

  it.each([
    ['keeps ZERO and read-only extents as they are', WITH_ZERO_AND_READONLY, ['n0.vmdk', 'n1.vmdk'], null, ['RW 2048 FLAT "n0.vmdk" 0', 'RW 1024 ZERO', 'RDONLY 2048 FLAT "b-flat.vmdk" 0', 'RW 2048 FLAT "n1.vmdk" 0']],
    ['leaves a descriptor without parent without a hint', TWO_GB_SPARSE, ['s1', 's2'], null, ['RW 4194304 SPARSE "s1"', 'RW 1048576 SPARSE "s2"']],
  ])('%s', (_name, descriptor, names, parent, lines) => {
    const out = rewriteDescriptor(descriptor, names, parent);
    for (const line of lines) expect(out.split('\n')).toContain(line);
    expect(out).not.toContain('parentFileNameHint');
  });

  it('gives qemu the top by URL and every extent and parent the same HTTP tuning', () => {
    const spec = qemuSourceSpec(chain, 'http://127.0.0.1:1/t/disk1/l0.vmdk', { readahead: 1024, timeoutSeconds: 60 });
    expect(spec).toEqual({
      driver: 'vmdk',
      file: { driver: 'http', url: 'http://127.0.0.1:1/t/disk1/l0.vmdk', readahead: 1024, timeout: 60 },
      'extents.0': { driver: 'raw', file: { driver: 'http', readahead: 1024, timeout: 60 } },
      backing: {
        driver: 'vmdk',
        file: { driver: 'http', readahead: 1024, timeout: 60 },
        'extents.0': { driver: 'raw', file: { driver: 'http', readahead: 1024, timeout: 60 } },
      },
    });
  });
});
