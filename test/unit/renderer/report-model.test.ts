import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import type { DiskInfo, Evidence } from '../../../shared/contract/models/inspection';
import {
  applicationColumns,
  countsText,
  diskSegments,
  driverRows,
  evidenceText,
  exportBaseName,
  filterRows,
  firmwareText,
  groupFindings,
  osFacts,
  osTitle,
  screenshotRef,
  serviceRows,
  severityCounts,
  sortRows,
  usageRows,
} from '../../../renderer/src/features/reports/report-model';
import type { Column } from '../../../renderer/src/features/reports/report-model';

// Real reports from inspection runs on the test fixtures: the Debian guest as an old VMware
// template left it (fstab by device name, no virtio in the initramfs, 75 MB free on /), and
// the Windows 10 guest with viostor installed and a hibernated hiberfil.sys.
const sample = (name: string): InspectionReport => InspectionReport.parse(JSON.parse(readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8')));
const linux = sample('inspection-linux-legacy.json');
const windows = sample('inspection-win10-hibernated.json');
const noOsEvents = readFileSync(new URL('./samples/inspect-no-os.events.jsonl', import.meta.url), 'utf8').trim().split('\n');
const noOs = InspectionReport.parse((JSON.parse(noOsEvents.at(-1)!) as { result: unknown }).result);
const MiB = 1024 * 1024;

describe('identity and verdict', () => {
  it.each([
    ['Debian (product named after debian_version)', linux, 'Debian 12.15 — h2k-debian'],
    ['Windows', windows, 'Windows 10 Pro — h2k-win10'],
    ['a disk without an OS', noOs, 'No operating system found'],
  ])('titles %s', (_name, report, title) => {
    expect(osTitle(report)).toBe(title);
  });

  it('lists the OS facts that are known, and only those', () => {
    const facts = Object.fromEntries(osFacts(linux));
    expect(facts).toMatchObject({ 'Operating system': 'linux', Distribution: 'debian', Version: '12.15', Architecture: 'x86_64', Hostname: 'h2k-debian', Firmware: 'BIOS', osinfo: 'debian12', Packages: 'deb / apt', 'Root file system': '/dev/sda1' });
    expect(facts).not.toHaveProperty('Variant');
    expect(Object.fromEntries(osFacts(windows))).toMatchObject({ Variant: 'Client', Version: '10.0 (build 19045)' });
    expect(osFacts(noOs)).toEqual([['Operating system', 'none found'], ['Firmware', 'unknown']]);
  });

  it('describes UEFI with its ESP and fallback loader', () => {
    const uefi = { ...linux, os: { ...linux.os, firmware: 'uefi' as const }, boot: { firmware: 'uefi' as const, esp: { device: '/dev/sdb1', fallbackLoader: false, loaders: ['EFI/debian/grubx64.efi'] } } };
    expect(firmwareText(uefi)).toBe('UEFI (ESP /dev/sdb1, no fallback loader)');
  });

  it('counts findings in words', () => {
    expect(countsText(linux.summary)).toBe('3 blockers, 4 warnings, 1 note');
    expect(countsText(windows.summary)).toBe('1 blocker, 1 warning, 0 notes');
  });
});

describe('findings', () => {
  it('groups them by severity, blockers first, leaving out empty groups', () => {
    expect(groupFindings(linux.findings).map((g) => [g.severity, g.findings.map((f) => f.code)])).toEqual([
      ['blocker', ['FSTAB_DEVICE_NAME', 'INITRAMFS_NO_VIRTIO', 'LOW_FREE_SPACE']],
      ['warning', ['FSTAB_BY_PATH', 'NIC_MAC_PINNED', 'VMWARE_TOOLS_INSTALLED', 'KERNEL_VMWARE_PARAMS']],
      ['info', ['STATIC_ADDRESSES']],
    ]);
    expect(groupFindings(windows.findings).map((g) => g.severity)).toEqual(['blocker', 'warning']);
  });

  it('charts every severity, empty ones included', () => {
    expect(severityCounts(windows).map((b) => [b.label, b.count])).toEqual([
      ['Blockers', 1],
      ['Warnings', 1],
      ['Information', 0],
    ]);
  });

  it.each<[string, Evidence, { where: string; excerpt: string; note: string }]>([
    ['a file line', { path: '/etc/fstab', line: 2, excerpt: '/dev/sda1 / ext4 errors=remount-ro' }, { where: '/etc/fstab:2', excerpt: '/dev/sda1 / ext4 errors=remount-ro', note: '' }],
    ['a registry value', { registryKey: 'HKLM\\SYSTEM\\ControlSet001\\Services\\viostor', registryValue: 'Start' }, { where: 'HKLM\\SYSTEM\\ControlSet001\\Services\\viostor → Start', excerpt: '', note: '' }],
    ['a device with a note', { device: '/dev/sda1', note: '75 MB free' }, { where: '/dev/sda1', excerpt: '', note: '75 MB free' }],
  ])('shows evidence from %s', (_name, evidence, expected) => {
    expect(evidenceText(evidence)).toEqual(expected);
  });
});

describe('storage', () => {
  it('rates file system usage: under 100 MB free on / is full whatever the percentage', () => {
    expect(usageRows(linux)).toEqual([expect.objectContaining({ device: '/dev/sda1', label: 'sda1 /', usedPercent: 91.7, level: 'full' })]);
    expect(usageRows(windows)).toEqual([expect.objectContaining({ label: 'sda1 C:', usedPercent: 0.5, level: 'ok' })]);
    expect(usageRows(noOs)).toEqual([expect.objectContaining({ device: '/dev/sda1', type: 'ext4', level: 'ok' })]);
  });

  it('shows "full" exactly where the inspection found too little free space, whatever the bytes (issue 14: the findings own the thresholds)', () => {
    const fs = linux.filesystems[0]!;
    const withFree = (free: number, findings: InspectionReport['findings']): InspectionReport => ({ ...linux, filesystems: [{ ...fs, free, used: fs.size! - free }], findings });
    const lowFinding = linux.findings.find((f) => f.code === 'LOW_FREE_SPACE')!;
    // 96 MiB free on /: below the findings' 100 MiB, a blocker, so the bar is full.
    expect(usageRows(withFree(96 * 2 ** 20, [lowFinding]))[0]!.level).toBe('full');
    // 60 MiB free on a 512 MiB /boot: no finding (its threshold is 50 MiB), so not "full" on bytes alone (88 % used: high).
    const boot = { ...fs, mountpoint: '/boot', size: 512 * 2 ** 20, free: 60 * 2 ** 20, used: 452 * 2 ** 20 };
    expect(usageRows({ ...linux, filesystems: [boot], findings: [] })[0]!.level).toBe('high');
  });

  it('draws a disk to scale, leaving out alignment gaps', () => {
    const [segment, ...rest] = diskSegments(linux.disks[0]!, linux.filesystems);
    expect(rest).toEqual([]);
    expect(segment).toMatchObject({ kind: 'partition', label: 'sda1', detail: 'ext4 · 3.0 GiB · /' });
    expect(segment!.left).toBeCloseTo(0.033, 3);
    expect(segment!.width).toBeCloseTo(99.97, 2);
  });

  it('keeps a tiny partition visible and shows unallocated space', () => {
    const disk: DiskInfo = {
      ...linux.disks[0]!,
      virtualSize: 100 * 1024 * MiB,
      partitions: [
        { device: '/dev/sda1', number: 1, start: MiB, size: MiB, type: '21686148-6449-6E6F-744E-656564454649', typeName: 'BIOS boot', bootable: null, name: null },
        { device: '/dev/sda2', number: 2, start: 2 * MiB, size: 50 * 1024 * MiB, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', typeName: 'Linux filesystem', bootable: null, name: 'root' },
      ],
    };
    const segments = diskSegments(disk, []);
    expect(segments.map((s) => [s.kind, s.label])).toEqual([
      ['partition', 'sda1'],
      ['partition', 'sda2'],
      ['free', 'unallocated'],
    ]);
    expect(segments[0]!.width).toBe(1.2);
    expect(segments[2]).toMatchObject({ detail: '50.0 GiB' });
    expect(segments[2]!.left + segments[2]!.width).toBeCloseTo(100, 6);
  });
});

describe('tables', () => {
  interface Pkg {
    name: string;
    size: number;
  }
  const columns: Array<Column<Pkg>> = [
    { id: 'name', label: 'Name', value: (p) => p.name },
    { id: 'size', label: 'Size', value: (p) => p.size },
  ];
  const rows: Pkg[] = [
    { name: 'lib10', size: 5 },
    { name: 'lib2', size: 30 },
    { name: 'Alpha', size: 5 },
    { name: 'libc6', size: 100 },
  ];

  it.each<[string, string, 'asc' | 'desc', string[]]>([
    ['text in natural order', 'name', 'asc', ['Alpha', 'lib2', 'lib10', 'libc6']],
    ['text descending', 'name', 'desc', ['libc6', 'lib10', 'lib2', 'Alpha']],
    ['numbers as numbers, ties in their original order', 'size', 'asc', ['lib10', 'Alpha', 'lib2', 'libc6']],
    ['numbers descending, ties still stable', 'size', 'desc', ['libc6', 'lib2', 'lib10', 'Alpha']],
  ])('sorts %s', (_name, column, direction, expected) => {
    expect(sortRows(rows, columns.find((c) => c.id === column)!, direction).map((r) => r.name)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['', ['lib10', 'lib2', 'Alpha', 'libc6']],
    ['LIB', ['lib10', 'lib2', 'libc6']],
    ['lib 5', ['lib10']],
    ['nothing-like-this', []],
  ])('filters on %j (every word, any column, any case)', (query, expected) => {
    expect(filterRows(rows, columns, query).map((r) => r.name)).toEqual(expected);
  });

  it('searches the real package list by name, version and summary', () => {
    const cols = applicationColumns(linux);
    expect(cols.map((c) => c.id)).toEqual(['name', 'version', 'arch', 'origin', 'summary']);
    expect(filterRows(linux.applications, cols, 'open-vm-tools').map((a) => a.name)).toEqual(['open-vm-tools']);
    expect(filterRows(linux.applications, cols, 'access control list').map((a) => a.name)).toContain('libacl1');
    const version = cols.find((c) => c.id === 'version')!;
    expect(version.value(linux.applications.find((a) => a.name === 'libacl1')!)).toBe('2.3.1-3');
    const sorted = sortRows(linux.applications, cols[0]!, 'asc').map((a) => a.name);
    expect(sorted.slice(0, 3)).toEqual(['adduser', 'apt', 'base-files']);
    expect(sorted).toHaveLength(linux.applications.length);
  });

  it('shows Windows applications by display name with their publisher', () => {
    const cols = applicationColumns(windows);
    expect(cols.map((c) => c.id)).toEqual(['name', 'version', 'publisher', 'origin', 'summary']);
    expect(sortRows(windows.applications, cols[0]!, 'asc').map((a) => cols[0]!.value(a))).toEqual(['Git', 'Google Chrome', 'VMware Tools']);
  });

  it('lists enabled systemd units and the storage drivers that matter', () => {
    expect(serviceRows(linux)).toHaveLength(14);
    expect(serviceRows(linux)[0]).toEqual({ unit: 'getty@tty1.service', wantedBy: 'getty.target', path: '/etc/systemd/system/getty.target.wants/getty@tty1.service' });
    expect(serviceRows(windows)).toEqual([]);
    expect(driverRows(windows).map((d) => [d.service, d.present, d.start, d.virtio])).toEqual([
      ['viostor', true, 'boot', true],
      ['vioscsi', false, '', true],
      ['storahci', true, 'demand', false],
      ['LSI_SAS', true, 'boot', false],
      ['pvscsi', true, 'demand', false],
    ]);
    expect(driverRows(linux)).toEqual([]);
  });
});

describe('boot screenshots and export names', () => {
  it.each([
    ['/root/.local/share/hyper2kvm/jobs/20261125-212001-71b94b/boot/screen-001.png', { jobId: '20261125-212001-71b94b', name: 'screen-001.png' }],
    ['/home/u/jobs/20261125-212001-71b94b/boot/screen-2-014.png', { jobId: '20261125-212001-71b94b', name: 'screen-2-014.png' }],
    ['/tmp/elsewhere/screen-001.png', null],
    ['/jobs/20261125-212001-71b94b/boot/../../etc/passwd', null],
  ])('finds the job and name of %s', (path, expected) => {
    expect(screenshotRef(path)).toEqual(expected);
  });

  it('names exports after the guest and the day it was inspected', () => {
    expect(exportBaseName(linux)).toBe(`h2k-debian-inspection-${linux.generatedAt.slice(0, 10)}`);
    expect(exportBaseName(noOs)).toBe(`disk-inspection-${noOs.generatedAt.slice(0, 10)}`);
    expect(exportBaseName({ ...linux, os: { ...linux.os, hostname: 'web 01/../x' } })).toMatch(/^web-01-\.\.-x-inspection-/);
  });
});
