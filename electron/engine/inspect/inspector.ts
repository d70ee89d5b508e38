import { readFile } from 'node:fs/promises';
import {
  INSPECTION_REPORT_KIND,
  INSPECTION_SCHEMA_VERSION,
  summarizeFindings,
} from '../../../shared/contract/models/inspection';
import type {
  Application,
  BootFacts,
  DiskInfo,
  DriveLetter,
  Filesystem,
  InspectionReport,
  LinuxFacts,
  Mountpoint,
  NetworkConfig,
  OsIdentity,
  WindowsFacts,
} from '../../../shared/contract/models/inspection';
import type { LogSink } from '../core/stage';
import type { ToolRunner } from '../core/tool-runner';
import { collectLinux } from './collect-linux';
import { collectWindows } from './collect-windows';
import type { GuestTree } from '../appliance/guest-tree';
import { evaluateFindings } from './findings';
import type { KernelInputs } from './linux/facts';
import type { GfCommand, GfResult } from '../appliance/guestfish-protocol';
import { known, parseHash, parseInteger, parseLines, parseStruct } from '../appliance/guestfish-protocol';
import type { GuestfishSession } from '../appliance/guestfish-session';
import { detectLinuxRoot, probeTargets } from './linux/root-detect';
import type { RootDetection } from './linux/root-detect';
import { parseRootProbe, rootProbeCommand } from './linux/root-probe';
import { TABLE_BYTES, gptEntryArea, isEsp, parsePartitionTable } from './partition-table';
import type { PartitionTable } from './partition-table';
import { MOUNTABLE, describeFilesystem, diskInfo, isFilesystem, parseBlkid, parseStatvfs } from './storage';
import type { BlkidInfo, DiskProbe, UsageInfo } from './storage';
import { EXT_TYPES, REPAIR_EDITED_FILES, btrfsCommands, btrfsDetails, e2attrs, filesystemDetails, mountHolding, parseInodes, parsePreMount, preMountCommand } from './filesystem-details';
import type { DetailReads, PreMountReads } from './filesystem-details';

/**
 * The inspection itself: everything read through one open appliance, in a handful of round
 * trips (each batch below is one), then assembled into the versioned report with its findings.
 */

export interface InspectContext {
  session: GuestfishSession;
  probes: readonly DiskProbe[];
  tools: ToolRunner;
  signal: AbortSignal;
  log: LogSink;
  /** Called as the inspection moves on (for the progress bar). */
  step?: (label: string) => void;
  producerVersion: string;
  /** Receives what the inspection read, for a repair planned from the same reads. */
  capture?: (guest: GuestCapture) => void;
}

/** The raw reads behind a report that the repair planner needs too (never part of the report). */
export interface GuestCapture {
  /** Appliance devices of the disks, in the VM's order (/dev/sda, /dev/sdb...). */
  drives: string[];
  /** The first bytes of each disk (MBR boot code and partition table), by device. */
  diskHeads: Map<string, Buffer>;
  /** Linux: /etc and the boot configuration, and the kernels' initramfs contents. */
  linux: { tree: GuestTree; kernels: KernelInputs } | null;
}

export const INSPECT_STEPS = ['Reading partitions and finding operating systems', 'Identifying file systems', 'Reading the guest', 'Measuring free space'] as const;

/** inspect-get-* fields asked for every OS (each is a round trip inside the appliance). */
const OS_FIELDS = ['type', 'distro', 'product-name', 'major-version', 'minor-version', 'arch', 'hostname', 'osinfo', 'package-format', 'package-management', 'mountpoints'] as const;
/** Only meaningful for Windows: asked in a second batch for Windows roots only. */
const WINDOWS_FIELDS = ['product-variant', 'windows-systemroot', 'windows-current-control-set', 'drive-mappings'] as const;
type OsField = (typeof OS_FIELDS)[number] | (typeof WINDOWS_FIELDS)[number];

