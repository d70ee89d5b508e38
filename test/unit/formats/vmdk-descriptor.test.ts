import { describe, expect, it } from 'vitest';
import { parseVmdkDescriptor } from '../../../electron/engine/formats/vmdk-descriptor';
import type { VmdkExtent } from '../../../electron/engine/formats/vmdk-descriptor';
import { failureOf, sampleText } from './helpers';

const SECTOR = 512;

interface Expected {
  sample: string;
  createType: string;
  cid: string;
  parentCid: string;
  parentFileNameHint: string | null;
  extents: VmdkExtent[];
  ddb: Record<string, string>;
}

const rw = (sizeSectors: number, type: VmdkExtent['type'], fileName: string | null, offsetSectors = 0): VmdkExtent => ({
  access: 'RW',
  sizeSectors,
  type,
  fileName,
  offsetSectors,
});

const samples: Expected[] = [
  {
    sample: 'vmdk/qemu-monolithicFlat.vmdk',
    createType: 'monolithicFlat',
    cid: '361e1fce',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(20480, 'FLAT', 'disk-flat.vmdk')],
    ddb: { adapterType: 'ide', 'geometry.cylinders': '20', 'geometry.heads': '16', 'geometry.sectors': '63', virtualHWVersion: '4' },
  },
  {
    sample: 'vmdk/qemu-twoGbMaxExtentSparse.vmdk',
    createType: 'twoGbMaxExtentSparse',
    cid: '8de3a89e',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(4194304, 'SPARSE', 'big-s001.vmdk'), rw(4194304, 'SPARSE', 'big-s002.vmdk'), rw(827392, 'SPARSE', 'big-s003.vmdk')],
    ddb: { adapterType: 'lsilogic', 'geometry.cylinders': '573', 'geometry.heads': '255' },
  },
  {
    sample: 'vmdk/qemu-twoGbMaxExtentFlat.vmdk',
    createType: 'twoGbMaxExtentFlat',
    cid: 'cd792671',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(4194304, 'FLAT', 'big-f001.vmdk'), rw(4194304, 'FLAT', 'big-f002.vmdk'), rw(827392, 'FLAT', 'big-f003.vmdk')],
    ddb: { adapterType: 'ide', 'geometry.cylinders': '9142' },
  },
  {
    sample: 'vmdk/qemu-monolithicSparse.embedded.vmdk',
    createType: 'monolithicSparse',
    cid: '46ff24ed',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(20480, 'SPARSE', 'disk.vmdk')],
    ddb: { adapterType: 'ide', toolsVersion: '2147483647' },
  },
  {
    sample: 'vmdk/qemu-streamOptimized.embedded.vmdk',
    createType: 'streamOptimized',
    cid: '64c7ab94',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(20480, 'SPARSE', 'disk.vmdk')],
    ddb: { adapterType: 'ide' },
  },
  {
    sample: 'vmdk/qemu-delta-000001.embedded.vmdk',
    createType: 'monolithicSparse',
    cid: '619fc930',
    parentCid: '46ff24ed',
    parentFileNameHint: 'disk.vmdk',
    extents: [rw(20480, 'SPARSE', 'disk-000001.vmdk')],
    ddb: { adapterType: 'ide' },
  },
  {
    sample: 'vmdk/esxi-vmfs-thick.vmdk',
    createType: 'vmfs',
    cid: '4b98b55b',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(83886080, 'VMFS', 'web01-flat.vmdk')],
    ddb: { adapterType: 'lsilogic', thinProvisioned: '1', uuid: '60 00 C2 9a 13 55 23 8b-4f 6e 61 3c 1b 7f 44 2e', longContentID: '4b98b55ba6a6bc2e8fd6eb368f67ca74', virtualHWVersion: '19' },
  },
  {
    sample: 'vmdk/esxi-vmfsSparse-delta.vmdk',
    createType: 'vmfsSparse',
    cid: '8f67ca74',
    parentCid: '4b98b55b',
    parentFileNameHint: 'web01.vmdk',
    extents: [rw(83886080, 'VMFSSPARSE', 'web01-000001-delta.vmdk')],
    ddb: { longContentID: 'd1c4d0a5a8b5f5d2c0e6bbd88f67ca74' },
  },
  {
    sample: 'vmdk/esxi-seSparse-delta.vmdk',
    createType: 'seSparse',
    cid: 'f1d2c3b4',
    parentCid: '4b98b55b',
    parentFileNameHint: '/vmfs/volumes/5e8c1a2b-7d3f4e10-9a1b-0050569a1b2c/web01/web01.vmdk',
    extents: [rw(83886080, 'SESPARSE', 'web01-000002-sesparse.vmdk')],
    ddb: { grain: '8' },
  },
  {
    sample: 'vmdk/esxi-rdm-virtual.vmdk',
    createType: 'vmfsRawDeviceMap',
    cid: '1ddd5c91',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(1048576000, 'VMFSRDM', 'sql01_1-rdm.vmdk')],
    ddb: { longContentID: '' },
  },
  {
    sample: 'vmdk/esxi-rdm-physical.vmdk',
    createType: 'vmfsPassthroughRawDeviceMap',
    cid: '6c6fb67d',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(1048576000, 'VMFSRDM', 'sql01_2-rdmp.vmdk')],
    ddb: { virtualHWVersion: '11' },
  },
  {
    sample: 'vmdk/workstation-monolithicSparse.embedded.vmdk',
    createType: 'monolithicSparse',
    cid: '5ad259c6',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(125829120, 'SPARSE', 'Windows 11 x64.vmdk')],
    ddb: { adapterType: 'lsisas1068', virtualHWVersion: '21' },
  },
  {
    sample: 'vmdk/workstation-twoGbMaxExtentSparse-crlf.vmdk',
    createType: 'twoGbMaxExtentSparse',
    cid: 'd9c73e0a',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [rw(8323072, 'SPARSE', 'Ubuntu 64-bit-s001.vmdk'), rw(8323072, 'SPARSE', 'Ubuntu 64-bit-s002.vmdk'), rw(4194304, 'SPARSE', 'Ubuntu 64-bit-s003.vmdk')],
    ddb: { adapterType: 'lsilogic', virtualHWVersion: '20' },
  },
  {
    sample: 'vmdk/ovftool-streamOptimized.embedded.vmdk',
    createType: 'streamOptimized',
    cid: '7e5b80a7',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [{ access: 'RDONLY', sizeSectors: 41943040, type: 'SPARSE', fileName: 'generated-stream.vmdk', offsetSectors: 0 }],
    ddb: { toolsVersion: '12352' },
  },
  {
    sample: 'vmdk/custom-flat-zero.vmdk',
    createType: 'custom',
    cid: 'fffffffe',
    parentCid: 'ffffffff',
    parentFileNameHint: null,
    extents: [
      rw(2048, 'FLAT', 'my "lab" disk-flat.img', 63),
      { access: 'RDONLY', sizeSectors: 2048, type: 'ZERO', fileName: null, offsetSectors: 0 },
      { access: 'NOACCESS', sizeSectors: 1024, type: 'FLAT', fileName: 'tail part.img', offsetSectors: 0 },
    ],
    ddb: { adapterType: 'ide' },
  },
];

