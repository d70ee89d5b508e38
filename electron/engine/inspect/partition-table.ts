import type { Partition } from '../../../shared/contract/models/inspection';

/**
 * MBR and GPT partition tables read from the first sectors of a disk. Reading them ourselves
 * (a byte download, no tool inside the appliance) replaces parted, which costs seconds per call
 * in a TCG appliance.
 */

export const SECTOR = 512;
/** Enough for the MBR, the GPT header and the usual 128 entries of 128 bytes. */
export const TABLE_BYTES = SECTOR * 2 + 128 * 128;

export const ESP_GUID = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
/** "Hah!IdontNeedEFI": where GRUB embeds its core image on a GPT disk that boots with BIOS. */
export const BIOS_BOOT_GUID = '21686148-6449-6e6f-744e-656564454649';

const GPT_TYPES: Record<string, string> = {
  [ESP_GUID]: 'EFI System',
  [BIOS_BOOT_GUID]: 'BIOS boot',
  '0fc63daf-8483-4772-8e79-3d69d8477de4': 'Linux filesystem',
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f': 'Linux swap',
  'e6d6d379-f507-44c2-a23c-238f2a3df928': 'Linux LVM',
  'a19d880f-05fc-4d3b-a006-743f0f84911e': 'Linux RAID',
  '4f68bce3-e8cd-4db1-96e7-fbcaf984b709': 'Linux root (x86-64)',
  'bc13c2ff-59e6-4262-a352-b275fd6f7172': 'Linux extended boot',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'Microsoft basic data',
  'e3c9e316-0b5c-4db8-817d-f92df00215ae': 'Microsoft reserved',
  'de94bba4-06d1-4d40-a16a-bfd50179d6ac': 'Windows recovery',
  '5808c8aa-7e8f-42e0-85d2-e1e90434cfb3': 'Windows LDM metadata',
  'af9b60a0-1431-4f62-bc68-3311714a69ad': 'Windows LDM data',
};

const MBR_TYPES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16',
  0x05: 'Extended',
  0x06: 'FAT16',
  0x07: 'NTFS/exFAT',
  0x0b: 'FAT32',
  0x0c: 'FAT32 (LBA)',
  0x0e: 'FAT16 (LBA)',
  0x0f: 'Extended (LBA)',
  0x27: 'Windows recovery',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0x85: 'Linux extended',
  0x8e: 'Linux LVM',
  0xa5: 'FreeBSD',
  0xee: 'GPT protective',
  0xef: 'EFI System',
  0xfd: 'Linux RAID',
};

export interface PartitionTable {
  kind: 'mbr' | 'gpt' | 'none';
  /** MBR disk signature (hex, as Windows' MountedDevices stores it) or GPT disk GUID. */
  diskId: string | null;
  partitions: Partition[];
  /** Logical partitions inside an MBR extended partition need its EBR chain; we list what we read. */
  extendedAt: number | null;
}

/** GPT stores the first three GUID fields little-endian. */
export function readGuid(buf: Buffer, offset: number): string {
  const b = buf.subarray(offset, offset + 16);
  const hex = (start: number, end: number, reverse: boolean): string => {
    const part = [...b.subarray(start, end)];
    if (reverse) part.reverse();
    return part.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** Device name of partition n on a disk: /dev/sda1; /dev/nvme0n1p1 style when the disk ends in a digit. */
export function partitionDevice(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

export function parsePartitionTable(bytes: Buffer, disk: string): PartitionTable {
  if (bytes.length < SECTOR || bytes[510] !== 0x55 || bytes[511] !== 0xaa) return { kind: 'none', diskId: null, partitions: [], extendedAt: null };
  const entries = [0, 1, 2, 3].map((i) => {
    const o = 446 + i * 16;
    return { status: bytes[o]!, type: bytes[o + 4]!, lba: bytes.readUInt32LE(o + 8), sectors: bytes.readUInt32LE(o + 12) };
  });
  const protective = entries.some((e) => e.type === 0xee);
  if (protective && bytes.length >= SECTOR * 2 && bytes.subarray(SECTOR, SECTOR + 8).toString('latin1') === 'EFI PART') {
    return parseGpt(bytes, disk);
  }
  // A FAT/NTFS boot sector also ends in 55 aa: a table has plausible entries (status 0 or 0x80).
  if (entries.some((e) => e.status !== 0 && e.status !== 0x80)) return { kind: 'none', diskId: null, partitions: [], extendedAt: null };
  const partitions: Partition[] = [];
  let extendedAt: number | null = null;
  entries.forEach((e, i) => {
    if (e.type === 0 || e.sectors === 0) return;
    if (e.type === 0x05 || e.type === 0x0f || e.type === 0x85) extendedAt = e.lba * SECTOR;
    partitions.push({
      device: partitionDevice(disk, i + 1),
      number: i + 1,
      start: e.lba * SECTOR,
      size: e.sectors * SECTOR,
      type: e.type.toString(16).padStart(2, '0'),
      typeName: MBR_TYPES[e.type] ?? null,
      bootable: e.status === 0x80,
      name: null,
    });
  });
  return { kind: 'mbr', diskId: bytes.readUInt32LE(440).toString(16).padStart(8, '0'), partitions, extendedAt };
}

/** Where the GPT entry array lies, from the header (LBA 1). */
export function gptEntryArea(bytes: Buffer): { offset: number; count: number; size: number } | null {
  if (bytes.length < SECTOR * 2 || bytes.subarray(SECTOR, SECTOR + 8).toString('latin1') !== 'EFI PART') return null;
  const header = bytes.subarray(SECTOR, SECTOR * 2);
  return { offset: Number(header.readBigUInt64LE(72)) * SECTOR, count: header.readUInt32LE(80), size: header.readUInt32LE(84) };
}

function parseGpt(bytes: Buffer, disk: string): PartitionTable {
  const area = gptEntryArea(bytes)!;
  const header = bytes.subarray(SECTOR, SECTOR * 2);
  const partitions: Partition[] = [];
  for (let i = 0; i < area.count; i++) {
    const o = area.offset + i * area.size;
    if (o + 128 > bytes.length) break;
    const type = readGuid(bytes, o);
    if (type === '00000000-0000-0000-0000-000000000000') continue;
    const first = Number(bytes.readBigUInt64LE(o + 32));
    const last = Number(bytes.readBigUInt64LE(o + 40));
    const name = bytes
      .subarray(o + 56, o + 128)
      .toString('utf16le')
      .replace(/\0.*$/s, '');
    partitions.push({
      device: partitionDevice(disk, i + 1),
      number: i + 1,
      start: first * SECTOR,
      size: (last - first + 1) * SECTOR,
      type,
      typeName: GPT_TYPES[type] ?? null,
      bootable: null,
      name: name || null,
    });
  }
  return { kind: 'gpt', diskId: readGuid(header, 56), partitions, extendedAt: null };
}

export function isEsp(partition: Pick<Partition, 'type'>): boolean {
  return partition.type === ESP_GUID || partition.type === 'ef';
}
