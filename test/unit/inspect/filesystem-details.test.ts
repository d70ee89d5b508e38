import { describe, expect, it } from 'vitest';
import {
  btrfsDetails,
  e2attrs,
  filesystemDetails,
  lvmName,
  mountHolding,
  ntfsFromProbe,
  parseBtrfsDf,
  parseInodes,
  parsePreMount,
  parseSnapperInfo,
  parseTune2fs,
  parseXfsInfo,
  parseXfsLogState,
  parseNtfsVolumeFlags,
  ZFS_DATASETS_REASON,
  zfsFromBlkid,
} from '../../../electron/engine/inspect/filesystem-details';
import type { FstabEntry } from '../../../shared/contract/models/inspection';

/*
 * Real output, captured in the libguestfs 1.48.6 appliance (Debian 12, xfsprogs 6.1, e2fsprogs
 * 1.47, btrfs-progs 6.2) on scratch disks: xfs.img (mkfs.xfs, then a write and
 * `xfs_io -x -c shutdown` so its log stays dirty), ext.img (mkfs.ext4, /etc/fstab chattr +i,
 * /etc/hosts chattr +a), bt.img (mkfs.btrfs, snapper layout, snapshot 2 read-only).
 */

// guestfish --ro -a xfs.img -a ext.img -a bt.img: `debug sh "<PRE_MOUNT_SCRIPT>"` before inspect-os
// (tune2fs section cut to the lines we read; xfs_info and the logprint line as printed).
const PRE = `@@h2k-fs pbsz /dev/sda 512
@@h2k-fs pbsz /dev/sdb 4096
@@h2k-fs ext /dev/sdb
tune2fs 1.47.0 (5-Feb-2023)
Filesystem volume name:   <none>
Last mounted on:          /
Filesystem UUID:          b418d7f4-a9ac-4e88-a844-cb06ebadff34
Filesystem magic number:  0xEF53
Filesystem revision #:    1 (dynamic)
Filesystem features:      has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum
Filesystem flags:         signed_directory_hash 
Default mount options:    user_xattr acl
Filesystem state:         clean
Mount count:              1
Maximum mount count:      -1
@@h2k-fs xfs /dev/sda
meta-data=/dev/sda               isize=512    agcount=4, agsize=20480 blks
         =                       sectsz=512   attr=2, projid32bit=1
         =                       crc=1        finobt=1, sparse=1, rmapbt=0
         =                       reflink=1    bigtime=1 inobtcount=1 nrext64=0
data     =                       bsize=4096   blocks=81920, imaxpct=25
         =                       sunit=0      swidth=0 blks
naming   =version 2              bsize=4096   ascii-ci=0, ftype=1
log      =internal log           bsize=4096   blocks=16384, version=2
         =                       sectsz=512   sunit=0 blks, lazy-count=1
realtime =none                   extsz=4096   blocks=0, rtextents=0
@@h2k-fs xfslog /dev/sda
    log tail: 2 head: 7 state: <DIRTY>
@@h2k-fs ntfs /dev/sdd1 14
`;

// guestfish --ro -a mixed.raw: `debug sh "<PRE_MOUNT_SCRIPT>"` on a GPT disk made on the host as
// test/integration/inspect/filesystems.test.ts makes it: 1 NTFS with a hiberfil.sys starting "HIBR"
// (ntfscp), 2 NTFS shrunk by ntfsresize (dirty flag set), 3 a ZFS vdev label from
// test/support/zfs-label.ts (pool tank). The appliance's own root disk's tune2fs section cut.
const PRE_NTFS_ZFS = `@@h2k-fs pbsz /dev/sda 512
@@h2k-fs pbsz /dev/sdb 512
@@h2k-fs ntfs /dev/sda2 0
@@h2k-fs ntfsinfo /dev/sda2
	Volume Flags: 0x0001 DIRTY
@@h2k-fs ntfs /dev/sda1 14
@@h2k-fs ntfsinfo /dev/sda1
	Volume Flags: 0x0000
@@h2k-fs zfs /dev/sda3
DEVNAME=/dev/sda3
VERSION=5000
LABEL=tank
UUID=12345678901234567890
UUID_SUB=9876543210987654321
BLOCK_SIZE=512
TYPE=zfs_member
USAGE=filesystem
PART_ENTRY_SCHEME=gpt
PART_ENTRY_UUID=e0b8effe-2966-7d41-a04c-a688c7a0a649
PART_ENTRY_TYPE=6a898cc3-1dd2-11b2-99a6-080020736631
PART_ENTRY_NUMBER=3
PART_ENTRY_OFFSET=133120
PART_ENTRY_SIZE=163840
PART_ENTRY_DISK=8:0
`;

