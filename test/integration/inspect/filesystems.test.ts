import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filesystem, InspectionReport } from '../../../shared/contract/models/inspection';
import type { GuestfishSession } from '../../../electron/engine/appliance/guestfish-session';
import { debianGuest, libguestfsEnv } from '../../fixtures/index';
import { repairGuest } from '../../fixtures/debian/repair-variants';
import { inspectVariants } from '../../support/inspect-fixtures';
import { writeZfsLabels } from '../../support/zfs-label';
import { filesystemFacts, ntfsFacts } from '../../../shared/report-facts-storage';
import { runInspect } from './helpers';
import type { StageRun } from './helpers';

/**
 * Issue 15, file systems and block devices: each fact the inspection reports is compared with
 * what the file system's own tool prints on the SAME disk: xfs_info and xfs_logprint on the host
 * (the XFS disk is raw), tune2fs, lsattr, btrfs subvolume list/get-default and blockdev inside the
 * inspection's own appliance (kept open: no extra launch).
 *
 * Appliance launches: one prepares the scratch disks (an XFS log left dirty needs a real kernel;
 * chattr +i on a copy of the Debian guest's fstab), then one inspection per guest: the ext4 Debian
 * guest with an XFS data disk and a GPT disk holding a hibernated NTFS, a dirty NTFS and a ZFS
 * member (built on the host, no launch: mkntfs, ntfscp, ntfsresize, test/support/zfs-label.ts;
 * compared with ntfs-3g.probe, ntfsinfo, ntfslabel and blkid -p on the host), the btrfs snapper
 * guest, and the lived Debian variant another test builds with an immutable /etc/fstab.
 */

const run = promisify(execFile);
const sh = async (cmd: string, args: string[], env?: Record<string, string>): Promise<string> => (await run(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })).stdout;
/** A raw shell command inside the kept appliance (what the tool itself prints). */
const inAppliance = (session: GuestfishSession, script: string): Promise<string> => session.run('debug', ['sh', script]);

const fsOf = (report: InspectionReport, device: string): Filesystem => {
  const fs = report.filesystems.find((f) => f.device === device);
  if (!fs) throw new Error(`no ${device} in ${report.filesystems.map((f) => f.device).join(', ')}`);
  return fs;
};

let work: string;
let xfsDisk: string;
let debianOverlay: string;
/** GPT: 1 hibernated NTFS, 2 NTFS with its dirty flag set, 3 ZFS member (sectors of 512 bytes). */
let mixedDisk: string;
const MIB = 1024 * 1024;
const PARTS = {
  hibernated: { image: 'ntfs-hibernated.raw', start: 1 * MIB, size: 32 * MIB, label: 'HIBERNATED' },
  dirty: { image: 'ntfs-dirty.raw', start: 33 * MIB, size: 32 * MIB, label: 'RESIZED' },
  // libblkid wants a ZFS member of 64 MiB at least; a multiple of 256 KiB keeps L2/L3 where ZFS puts them.
  zfs: { start: 65 * MIB, size: 80 * MIB },
};
const ZFS_POOL = { pool: 'tank', poolGuid: '15306142871237561470', vdevGuid: '4528630119786442213' };

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Launch 1: the scratch disks (in the describe that uses them: a run filtered to another skips it). */
async function prepareScratchDisks(): Promise<void> {
  work = mkdtempSync(join(tmpdir(), 'h2k-fs-details-'));
  xfsDisk = join(work, 'xfs.raw');
  debianOverlay = join(work, 'debian.qcow2');
  const debian = await debianGuest();
  await sh('qemu-img', ['create', '-q', '-f', 'raw', xfsDisk, '320M']);
  await sh('mkfs.xfs', ['-q', '-f', xfsDisk]);
  await sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', debian.raw, debianOverlay]);
  await buildMixedDisk();
  // Launch 1: a write on the XFS disk, then a shutdown without flushing the log (what a power cut
  // leaves: xfs_logprint says <DIRTY>); /etc/fstab of the Debian copy made immutable.
  const script = [
    'run',
    'mount /dev/sdb /',
    'write /data "written before the power cut"',
    // sync puts the transaction in the on-disk log; the next write and the shutdown leave it unreplayed.
    'sync',
    'write /data2 "and after"',
    `debug sh "xfs_io -x -c shutdown /sysroot"`,
    '-umount-all',
    'mount /dev/sda1 /',
    'set-e2attrs /etc/fstab i',
    'umount-all',
    '',
  ].join('\n');
  const child = execFile('guestfish', ['--format=qcow2', '-a', debianOverlay, '--format=raw', '-a', xfsDisk], { env: { ...process.env, ...(await libguestfsEnv()) } });
  child.stdin!.end(script);
  await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`guestfish exited ${code}`)))));
}

