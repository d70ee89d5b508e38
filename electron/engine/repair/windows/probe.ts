import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InspectionReport, WindowsFacts } from '../../../../shared/contract/models/inspection';
import type { ResolvedRepairOptions } from '../../../../shared/contract/models/repair';
import type { VmMetadata } from '../../../../shared/contract/models/vm';
import { parseLines } from '../../appliance/guestfish-protocol';
import type { GuestfishSession } from '../../appliance/guestfish-session';
import { toEngineError } from '../../core/errors';
import type { ToolRunner } from '../../core/tool-runner';
import { FIRSTBOOT_DIR } from '../../guest/windows/firstboot-paths';
import { mapLimit, readKey } from '../../inspect/collect-windows';
import { controlSetName } from '../../inspect/windows/facts';
import { RegTree } from '../../inspect/windows/registry';
import type { GuestDrivers, HiveCopy, WindowsGuest } from './guest-view';
import { AGENT_STAGE, probedKeys } from './guest-view';
import type { Hive } from './registry-edit';
import type { DriverSet } from './virtio-win';
import { chooseDrivers, materialize, openDriverSet } from './virtio-win';

/**
 * What the Windows planner needs beyond the inspection, in three appliance round trips with the
 * system volume mounted read-only: the real spelling of the folders the repair writes into
 * (NTFS is case-sensitive in the appliance), the SYSTEM and SOFTWARE hives downloaded into the
 * job folder (the repair edits copies of them), and the hashes of every file hyper2kvm may have
 * written before (drivers, staged packages, first-boot scripts). The registry keys the repair
 * may change are then read from the downloaded hives with hivex, on the host.
 */

export interface WindowsProbeInput {
  session: GuestfishSession;
  report: InspectionReport & { windows: WindowsFacts };
  tools: ToolRunner;
  signal: AbortSignal;
  /** Where the hives (and an extracted driver set) go: a folder of the job. */
  workDir: string;
  vm: VmMetadata | null;
  options: ResolvedRepairOptions;
  /** The driver set when it was opened before (a re-plan after applying reuses it). */
  drivers?: WindowsGuest['drivers'];
}

/** Reads a regf header: Windows finished writing the hive when its two sequence numbers match. */
export function hiveIsDirty(header: Buffer): boolean {
  if (header.length < 12 || header.subarray(0, 4).toString('latin1') !== 'regf') return false;
  return header.readUInt32LE(4) !== header.readUInt32LE(8);
}