describe('parseVmdkDescriptor on real descriptors', () => {
  it.each(samples)('$sample', (expected) => {
    const descriptor = parseVmdkDescriptor(sampleText(expected.sample), expected.sample);
    expect(descriptor.version).toBeGreaterThanOrEqual(1);
    expect(descriptor.createType).toBe(expected.createType);
    expect(descriptor.cid).toBe(expected.cid);
    expect(descriptor.parentCid).toBe(expected.parentCid);
    expect(descriptor.parentFileNameHint).toBe(expected.parentFileNameHint);
    expect(descriptor.extents).toEqual(expected.extents);
    expect(descriptor.ddb).toMatchObject(expected.ddb);
    expect(descriptor.virtualSizeBytes).toBe(expected.extents.reduce((sum, extent) => sum + extent.sizeSectors * SECTOR, 0));
  });

  it('keeps the other header settings, keyed in lower case', () => {
    const descriptor = parseVmdkDescriptor(sampleText('vmdk/esxi-rdm-virtual.vmdk'));
    expect(descriptor.version).toBe(3);
    expect(descriptor.otherSettings).toEqual({ encoding: 'UTF-8', isnativesnapshot: 'no', changetrackpath: 'sql01_1-ctk.vmdk' });
  });

  it('reads keys in any case and stores known ddb keys in VMware spelling', () => {
    const text = 'VERSION=2\nCid=ABCDEF01\nParentCid=FFFFFFFF\nCREATETYPE="monolithicFlat"\nrw 16 flat "x.raw" 0\nDDB.ADAPTERTYPE = "lsilogic"\nddb.Geometry.Cylinders = "1"\nddb.someVendorKey = "v"\n';
    const descriptor = parseVmdkDescriptor(text);
    expect(descriptor).toMatchObject({ version: 2, cid: 'abcdef01', parentCid: 'ffffffff', createType: 'monolithicFlat' });
    expect(descriptor.extents[0]).toEqual(rw(16, 'FLAT', 'x.raw'));
    expect(descriptor.ddb).toEqual({ adapterType: 'lsilogic', 'geometry.cylinders': '1', someVendorKey: 'v' });
  });

  it('accepts the NUL padding qemu writes after a descriptor and a BOM from Windows editors', () => {
    const padded = `\uFEFF${sampleText('vmdk/qemu-twoGbMaxExtentFlat.vmdk')}${'\0'.repeat(300)}`;
    expect(parseVmdkDescriptor(padded).extents).toHaveLength(3);
    // The committed monolithicFlat sample is padded to 512 bytes by qemu-img itself.
    expect(sampleText('vmdk/qemu-monolithicFlat.vmdk')).toMatch(/\0+$/);
  });

  it('reads a descriptor without CID or version as VMware does (no parent, version 1)', () => {
    const descriptor = parseVmdkDescriptor('createType="vmfs"\nRW 4096 VMFS "HOST-flat.vmdk"\n');
    expect(descriptor).toMatchObject({ version: 1, cid: '', parentCid: 'ffffffff', virtualSizeBytes: 4096 * SECTOR });
  });
});