// guestfish tune2fs-l /dev/sdb (the same superblock through the guestfish command).
const TUNE2FS_L = `Filesystem volume name: 
Last mounted on: /
Filesystem UUID: b418d7f4-a9ac-4e88-a844-cb06ebadff34
Filesystem magic number: 0xEF53
Filesystem features: has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum
Filesystem state: clean
Mount count: 1
Maximum mount count: -1
`;

// guestfish, top level mounted (mount-options ro,subvolid=5 /dev/sdc /): btrfs-subvolume-list /
const LIST = `[0] = {
  btrfssubvolume_id: 256
  btrfssubvolume_top_level_id: 5
  btrfssubvolume_path: @
}
[1] = {
  btrfssubvolume_id: 257
  btrfssubvolume_top_level_id: 256
  btrfssubvolume_path: @/.snapshots
}
[2] = {
  btrfssubvolume_id: 258
  btrfssubvolume_top_level_id: 257
  btrfssubvolume_path: @/.snapshots/1/snapshot
}
[3] = {
  btrfssubvolume_id: 259
  btrfssubvolume_top_level_id: 257
  btrfssubvolume_path: @/.snapshots/2/snapshot
}
[4] = {
  btrfssubvolume_id: 260
  btrfssubvolume_top_level_id: 256
  btrfssubvolume_path: @/var
}
`;

// debug sh "<BTRFS_SCRIPT>" on the same mount (btrfs list -r, filesystem df -b, the info.xml files).
const SCRIPT = `@@h2k-btrfs readonly
ID 259 gen 10 top level 257 path @/.snapshots/2/snapshot
@@h2k-btrfs df
Data, single: total=8388608, used=0
System, DUP: total=8388608, used=16384
Metadata, DUP: total=33554432, used=212992
GlobalReserve, single: total=5767168, used=0
@@h2k-btrfs snapper @/.snapshots/1/info.xml
<?xml version="1.0"?>
<snapshot>
  <type>single</type>
  <num>1</num>
  <date>2026-11-20 09:15:02</date>
  <description>first root filesystem</description>
</snapshot>

@@h2k-btrfs snapper @/.snapshots/2/info.xml
<?xml version="1.0"?>
<snapshot>
  <type>pre</type>
  <num>2</num>
  <date>2026-11-21 10:00:00</date>
  <description>apt &amp; friends</description>
  <cleanup>number</cleanup>
</snapshot>
`;

// statvfs / on the XFS disk, then on the btrfs one (btrfs has no fixed inode count: files 0).
const STATVFS_XFS = 'bsize: 4096\nfrsize: 4096\nblocks: 65536\nbfree: 65471\nbavail: 65471\nfiles: 163840\nffree: 163836\nfavail: 163836\nfsid: 2048\nflag: 4097\nnamemax: 255\n';
const STATVFS_BTRFS = 'bsize: 4096\nfrsize: 4096\nblocks: 76800\nbfree: 75280\nbavail: 56064\nfiles: 0\nffree: 0\nfavail: 0\nfsid: 1021286734350197848\nflag: 4097\nnamemax: 255\n';

const fstab = (line: number, spec: string, mountpoint: string, options: string): FstabEntry => ({ line, spec, style: 'uuid', mountpoint, vfstype: 'btrfs', options, dump: 0, pass: 0 });

describe('the pre-mount script (one command before inspect-os)', () => {
  const pre = parsePreMount(PRE);
  it('reads each disk’s physical sector size', () => {
    expect([...pre.physicalSectorSize]).toEqual([
      ['/dev/sda', 512],
      ['/dev/sdb', 4096],
    ]);
  });
  it('reads tune2fs -l as the tool prints it', () => {
    expect(pre.ext.get('/dev/sdb')).toEqual({
      features: ['has_journal', 'ext_attr', 'resize_inode', 'dir_index', 'filetype', 'extent', '64bit', 'flex_bg', 'sparse_super', 'large_file', 'huge_file', 'dir_nlink', 'extra_isize', 'metadata_csum'],
      state: 'clean',
      mountCount: 1,
      maxMountCount: -1,
      attributes: [],
    });
  });
  it('reads xfs_info geometry and the dirty log', () => {
    expect(pre.xfs.get('/dev/sda')).toEqual({ blockSize: 4096, agCount: 4, inodeSize: 512, v5: true, reflink: true, bigtime: true, dirtyLog: true });
  });
  it('keeps the ntfs-3g.probe status', () => {
    expect(pre.ntfsProbe.get('/dev/sdd1')).toBe(14);
  });
  it('reads the NTFS dirty flag from ntfsinfo and a ZFS member from blkid -p', () => {
    const pre = parsePreMount(PRE_NTFS_ZFS);
    expect([...pre.ntfsProbe]).toEqual([['/dev/sda2', 0], ['/dev/sda1', 14]]);
    expect([...pre.ntfsDirty]).toEqual([['/dev/sda2', true], ['/dev/sda1', false]]);
    expect([...pre.zfs]).toEqual([['/dev/sda3', { pool: 'tank', poolGuid: '12345678901234567890', vdevGuid: '9876543210987654321', version: '5000', datasets: 'unknown', datasetsReason: ZFS_DATASETS_REASON }]]);
    const reads = { pre, inodes: null, btrfs: null, attributes: [], windowsHibernated: null };
    expect(filesystemDetails('/dev/sda1', 'ntfs', reads)?.ntfs).toEqual({ dirty: false, hibernated: true, uncleanUnmount: null });
    expect(filesystemDetails('/dev/sda2', 'ntfs', reads)?.ntfs).toEqual({ dirty: true, hibernated: false, uncleanUnmount: false });
    expect(filesystemDetails('/dev/sda3', 'zfs_member', reads)?.zfs?.pool).toBe('tank');
  });
  it('says nothing of what it could not read', () => {
    expect(parsePreMount('/bin/sh: 1: xfs_info: not found\n')).toEqual({ physicalSectorSize: new Map(), ext: new Map(), xfs: new Map(), ntfsProbe: new Map(), ntfsDirty: new Map(), zfs: new Map() });
  });
});