/** Maps a path to its real spelling from the longest resolved prefix (case-insensitive, as Windows). */
export function spellingResolver(resolved: ReadonlyMap<string, string>): (path: string) => string {
  const prefixes = [...resolved].sort((a, b) => b[0].length - a[0].length);
  return (path) => {
    const lower = path.toLowerCase();
    for (const [given, real] of prefixes) {
      const g = given.toLowerCase();
      if (lower === g || lower.startsWith(`${g}/`)) return real + path.slice(given.length);
    }
    return path;
  };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function driverSetFor(input: WindowsProbeInput): Promise<WindowsGuest['drivers']> {
  if (input.drivers !== undefined) return input.drivers;
  const source = input.options.virtioWin;
  if (!source) return null;
  try {
    return await openGuestDrivers(source, input.report, input.workDir, input.tools, input.signal);
  } catch (error) {
    const value = toEngineError(error);
    if (value.code === 'CANCELLED' || input.signal.aborted) throw error;
    return { error: value };
  }
}

/** The virtio-win set, the folders that fit this guest, and their files on the host (extracted from an ISO into workDir). */
export async function openGuestDrivers(source: string, report: InspectionReport & { windows: WindowsFacts }, workDir: string, tools: ToolRunner, signal: AbortSignal): Promise<GuestDrivers> {
  const set: DriverSet = await openDriverSet(source, tools, signal);
  const w = report.windows;
  const choice = chooseDrivers(set.files, { majorVersion: w.majorVersion, minorVersion: w.minorVersion, build: w.build ? Number(w.build) : null, variant: w.installationType ?? report.os.productVariant, arch: report.os.arch });
  const rels = [...choice.drivers.flatMap((d) => d.files), ...(choice.agentMsi ? [choice.agentMsi] : [])];
  const host = await materialize(set, rels, workDir, tools, signal);
  return { set, choice, host };
}

export async function probeWindows(input: WindowsProbeInput): Promise<WindowsGuest> {
  const { session, report } = input;
  const root = report.mountpoints.find((m) => m.path === '/')?.device ?? report.os.root;
  const windowsDir = report.os.windowsSystemRoot ?? '/Windows';
  const folders = [windowsDir, `${windowsDir}/System32`, `${windowsDir}/System32/drivers`, `${windowsDir}/System32/config`, `${windowsDir}/Drivers`, `${windowsDir}/Drivers/hyper2kvm`, '/ProgramData', '/ProgramData/hyper2kvm', FIRSTBOOT_DIR, AGENT_STAGE];
  const hivePaths: Record<Hive, string> = { SYSTEM: `${windowsDir}/System32/config/SYSTEM`, SOFTWARE: `${windowsDir}/System32/config/SOFTWARE` };
  const asked = [...folders, hivePaths.SYSTEM, hivePaths.SOFTWARE];
  const r1 = await session.batch([{ name: 'umount-all' }, ...(root ? [{ name: 'mount-ro', args: [root, '/'] }] : []), ...asked.map((p) => ({ name: 'case-sensitive-path', args: [p] }))]);
  const offset = root ? 2 : 1;
  const resolved = new Map(asked.map((p, i) => [p, r1[offset + i]!.ok ? r1[offset + i]!.output.trim() : p]));
  const realPath = spellingResolver(resolved);

  await mkdir(input.workDir, { recursive: true });
  const ours = [realPath(`${windowsDir}/Drivers/hyper2kvm`), realPath('/ProgramData/hyper2kvm')];
  const systemDrivers = ['viostor', 'vioscsi'].map((d) => realPath(`${windowsDir}/System32/drivers/${d}.sys`));
  const hives = (['SYSTEM', 'SOFTWARE'] as const).map((hive) => ({ hive, guestPath: realPath(hivePaths[hive]), local: join(input.workDir, hive) }));
  const r2 = await session.batch([
    ...hives.map((h) => ({ name: 'download', args: [h.guestPath, h.local] })),
    ...ours.map((dir) => ({ name: 'find', args: [dir] })),
    ...systemDrivers.map((p) => ({ name: 'checksum', args: ['sha256', p] })),
  ]);
  const copies: Record<Hive, HiveCopy | null> = { SYSTEM: null, SOFTWARE: null };
  for (const [i, h] of hives.entries()) {
    if (!r2[i]!.ok) continue;
    const data = await readFile(h.local);
    copies[h.hive] = { guestPath: h.guestPath, local: h.local, sha256: sha256(data), size: data.length, dirty: hiveIsDirty(data.subarray(0, 12)) };
  }
  // find prints paths relative to the folder; only files matter (directories have no checksum).
  const found = ours.flatMap((dir, k) => (r2[2 + k]!.ok ? parseLines(r2[2 + k]!.output).map((rel) => `${dir}/${rel.replace(/^\/+/, '')}`) : []));
  const files = new Map<string, { sha256: string; text: string | null }>();
  systemDrivers.forEach((p, k) => {
    const r = r2[2 + ours.length + k]!;
    if (r.ok) files.set(p, { sha256: r.output.trim(), text: null });
  });
  if (found.length) {
    const scripts = found.filter((p) => /\.(cmd|ps1)$/i.test(p));
    const r3 = await session.batch([...found.map((p) => ({ name: 'checksum', args: ['sha256', p] })), ...scripts.map((p) => ({ name: 'cat', args: [p] }))]);
    found.forEach((p, k) => {
      if (r3[k]!.ok) files.set(p, { sha256: r3[k]!.output.trim(), text: null });
    });
    scripts.forEach((p, k) => {
      const r = r3[found.length + k]!;
      const entry = files.get(p);
      if (r.ok && entry) entry.text = r.output;
    });
  }

  const { controlSet, drive, systemRoot, registry, uninstall } = await readPlannerRegistry(input.tools, copies, report, input.signal);
  const drivers = await driverSetFor(input);
  return { report, controlSet, drive, systemRoot, hives: copies, registry, files, realPath, uninstall, drivers, vm: input.vm, options: input.options };
}

/**
 * The registry as the planner reads it, from the hive files on the host (hivex): the keys the
 * repair may change with their subtrees, the control set, the system drive, and the uninstall
 * commands of the VMware Tools entries.
 */
export async function readPlannerRegistry(
  tools: ToolRunner,
  hives: Record<Hive, Pick<HiveCopy, 'local'> | null>,
  report: InspectionReport & { windows: WindowsFacts },
  signal: AbortSignal,
): Promise<Pick<WindowsGuest, 'controlSet' | 'drive' | 'systemRoot' | 'registry' | 'uninstall'>> {
  const registry: Record<Hive, RegTree> = { SYSTEM: new RegTree(), SOFTWARE: new RegTree() };
  let controlSet = report.windows.controlSet ?? report.os.windowsCurrentControlSet;
  if (hives.SYSTEM && !controlSet) controlSet = controlSetName(await readKey(tools, hives.SYSTEM.local, { hive: 'SYSTEM', key: 'Select', mode: 'values' }, signal));
  const cs = controlSet ?? 'ControlSet001';
  const vmwareTools = report.applications.filter((a) => /^VMware Tools/i.test(a.displayName ?? ''));
  const uninstallKey = (origin: string, name: string): string => `${origin === 'uninstall-wow64' ? 'WOW6432Node\\' : ''}Microsoft\\Windows\\CurrentVersion\\Uninstall\\${name}`;
  const reads = [...probedKeys(cs), ...vmwareTools.map((a) => ({ hive: 'SOFTWARE' as const, key: uninstallKey(a.origin, a.name), mode: 'values' as const }))];
  const readable = reads.filter((read) => hives[read.hive]);
  const trees = await mapLimit(readable, 2, (read) => readKey(tools, hives[read.hive]!.local, read, signal));
  readable.forEach((read, k) => registry[read.hive].merge(trees[k]!));
  const uninstall = new Map<string, string>();
  for (const a of vmwareTools) {
    const command = registry.SOFTWARE.string(uninstallKey(a.origin, a.name), 'UninstallString');
    if (command) uninstall.set(a.name, command);
  }
  const systemRoot = registry.SOFTWARE.string('Microsoft\\Windows NT\\CurrentVersion', 'SystemRoot') ?? 'C:\\Windows';
  const drive = /^([A-Za-z]):/.exec(systemRoot)?.[1]?.toUpperCase() ?? 'C';
  return { controlSet: cs, drive, systemRoot, registry, uninstall };
}
