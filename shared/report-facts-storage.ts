import type { BtrfsSubvolume, Filesystem, InspectionReport } from './contract/models/inspection';
import { formatBytes, formatPercent } from './format';
import type { FactRow } from './report-facts';

/**
 * The "File systems" section in words, for the report viewer and the HTML (and PDF) export alike:
 * what each file system's own tools said about it (shared/contract FilesystemDetails) and how the
 * appliance's kernel saw each disk. Both places lay these rows out; neither words them itself.
 */

/** Said wherever a report predates these facts: the schema defaults them to null / empty. */
export const OLDER_REPORT_TEXT = 'Not read: this report was made by an older version of hyper2kvm, before these facts were collected.';

/** Whether the inspection that made this report read the storage details at all. */
export function storageDetailsRead(report: InspectionReport): boolean {
  return report.filesystems.some((f) => f.details !== null) || report.disks.some((d) => d.logicalSectorSize !== null || d.physicalSectorSize !== null || d.readOnly !== null);
}

const yesNo = (value: boolean | null, yes = 'yes', no = 'no'): string => (value === null ? 'unknown' : value ? yes : no);
const count = new Intl.NumberFormat('en-US');

export const DISK_DEVICE_COLUMNS = ['Disk', 'Device', 'Logical sector', 'Physical sector', 'Read-only'] as const;

/** Each disk's block device as the appliance's kernel saw it. */
export function diskDeviceRows(report: InspectionReport): string[][] {
  const sector = (n: number | null): string => (n === null ? 'unknown' : `${n} bytes`);
  return report.disks.map((d) => [d.id, d.device, sector(d.logicalSectorSize), sector(d.physicalSectorSize), yesNo(d.readOnly)]);
}

export interface UsageMeasure {
  used: number;
  total: number;
  /** 0..1 */
  fraction: number;
  text: string;
}

function measure(used: number, total: number, unit: (n: number) => string, what: string): UsageMeasure {
  const fraction = total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
  return { used, total, fraction, text: `${unit(used)} of ${unit(total)}${what} used (${formatPercent(fraction)})` };
}

/** Bytes used of the file system's size; null when it could not be measured (swap, unmountable). */
export function bytesUsage(fs: Filesystem): UsageMeasure | null {
  if (fs.size === null || fs.size <= 0 || fs.used === null) return null;
  return measure(fs.used, fs.size, formatBytes, '');
}

/** Inodes used of those the file system has; null when there is no fixed number to compare with. */
export function inodeUsage(fs: Filesystem): UsageMeasure | null {
  const inodes = fs.details?.inodes;
  if (!inodes || inodes.total <= 0) return null;
  return measure(inodes.total - inodes.free, inodes.total, (n) => count.format(n), ' inodes');
}

/** The bytes in words, also when there is no bar to draw. */
export function bytesText(fs: Filesystem): string {
  return bytesUsage(fs)?.text ?? (fs.size !== null ? `${formatBytes(fs.size)}, usage unknown` : 'usage unknown');
}

/** The inodes in words, also when there is no bar to draw. */
export function inodeText(fs: Filesystem): string {
  const usage = inodeUsage(fs);
  if (usage) return usage.text;
  if (fs.details?.inodes) {
    // statvfs reports 0 files on btrfs: it makes inodes as it needs them, there is no table to fill.
    return fs.type === 'btrfs' ? 'no fixed number (btrfs allocates inodes as it needs them)' : 'no fixed number reported';
  }
  return 'not read (the file system was not mounted)';
}

/** "sda1 on /", "sdb1 on /srv/data", "sda2 (C:)": how the section names each file system. */
export function filesystemName(report: InspectionReport, fs: Filesystem): string {
  const letter = report.driveLetters.find((l) => l.device === fs.device)?.letter;
  const short = fs.device.replace(/^\/dev\//, '');
  return letter ? `${short} (${letter}:)` : fs.mountpoint ? `${short} on ${fs.mountpoint}` : short;
}

/**
 * A file system's identity as label/value rows, leaving out what is unknown (its space is in the
 * usage bars: bytesText, inodeText). A ZFS member adds its pool, whose datasets are said to be
 * unknown with the reason (never an empty list): the viewer and the export both print these rows.
 */
export function filesystemFacts(fs: Filesystem): FactRow[] {
  const zfs = fs.details?.zfs;
  const rows: Array<[string, string | null]> = [
    ['Type', `${fs.type}${fs.version ? ` ${fs.version}` : ''}${fs.encrypted ? ' (encrypted)' : ''}`],
    ['Label', zfs ? null : fs.label],
    ['UUID', zfs ? null : fs.uuid],
    ['Mountpoint', fs.mountpoint],
  ];
  if (zfs) {
    rows.push(
      ['ZFS pool', zfs.pool ?? 'unknown (the vdev label was not read)'],
      ['Pool GUID', zfs.poolGuid],
      ['Vdev GUID', zfs.vdevGuid],
      ['Datasets', zfs.datasets === 'unknown' ? `unknown: ${zfs.datasetsReason ?? 'not read'}` : zfs.datasets.join(', ') || 'none'],
    );
  }
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== '');
}

// ---- btrfs ----------------------------------------------------------------------------------

export const SUBVOLUME_COLUMNS = ['Subvolume', 'ID', 'Default', 'Read-only', 'Mounted at (fstab)'] as const;

function cellsOf(s: BtrfsSubvolume): string[] {
  return [s.path, String(s.id), s.isDefault ? 'default' : '', s.readOnly === null ? 'unknown' : s.readOnly ? 'read-only' : '', s.mountedAt.join(', ')];
}

