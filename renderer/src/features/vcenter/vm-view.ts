import type { DiskDownloadPlan, DiskProvisioning, SnapshotNode, VmDetails, VmFile, VsphereDisk } from '../../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../../shared/format';

/** The VM details page's wording, from the engine's VmDetails. Pure. */

/** "4 vCPUs (2 sockets × 2 cores)"; null when vCenter did not say. */
export function cpuText(vm: Pick<VmDetails, 'cpus' | 'coresPerSocket'>): string | null {
  if (!vm.cpus) return null;
  const count = `${vm.cpus} vCPU${vm.cpus === 1 ? '' : 's'}`;
  const cores = vm.coresPerSocket && vm.coresPerSocket > 0 ? vm.coresPerSocket : 1;
  const sockets = Math.max(1, Math.round(vm.cpus / cores));
  return `${count} (${sockets} socket${sockets === 1 ? '' : 's'} × ${cores} core${cores === 1 ? '' : 's'})`;
}

export function memoryText(memoryMiB: number | undefined): string | null {
  return memoryMiB ? formatBytes(memoryMiB * 1024 * 1024) : null;
}

export function firmwareText(vm: Pick<VmDetails, 'firmware' | 'secureBoot'>): string {
  if (vm.firmware === 'uefi') return vm.secureBoot ? 'UEFI, Secure Boot on' : 'UEFI, Secure Boot off';
  if (vm.firmware === 'bios') return 'BIOS';
  return 'Not reported';
}

const TOOLS_TEXT: Record<string, string> = {
  guestToolsRunning: 'Running',
  guestToolsNotRunning: 'Not running',
  guestToolsExecutingScripts: 'Starting (running scripts)',
};

export function toolsText(status: string | undefined): string {
  if (!status) return 'Not reported';
  return TOOLS_TEXT[status] ?? status;
}

const PROVISIONING_TEXT: Record<DiskProvisioning, string> = { thin: 'Thin', 'thick-lazy': 'Thick (lazy zeroed)', 'thick-eager': 'Thick (eager zeroed)', unknown: 'Unknown' };

export interface DiskRow {
  key: number;
  label: string;
  fileName: string;
  capacity: string;
  provisioning: string;
  /** "persistent", "independent (persistent)", "RDM, physical mode"... */
  mode: string;
  /** Something the migration cannot take as is, or treats specially. */
  flags: string[];
  slot: string;
  /** "3 files (2 snapshots)" when the disk has a chain; "1 file" otherwise. */
  chain: string;
}

export function diskRows(disks: readonly VsphereDisk[]): DiskRow[] {
  return disks.map((disk) => {
    const flags: string[] = [];
    if (disk.rdm) flags.push(`RDM (${disk.rdm})`);
    if (disk.independent) flags.push('Independent');
    const links = disk.parents.length + 1;
    const controller = disk.controller ? `${disk.controller.model}` : '';
    return {
      key: disk.key,
      label: disk.label,
      fileName: disk.fileName,
      capacity: formatBytes(disk.capacityBytes),
      provisioning: disk.rdm ? 'Raw device' : PROVISIONING_TEXT[disk.provisioning],
      mode: disk.diskMode.replace(/_/g, ' '),
      flags,
      slot: [disk.slot, controller].filter(Boolean).join(' · '),
      chain: links === 1 ? '1 file' : `${links} files (${links - 1} snapshot${links === 2 ? '' : 's'})`,
    };
  });
}

export interface SnapshotLine {
  id: string;
  name: string;
  depth: number;
  current: boolean;
  createdAt: string | null;
  description: string | null;
}

/** The snapshot tree as indented lines, parents before children, the current one marked. */
export function snapshotLines(nodes: readonly SnapshotNode[], currentId: string | undefined, depth = 0): SnapshotLine[] {
  const lines: SnapshotLine[] = [];
  for (const node of nodes) {
    lines.push({ id: node.id, name: node.name, depth, current: node.id === currentId, createdAt: node.createdAt ?? null, description: node.description?.trim() || null });
    lines.push(...snapshotLines(node.children, currentId, depth + 1));
  }
  return lines;
}

const FILE_TYPE_TEXT: Record<string, string> = {
  config: 'Configuration (.vmx)',
  nvram: 'NVRAM',
  diskDescriptor: 'Disk descriptor',
  diskExtent: 'Disk data',
  snapshotData: 'Snapshot memory',
  snapshotList: 'Snapshot list',
  snapshotMemory: 'Snapshot memory',
  suspend: 'Suspended state',
  suspendMemory: 'Suspended memory',
  log: 'Log',
  swap: 'Swap',
  stat: 'Statistics',
  uwswap: 'Swap (user world)',
  core: 'Core dump',
  screenshot: 'Screenshot',
  extendedConfig: 'Extended configuration',
};

export function fileTypeText(type: string): string {
  return FILE_TYPE_TEXT[type] ?? type;
}

/** What a file is to the migration. */
export type FileUse = 'downloaded' | 'unused-disk-file' | 'not-needed';

export interface FileSummary {
  files: Array<VmFile & { typeText: string; size: string; use: FileUse; useText: string }>;
  totalBytes: number;
  /** Bytes of the files a migration downloads (every file of each disk's chain). */
  diskBytes: number;
  /** Disk files vCenter lists that no disk of the VM uses (stale entries, leftovers). */
  unusedDiskFiles: number;
}

const USE_TEXT: Record<FileUse, string> = { downloaded: 'downloaded', 'unused-disk-file': 'no disk of the VM uses it: not downloaded', 'not-needed': 'not needed' };

/**
 * The VM's files as vCenter lists them, each with what the migration does with it. vCenter (and
 * its simulator) can list disk files that no disk uses any more, e.g. "[ds] disk1.vmdk" beside
 * the "[ds] vm/disk1.vmdk" the disk really has: those are said to be unused, not shown as a
 * second copy of the disk. Files the disks use come first.
 */
export function fileSummary(files: readonly VmFile[], downloads: ReadonlyArray<Pick<DiskDownloadPlan, 'chain'>> = []): FileSummary {
  const used = new Set(downloads.flatMap((d) => d.chain.flatMap((link) => link.files.map((f) => f.name))));
  const isDiskFile = (f: VmFile): boolean => f.type === 'diskDescriptor' || f.type === 'diskExtent';
  let totalBytes = 0;
  let diskBytes = 0;
  let unusedDiskFiles = 0;
  const rows = files.map((f) => {
    totalBytes += f.sizeBytes;
    // Without a download plan every disk file is taken to be the disks'.
    const use: FileUse = used.has(f.name) || (used.size === 0 && isDiskFile(f)) ? 'downloaded' : isDiskFile(f) ? 'unused-disk-file' : 'not-needed';
    if (use === 'downloaded') diskBytes += f.sizeBytes;
    if (use === 'unused-disk-file') unusedDiskFiles++;
    return { ...f, typeText: fileTypeText(f.type), size: formatBytes(f.sizeBytes), use, useText: USE_TEXT[use] };
  });
  const order: Record<FileUse, number> = { downloaded: 0, 'not-needed': 1, 'unused-disk-file': 2 };
  rows.sort((a, b) => order[a.use] - order[b.use]);
  return { files: rows, totalBytes, diskBytes, unusedDiskFiles };
}
