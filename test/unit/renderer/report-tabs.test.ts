import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import type { UnitFile } from '../../../shared/contract/models/inspection';
import {
  attributeRows,
  btrfsUsageRows,
  bytesText,
  diskDeviceRows,
  extFacts,
  filesystemFacts,
  filesystemName,
  inodeText,
  inodeUsage,
  ntfsFacts,
  OLDER_REPORT_TEXT,
  snapshotRows,
  storageDetailsRead,
  subvolumeRows,
  xfsFacts,
} from '../../../shared/report-facts-storage';
import { bootRows, bootTimeline, formatTimestamp, journalErrorRows, journalFacts, journalStatement, loginRows, servicesState, SERVICES_STATE_TEXT, socketRows, timerRows, unitRows, unitSummary } from '../../../shared/report-facts-services';
import { filterRows } from '../../../renderer/src/features/reports/report-model';
import { ALL, filterUnits, unitStateOptions, unitTypeOptions } from '../../../renderer/src/features/reports/services-model';

/*
 * The "File systems" and "Services and logs" tabs, on sample reports.
 *
 * inspection-debian-services.json is inspection-linux-legacy.json (a real report of the legacy
 * Debian 12 fixture) with the facts of issue 15 added, each from a real tool where one was at hand:
 *  - unit files: `systemctl list-unit-files --root=<the fixture's debootstrap tree> --no-legend`
 *    (systemd 252, 211 files), paths and Description= from the tree, wantedBy from /etc/systemd/system/*.wants;
 *  - timers and sockets: their On*= and Listen*= lines in /usr/lib/systemd/system of that tree;
 *  - ext4 on /: `dumpe2fs -h disk.raw?offset=1048576` of the fixture (features, state, mount
 *    counts, 196608 inodes of which 181194 free); /etc/fstab's flags as `lsattr` prints them
 *    after `chattr +i` (----i---------e-------);
 *  - btrfs on the second disk: the btrfs-snapper fixture through guestfish (`btrfs subvolume list -p`,
 *    `btrfs-subvolume-get-default` = 258, `btrfs filesystem df`, statvfs with 0 files, snapper's
 *    1/info.xml); snapshot 2 (read-only, "pre", apt) is added by hand to show a read-only one;
 *  - the journal (2 boots, apt-daily.service failed for lack of DNS, the piix4_smbus error every
 *    VMware guest logs) and the logins are written by hand in the engine's format.
 */
