import { access, constants, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PreflightReport, ResolvedMigrateOptions } from '../../../shared/contract/api/vcenter';
import type { LibvirtConnection } from '../../../shared/contract/models/libvirt';
import type { VmDetails } from '../../../shared/contract/models/vsphere';
import { sanitizeOutputName } from '../../../shared/naming';
import { toEngineError } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { domainNames } from '../libvirt/virsh';
import { parseDatastorePath } from '../vsphere/inventory-map';
import { checkPrivileges, DOWNLOAD_PRIVILEGES, POWER_OFF_PRIVILEGE } from '../vsphere/privileges';
import { retrieveOne } from '../vsphere/property-collector';
import type { VsphereSession } from '../vsphere/session';
import { outputBoundBytes, preflightReport } from './preflight';
import type { DestinationFacts, LibvirtFacts, PrivilegeFacts } from './preflight';
import { serverIdentity, stagedBytes, stagingDirFor } from './staging';

/** Gathering what the pre-flight rules look at: the VM, the destination folder, libvirt. */

export type PreflightOptions = Pick<ResolvedMigrateOptions, 'outDir' | 'format' | 'overwrite' | 'libvirt'> & { name?: string | undefined };

/** The base name of outputs and of the domain: the one the user gave, else the VM's name made safe. */
export function outputBaseName(vmName: string, name?: string): string {
  return name ?? sanitizeOutputName(vmName);
}

export function outputPathsFor(vm: Pick<VmDetails, 'name' | 'disks'>, options: PreflightOptions): string[] {
  const base = outputBaseName(vm.name, options.name);
  const ext = options.format === 'qcow2' ? 'qcow2' : 'raw';
  return vm.disks.map((_, i) => join(options.outDir, vm.disks.length > 1 ? `${base}-disk${i + 1}.${ext}` : `${base}.${ext}`));
}

export async function destinationFacts(outDir: string): Promise<DestinationFacts> {
  const path = resolve(outDir);
  let existing = path;
  let stats = await stat(path).catch(() => null);
  if (!stats) {
    existing = dirname(path);
    stats = await stat(existing).catch(() => null);
  }
  if (!stats) return { path, usable: false, isDirectory: false, writable: false, freeBytes: 0 };
  const writable = await access(existing, constants.W_OK).then(
    () => true,
    () => false,
  );
  const fs = await statfs(existing);
  return { path, usable: true, isDirectory: stats.isDirectory(), writable, freeBytes: fs.bavail * fs.bsize };
}

/** Domain names on a libvirt connection; null (with why) when libvirt does not answer. */
export async function libvirtDomains(tools: ToolRunner, uri: LibvirtConnection, signal?: AbortSignal): Promise<LibvirtFacts> {
  try {
    const timeout = AbortSignal.timeout(20_000);
    return { uri, domains: await domainNames({ tools, signal: signal ? AbortSignal.any([signal, timeout]) : timeout }, uri) };
  } catch (error) {
    const value = toEngineError(error);
    const said = value.evidence?.stderrTail?.split('\n').find((l) => l.trim())?.replace(/^error:\s*/, '').trim();
    return { uri, domains: null, error: said ?? value.message };
  }
}

/** vSphere VM encryption (6.5+): config.keyId is set. Servers that do not know the property are not encrypting. */
export async function isEncrypted(session: VsphereSession, vmId: string, signal?: AbortSignal): Promise<boolean | undefined> {
  try {
    const content = await session.withRelogin((raw) => retrieveOne(raw, session.serviceContent.propertyCollector, { type: 'VirtualMachine', value: vmId }, ['config.keyId'], signal), signal);
    return content?.props.get('config.keyId') !== undefined;
  } catch {
    return undefined;
  }
}

/** Whether qemu-img has its HTTP driver (Debian ships it in qemu-block-extra), which the overlapped conversion reads through. */
export async function qemuReadsHttp(tools: ToolRunner, signal?: AbortSignal): Promise<boolean> {
  try {
    const { stdout } = await tools.run('qemu-img', ['--help'], { ...(signal ? { signal } : {}) });
    const formats = /Supported formats:(.*)/.exec(stdout)?.[1] ?? '';
    return formats.split(/\s+/).includes('http');
  } catch {
    return false;
  }
}

/**
 * Whether the account may download the VM's disk files (on every datastore holding one) and,
 * when the VM is not off, power it off. One call; see vsphere/privileges.ts.
 */
export async function privilegeFacts(session: VsphereSession, vm: VmDetails, signal?: AbortSignal): Promise<PrivilegeFacts> {
  const names = new Set(vm.downloads.flatMap((d) => d.chain.flatMap((link) => link.files.map((f) => parseDatastorePath(f.name)?.datastore))).filter((n): n is string => n !== undefined));
  const datastores = vm.datastores.filter((d) => names.has(d.name));
  const askPower = vm.powerState !== 'poweredOff';
  const entities = [...datastores.map((d) => ({ type: 'Datastore', value: d.id })), ...(askPower ? [{ type: 'VirtualMachine', value: vm.id }] : [])];
  const check = await checkPrivileges(session, entities, [...DOWNLOAD_PRIVILEGES, ...(askPower ? [POWER_OFF_PRIVILEGE] : [])], signal);
  if (!check.checked) return check;
  const grantedOn = (type: string, id: string, privilege: string): boolean => check.entities.find((e) => e.entity.type === type && e.entity.value === id)?.granted.get(privilege) === true;
  return {
    checked: true,
    missingOnDatastores: datastores.map((d) => ({ datastore: d.name, privileges: DOWNLOAD_PRIVILEGES.filter((p) => !grantedOn('Datastore', d.id, p)) })).filter((m) => m.privileges.length > 0),
    mayPowerOff: !askPower || grantedOn('VirtualMachine', vm.id, POWER_OFF_PRIVILEGE),
  };
}

export interface PreflightDeps {
  tools: ToolRunner;
  session: VsphereSession;
  signal?: AbortSignal;
}

export async function runPreflight(vm: VmDetails, options: PreflightOptions, deps: PreflightDeps): Promise<PreflightReport> {
  const outDir = resolve(options.outDir);
  const staging = stagingDirFor(outDir, { server: serverIdentity(deps.session.serviceContent.about, deps.session.server), vmId: vm.id, vmName: vm.name, ...(vm.instanceUuid ? { instanceUuid: vm.instanceUuid } : {}) });
  const outputs = outputPathsFor(vm, { ...options, outDir });
  const [destination, libvirt, encrypted, alreadyDownloadedBytes, existing, httpDriver, privileges] = await Promise.all([
    destinationFacts(outDir),
    libvirtDomains(deps.tools, options.libvirt, deps.signal),
    isEncrypted(deps.session, vm.id, deps.signal),
    stagedBytes(staging),
    Promise.all(outputs.map((p) => stat(p).then(() => p, () => null))),
    qemuReadsHttp(deps.tools, deps.signal),
    privilegeFacts(deps.session, vm, deps.signal),
  ]);
  return preflightReport({
    vm,
    ...(encrypted !== undefined ? { encrypted } : {}),
    destination,
    existingOutputs: options.overwrite ? [] : existing.filter((p): p is string => p !== null),
    domainName: outputBaseName(vm.name, options.name),
    libvirt,
    downloadBytes: vm.downloads.reduce((sum, d) => sum + d.totalBytes, 0),
    alreadyDownloadedBytes,
    outputBytes: outputBoundBytes(vm),
    converterReadsHttp: httpDriver,
    privileges,
  });
}
