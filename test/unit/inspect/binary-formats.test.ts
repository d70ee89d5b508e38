import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GuestTree, joinGuestPath, readTar } from '../../../electron/engine/appliance/guest-tree';
import { decompressGzip, detectCompression, listInitramfs, readCpioNames } from '../../../electron/engine/inspect/linux/initramfs';
import type { Compression } from '../../../electron/engine/inspect/linux/initramfs';
import { ESP_GUID, TABLE_BYTES, gptEntryArea, isEsp, parsePartitionTable, partitionDevice, readGuid } from '../../../electron/engine/inspect/partition-table';
import { ETC_TAR, GPT_HEAD, INITRD, MBR_DEBIAN } from './binary-samples';

describe('tar streams from tar-out', () => {
  it('reads files, folders, symlinks and GNU long names under the prefix', () => {
    const entries = readTar(ETC_TAR, '/etc');
    const longName = `/etc/network/${'a'.repeat(120)}`;
    expect([...entries.keys()].sort()).toEqual(
      ['/etc', '/etc/fstab', '/etc/network', longName, '/etc/network/interfaces', '/etc/systemd', '/etc/systemd/system', '/etc/systemd/system/default.target', '/etc/systemd/system/multi-user.target.wants', '/etc/systemd/system/multi-user.target.wants/ssh.service'].sort(),
    );
    expect(entries.get('/etc/fstab')).toMatchObject({ kind: 'file', size: 29 });
    expect(entries.get('/etc/fstab')!.data!.toString()).toBe('UUID=abc / ext4 defaults 0 1\n');
    expect(entries.get(longName)!.data!.toString()).toBe('long\n');
    expect(entries.get('/etc/systemd/system/default.target')).toEqual({ kind: 'symlink', target: '/lib/systemd/system/multi-user.target', size: 0 });
    expect(entries.get('/etc/network')!.kind).toBe('dir');
  });

  it('keeps only the size of files over the limit', () => {
    const entries = readTar(ETC_TAR, '/etc', 10);
    expect(entries.get('/etc/fstab')).toEqual({ kind: 'file', size: 29 });
    expect(entries.get('/etc/network/interfaces')!.data!.toString()).toBe('auto lo\n');
  });

  it('refuses names that climb out of the tree', () => {
    expect(joinGuestPath('/etc', './a/../../b')).toBeNull();
    expect(joinGuestPath('/etc', './systemd//system/')).toBe('/etc/systemd/system');
  });

  it('GuestTree lists, walks and resolves symlinks inside the tree only', () => {
    const tree = new GuestTree();
    tree.add(readTar(ETC_TAR, '/etc'));
    tree.addSymlink('/etc/fstab.link', 'fstab');
    tree.addSymlink('/etc/loop', '/etc/loop');
    expect(tree.list('/etc')).toEqual(['fstab', 'fstab.link', 'loop', 'network', 'systemd']);
    expect(tree.walk('/etc/systemd')).toHaveLength(4);
    expect(tree.text('/etc/fstab.link')).toBe('UUID=abc / ext4 defaults 0 1\n');
    expect(tree.text('/etc/loop')).toBeNull();
    expect(tree.text('/etc/missing')).toBeNull();
    expect(tree.has('/etc/network/interfaces')).toBe(true);
  });
});