describe('single parsers', () => {
  it.each([
    ['    log tail: 2 head: 7 state: <DIRTY>', true],
    ['    log tail: 17 head: 17 state: <CLEAN>', false],
    ['xfs_logprint: unknown log operation type', null],
  ])('xfs_logprint -t %j', (text, dirty) => expect(parseXfsLogState(text)).toBe(dirty));

  it('guestfish tune2fs-l reads like tune2fs -l', () => {
    expect(parseTune2fs(TUNE2FS_L)).toEqual(parsePreMount(PRE).ext.get('/dev/sdb'));
    expect(parseTune2fs('tune2fs: Bad magic number in super-block while trying to open /dev/sda')).toBeNull();
  });

  it('xfs_info of a v4 file system without reflink or bigtime fields', () => {
    const v4 = 'meta-data=/dev/sdb1 isize=256    agcount=4, agsize=65536 blks\n         =                       sectsz=512   attr=2, projid32bit=1\n         =                       crc=0        finobt=0, sparse=0, rmapbt=0\ndata     =                       bsize=4096   blocks=262144, imaxpct=25\n';
    expect(parseXfsInfo(v4)).toEqual({ blockSize: 4096, agCount: 4, inodeSize: 256, v5: false, reflink: null, bigtime: null, dirtyLog: null });
  });

  it.each([
    ['ei', { path: '/etc/fstab', flags: 'ei', immutable: true, appendOnly: false }],
    ['ae', { path: '/etc/fstab', flags: 'ae', immutable: false, appendOnly: true }],
    ['e', { path: '/etc/fstab', flags: 'e', immutable: false, appendOnly: false }],
  ])('get-e2attrs %j', (out, expected) => expect(e2attrs('/etc/fstab', `${out}\n`)).toEqual(expected));

  it('statvfs inodes (btrfs: none)', () => {
    expect(parseInodes(STATVFS_XFS)).toEqual({ total: 163840, free: 163836 });
    expect(parseInodes(STATVFS_BTRFS)).toBeNull();
  });

  it.each([
    // ntfs-3g.probe(8) exit codes; the dirty flag is ntfsinfo's (third argument), never the probe's.
    [0, null, null, { dirty: null, hibernated: false, uncleanUnmount: false }],
    [0, null, true, { dirty: true, hibernated: false, uncleanUnmount: false }],
    [14, null, false, { dirty: false, hibernated: true, uncleanUnmount: null }],
    [15, null, null, { dirty: null, hibernated: false, uncleanUnmount: true }],
    [12, null, null, { dirty: null, hibernated: null, uncleanUnmount: null }],
    [undefined, true, null, { dirty: null, hibernated: true, uncleanUnmount: null }],
    [0, false, false, { dirty: false, hibernated: false, uncleanUnmount: false }],
  ])('ntfs-3g.probe %s, Windows says hibernated %s, dirty flag %s', (code, windows, dirty, expected) => expect(ntfsFromProbe(code, windows, dirty)).toEqual(expected));

  it.each([
    ['\tVolume Flags: 0x0001 DIRTY', true],
    ['\tVolume Flags: 0x0000', false],
    // VOLUME_MOUNTED_ON_NT4 (0x0008) alone is not dirty.
    ['\tVolume Flags: 0x0008 MOUNTED_NT4', false],
    ['Failed to open /dev/sda1.', null],
  ])('ntfsinfo -m %j', (line, expected) => expect(parseNtfsVolumeFlags(line)).toBe(expected));

  it('blkid -p of a device that is not a ZFS member is not one', () => {
    expect(zfsFromBlkid('DEVNAME=/dev/sda1\nTYPE=ntfs\n')).toBeNull();
    expect(zfsFromBlkid('')).toBeNull();
  });

  it.each([
    ['/dev/mapper/vg-root', '/dev/vg/root'],
    ['/dev/mapper/my--vg-lv--data', '/dev/my-vg/lv-data'],
    ['/dev/sda1', '/dev/sda1'],
  ])('blkid %s is the inspection’s %s', (from, to) => expect(lvmName(from)).toBe(to));

  it('btrfs filesystem df -b', () => {
    expect(parseBtrfsDf('Data, single: total=8388608, used=0\nMetadata, DUP: total=33554432, used=212992\n')).toEqual([
      { kind: 'Data', profile: 'single', total: 8388608, used: 0 },
      { kind: 'Metadata', profile: 'DUP', total: 33554432, used: 212992 },
    ]);
  });

  it('snapper info.xml decodes entities; anything else is not a snapshot', () => {
    expect(parseSnapperInfo('@/.snapshots/2/info.xml', '<snapshot><num>2</num><description>apt &amp; friends</description></snapshot>')).toEqual({ number: 2, date: null, description: 'apt & friends', type: null, subvolume: '@/.snapshots/2/snapshot' });
    expect(parseSnapperInfo('@/.snapshots/3/info.xml', 'garbage')).toBeNull();
  });

  it('the mount that holds a path', () => {
    const mounts = [
      { device: '/dev/sda2', path: '/' },
      { device: '/dev/sda1', path: '/boot' },
    ];
    expect(mountHolding('/boot/grub/grub.cfg', mounts)?.device).toBe('/dev/sda1');
    expect(mountHolding('/bootstrap', mounts)?.device).toBe('/dev/sda2');
    expect(mountHolding('/etc/fstab', [])).toBeNull();
  });
});