export async function inspectGuest(ctx: InspectContext): Promise<InspectionReport> {
  const started = Date.now();
  const { session } = ctx;
  const notes: string[] = [];
  const drives = session.drives;

  // Round trip 1: libguestfs version, kernel's view of the disks, partition tables, the file systems' own tools.
  ctx.step?.(INSPECT_STEPS[0]);
  const tableFiles = await Promise.all(drives.map((d) => session.scratchPath(`table-${d.device.slice(5)}`)));
  const a = await session.batch([
    { name: 'version' },
    { name: 'list-partitions' },
    ...drives.map((d, i) => ({ name: 'download-offset', args: [d.device, tableFiles[i]!, '0', String(TABLE_BYTES)] })),
    ...drives.flatMap((d): GfCommand[] => [{ name: 'blockdev-getss', args: [d.device] }, { name: 'blockdev-getro', args: [d.device] }]),
    // Before anything is mounted: a mount replays journals (see filesystem-details.ts).
    preMountCommand(),
  ]);
  const version = parseStruct(a[0]!.output);
  const libguestfs = version.major ? `${version.major}.${version.minor}.${version.release}${version.extra ?? ''}` : null;
  const kernelPartitions = a[1]!.ok ? parseLines(a[1]!.output) : [];
  const tables = new Map<string, PartitionTable | null>();
  const diskHeads = new Map<string, Buffer>();
  for (const [i, d] of drives.entries()) {
    const result = a[2 + i]!;
    if (!result.ok) {
      tables.set(d.device, null);
      notes.push(`The partition table of ${d.device} could not be read: ${result.error}`);
      continue;
    }
    let bytes = await readFile(tableFiles[i]!);
    diskHeads.set(d.device, bytes);
    const area = gptEntryArea(bytes);
    if (area && area.offset + area.count * area.size > bytes.length && area.count * area.size <= 1024 * 1024) {
      // An unusual GPT (entries elsewhere or more of them): fetch the exact area.
      const more = await session.batch([{ name: 'download-offset', args: [d.device, tableFiles[i]!, '0', String(area.offset + area.count * area.size)] }]);
      if (more[0]!.ok) bytes = await readFile(tableFiles[i]!);
    }
    tables.set(d.device, parsePartitionTable(bytes, d.device));
  }
  const blockAt = 2 + drives.length;
  const block = new Map(drives.map((d, i) => [d.device, { logical: parseInteger(a[blockAt + 2 * i]!.output), readOnly: a[blockAt + 2 * i + 1]!.ok ? a[blockAt + 2 * i + 1]!.output.trim() === 'true' : null }]));
  const preResult = a[blockAt + 2 * drives.length]!;
  const pre: PreMountReads = parsePreMount(preResult.ok ? preResult.output : '');
  if (!preResult.ok) notes.push(`The file systems' own tools could not be run before mounting: ${preResult.error}`);

  // Round trip 2: what every block device holds.
  ctx.step?.(INSPECT_STEPS[1]);
  const candidates = blockCandidates(drives.map((d) => d.device), tables, kernelPartitions);
  const mayHaveLvm = [...tables.values()].some((t) => !t || t.kind === 'none' || t.partitions.some((p) => p.type === '8e' || p.type === 'e6d6d379-f507-44c2-a23c-238f2a3df928'));
  const b = await session.batch([...candidates.map((dev): GfCommand => ({ name: 'blkid', args: [dev] })), ...(mayHaveLvm ? [{ name: 'lvs' }] : [])]);
  const blkids = new Map<string, BlkidInfo>();
  candidates.forEach((dev, k) => {
    const result = b[k]!;
    if (result.ok) blkids.set(dev, parseBlkid(dev, result.output));
  });
  let lvs: string[] = [];
  if (mayHaveLvm) {
    const lvsResult = b.at(-1)!;
    lvs = lvsResult.ok ? parseLines(lvsResult.output) : [];
    if (lvs.length) {
      const c = await session.batch(lvs.map((lv) => ({ name: 'blkid', args: [lv] })));
      lvs.forEach((lv, k) => {
        if (c[k]!.ok) blkids.set(lv, parseBlkid(lv, c[k]!.output));
      });
    }
  }

  // Round trip 3 (inspect-os and its fields instead, when our detection leaves it): which of them is an operating system, and what it is.
  const identities = await findOperatingSystems(ctx, { devices: [...candidates, ...lvs], blkids, disks: drives.map((d) => d.device), partitions: kernelPartitions, lvs }, notes);

  const firmware = [...tables.values()].some((t) => t?.partitions.some(isEsp)) ? 'uefi' : identities.length ? 'bios' : 'unknown';
  for (const id of identities) id.identity.firmware = firmware;
  const primary = identities[0] ?? null;

  // Round trip 4 (and 5): the primary OS's own files, with its file systems mounted read-only.
  ctx.step?.(INSPECT_STEPS[2]);
  let linux: LinuxFacts | null = null;
  let linuxReads: GuestCapture['linux'] = null;
  let windows: WindowsFacts | null = null;
  let applications: Application[] = [];
  let network: NetworkConfig[] = [];
  const usage = new Map<string, UsageInfo>();
  const inodes = new Map<string, DetailReads['inodes']>();
  const attributes = new Map<string, DetailReads['attributes']>();
  if (primary) {
    const mounts = [...primary.mountpoints].sort((x, y) => x.path.split('/').length - y.path.split('/').length || x.path.length - y.path.length);
    // In the same round trip as the mounts: inodes of each, and the attributes of the files repair edits on ext.
    const attrPaths = primary.identity.type === 'linux' ? REPAIR_EDITED_FILES.map((path) => ({ path, on: mountHolding(path, mounts) })).filter((x) => x.on && EXT_TYPES.has(blkids.get(x.on.device)?.type ?? '')) : [];
    const mountBatch = await session.batch([
      ...mounts.map((m) => ({ name: 'mount-ro', args: [m.device, m.path] })),
      ...mounts.map((m) => ({ name: 'statvfs', args: [m.path] })),
      ...attrPaths.map((x) => ({ name: 'get-e2attrs', args: [x.path] })),
    ]);
    const mounted = mountBatch.slice(0, mounts.length);
    // The one statvfs of each mounted file system: its space and its inodes.
    mounts.forEach((m, k) => {
      const st = mountBatch[mounts.length + k]!;
      if (!mounted[k]!.ok || !st.ok) return;
      inodes.set(m.device, parseInodes(st.output));
      const u = parseStatvfs(st.output);
      if (u) usage.set(m.device, u);
    });
    attrPaths.forEach((x, k) => {
      const r = mountBatch[2 * mounts.length + k]!;
      // A file that is not there fails ("No such file or directory"): nothing to edit, nothing to say.
      if (!r.ok || !mounted[mounts.indexOf(x.on!)]!.ok) return;
      attributes.set(x.on!.device, [...(attributes.get(x.on!.device) ?? []), e2attrs(x.path, r.output)]);
    });
    mounts.forEach((m, k) => {
      if (!mounted[k]!.ok) notes.push(`${m.device} could not be mounted at ${m.path}: ${mounted[k]!.error}`);
    });
    const okMounts = mounts.filter((_, k) => mounted[k]!.ok);
    const rootMounted = okMounts.some((m) => m.path === '/');
    if (primary.identity.type === 'linux' && rootMounted) {
      const collected = await collectLinux(session, primary.identity.root!, primary.identity.packageFormat, ctx.tools, ctx.signal);
      linux = collected.facts;
      linuxReads = { tree: collected.tree, kernels: collected.kernels };
      applications = collected.applications;
      network = collected.network;
      notes.push(...collected.notes);
    } else if (primary.identity.type === 'windows' && rootMounted) {
      const collected = await collectWindows(session, primary.identity.windowsSystemRoot, primary.identity.windowsCurrentControlSet, ctx.tools, ctx.signal);
      windows = collected.facts;
      applications = collected.applications;
      network = collected.network;
      notes.push(...collected.notes);
      primary.identity.build = windows.build;
    } else if (primary.identity.type !== 'linux' && primary.identity.type !== 'windows') {
      notes.push(`Detailed facts are read for Linux and Windows guests; this one is ${primary.identity.type}.`);
    }
  }

  // Round trip 6: every other file system mounted alone, to measure it (and look into the ESP).
  ctx.step?.(INSPECT_STEPS[3]);
  const partitionsByDevice = new Map([...tables.values()].flatMap((t) => t?.partitions ?? []).map((p) => [p.device, p]));
  const espDevices = [...partitionsByDevice.values()].filter(isEsp).map((p) => p.device);
  // Every btrfs too, at its top level (subvolid=5), where every subvolume and snapshot is in reach.
  const toMeasure = [...blkids.values()].filter((info) => isFilesystem(info) && info.type !== null && MOUNTABLE.has(info.type) && (!usage.has(info.device) || espDevices.includes(info.device) || info.type === 'btrfs'));
  // With nothing else to measure the OS stays mounted: the next stage starts with umount-all anyway.
  const e: GfCommand[] = toMeasure.length ? [{ name: 'umount-all' }] : [];
  const plan: Array<{ device: string; esp: boolean; at: number; btrfsAt: number | null }> = [];
  for (const info of toMeasure) {
    const esp = espDevices.includes(info.device);
    const btrfs = info.type === 'btrfs';
    const at = e.length;
    e.push(btrfs ? { name: 'mount-options', args: ['ro,subvolid=5', info.device, '/'] } : { name: 'mount-ro', args: [info.device, '/'] }, { name: 'statvfs', args: ['/'] });
    if (esp) e.push({ name: 'is-file', args: ['/EFI/BOOT/BOOTX64.EFI'] }, { name: 'find', args: ['/EFI'] });
    plan.push({ device: info.device, esp, at, btrfsAt: btrfs ? e.length : null });
    if (btrfs) e.push(...btrfsCommands());
    e.push({ name: 'umount-all' });
  }
  const er = e.length ? await session.batch(e) : [];
  let esp: BootFacts['esp'] = null;
  const btrfsByDevice = new Map<string, DetailReads['btrfs']>();
  for (const p of plan) {
    if (!er[p.at]!.ok) continue;
    const u = parseStatvfs(er[p.at + 1]!.output);
    if (u && !usage.has(p.device)) usage.set(p.device, u);
    if (!inodes.has(p.device) && er[p.at + 1]!.ok) inodes.set(p.device, parseInodes(er[p.at + 1]!.output));
    if (p.btrfsAt !== null) {
      const [list, def, script] = [er[p.btrfsAt]!, er[p.btrfsAt + 1]!, er[p.btrfsAt + 2]!];
      if (list.ok) btrfsByDevice.set(p.device, btrfsDetails(list.output, def.ok ? def.output : '', script.ok ? script.output : '', linux?.fstab ?? []));
      else notes.push(`The btrfs subvolumes of ${p.device} could not be listed: ${list.error}`);
    }
    if (p.esp && !esp) {
      // find prints paths relative to /EFI, with a leading slash.
      const files = parseLines(er[p.at + 3]!.output).map((f) => `EFI/${f.replace(/^\/+/, '')}`);
      esp = {
        device: p.device,
        fallbackLoader: er[p.at + 2]!.output.trim() === 'true' || files.some((f) => f.toLowerCase() === 'efi/boot/bootx64.efi'),
        loaders: files.filter((f) => /\.efi$/i.test(f)).sort(),
      };
    }
  }
  if (!esp && espDevices[0]) esp = { device: espDevices[0], fallbackLoader: false, loaders: [] };

  // Assemble.
  const mountpoints: Mountpoint[] = primary?.mountpoints ?? [];
  const filesystems: Filesystem[] = [...blkids.values()]
    .filter(isFilesystem)
    .map((info) => {
      const details = filesystemDetails(info.device, info.type, {
        pre,
        inodes: inodes.get(info.device) ?? null,
        btrfs: btrfsByDevice.get(info.device) ?? null,
        attributes: attributes.get(info.device) ?? [],
        windowsHibernated: windows && info.device === primary?.identity.root ? windows.hibernation.hibernated : null,
      });
      return describeFilesystem(info, usage.get(info.device) ?? null, partitionsByDevice.get(info.device)?.size ?? null, mountpoints.find((m) => m.device === info.device)?.path ?? null, details);
    });
  const disks: DiskInfo[] = ctx.probes.map((probe, k) => {
    const device = drives[k]!.device;
    const b = block.get(device);
    return diskInfo(probe, device, tables.get(device) ?? null, kernelPartitions, new Map(), { logicalSectorSize: b?.logical ?? null, physicalSectorSize: pre.physicalSectorSize.get(device) ?? null, readOnly: b?.readOnly ?? null });
  });
  const os: OsIdentity = primary?.identity ?? noOsIdentity();
  const boot: BootFacts = { firmware, esp };
  ctx.capture?.({ drives: drives.map((d) => d.device), diskHeads, linux: linuxReads });
  const findings = evaluateFindings({ operatingSystems: identities.map((x) => x.identity), os, filesystems, mountpoints, network, boot, linux, windows });
  return {
    schemaVersion: INSPECTION_SCHEMA_VERSION,
    kind: INSPECTION_REPORT_KIND,
    generatedAt: new Date().toISOString(),
    durationMs: Date.now() - started + session.launchMs,
    producer: { hyper2kvm: ctx.producerVersion, libguestfs },
    disks,
    os,
    operatingSystems: identities.map((x) => x.identity),
    filesystems,
    mountpoints,
    driveLetters: primary?.driveLetters ?? [],
    applications,
    network,
    boot,
    linux,
    windows,
    findings,
    summary: summarizeFindings(findings),
    notes,
  };
}