describe('initramfs listing', () => {
  it.each([
    [[0x1f, 0x8b, 8, 0, 0, 0, 0, 0], 'gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0], 'zstd'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0], 'xz'],
    [[0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0], 'lz4'],
    [[0x42, 0x5a, 0x68, 0x39, 0, 0, 0, 0], 'bzip2'],
    [[0x30, 0x37, 0x30, 0x37, 0x30, 0x31, 0, 0], null],
  ])('detects %j as %s', (bytes, kind) => {
    expect(detectCompression(Buffer.from(bytes))).toBe(kind);
  });

  it('reads the uncompressed early archive and stops at the compressed one', () => {
    const walk = readCpioNames(INITRD);
    expect(walk.names).toEqual(['.', 'kernel', 'kernel/x86', 'kernel/x86/microcode', 'kernel/x86/microcode/GenuineIntel.bin']);
    expect(detectCompression(INITRD.subarray(walk.end))).toBe('gzip');
  });

  it('lists early + compressed main archives together', async () => {
    const seen: Compression[] = [];
    const names = await listInitramfs(INITRD, (segment, compression) => {
      seen.push(compression);
      return Promise.resolve(decompressGzip(segment));
    });
    expect(seen).toEqual(['gzip']);
    expect(names).toContain('kernel/x86/microcode/GenuineIntel.bin');
    expect(names).toContain('usr/lib/modules/6.1.0/kernel/drivers/block/virtio_blk.ko');
    expect(names).toContain('usr/lib/modules/6.1.0/kernel/drivers/virtio/virtio_pci.ko.xz');
  });

  it('says null (unknown) when a segment cannot be decompressed here', async () => {
    expect(await listInitramfs(INITRD, () => Promise.resolve(null))).toBeNull();
  });

  it('reads a whole-gzip initramfs (no early archive)', async () => {
    const main = decompressGzip(INITRD.subarray(readCpioNames(INITRD).end));
    const names = await listInitramfs(gzipSync(main), (segment) => Promise.resolve(decompressGzip(segment)));
    expect(names).toContain('usr/lib/modules/6.1.0/kernel/drivers/block/virtio_blk.ko');
    expect(names).not.toContain('kernel/x86/microcode/GenuineIntel.bin');
  });
});

describe('partition tables', () => {
  it('reads the Debian guest MBR: disk signature, one bootable Linux partition at 1 MiB', () => {
    const table = parsePartitionTable(MBR_DEBIAN, '/dev/sda');
    expect(table.kind).toBe('mbr');
    expect(table.diskId).toBe('48324b44');
    expect(table.partitions).toEqual([{ device: '/dev/sda1', number: 1, start: 1048576, size: 3220176896, type: '83', typeName: 'Linux', bootable: true, name: null }]);
  });

  it('reads a GPT made by sfdisk: ESP and Linux root with names', () => {
    expect(GPT_HEAD.length).toBe(TABLE_BYTES);
    expect(gptEntryArea(GPT_HEAD)).toEqual({ offset: 1024, count: 128, size: 128 });
    const table = parsePartitionTable(GPT_HEAD, '/dev/sdb');
    expect(table.kind).toBe('gpt');
    expect(table.diskId).toBe('0f3f4b0e-1d2c-4e5f-8a9b-0c1d2e3f4a5b');
    expect(table.partitions).toEqual([
      { device: '/dev/sdb1', number: 1, start: 2048 * 512, size: 65536 * 512, type: ESP_GUID, typeName: 'EFI System', bootable: null, name: 'EFI system' },
      { device: '/dev/sdb2', number: 2, start: 67584 * 512, size: 61440 * 512, type: '0fc63daf-8483-4772-8e79-3d69d8477de4', typeName: 'Linux filesystem', bootable: null, name: 'root' },
    ]);
    expect(isEsp(table.partitions[0]!)).toBe(true);
    expect(isEsp(table.partitions[1]!)).toBe(false);
  });

  it('says "none" for an unpartitioned disk and for a file system boot sector', () => {
    expect(parsePartitionTable(Buffer.alloc(512), '/dev/sdc').kind).toBe('none');
    const fatBootSector = Buffer.alloc(512);
    fatBootSector.write('\xeb\x3c\x90mkfs.fat', 0, 'latin1');
    fatBootSector[446] = 0x3c; // boot code where an MBR would have its status byte
    fatBootSector[510] = 0x55;
    fatBootSector[511] = 0xaa;
    expect(parsePartitionTable(fatBootSector, '/dev/sdc').kind).toBe('none');
  });

  it('names partitions the kernel way and reads mixed-endian GUIDs', () => {
    expect(partitionDevice('/dev/sda', 2)).toBe('/dev/sda2');
    expect(partitionDevice('/dev/nvme0n1', 2)).toBe('/dev/nvme0n1p2');
    const bytes = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');
    expect(readGuid(bytes, 0)).toBe(ESP_GUID);
  });
});