/**
 * The third disk, on the host. The hibernated NTFS holds a hiberfil.sys whose header starts "HIBR"
 * (what Windows 8 and later write on hibernation and Fast Startup; ntfs-3g reads the first 4 KiB
 * and refuses to write on "hibr"/"HIBR"). The second NTFS was shrunk with ntfsresize, which sets the
 * dirty flag so that Windows runs chkdsk at its next boot (measured: ntfsinfo then says
 * "Volume Flags: 0x0001 DIRTY"; no other tool sets it, ntfsfix only clears it).
 */
async function buildMixedDisk(): Promise<void> {
  mixedDisk = join(work, 'mixed.raw');
  for (const [key, p] of [['hibernated', PARTS.hibernated], ['dirty', PARTS.dirty]] as const) {
    const image = join(work, p.image);
    await sh('qemu-img', ['create', '-q', '-f', 'raw', image, String(p.size)]);
    await sh('mkntfs', ['-q', '-F', '-f', '-s', '512', '-p', String(p.start / 512), '-L', p.label, image]);
    if (key === 'hibernated') {
      const hiberfil = join(work, 'hiberfil.sys');
      const header = Buffer.alloc(4096);
      header.write('HIBR', 0, 'latin1');
      writeFileSync(hiberfil, Buffer.concat([header, Buffer.alloc(1 * MIB, 0x5a)]));
      await sh('ntfscp', ['-q', image, hiberfil, 'hiberfil.sys']);
    } else {
      await sh('ntfsresize', ['-f', '-P', '-s', String(24 * MIB), image]);
    }
  }
  await sh('qemu-img', ['create', '-q', '-f', 'raw', mixedDisk, String(PARTS.zfs.start + PARTS.zfs.size + MIB)]);
  const s = (n: number): number => n / 512;
  const table = [
    'label: gpt',
    `start=${s(PARTS.hibernated.start)}, size=${s(PARTS.hibernated.size)}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7`,
    `start=${s(PARTS.dirty.start)}, size=${s(PARTS.dirty.size)}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7`,
    // The type zpool gives the partitions it makes (Solaris /usr & Apple ZFS).
    `start=${s(PARTS.zfs.start)}, size=${s(PARTS.zfs.size)}, type=6A898CC3-1DD2-11B2-99A6-080020736631`,
    '',
  ].join('\n');
  const sfdisk = execFile('sfdisk', ['-q', mixedDisk]);
  sfdisk.stdin!.end(table);
  await new Promise<void>((resolve, reject) => sfdisk.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sfdisk exited ${code}`)))));
  const fd = openSync(mixedDisk, 'r+');
  try {
    for (const p of [PARTS.hibernated, PARTS.dirty]) writeSync(fd, readFileSync(join(work, p.image)), 0, p.size, p.start);
  } finally {
    closeSync(fd);
  }
  writeZfsLabels(mixedDisk, PARTS.zfs.start, PARTS.zfs.size, ZFS_POOL);
}

/** ntfs-3g.probe's exit status on the host (it exits non-zero to say what it found). */
const probeExit = async (image: string): Promise<number> => {
  try {
    await run('ntfs-3g.probe', ['--readwrite', image]);
    return 0;
  } catch (e) {
    return (e as { code: number }).code;
  }
};

describe('ext4 guest with an immutable /etc/fstab, and an XFS disk whose log is dirty', () => {
  let inspected: StageRun;
  let report: InspectionReport;

  beforeAll(async () => {
    await prepareScratchDisks();
    inspected = await runInspect({ disks: [{ path: debianOverlay }, { path: xfsDisk }, { path: mixedDisk, format: 'raw' }], keepSession: true });
    report = inspected.report;
  }, 900_000);
  afterAll(async () => {
    await inspected?.finish();
  });

  it('XFS geometry as xfs_info prints it, and the dirty log as xfs_logprint says (host, same raw disk)', async () => {
    const info = await sh('xfs_info', [xfsDisk]);
    const logprint = await sh('xfs_logprint', ['-t', xfsDisk]).catch((e: { stdout?: string }) => e.stdout ?? '');
    expect(logprint).toMatch(/state: <DIRTY>/);
    const xfs = fsOf(report, '/dev/sdb').details?.xfs;
    expect(xfs).toEqual({
      blockSize: Number(/^data\s+=\s+bsize=(\d+)/m.exec(info)![1]),
      agCount: Number(/agcount=(\d+)/.exec(info)![1]),
      inodeSize: Number(/isize=(\d+)/.exec(info)![1]),
      v5: /crc=1/.test(info),
      reflink: /reflink=1/.test(info),
      bigtime: /bigtime=1/.test(info),
      dirtyLog: true,
    });
    const finding = report.findings.find((f) => f.code === 'XFS_DIRTY_LOG');
    expect(finding?.severity).toBe('warning');
    expect(finding?.evidence.map((e) => e.device)).toEqual(['/dev/sdb']);
  });

  it('inodes as statvfs gives them on the mounted file system', async () => {
    const session = inspected.session!;
    const xfs = fsOf(report, '/dev/sdb').details!.inodes!;
    expect(xfs.total).toBeGreaterThan(0);
    await session.run('umount-all');
    await session.run('mount-ro', ['/dev/sdb', '/']);
    // coreutils stat -f: %c total inodes, %d free inodes.
    const stat = await inAppliance(session, 'stat -f -c "%c %d" /sysroot');
    expect(stat.trim().split(/\s+/).map(Number)).toEqual([xfs.total, xfs.free]);
    await session.run('umount-all');
  });

  it('ext4 features, state and mount counts as tune2fs -l prints them; the immutable fstab as lsattr shows it', async () => {
    const session = inspected.session!;
    const root = report.mountpoints.find((m) => m.path === '/')!.device;
    const ext = fsOf(report, root).details!.ext!;
    const tune = await inAppliance(session, `tune2fs -l ${root}`);
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(tune)![1]!.trim();
    expect(ext.features).toEqual(field('Filesystem features').split(/\s+/));
    expect(ext.state).toBe(field('Filesystem state'));
    expect(ext.mountCount).toBe(Number(field('Mount count')));
    expect(ext.maxMountCount).toBe(Number(field('Maximum mount count')));

    await session.run('mount-ro', [root, '/']);
    const lsattr = await inAppliance(session, 'lsattr -d /sysroot/etc/fstab /sysroot/etc/hosts');
    await session.run('umount-all');
    const letters = (path: string): string => {
      const flags = new RegExp(`^(\\S+) /sysroot${path}$`, 'm').exec(lsattr)![1]!;
      return [...flags.replace(/-/g, '')].sort().join('');
    };
    const fstab = ext.attributes.find((a) => a.path === '/etc/fstab')!;
    expect([...fstab.flags].sort().join('')).toBe(letters('/etc/fstab'));
    expect(fstab).toMatchObject({ immutable: true, appendOnly: false });
    expect(ext.attributes.find((a) => a.path === '/etc/hosts')).toMatchObject({ immutable: false, appendOnly: false });
    expect([...ext.attributes.find((a) => a.path === '/etc/hosts')!.flags].sort().join('')).toBe(letters('/etc/hosts'));

    const finding = report.findings.find((f) => f.code === 'FILE_IMMUTABLE');
    expect(finding?.severity).toBe('blocker');
    expect(finding?.evidence).toEqual([{ path: '/etc/fstab', device: root, excerpt: fstab.flags, note: 'immutable' }]);
  });

  it('sector sizes and read-only as the appliance kernel says (blockdev)', async () => {
    const out = await inAppliance(inspected.session!, 'blockdev --getss --getpbsz --getro /dev/sda /dev/sdb /dev/sdc');
    const [ss1, pb1, ro1, ss2, pb2, ro2, ss3, pb3, ro3] = out.trim().split(/\s+/).map(Number);
    expect(report.disks.map((d) => [d.logicalSectorSize, d.physicalSectorSize, d.readOnly])).toEqual([
      [ss1, pb1, ro1 === 1],
      [ss2, pb2, ro2 === 1],
      [ss3, pb3, ro3 === 1],
    ]);
  });

  it('NTFS: hibernated, dirty flag and label as ntfs-3g.probe, ntfsinfo and ntfslabel print them (host, same bytes)', async () => {
    for (const [device, p] of [['/dev/sdc1', PARTS.hibernated], ['/dev/sdc2', PARTS.dirty]] as const) {
      const image = join(work, p.image);
      const code = await probeExit(image);
      // -f: without it both refuse a dirty volume ("Volume is scheduled for check"); they open it read-only.
      const info = await sh('ntfsinfo', ['-f', '-m', image]);
      const flags = parseInt(/Volume Flags:\s*0x([0-9a-f]+)/i.exec(info)![1]!, 16);
      const label = (await sh('ntfslabel', ['-f', image])).trim();
      const fs = fsOf(report, device);
      expect(fs.type).toBe('ntfs');
      expect(fs.label).toBe(label);
      // ntfs-3g looks at hiberfil.sys before $LogFile: a hibernated volume says nothing of the latter.
      expect(fs.details!.ntfs).toEqual({ dirty: (flags & 1) === 1, hibernated: code === 14, uncleanUnmount: code === 14 ? null : code === 15 });
    }
    // What the disks were made to be, so that the comparison above cannot pass on two clean volumes.
    expect(fsOf(report, '/dev/sdc1').details!.ntfs).toEqual({ dirty: false, hibernated: true, uncleanUnmount: null });
    expect(fsOf(report, '/dev/sdc2').details!.ntfs).toEqual({ dirty: true, hibernated: false, uncleanUnmount: false });
    // The rows the File systems tab and the export print.
    const rows = (device: string): Record<string, string> => Object.fromEntries(ntfsFacts(fsOf(report, device)));
    expect(rows('/dev/sdc1').Hibernated).toMatch(/^yes: hiberfil\.sys/);
    expect(rows('/dev/sdc1')['Dirty flag']).toBe('clear');
    expect(rows('/dev/sdc2')).toMatchObject({ Hibernated: 'no', 'Unmounted cleanly': 'yes' });
    expect(rows('/dev/sdc2')['Dirty flag']).toMatch(/^set: /);
  });

  it('a hibernated NTFS volume is a repair blocker; the dirty one is not', () => {
    const finding = report.findings.find((f) => f.code === 'NTFS_HIBERNATED');
    expect(finding?.severity).toBe('blocker');
    expect(finding?.evidence.map((e) => e.device)).toEqual(['/dev/sdc1']);
    expect(finding?.fix.label).toContain('shutdown /s /f /t 0');
    expect(report.findings.map((f) => f.code)).not.toContain('NTFS_UNCLEAN');
  });

  it('ZFS member: pool name and guids as blkid -p prints them for the partition (host), datasets unknown, a warning', async () => {
    const blkid = await sh('blkid', ['-p', '-o', 'export', '-O', String(PARTS.zfs.start), '-S', String(PARTS.zfs.size), mixedDisk]);
    const tag = (k: string): string | undefined => new RegExp(`^${k}=(.*)$`, 'm').exec(blkid)?.[1];
    expect(tag('TYPE')).toBe('zfs_member');
    const fs = fsOf(report, '/dev/sdc3');
    expect(fs.type).toBe('zfs_member');
    expect(fs.details!.zfs).toEqual({
      pool: tag('LABEL'),
      poolGuid: tag('UUID'),
      vdevGuid: tag('UUID_SUB'),
      version: tag('VERSION'),
      datasets: 'unknown',
      datasetsReason: 'the appliance cannot read ZFS; datasets are listed only when the pool can be imported',
    });
    expect(fs.details!.zfs).toMatchObject({ pool: ZFS_POOL.pool, poolGuid: ZFS_POOL.poolGuid, vdevGuid: ZFS_POOL.vdevGuid });
    expect(Object.fromEntries(filesystemFacts(fs))).toMatchObject({
      Type: `zfs_member ${tag('VERSION')}`,
      'ZFS pool': 'tank',
      'Pool GUID': ZFS_POOL.poolGuid,
      Datasets: 'unknown: the appliance cannot read ZFS; datasets are listed only when the pool can be imported',
    });
    const finding = report.findings.find((f) => f.code === 'ZFS_NOT_READABLE');
    expect(finding?.severity).toBe('warning');
    expect(finding?.title).toBe('ZFS pool tank on /dev/sdc3: its datasets cannot be read or repaired offline');
    expect(finding?.evidence).toEqual([{ device: '/dev/sdc3', note: `zfs_member: pool tank, pool_guid ${ZFS_POOL.poolGuid}` }]);
  });
});

describe('btrfs snapper guest: root in a snapshot set as the default subvolume', () => {
  let inspected: StageRun;
  let report: InspectionReport;

  beforeAll(async () => {
    const guest = await repairGuest('btrfs-snapper');
    inspected = await runInspect({ disks: [{ path: guest.raw }], keepSession: true });
    report = inspected.report;
  }, 900_000);
  afterAll(async () => {
    await inspected?.finish();
  });

  it('subvolumes, parents, read-only flags and the default as btrfs subvolume list/get-default print them', async () => {
    const session = inspected.session!;
    const btrfs = fsOf(report, '/dev/sda1').details!.btrfs!;
    await session.run('umount-all');
    await session.run('mount-options', ['ro,subvolid=5', '/dev/sda1', '/']);
    const list = await inAppliance(session, 'btrfs subvolume list -p /sysroot');
    const readOnly = await inAppliance(session, 'btrfs subvolume list -r /sysroot');
    const def = await inAppliance(session, 'btrfs subvolume get-default /sysroot');
    await session.run('umount-all');
    // "ID 258 gen 12 parent 257 top level 257 path @/.snapshots/1/snapshot"
    const rows = [...list.matchAll(/^ID (\d+) gen \d+ parent (\d+) top level \d+ path (.+)$/gm)].map((m) => ({ id: Number(m[1]), parentId: Number(m[2]), path: m[3]! }));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const roIds = new Set([...readOnly.matchAll(/^ID (\d+) /gm)].map((m) => Number(m[1])));
    const defaultId = Number(/^ID (\d+) /.exec(def)![1]);
    expect(defaultId).toBe(258);
    expect(btrfs.subvolumes.map(({ id, parentId, path, readOnly: ro, isDefault }) => ({ id, parentId, path, readOnly: ro, isDefault }))).toEqual(
      rows.map((r) => ({ ...r, readOnly: roIds.has(r.id), isDefault: r.id === defaultId })),
    );
    // Where the guest's fstab mounts them (the fixture's fstab: / by default, /var /home /.snapshots by subvol=).
    const at = (path: string): string[] => btrfs.subvolumes.find((s) => s.path === path)!.mountedAt;
    expect(at('@/.snapshots/1/snapshot')).toEqual(['/']);
    expect(at('@/var')).toEqual(['/var']);
    expect(at('@/home')).toEqual(['/home']);
    expect(at('@/.snapshots')).toEqual(['/.snapshots']);
    expect(at('@')).toEqual([]);
  });

  it('the snapper snapshot from its info.xml, and btrfs filesystem df', async () => {
    const session = inspected.session!;
    const btrfs = fsOf(report, '/dev/sda1').details!.btrfs!;
    expect(btrfs.snapshots).toEqual([{ number: 1, date: '2026-11-20 09:15:02', description: 'first root filesystem', type: 'single', subvolume: '@/.snapshots/1/snapshot' }]);
    await session.run('mount-options', ['ro,subvolid=5', '/dev/sda1', '/']);
    const df = await inAppliance(session, 'btrfs filesystem df -b /sysroot');
    await session.run('umount-all');
    const rows = [...df.matchAll(/^(\w+), (\w+): total=(\d+), used=(\d+)$/gm)].map((m) => ({ kind: m[1]!, profile: m[2]!, total: Number(m[3]), used: Number(m[4]) }));
    expect(rows.length).toBeGreaterThan(0);
    expect(btrfs.usage).toEqual(rows);
    // btrfs has no fixed inode count: statvfs says 0, the report says nothing.
    expect(fsOf(report, '/dev/sda1').details!.inodes).toBeNull();
    expect(report.findings.map((f) => f.code)).not.toContain('FILE_IMMUTABLE');
  });
});

describe('the lived Debian variant (test/support/inspect-fixtures.ts: /etc/fstab chattr +i)', () => {
  it('reports the immutable /etc/fstab as a repair blocker, flags as the appliance read them', async () => {
    const variants = await inspectVariants();
    const inspected = await runInspect({ disks: variants.linuxLived.map((d) => ({ path: d.path, format: d.format })) });
    try {
      const report = inspected.report;
      const root = report.mountpoints.find((m) => m.path === '/')!.device;
      const fstab = fsOf(report, root).details!.ext!.attributes.find((a) => a.path === '/etc/fstab');
      expect(fstab).toMatchObject({ immutable: true, appendOnly: false });
      const finding = report.findings.find((f) => f.code === 'FILE_IMMUTABLE');
      expect(finding?.severity).toBe('blocker');
      expect(finding?.evidence).toContainEqual({ path: '/etc/fstab', device: root, excerpt: fstab!.flags, note: 'immutable' });
    } finally {
      await inspected.finish();
    }
  }, 1_800_000);
});