describe('parseVmdkDescriptor refuses what is not a descriptor', () => {
  const whole = sampleText('vmdk/qemu-twoGbMaxExtentSparse.vmdk');
  const cases: Array<{ name: string; text: string; line?: number; says: RegExp }> = [
    { name: 'a descriptor with no extents', text: '# Disk DescriptorFile\nversion=1\nCID=12345678\ncreateType="monolithicFlat"\n', says: /no extents/ },
    { name: 'a descriptor with no createType', text: 'version=1\nRW 2048 FLAT "a-flat.vmdk" 0\n', says: /createType/ },
    { name: 'a non-numeric extent size', text: 'createType="monolithicFlat"\nRW 20G FLAT "a-flat.vmdk" 0\n', line: 2, says: /size "20G"/ },
    { name: 'an unknown extent type', text: 'createType="x"\n\nRW 2048 QCOW2 "a.qcow2"\n', line: 3, says: /unknown extent type "QCOW2"/ },
    { name: 'a file name without quotes', text: 'createType="x"\nRW 2048 FLAT a-flat.vmdk 0\n', line: 2, says: /double quotes/ },
    { name: 'an unterminated file name', text: 'createType="x"\nRW 2048 SPARSE "disk-s0\n', line: 2, says: /double quotes/ },
    { name: 'a non-numeric offset', text: 'createType="x"\nRW 2048 FLAT "a-flat.vmdk" zero\n', line: 2, says: /offset "zero"/ },
    { name: 'a ZERO extent with a file', text: 'createType="x"\nRW 2048 ZERO "z.vmdk"\n', line: 2, says: /ZERO extent has no file/ },
    { name: 'a bad CID', text: 'CID=not-hex!\ncreateType="x"\nRW 1 ZERO\n', line: 1, says: /CID "not-hex!"/ },
    { name: 'a bad version', text: 'version=one\ncreateType="x"\nRW 1 ZERO\n', line: 1, says: /version "one"/ },
    { name: 'a line that is neither setting nor extent', text: 'createType="x"\nThe Disk Data Base\nRW 1 ZERO\n', line: 2, says: /neither a setting/ },
    // Cut in the middle of the second extent line, as a copy that stopped short would be.
    { name: 'a descriptor cut in half', text: whole.slice(0, whole.indexOf('big-s002') - 5), line: 9, says: /unknown extent type "SPA"/ },
    { name: 'an extent line cut after its size', text: 'createType="x"\nRW 41943', line: 2, says: /incomplete/ },
  ];

  it.each(cases)('$name', ({ text, line, says }) => {
    const error = failureOf(() => parseVmdkDescriptor(text, 'disk.vmdk'));
    expect(error.code).toBe('VMDK_GARBLED');
    expect(error.kind).toBe('bad-input');
    expect(error.message).toMatch(says);
    expect(error.hint).not.toBe('');
    expect(error.evidence?.path).toBe('disk.vmdk');
    expect(error.evidence?.line).toBe(line);
  });

  it('binary junk, naming the first line that holds it', () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)).toString('latin1');
    const error = failureOf(() => parseVmdkDescriptor(`# Disk DescriptorFile\ncreateType="x"\n${junk}`));
    expect(error.code).toBe('VMDK_GARBLED');
    expect(error.message).toMatch(/binary data/);
    expect(error.evidence?.line).toBe(3);
    // The message stays short even though the junk is long.
    expect(error.message.length).toBeLessThan(300);
  });
});
