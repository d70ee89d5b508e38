import type { DiskInfo, Filesystem, FilesystemDetails, Partition } from '../../../shared/contract/models/inspection';
import { known, parseHash, parseStruct } from '../appliance/guestfish-protocol';
import { partitionDevice } from './partition-table';
import type { PartitionTable } from './partition-table';

/**
 * Disks, partitions and file systems from what the appliance printed (pure).
 */

export interface BlkidInfo {
  device: string;
  type: string | null;
  label: string | null;
  uuid: string | null;
  version: string | null;
}

/** `blkid DEVICE` as guestfish prints it (TYPE: ext4, UUID: ..., LABEL: ...). */
export function parseBlkid(device: string, output: string): BlkidInfo {
  const tags = parseHash(output);
  return { device, type: known(tags.get('TYPE')), label: known(tags.get('LABEL')), uuid: known(tags.get('UUID')), version: known(tags.get('VERSION')) };
}

export interface UsageInfo {
  size: number;
  used: number;
  free: number;
}

/** statvfs: size = blocks, used = blocks - bfree, free = bavail (what an unprivileged writer gets). */
export function parseStatvfs(output: string): UsageInfo | null {
  const s = parseStruct(output);
  const unit = Number(s.frsize ?? s.bsize);
  const blocks = Number(s.blocks);
  const bfree = Number(s.bfree);
  const bavail = Number(s.bavail ?? s.bfree);
  if (![unit, blocks, bfree, bavail].every(Number.isFinite) || unit <= 0) return null;
  return { size: blocks * unit, used: (blocks - bfree) * unit, free: bavail * unit };
}

/**
 * Types that are not file systems but containers (their contents are listed separately). Not a
 * ZFS member: the appliance cannot open its pool, so it is listed as a file system (zfs_member)
 * whose details say so (FilesystemDetails.zfs) rather than being left out.
 */
const CONTAINERS = new Set(['LVM2_member', 'linux_raid_member', 'isw_raid_member', 'ddf_raid_member']);
export const ENCRYPTED_TYPES = new Set(['crypto_LUKS', 'BitLocker']);
/** File systems we can mount read-only to measure. */
export const MOUNTABLE = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat', 'ntfs', 'exfat', 'jfs', 'reiserfs', 'f2fs', 'hfsplus', 'ufs', 'iso9660', 'udf', 'msdos', 'fat']);

export function isFilesystem(info: BlkidInfo): boolean {
  return info.type !== null && !CONTAINERS.has(info.type);
}

export function isContainer(type: string | null): boolean {
  return type !== null && CONTAINERS.has(type);
}

export function describeFilesystem(info: BlkidInfo, usage: UsageInfo | null, deviceSize: number | null, mountpoint: string | null, details: FilesystemDetails | null = null): Filesystem {
  return {
    device: info.device,
    type: info.type ?? 'unknown',
    version: info.version,
    label: info.label,
    uuid: info.uuid,
    size: usage?.size ?? deviceSize,
    used: usage?.used ?? null,
    free: usage?.free ?? null,
    mountpoint,
    encrypted: info.type !== null && ENCRYPTED_TYPES.has(info.type),
    details,
  };
}

export interface DiskProbe {
  id: string;
  path: string;
  format: string;
  virtualSize: number;
  allocatedSize: number | null;
}

/**
 * Partitions of a disk: the table we parsed, plus any partition the appliance's kernel lists
 * that the table did not show (logical partitions of an extended MBR partition).
 */
/** The block device as the appliance's kernel sees it (blockdev-getss, physical_block_size, blockdev-getro). */
export interface BlockFacts {
  logicalSectorSize: number | null;
  physicalSectorSize: number | null;
  readOnly: boolean | null;
}

export function diskInfo(probe: DiskProbe, device: string, table: PartitionTable | null, kernelPartitions: readonly string[], sizes: ReadonlyMap<string, number>, block: BlockFacts | null = null): DiskInfo {
  const partitions: Partition[] = [...(table?.partitions ?? [])];
  for (const dev of kernelPartitions) {
    if (!dev.startsWith(device) || partitions.some((p) => p.device === dev)) continue;
    const m = /(\d+)$/.exec(dev);
    if (!m) continue;
    const number = Number(m[1]);
    if (partitionDevice(device, number) !== dev) continue;
    partitions.push({ device: dev, number, start: 0, size: sizes.get(dev) ?? 0, type: null, typeName: 'Logical', bootable: null, name: null });
  }
  partitions.sort((a, b) => a.number - b.number);
  return {
    id: probe.id,
    path: probe.path,
    format: probe.format,
    device,
    virtualSize: probe.virtualSize,
    allocatedSize: probe.allocatedSize,
    partitionTable: table ? table.kind : 'unknown',
    partitions,
    logicalSectorSize: block?.logicalSectorSize ?? null,
    physicalSectorSize: block?.physicalSectorSize ?? null,
    readOnly: block?.readOnly ?? null,
  };
}