export interface SubvolumeRow {
  /** Nesting under the top level (0 for a subvolume of the top level itself). */
  depth: number;
  path: string;
  isDefault: boolean;
  readOnly: boolean;
  cells: string[];
}

/**
 * Subvolumes as a tree: each under its parent (by parentId), siblings by path. A subvolume whose
 * parent is unknown or not listed hangs off the top level, so none is ever left out.
 */
export function subvolumeRows(fs: Filesystem): SubvolumeRow[] {
  const subvolumes = fs.details?.btrfs?.subvolumes ?? [];
  const ids = new Set(subvolumes.map((s) => s.id));
  const children = new Map<number, typeof subvolumes>();
  for (const s of subvolumes) {
    const parent = s.parentId !== null && ids.has(s.parentId) && s.parentId !== s.id ? s.parentId : 5;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const rows: SubvolumeRow[] = [];
  const seen = new Set<number>();
  const walk = (parent: number, depth: number): void => {
    for (const s of [...(children.get(parent) ?? [])].sort((a, b) => a.path.localeCompare(b.path))) {
      if (seen.has(s.id)) continue; // a cycle in a damaged list must not hang the page
      seen.add(s.id);
      rows.push({
        depth,
        path: s.path,
        isDefault: s.isDefault,
        readOnly: s.readOnly === true,
        cells: cellsOf(s),
      });
      walk(s.id, depth + 1);
    }
  };
  walk(5, 0);
  // Parents that point at each other (a damaged list) reach no root: shown from the top level too.
  for (const s of [...subvolumes].sort((a, b) => a.path.localeCompare(b.path))) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    rows.push({ depth: 0, path: s.path, isDefault: s.isDefault, readOnly: s.readOnly === true, cells: cellsOf(s) });
    walk(s.id, 1);
  }
  return rows;
}

export const SNAPSHOT_COLUMNS = ['Snapshot', 'Date (UTC)', 'Type', 'Description', 'Subvolume'] as const;

/** snapper's snapshots by number. */
export function snapshotRows(fs: Filesystem): string[][] {
  return [...(fs.details?.btrfs?.snapshots ?? [])].sort((a, b) => a.number - b.number).map((s) => [String(s.number), s.date ?? '', s.type ?? '', s.description ?? '', s.subvolume]);
}

export const BTRFS_USAGE_COLUMNS = ['Kind', 'Profile', 'Used', 'Allocated'] as const;

/** `btrfs filesystem df`: what each kind of chunk holds. */
export function btrfsUsageRows(fs: Filesystem): string[][] {
  return (fs.details?.btrfs?.usage ?? []).map((u) => [u.kind, u.profile ?? '', formatBytes(u.used), formatBytes(u.total)]);
}

// ---- XFS, ext, NTFS ---------------------------------------------------------------------------

export function xfsFacts(fs: Filesystem): FactRow[] {
  const x = fs.details?.xfs;
  if (!x) return [];
  return [
    ['Block size', `${x.blockSize} bytes`],
    ['Allocation groups', String(x.agCount)],
    ['Inode size', `${x.inodeSize} bytes`],
    ['Format', x.v5 ? 'V5 (metadata checksums)' : 'V4 (no metadata checksums)'],
    ['Reflink', yesNo(x.reflink)],
    ['Big timestamps', yesNo(x.bigtime)],
    ['Log', x.dirtyLog === null ? 'unknown' : x.dirtyLog ? 'dirty: needs replaying (xfs_repair -L would lose its changes)' : 'clean'],
  ];
}

export function extFacts(fs: Filesystem): FactRow[] {
  const x = fs.details?.ext;
  if (!x) return [];
  const mounts = x.mountCount === null ? null : `${x.mountCount}${x.maxMountCount !== null && x.maxMountCount > 0 ? ` of ${x.maxMountCount} before a forced check` : ' (no forced check by count)'}`;
  const rows: Array<[string, string | null]> = [
    ['State', x.state],
    ['Mount count', mounts],
    ['Features', x.features.join(' ') || null],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== '');
}

export const ATTRIBUTE_COLUMNS = ['File', 'Attributes', 'Immutable', 'Append-only'] as const;

/** Files a repair may edit with their lsattr flags: an immutable one cannot be rewritten as is. */
export function attributeRows(fs: Filesystem): Array<{ immutable: boolean; cells: string[] }> {
  return (fs.details?.ext?.attributes ?? []).map((a) => ({ immutable: a.immutable, cells: [a.path, a.flags, a.immutable ? 'IMMUTABLE' : 'no', a.appendOnly ? 'yes' : 'no'] }));
}

export function ntfsFacts(fs: Filesystem): FactRow[] {
  const n = fs.details?.ntfs;
  if (!n) return [];
  const rows: FactRow[] = [
    ['Dirty flag', yesNo(n.dirty, 'set: Windows will run chkdsk at the next boot', 'clear')],
    ['Hibernated', yesNo(n.hibernated, 'yes: hiberfil.sys holds a hibernated system or Fast Startup image; writing would lose it', 'no')],
  ];
  // Absent from reports made before it was read: no row rather than "unknown".
  if (n.uncleanUnmount !== undefined) rows.push(['Unmounted cleanly', yesNo(n.uncleanUnmount === null ? null : !n.uncleanUnmount, 'yes', 'no: its journal is still open (Fast Startup or a crash); ntfs-3g will not write it')]);
  return rows;
}