type FoundOs = ReturnType<typeof identityFrom>;

interface OsSearch {
  /** Every block device that may hold a file system (partitions, bare disks, LVs). */
  devices: string[];
  blkids: ReadonlyMap<string, BlkidInfo>;
  disks: string[];
  partitions: string[];
  lvs: string[];
}

/**
 * The operating systems on the disks: by our own root detection (one probe round trip, see
 * linux/root-detect.ts) where it recognises one Linux root it has been compared with inspect-os
 * on, else by libguestfs inspect-os, which knows Windows, the BSDs and multi-boot disks.
 */
async function findOperatingSystems(ctx: InspectContext, search: OsSearch, notes: string[]): Promise<FoundOs[]> {
  const { targets, skipped } = probeTargets(search.devices, (device) => search.blkids.get(device)?.type ?? null);
  const input = { probes: [], disks: search.disks, partitions: search.partitions, lvs: search.lvs, blkids: [...search.blkids.values()], skipped, assembled: [], mapped: [] };
  // Something the probe cannot read: inspect-os is needed anyway (detectLinuxRoot says why).
  const command = skipped.length ? null : rootProbeCommand(targets);
  let detection: RootDetection;
  if (command === null) detection = detectLinuxRoot(input);
  else if (command === 'unsafe') detection = { kind: 'fallback', reason: 'a device name the probe script does not take' };
  else {
    const [probe] = await ctx.session.batch([command]);
    if (probe!.ok) {
      const read = parseRootProbe(probe!.output);
      detection = detectLinuxRoot({ ...input, probes: read.probes, assembled: read.assembled, mapped: read.mapped });
    } else detection = { kind: 'fallback', reason: `the root probe failed: ${probe!.error}` };
  }
  if (detection.kind === 'linux') {
    const { root, mountpoints, ...fields } = detection.root;
    ctx.log('info', `Operating system found by root detection on ${root}`);
    return [{ identity: { ...noOsIdentity(), ...fields, root, type: 'linux' }, mountpoints, driveLetters: [] }];
  }
  ctx.log('info', `Operating systems looked for with libguestfs inspect-os (${detection.reason})`);
  return inspectOs(ctx.session, notes);
}

