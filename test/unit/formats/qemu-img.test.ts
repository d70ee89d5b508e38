import { describe, expect, it } from 'vitest';
import { kindOf } from '../../../shared/contract/errors';
import { parseProgressLine, parseQemuImgCheck, parseQemuImgInfo } from '../../../electron/engine/formats/qemu-img';
import type { QemuImgCheck, QemuImgInfo } from '../../../electron/engine/formats/qemu-img';
import { parseVmdkDescriptor } from '../../../electron/engine/formats/vmdk-descriptor';
import { failureOf, sampleText } from './helpers';

const MiB10 = 10 * 1024 * 1024;

describe('parseProgressLine', () => {
  it.each([
    { line: '    (0.00/100%)', value: 0 },
    { line: '    (45.03/100%)', value: 0.4503 },
    { line: '    (100.00/100%)', value: 1 },
    { line: '(7/100%)', value: 0.07 },
    { line: '    (69.85/100%)  ', value: 0.6985 },
  ])('$line → $value', ({ line, value }) => {
    expect(parseProgressLine(line)).toBeCloseTo(value, 10);
  });

  it.each(['', '   ', 'qemu-img: error while writing', '    (45.03/50%)', '    (145.00/100%)', '45.03%', '    (-1.00/100%)', '    (abc/100%)'])('not progress: %j', (line) => {
    expect(parseProgressLine(line)).toBeNull();
  });

  it('reads the real output of `qemu-img convert -p` to a pipe, split on \\r and \\n', () => {
    const values = sampleText('qemu-img/progress-convert.txt')
      .split(/\r\n|\r|\n/)
      .map(parseProgressLine)
      .filter((value): value is number => value !== null);
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBe(1);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
  });
});

describe('parseQemuImgInfo on real qemu-img 7.2 output', () => {
  const cases: Array<{ sample: string; expected: Partial<QemuImgInfo> }> = [
    {
      sample: 'qemu-img/info-monolithicSparse.json',
      expected: { format: 'vmdk', virtualSize: MiB10, actualSize: 81920, clusterSize: 65536, dirty: false, vmdk: { createType: 'monolithicSparse', cid: 1191126253, parentCid: 4294967295, extents: [{ filename: 'disk.vmdk', virtualSize: MiB10, clusterSize: 65536 }] } },
    },
    {
      sample: 'qemu-img/info-monolithicFlat.json',
      expected: { format: 'vmdk', virtualSize: MiB10, actualSize: 12288, vmdk: { createType: 'monolithicFlat', cid: 907943886, parentCid: 4294967295, extents: [{ filename: 'disk-flat.vmdk', virtualSize: MiB10, format: 'FLAT' }] } },
    },
    {
      sample: 'qemu-img/info-streamOptimized.json',
      expected: { format: 'vmdk', vmdk: { createType: 'streamOptimized', cid: 1690807188, parentCid: 4294967295, extents: [{ filename: 'disk.vmdk', virtualSize: MiB10, compressed: true, clusterSize: 65536 }] } },
    },
    {
      sample: 'qemu-img/info-twoGbMaxExtentSparse-3extents.json',
      expected: {
        virtualSize: 4718592000,
        vmdk: {
          createType: 'twoGbMaxExtentSparse',
          cid: 2380507294,
          parentCid: 4294967295,
          extents: [
            { filename: 'big-s001.vmdk', virtualSize: 2147483648, format: 'SPARSE', clusterSize: 65536 },
            { filename: 'big-s002.vmdk', virtualSize: 2147483648, format: 'SPARSE', clusterSize: 65536 },
            { filename: 'big-s003.vmdk', virtualSize: 423624704, format: 'SPARSE', clusterSize: 65536 },
          ],
        },
      },
    },
    { sample: 'qemu-img/info-twoGbMaxExtentSparse.json', expected: { virtualSize: MiB10 } },
    { sample: 'qemu-img/info-twoGbMaxExtentFlat.json', expected: { virtualSize: MiB10 } },
    {
      sample: 'qemu-img/info-snapshot.json',
      expected: { filename: 'disk-000001.vmdk', backingFilename: 'disk.vmdk', fullBackingFilename: 'disk.vmdk', backingFormat: 'vmdk' },
    },
    {
      sample: 'qemu-img/info-qcow2.json',
      expected: { format: 'qcow2', virtualSize: MiB10, clusterSize: 65536, formatSpecific: { type: 'qcow2', data: { compat: '1.1', 'compression-type': 'zlib', 'lazy-refcounts': false, 'refcount-bits': 16, corrupt: false, 'extended-l2': false } } },
    },
    { sample: 'qemu-img/info-qcow2-luks.json', expected: { format: 'qcow2', encrypted: true, virtualSize: 1024 * 1024 } },
  ];

  it.each(cases)('$sample', ({ sample, expected }) => {
    const images = parseQemuImgInfo(sampleText(sample));
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject(expected);
    if (expected.vmdk) expect(images[0]!.vmdk).toEqual(expected.vmdk);
    if (images[0]!.format !== 'vmdk') expect(images[0]!.vmdk).toBeUndefined();
  });

  it('every VMDK subformat reports its create type', () => {
    for (const createType of ['monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat', 'streamOptimized']) {
      expect(parseQemuImgInfo(sampleText(`qemu-img/info-${createType}.json`))[0]!.vmdk?.createType).toBe(createType);
    }
  });

  it('reads a --backing-chain array, top image first, linked by CIDs', () => {
    const [top, base] = parseQemuImgInfo(sampleText('qemu-img/info-snapshot-chain.json'));
    expect(top).toMatchObject({ filename: 'disk-000001.vmdk', backingFilename: 'disk.vmdk', backingFormat: 'vmdk', actualSize: 12288 });
    expect(base).toMatchObject({ filename: 'disk.vmdk', actualSize: 16384 });
    expect(base!.backingFilename).toBeUndefined();
    expect(top!.vmdk!.parentCid).toBe(base!.vmdk!.cid);
  });

  it("agrees with the descriptor parser on the image's content id", () => {
    const [info] = parseQemuImgInfo(sampleText('qemu-img/info-monolithicSparse.json'));
    const descriptor = parseVmdkDescriptor(sampleText('vmdk/qemu-monolithicSparse.embedded.vmdk'));
    expect(info!.vmdk!.cid).toBe(parseInt(descriptor.cid, 16));
  });

  it('tolerates fields a newer qemu-img adds and a missing actual size', () => {
    const [info] = parseQemuImgInfo(JSON.stringify({ filename: 'nbd://x', format: 'raw', 'virtual-size': 42, 'children': [], 'future-field': { a: 1 } }));
    expect(info).toEqual({ filename: 'nbd://x', format: 'raw', virtualSize: 42, actualSize: 0 });
  });

  it.each([
    { name: 'not JSON', json: 'qemu-img: Could not open \'x.vmdk\': No such file', says: /not JSON/ },
    { name: 'an empty chain', json: '[]', says: /empty list/ },
    { name: 'a missing virtual size', json: '{"filename": "a", "format": "vmdk"}', says: /virtual-size/ },
    { name: 'a negative size', json: '{"filename": "a", "format": "vmdk", "virtual-size": -1}', says: /virtual-size/ },
    { name: 'vmdk details without a create type', json: '{"filename": "a", "format": "vmdk", "virtual-size": 1, "format-specific": {"type": "vmdk", "data": {"extents": []}}}', says: /create-type/ },
    { name: 'the output of check instead of info', json: sampleText('qemu-img/check-qcow2-clean.json'), says: /virtual-size/ },
  ])('refuses $name', ({ json, says }) => {
    const error = failureOf(() => parseQemuImgInfo(json));
    expect(error.code).toBe('QEMU_IMG_OUTPUT_UNEXPECTED');
    expect(error.kind).toBe('failure');
    expect(error.message).toMatch(says);
    expect(error.evidence?.details?.output).toBe(json);
  });

  it('registers its error code as a failure (a tool problem, not bad input)', () => {
    expect(kindOf('QEMU_IMG_OUTPUT_UNEXPECTED')).toBe('failure');
    expect(kindOf('OVA_COMPRESSED')).toBe('bad-input');
  });
});