describe('btrfs details', () => {
  it('subvolumes with default, read-only, parent and where fstab mounts them; snapshots; usage', () => {
    const b = btrfsDetails(LIST, '258\n', SCRIPT, [
      fstab(1, 'UUID=y', '/', 'defaults'),
      fstab(2, 'UUID=y', '/var', 'subvol=/@/var'),
      fstab(3, 'UUID=y', '/.snapshots', 'subvol=@/.snapshots,noatime'),
      fstab(4, 'UUID=y', '/mnt/top', 'subvolid=5'),
    ]);
    expect(b.subvolumes).toEqual([
      { id: 256, path: '@', parentId: 5, readOnly: false, isDefault: false, mountedAt: [] },
      { id: 257, path: '@/.snapshots', parentId: 256, readOnly: false, isDefault: false, mountedAt: ['/.snapshots'] },
      { id: 258, path: '@/.snapshots/1/snapshot', parentId: 257, readOnly: false, isDefault: true, mountedAt: ['/'] },
      { id: 259, path: '@/.snapshots/2/snapshot', parentId: 257, readOnly: true, isDefault: false, mountedAt: [] },
      { id: 260, path: '@/var', parentId: 256, readOnly: false, isDefault: false, mountedAt: ['/var'] },
    ]);
    expect(b.snapshots).toEqual([
      { number: 1, date: '2026-11-20 09:15:02', description: 'first root filesystem', type: 'single', subvolume: '@/.snapshots/1/snapshot' },
      { number: 2, date: '2026-11-21 10:00:00', description: 'apt & friends', type: 'pre', subvolume: '@/.snapshots/2/snapshot' },
    ]);
    expect(b.usage.map((u) => u.kind)).toEqual(['Data', 'System', 'Metadata', 'GlobalReserve']);
  });

  it('filesystemDetails picks the part of each type, and null when nothing was read', () => {
    const pre = parsePreMount(PRE);
    const reads = { pre, inodes: null, btrfs: null, attributes: [e2attrs('/etc/fstab', 'ei')], windowsHibernated: null };
    expect(filesystemDetails('/dev/sdb', 'ext4', reads)?.ext?.attributes[0]?.immutable).toBe(true);
    expect(filesystemDetails('/dev/sda', 'xfs', reads)?.xfs?.dirtyLog).toBe(true);
    expect(filesystemDetails('/dev/sdd1', 'ntfs', reads)?.ntfs).toEqual({ dirty: null, hibernated: true, uncleanUnmount: null });
    expect(filesystemDetails('/dev/sde', 'swap', reads)).toBeNull();
    // A ZFS member blkid -p did not read: datasets still said to be unknown, with the reason.
    expect(filesystemDetails('/dev/sdf1', 'zfs_member', reads)?.zfs).toEqual({ pool: null, poolGuid: null, vdevGuid: null, version: null, datasets: 'unknown', datasetsReason: ZFS_DATASETS_REASON });
  });
});