const sample = (name: string): InspectionReport => InspectionReport.parse(JSON.parse(readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8')));
const debian = sample('inspection-debian-services.json');
const legacy = sample('inspection-linux-legacy.json');
const windows = sample('inspection-win10-hibernated.json');
const root = debian.filesystems.find((f) => f.device === '/dev/sda1')!;
const btrfs = debian.filesystems.find((f) => f.type === 'btrfs')!;

describe('File systems tab', () => {
  it('shows how the kernel saw each disk', () => {
    expect(storageDetailsRead(debian)).toBe(true);
    expect(diskDeviceRows(debian)).toEqual([
      ['disk1', '/dev/sda', '512 bytes', '512 bytes', 'no'],
      ['disk2', '/dev/sdb', '512 bytes', '4096 bytes', 'no'],
    ]);
  });

  it('measures bytes and inodes, and says why btrfs has no inode bar', () => {
    expect(filesystemName(debian, root)).toBe('sda1 on /');
    expect(Object.fromEntries(filesystemFacts(root))).toEqual({ Type: 'ext4 1.0', UUID: '5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03', Mountpoint: '/' });
    expect(bytesText(root)).toBe('2.6 GiB of 2.9 GiB used (91.7 %)');
    expect(bytesText({ ...root, size: null, used: null, free: null })).toBe('usage unknown');
    expect(inodeUsage(root)).toMatchObject({ used: 15414, total: 196608, text: '15,414 of 196,608 inodes used (7.8 %)' });
    expect(inodeUsage(btrfs)).toBeNull();
    expect(inodeText(btrfs)).toBe('no fixed number (btrfs allocates inodes as it needs them)');
  });

  it('draws the btrfs subvolumes as a tree under their parents, default and read-only marked', () => {
    expect(subvolumeRows(btrfs).map((r) => [`${'  '.repeat(r.depth)}${r.path}`, r.isDefault, r.readOnly, r.cells[4]])).toEqual([
      ['@', false, false, ''],
      ['  @/.snapshots', false, false, ''],
      ['    @/.snapshots/1/snapshot', true, false, ''],
      ['    @/.snapshots/2/snapshot', false, true, ''],
      ['  @/home', false, false, '/home'],
      ['  @/var', false, false, '/var'],
    ]);
    expect(snapshotRows(btrfs)).toEqual([
      ['1', '2026-11-20 09:15:02', 'single', 'first root filesystem', '@/.snapshots/1/snapshot'],
      ['2', '2026-11-24 18:35:40', 'pre', 'apt', '@/.snapshots/2/snapshot'],
    ]);
    expect(btrfsUsageRows(btrfs)[0]).toEqual(['Data', 'single', '713.8 MiB', '968.0 MiB']);
  });

  it('keeps every subvolume even when its parent is not listed, and survives a cycle', () => {
    const subvolumes = [
      { id: 300, path: 'orphan', parentId: 999, readOnly: null, isDefault: false, mountedAt: [] },
      { id: 301, path: 'a', parentId: 302, readOnly: false, isDefault: false, mountedAt: [] },
      { id: 302, path: 'b', parentId: 301, readOnly: false, isDefault: false, mountedAt: [] },
    ];
    const fs = { ...btrfs, details: { ...btrfs.details!, btrfs: { ...btrfs.details!.btrfs!, subvolumes } } };
    // The orphan hangs off the top level; a and b point at each other and reach no root: drawn from the top, once each.
    expect(subvolumeRows(fs).map((r) => [r.path, r.depth, r.cells[3]])).toEqual([
      ['orphan', 0, 'unknown'],
      ['a', 0, ''],
      ['b', 1, ''],
    ]);
  });

  it('shows ext state and features, and marks the immutable /etc/fstab', () => {
    expect(Object.fromEntries(extFacts(root))).toEqual({
      State: 'clean',
      'Mount count': '1 (no forced check by count)',
      Features: 'has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum',
    });
    expect(attributeRows(root)).toEqual([
      { immutable: true, cells: ['/etc/fstab', '----i---------e-------', 'IMMUTABLE', 'no'] },
      { immutable: false, cells: ['/etc/default/grub', '--------------e-------', 'no', 'no'] },
      { immutable: false, cells: ['/etc/network/interfaces', '--------------e-------', 'no', 'no'] },
    ]);
    expect(xfsFacts(root)).toEqual([]);
  });

  it.each([
    [{ blockSize: 4096, agCount: 4, inodeSize: 512, v5: true, reflink: true, bigtime: false, dirtyLog: true }, ['Format', 'V5 (metadata checksums)'], ['Log', 'dirty: needs replaying (xfs_repair -L would lose its changes)']],
    [{ blockSize: 4096, agCount: 4, inodeSize: 256, v5: false, reflink: null, bigtime: null, dirtyLog: false }, ['Format', 'V4 (no metadata checksums)'], ['Log', 'clean']],
  ])('words XFS geometry %#', (xfs, format, log) => {
    const rows = xfsFacts({ ...root, type: 'xfs', details: { inodes: null, btrfs: null, ext: null, ntfs: null, xfs } });
    expect(rows).toContainEqual(format);
    expect(rows).toContainEqual(log);
    expect(rows).toContainEqual(['Allocation groups', '4']);
  });

  it('says when NTFS is dirty or hibernated', () => {
    const c = windows.filesystems.find((f) => f.type === 'ntfs')!;
    expect(ntfsFacts(c)).toEqual([]); // an old report: nothing read
    const flagged = { ...c, details: { inodes: null, btrfs: null, ext: null, xfs: null, ntfs: { dirty: true, hibernated: true } } };
    expect(Object.fromEntries(ntfsFacts(flagged))).toEqual({ 'Dirty flag': 'set: Windows will run chkdsk at the next boot', Hibernated: 'yes: hiberfil.sys holds a hibernated system or Fast Startup image; writing would lose it' });
    expect(Object.fromEntries(ntfsFacts({ ...flagged, details: { ...flagged.details, ntfs: { dirty: false, hibernated: null } } }))).toEqual({ 'Dirty flag': 'clear', Hibernated: 'unknown' });
  });

  it('opens an older report (without these facts) and says they were not read', () => {
    expect(legacy.filesystems[0]!.details).toBeNull();
    expect(legacy.disks[0]!.logicalSectorSize).toBeNull();
    expect(storageDetailsRead(legacy)).toBe(false);
    expect(storageDetailsRead(windows)).toBe(false);
    expect(diskDeviceRows(legacy)).toEqual([['disk1', '/dev/sda', 'unknown', 'unknown', 'unknown']]);
    // What an old report does have is still shown, and no inode row pretends to know.
    expect(filesystemFacts(legacy.filesystems[0]!).map(([k]) => k)).toEqual(['Type', 'UUID', 'Mountpoint']);
    expect(bytesText(legacy.filesystems[0]!)).toBe('2.6 GiB of 2.9 GiB used (91.7 %)');
    expect(inodeText(legacy.filesystems[0]!)).toBe('not read (the file system was not mounted)');
    expect(OLDER_REPORT_TEXT).toMatch(/older version/);
  });
});

describe('Services and logs tab', () => {
  it('lists every unit file with its state, and sums them up', () => {
    expect(servicesState(debian)).toBe('read');
    const rows = unitRows(debian);
    expect(rows).toHaveLength(211);
    expect(rows).toContainEqual(['fstrim.timer', 'timer', 'enabled', 'timers.target', 'Discard unused blocks once a week']);
    expect(rows.find((r) => r[0] === 'open-vm-tools.service')).toEqual(['open-vm-tools.service', 'service', 'enabled', 'multi-user.target', 'Service for virtual machines hosted on VMware']);
    expect(unitSummary(debian)).toBe('211 unit files: 12 enabled, 155 static, 20 disabled, 18 alias, 6 masked');
  });

  it('filters units by state and type; the text filter narrows further', () => {
    const units = debian.linux!.systemd!.unitFiles;
    expect(unitStateOptions(units).map((o) => o.label)).toEqual(['every state (211)', 'static (155)', 'disabled (20)', 'alias (18)', 'enabled (12)', 'masked (6)']);
    expect(unitTypeOptions(units).slice(0, 3).map((o) => o.label)).toEqual(['every type (211)', 'service (106)', 'target (73)']);
    const enabledTimers = filterUnits(units, { state: 'enabled', type: 'timer' }).map((u) => u.unit).sort();
    expect(enabledTimers).toEqual(['apt-daily-upgrade.timer', 'apt-daily.timer', 'dpkg-db-backup.timer', 'e2scrub_all.timer', 'fstrim.timer']);
    expect(filterUnits(units, { state: ALL, type: ALL })).toHaveLength(211);
    expect(filterUnits(units, { state: 'masked', type: ALL }).every((u) => u.path === null)).toBe(true);
    // The table's own search (the same filterRows every viewer table uses) on the unit columns.
    const columns = [{ id: 'unit', label: 'Unit', value: (u: UnitFile) => u.unit }, { id: 'description', label: 'Description', value: (u: UnitFile) => u.description ?? '' }];
    expect(filterRows(filterUnits(units, { state: 'static', type: 'service' }), columns, 'journal flush').map((u) => u.unit)).toEqual(['systemd-journal-flush.service']);
  });

  it('filters 500 unit files without trouble', () => {
    const many: UnitFile[] = Array.from({ length: 500 }, (_, i) => ({ unit: `unit-${i}.${i % 5 ? 'service' : 'timer'}`, type: i % 5 ? 'service' : 'timer', state: i % 3 ? 'static' : 'enabled', path: `/usr/lib/systemd/system/unit-${i}`, wantedBy: [], description: `Unit ${i}` }));
    expect(filterUnits(many, { state: 'enabled', type: 'timer' })).toHaveLength(34);
    expect(unitStateOptions(many)[0]).toMatchObject({ count: 500 });
  });

  it('shows timers with their schedules and sockets with what they listen on', () => {
    expect(timerRows(debian)).toEqual([
      ['apt-daily-upgrade.timer', 'OnCalendar=*-*-* 6:00', 'apt-daily-upgrade.service', 'yes', 'yes'],
      ['apt-daily.timer', 'OnCalendar=*-*-* 6,18:00', 'apt-daily.service', 'yes', 'yes'],
      ['dpkg-db-backup.timer', 'OnCalendar=daily', 'dpkg-db-backup.service', 'no', 'yes'],
      ['e2scrub_all.timer', 'OnCalendar=Sun *-*-* 03:10:00', 'e2scrub_all.service', 'yes', 'yes'],
      ['fstrim.timer', 'OnCalendar=weekly', 'fstrim.service', 'yes', 'yes'],
      ['systemd-tmpfiles-clean.timer', 'OnBootSec=15min; OnUnitActiveSec=1d', 'systemd-tmpfiles-clean.service', 'no', 'no'],
    ]);
    expect(socketRows(debian)).toContainEqual(['systemd-journald.socket', 'ListenDatagram=/run/systemd/journal/socket; ListenStream=/run/systemd/journal/stdout', 'no']);
  });

  it('shows the journal: boots first to last on one axis, the last boot’s startup, failed units, errors, warnings', () => {
    expect(journalStatement(debian)).toBeNull();
    expect(Object.fromEntries(journalFacts(debian))).toEqual({
      'Persistent journal': 'yes, 24.0 MiB',
      'Boots recorded': '2',
      'Last boot': '5e2f8a1c9d3b4e7fa6c0b1d2e3f40516',
      'Startup time (last boot)': '6.9 s',
      'Failed units (last boot)': 'apt-daily.service',
      'Errors (last boot)': '3',
      'Warnings (last boot)': '7',
    });
    expect(bootRows(debian)).toEqual([
      ['-1', 'a3c9e1f04b6d4e2f9b8c7d6e5f4a3b21', '2026-11-18 07:02:11 UTC', '2026-11-24 18:40:57 UTC', '155 h 38 min'],
      ['0', '5e2f8a1c9d3b4e7fa6c0b1d2e3f40516', '2026-11-24 18:42:03 UTC', '2026-11-25 20:55:41 UTC', '26 h 13 min'],
    ]);
    const spans = bootTimeline(debian);
    expect(spans.map((s) => s.index)).toEqual([-1, 0]);
    expect(spans[0]!.left).toBe(0);
    expect(spans[1]!.left + spans[1]!.width).toBeCloseTo(100, 5);
    expect(spans[0]!.left + spans[0]!.width).toBeLessThan(spans[1]!.left); // the reboot's gap shows
    expect(journalErrorRows(debian)[0]).toEqual(['2026-11-24 18:42:03 UTC', 'err', 'kernel', 'piix4_smbus 0000:00:07.3: SMBus Host Controller not enabled!']);
  });

  it('says plainly when there is no persistent journal', () => {
    const volatile = { ...debian, linux: { ...debian.linux!, journal: { persistent: false, size: null, boots: [], lastBoot: null } } };
    expect(journalStatement(volatile)).toMatch(/^No persistent journal: /);
    expect(journalFacts(volatile)).toEqual([]);
    expect(bootTimeline(volatile)).toEqual([]);
  });

  it('lists recent logins, newest first, local ones said so', () => {
    expect(loginRows(debian)).toEqual([
      ['root', 'ttyS0', 'local', '2026-11-25 20:41:09 UTC'],
      ['admin', 'pts/0', '10.20.30.5', '2026-11-25 09:12:44 UTC'],
      ['admin', 'pts/0', '10.20.30.5', '2026-11-20 14:03:27 UTC'],
    ]);
  });

  it('opens an older report and says the facts were not read (by an older version), not that there are none', () => {
    expect(legacy.linux!.systemd!.unitFiles).toEqual([]);
    expect(legacy.linux!.journal).toBeNull();
    expect(servicesState(legacy)).toBe('older-report');
    expect(journalStatement(legacy)).toBe(SERVICES_STATE_TEXT['older-report']);
    expect(unitRows(legacy)).toEqual([]);
    expect(servicesState({ ...legacy, linux: { ...legacy.linux!, systemd: null } })).toBe('no-systemd');
  });

  it.each([
    ['2026-11-25T06:31:40.377Z', '2026-11-25 06:31:40 UTC'],
    ['2026-11-25T07:31:40+01:00', '2026-11-25 06:31:40 UTC'],
    ['not a time', 'not a time'],
  ])('prints %s as %s', (iso, text) => {
    expect(formatTimestamp(iso)).toBe(text);
  });
});