describe('parseQemuImgCheck on real qemu-img 7.2 output', () => {
  const clean: QemuImgCheck = { ok: true, corruptions: 0, leaks: 0, checkErrors: 0 };
  it.each<{ sample: string; expected: QemuImgCheck }>([
    { sample: 'qemu-img/check-monolithicSparse.json', expected: clean },
    { sample: 'qemu-img/check-monolithicFlat.json', expected: clean },
    { sample: 'qemu-img/check-twoGbMaxExtentSparse.json', expected: clean },
    { sample: 'qemu-img/check-twoGbMaxExtentFlat.json', expected: clean },
    { sample: 'qemu-img/check-streamOptimized.json', expected: clean },
    { sample: 'qemu-img/check-qcow2-clean.json', expected: { ...clean, imageEndOffset: 393216, totalClusters: 160, allocatedClusters: 1 } },
    { sample: 'qemu-img/check-qcow2-compressed.json', expected: { ...clean, imageEndOffset: 393216, totalClusters: 64, allocatedClusters: 46, fragmentedClusters: 46, compressedClusters: 46 } },
    // Leaks waste space but lose no data: still ok (qemu-img exits 3).
    { sample: 'qemu-img/check-qcow2-leak-only.json', expected: { ...clean, leaks: 1, imageEndOffset: 393216, totalClusters: 160, allocatedClusters: 1 } },
    // A refcount zeroed by hand: qemu-img exits 2.
    { sample: 'qemu-img/check-qcow2-corrupt.json', expected: { ok: false, corruptions: 2, leaks: 0, checkErrors: 0, imageEndOffset: 393216, totalClusters: 160, allocatedClusters: 1 } },
    { sample: 'qemu-img/check-qcow2-leak-and-corruption.json', expected: { ok: false, corruptions: 1, leaks: 1, checkErrors: 0, imageEndOffset: 393216, totalClusters: 160, allocatedClusters: 1 } },
  ])('$sample', ({ sample, expected }) => {
    expect(parseQemuImgCheck(sampleText(sample))).toEqual(expected);
  });

  it('an interrupted check is not ok', () => {
    expect(parseQemuImgCheck('{"check-errors": 1, "filename": "a", "format": "qcow2"}')).toMatchObject({ ok: false, checkErrors: 1 });
  });

  it.each(['', 'qemu-img: This image format does not support checks', '{"corruptions": 0}', '{"check-errors": "0"}'])('refuses %j', (json) => {
    expect(failureOf(() => parseQemuImgCheck(json)).code).toBe('QEMU_IMG_OUTPUT_UNEXPECTED');
  });
});
