import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalToolRunner } from '../../electron/engine/core/tool-runner';
import { readRegistry } from '../../electron/engine/inspect/collect-windows';
import { evaluateFindings } from '../../electron/engine/inspect/findings';
import { noOsIdentity } from '../../electron/engine/inspect/inspector';
import { windowsFacts } from '../../electron/engine/inspect/windows/facts';
import type { HiveCopy, WindowsGuest } from '../../electron/engine/repair/windows/guest-view';
import { openGuestDrivers, readPlannerRegistry } from '../../electron/engine/repair/windows/probe';
import type { Hive } from '../../electron/engine/repair/windows/registry-edit';
import type { Filesystem, InspectionReport, WindowsFacts } from '../../shared/contract/models/inspection';
import { summarizeFindings } from '../../shared/contract/models/inspection';
import { RepairOptions } from '../../shared/contract/models/repair';
import type { RepairOptions as RepairOptionsInput } from '../../shared/contract/models/repair';
import type { VmMetadata } from '../../shared/contract/models/vm';
import { regFilesOf, SOFTWARE_PREFIX, SYSTEM_PREFIX } from '../fixtures/windows/guests';
import { writeEmptyHive } from '../fixtures/windows/regf';
import { emptyInspectionReport } from './empty-inspection-report';

/**
 * The Windows planner's view of a phony Windows guest without an appliance: real hives filled
 * from the fixture's .reg files with hivexregedit (milliseconds), read by the inspection's and
 * the planner's own hivex code; the report built from them as the inspection builds it. What the
 * appliance would add (the guest's files, the hiberfil header, file systems) comes from the spec.
 */

export const tools = new LocalToolRunner();
const signal = new AbortController().signal;

/** The fixture's SYSTEM and SOFTWARE hives of one guest, written into dir (plus extra .reg text merged on top). */
export async function buildHives(id: string, dir: string, extra: Partial<Record<Hive, string>> = {}): Promise<Record<Hive, string>> {
  const reg = regFilesOf(id);
  const out = { SYSTEM: join(dir, 'SYSTEM'), SOFTWARE: join(dir, 'SOFTWARE') };
  for (const [hive, file, prefix] of [
    ['SYSTEM', reg.system, SYSTEM_PREFIX],
    ['SOFTWARE', reg.software, SOFTWARE_PREFIX],
  ] as const) {
    writeEmptyHive(out[hive], { fileName: `\\SystemRoot\\System32\\Config\\${hive}` });
    await tools.run('hivexregedit', ['--merge', '--prefix', prefix, out[hive], file]);
    const more = extra[hive];
    if (more) {
      const extraFile = join(dir, `${hive}.extra.reg`);
      await writeFile(extraFile, `Windows Registry Editor Version 5.00\n\n${more}\n`);
      await tools.run('hivexregedit', ['--merge', '--prefix', prefix, out[hive], extraFile]);
    }
  }
  return out;
}

export interface WindowsGuestSpec {
  /** Hive files (buildHives). */
  hives: Record<Hive, string>;
  /** The os facts libguestfs gives (productVariant, arch). */
  variant: 'Client' | 'Server';
  hiberfil?: { present: boolean; header: string | null };
  filesystems?: Filesystem[];
  disks?: InspectionReport['disks'];
  /** Guest files hyper2kvm may have written before (appliance path → content). */
  files?: Record<string, string>;
  /** The virtio-win set (a folder or ISO); drivers are extracted into workDir. */
  virtioWin?: string;
  workDir: string;
  vm?: VmMetadata | null;
  options?: RepairOptionsInput;
}

export function ntfs(device: string, mountpoint: string | null, extra: Partial<Filesystem> = {}): Filesystem {
  return { device, type: 'ntfs', version: null, label: 'System', uuid: null, size: null, used: null, free: null, mountpoint, encrypted: false, details: null, ...extra };
}

export async function hiveCopy(path: string, guestPath: string): Promise<HiveCopy> {
  const data = await readFile(path);
  return { guestPath, local: path, sha256: createHash('sha256').update(data).digest('hex'), size: data.length, dirty: data.readUInt32LE(4) !== data.readUInt32LE(8) };
}

export async function windowsReport(spec: Pick<WindowsGuestSpec, 'hives' | 'variant' | 'hiberfil' | 'filesystems' | 'disks'>): Promise<InspectionReport & { windows: WindowsFacts }> {
  const registry = await readRegistry(tools, { system: spec.hives.SYSTEM, software: spec.hives.SOFTWARE }, null, signal);
  const { facts, applications, network } = windowsFacts({ ...registry, systemRoot: '/Windows', hiberfil: spec.hiberfil ?? { present: false, header: null } });
  const os = {
    ...noOsIdentity(),
    root: '/dev/sda1',
    type: 'windows',
    distro: 'windows',
    productName: facts.productName,
    productVariant: spec.variant,
    majorVersion: facts.majorVersion,
    minorVersion: facts.minorVersion,
    arch: 'x86_64',
    windowsSystemRoot: '/Windows',
    windowsCurrentControlSet: registry.controlSet,
  };
  const filesystems = spec.filesystems ?? [ntfs('/dev/sda1', '/')];
  const mountpoints = [{ device: '/dev/sda1', path: '/' }];
  const boot = { firmware: 'bios', esp: null } as const;
  const findings = evaluateFindings({ operatingSystems: [os], os, filesystems, mountpoints, network, boot, linux: null, windows: facts });
  return { ...emptyInspectionReport(), os, operatingSystems: [os], filesystems, mountpoints, applications, network, boot, windows: facts, findings, summary: summarizeFindings(findings), disks: spec.disks ?? [] };
}

export async function windowsGuest(spec: WindowsGuestSpec): Promise<WindowsGuest> {
  const report = await windowsReport(spec);
  const copies: Record<Hive, HiveCopy | null> = {
    SYSTEM: await hiveCopy(spec.hives.SYSTEM, '/Windows/System32/config/SYSTEM'),
    SOFTWARE: await hiveCopy(spec.hives.SOFTWARE, '/Windows/System32/config/SOFTWARE'),
  };
  const registry = await readPlannerRegistry(tools, copies, report, signal);
  const files = new Map(Object.entries(spec.files ?? {}).map(([path, text]) => [path, { sha256: createHash('sha256').update(text).digest('hex'), text }]));
  const drivers = spec.virtioWin ? await openGuestDrivers(spec.virtioWin, report, spec.workDir, tools, signal) : null;
  return { report, ...registry, hives: copies, files, realPath: (p) => p, drivers, vm: spec.vm ?? null, options: RepairOptions.parse(spec.options ?? {}) };
}