/** libguestfs inspect-os and the inspect-get-* fields of each root it finds. */
export async function inspectOs(session: GuestfishSession, notes: string[]): Promise<FoundOs[]> {
  const [inspected] = await session.batch([{ name: 'inspect-os' }]);
  if (!inspected!.ok) notes.push(`libguestfs inspection failed: ${inspected!.error}`);
  const roots = inspected!.ok ? parseLines(inspected!.output) : [];
  if (!roots.length) return [];
  const b = await session.batch(roots.flatMap((root) => OS_FIELDS.map((f): GfCommand => ({ name: `inspect-get-${f}`, args: [root] }))));
  const fieldResults = roots.map((root, r) => new Map<OsField, GfResult>(OS_FIELDS.map((f, k) => [f, b[r * OS_FIELDS.length + k]!])));
  const windowsRoots = roots.filter((_, r) => fieldResults[r]!.get('type')?.output.trim() === 'windows');
  if (windowsRoots.length) {
    const w = await session.batch(windowsRoots.flatMap((root) => WINDOWS_FIELDS.map((f): GfCommand => ({ name: `inspect-get-${f}`, args: [root] }))));
    windowsRoots.forEach((root, k) => {
      const fields = fieldResults[roots.indexOf(root)]!;
      WINDOWS_FIELDS.forEach((f, j) => fields.set(f, w[k * WINDOWS_FIELDS.length + j]!));
    });
  }
  return roots.map((root, r) => identityFrom(root, fieldResults[r]!));
}

