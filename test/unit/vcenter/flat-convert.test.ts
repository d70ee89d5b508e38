import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planLink } from '../../../electron/engine/vcenter/chain-plan';
import { acceptsDirectIo, flatPieces, nextWindowEnd, toImageOpts, WINDOW_ALIGN } from '../../../electron/engine/vcenter/flat-convert';
import { StagedFile } from '../../../electron/engine/vcenter/staged-file';

// Descriptors as qemu-img and ESXi write them; the sizes are in 512-byte sectors.
const descriptor = (createType: string, extents: string[]): string =>
  `# Disk DescriptorFile\nversion=1\nCID=8f00e8cc\nparentCID=ffffffff\ncreateType="${createType}"\n\n# Extent description\n${extents.join('\n')}\n\n# The Disk Data Base\n#DDB\nddb.adapterType = "lsilogic"\n`;

const MiB = 1024 * 1024;
const staged = (name: string, size: number): StagedFile => new StagedFile(`[ds1] web/${name}`, { datacenterPath: 'DC0', datastore: 'ds1', path: `web/${name}` }, size, `/tmp/none/${name}`, 'disk1');
const link = (text: string) => planLink('[ds1] web/web.vmdk', Buffer.from(text), text.length);

describe('which disks convert window by window from the staging folder', () => {
  it('a monolithicFlat disk: one piece, the whole extent', () => {
    const files = [staged('web-flat.vmdk', 10 * MiB)];
    const pieces = flatPieces([link(descriptor('monolithicFlat', ['RW 20480 FLAT "web-flat.vmdk" 0']))], files, 10 * MiB);
    expect(pieces).toEqual([{ file: files[0], fileOffset: 0, virtualOffset: 0, length: 10 * MiB }]);
  });

  it('a twoGbMaxExtentFlat disk: one piece per extent, laid end to end; an extent offset is honoured', () => {
    const files = [staged('web-f001.vmdk', 4 * MiB), staged('web-f002.vmdk', 3 * MiB)];
    const pieces = flatPieces([link(descriptor('twoGbMaxExtentFlat', ['RW 8192 FLAT "web-f001.vmdk" 0', 'RW 4096 FLAT "web-f002.vmdk" 2048']))], files, 6 * MiB);
    expect(pieces?.map((p) => [p.file.dsPath, p.fileOffset, p.virtualOffset, p.length])).toEqual([
      ['[ds1] web/web-f001.vmdk', 0, 0, 4 * MiB],
      ['[ds1] web/web-f002.vmdk', MiB, 4 * MiB, 2 * MiB],
    ]);
  });

  it('an ESXi vmfs disk (VMFS extent)', () => {
    const files = [staged('web-flat.vmdk', 2 * MiB)];
    expect(flatPieces([link(descriptor('vmfs', ['RW 4096 VMFS "web-flat.vmdk"']))], files, 2 * MiB)).toHaveLength(1);
  });

  it.each([
    ['a sparse extent', ['RW 4096 SPARSE "web-s001.vmdk"'], 'web-s001.vmdk', 2 * MiB, 2 * MiB],
    ['a ZERO extent among flat ones', ['RW 2048 FLAT "web-flat.vmdk" 0', 'RW 2048 ZERO'], 'web-flat.vmdk', MiB, 2 * MiB],
    ['a read-only extent', ['RDONLY 4096 FLAT "web-flat.vmdk" 0'], 'web-flat.vmdk', 2 * MiB, 2 * MiB],
    ['an extent file shorter than the descriptor says', ['RW 4096 FLAT "web-flat.vmdk" 0'], 'web-flat.vmdk', MiB, 2 * MiB],
    ['extents that do not add up to the virtual size', ['RW 4096 FLAT "web-flat.vmdk" 0'], 'web-flat.vmdk', 2 * MiB, 4 * MiB],
    ['an extent that is not among the staged files', ['RW 4096 FLAT "other-flat.vmdk" 0'], 'web-flat.vmdk', 2 * MiB, 2 * MiB],
  ])('not with %s', (_, extents, name, size, virtualSize) => {
    expect(flatPieces([link(descriptor('monolithicFlat', extents))], [staged(name, size)], virtualSize)).toBeUndefined();
  });

  it('not for a snapshot chain, nor for a file whose descriptor is rewritten when served', () => {
    const base = link(descriptor('monolithicFlat', ['RW 4096 FLAT "web-flat.vmdk" 0']));
    expect(flatPieces([base, base], [staged('web-flat.vmdk', 2 * MiB)], 2 * MiB)).toBeUndefined();
    const rewritten = staged('web-flat.vmdk', 2 * MiB);
    rewritten.served = { kind: 'text', text: Buffer.from('x') };
    expect(flatPieces([base], [rewritten], 2 * MiB)).toBeUndefined();
  });
});

describe('the windows', () => {
  const length = 1000 * MiB;
  const min = 128 * MiB;
  it.each([
    ['nothing on disk yet', 0, 0, null],
    ['less than a window', 0, 100 * MiB, null],
    ['a window, aligned down', 0, 200 * MiB + 12345, 200 * MiB],
    ['less than a window past what is converted', 200 * MiB, 300 * MiB, null],
    ['another window', 200 * MiB, 330 * MiB, 330 * MiB],
    ['the rest once all is there, however small', 990 * MiB, length, length],
    ['nothing once all is converted', length, length, null],
  ])('%s', (_, converted, onDisk, end) => {
    expect(nextWindowEnd(converted, onDisk, length, min)).toBe(end);
  });

  it('ends every window but the last on the alignment', () => {
    const end = nextWindowEnd(0, 777 * MiB + 1, length, min)!;
    expect(end % WINDOW_ALIGN).toBe(0);
  });
});

describe("qemu's key=value image options", () => {
  it('flattens nested objects and doubles commas in values', () => {
    expect(toImageOpts({ driver: 'raw', offset: 0, size: 512, file: { driver: 'qcow2', file: { driver: 'file', filename: '/srv/a,b.qcow2' } } })).toBe(
      'driver=raw,offset=0,size=512,file.driver=qcow2,file.file.driver=file,file.file.filename=/srv/a,,b.qcow2',
    );
  });
});

describe('writing the output past the page cache', () => {
  it('is chosen where the file system takes O_DIRECT, and not for a file it cannot open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2k-direct-'));
    try {
      const file = join(dir, 'out.qcow2');
      writeFileSync(file, '');
      // ext4 and xfs take O_DIRECT, and so does tmpfs since Linux 6.6.
      expect(await acceptsDirectIo(file)).toBe(true);
      expect(await acceptsDirectIo(join(dir, 'missing.qcow2'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