/** Block devices that may hold a file system: partitions, and whole disks without a table. */
export function blockCandidates(disks: readonly string[], tables: ReadonlyMap<string, PartitionTable | null>, kernelPartitions: readonly string[]): string[] {
  const out: string[] = [];
  for (const disk of disks) {
    const table = tables.get(disk);
    const parts = kernelPartitions.filter((p) => p.startsWith(disk) && /\d$/.test(p));
    if (parts.length === 0) {
      out.push(disk);
      continue;
    }
    for (const p of parts) {
      const entry = table?.partitions.find((x) => x.device === p);
      // The extended partition itself is only a container for logical ones.
      if (entry && (entry.type === '05' || entry.type === '0f' || entry.type === '85')) continue;
      out.push(p);
    }
  }
  return out;
}

export function noOsIdentity(): OsIdentity {
  return {
    root: null,
    type: 'unknown',
    distro: null,
    productName: null,
    productVariant: null,
    majorVersion: null,
    minorVersion: null,
    arch: null,
    hostname: null,
    osinfo: null,
    packageFormat: null,
    packageManagement: null,
    firmware: 'unknown',
    windowsSystemRoot: null,
    windowsCurrentControlSet: null,
    build: null,
  };
}

/** One OS from its inspect-get-* results. */
export function identityFrom(root: string, results: ReadonlyMap<OsField, GfResult>): { identity: OsIdentity; mountpoints: Mountpoint[]; driveLetters: DriveLetter[] } {
  const field = (name: OsField): string | null => {
    const r = results.get(name);
    return r?.ok ? known(r.output) : null;
  };
  const type = field('type') ?? 'unknown';
  const version = (name: 'major-version' | 'minor-version'): number | null => {
    const n = parseInteger(field(name) ?? '');
    // libguestfs says 0 when it does not know; a real 0 only appears as a minor version.
    if (n === null || type === 'unknown') return null;
    return name === 'major-version' && n === 0 ? null : n;
  };
  const mp = results.get('mountpoints');
  const dm = results.get('drive-mappings');
  return {
    identity: {
      root,
      type,
      distro: field('distro'),
      productName: field('product-name'),
      productVariant: field('product-variant'),
      majorVersion: version('major-version'),
      minorVersion: version('minor-version'),
      arch: field('arch'),
      hostname: field('hostname'),
      osinfo: field('osinfo'),
      packageFormat: field('package-format'),
      packageManagement: field('package-management'),
      firmware: 'unknown',
      windowsSystemRoot: field('windows-systemroot'),
      windowsCurrentControlSet: field('windows-current-control-set'),
      build: null,
    },
    mountpoints: mp?.ok ? [...parseHash(mp.output)].map(([path, device]) => ({ device, path })).sort((x, y) => x.path.localeCompare(y.path)) : [],
    driveLetters: dm?.ok ? [...parseHash(dm.output)].map(([letter, device]) => ({ letter, device })).sort((x, y) => x.letter.localeCompare(y.letter)) : [],
  };
}
