import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { DiskLocator, ManifestCheck, SourceDisk, SourceKind, SourcePlan } from '../../../shared/contract/models/source';
import type { VmMetadata } from '../../../shared/contract/models/vm';
import { EngineFailure, fail } from '../core/errors';
import { parseManifest } from '../formats/manifest';
import { parseOvf } from '../formats/ovf';
import type { OvfDescriptor } from '../formats/ovf';
import { parseVmx, vmxToMetadata } from '../formats/vmx';
import { VMX_DISK_OUTSIDE_FOLDER } from './error-codes';
import { allocatedBytes, readRange, resolveInside, statSource } from './files';
import { planOva } from './ova';
import { checkpoint, probeDisk } from './probe';
import type { IntakeDeps } from './probe';

export type { IntakeDeps } from './probe';
import { planVmdkChain, toChainLinks } from './vmdk-chain';


const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);
/** VMX and OVF descriptors are small; anything bigger is not one. */
const MAX_TEXT_DESCRIPTOR = 16 * 1024 * 1024;

/**
 * The intake: whatever the user dropped (a VMDK, a VMX, an OVF, an OVA, a plain image or a
 * folder holding one of those), recognise it, check every file it needs, and probe each disk
 * with qemu-img. Nothing is written anywhere; the source is only read.
 *
 * `deps.signal` stops it: the qemu-img runs are killed through the tool runner, and the reads
 * of the engine's own (each small and bounded) are not followed by another once it is aborted.
 * An aborted plan always rejects with CANCELLED, never with a plan nobody asked for any more.
 */
export async function planSource(input: string, deps: IntakeDeps): Promise<SourcePlan> {
  const plan = await planPath(resolve(input), deps);
  checkpoint(deps);
  return plan;
}

async function planPath(path: string, deps: IntakeDeps): Promise<SourcePlan> {
  const stats = await statSource(path);
  if (stats.isDirectory()) return planFolder(path, deps);
  if (!stats.isFile()) fail('SOURCE_NOT_A_DISK', `${path} is not a regular file.`, 'Choose a .vmdk, .vmx, .ovf or .ova file, or a folder holding a VM.', { path });
  const kind = await sniff(path);
  checkpoint(deps);
  switch (kind) {
    case 'vmx':
      return planVmx(path, path, deps);
    case 'ovf':
      return planOvfFile(path, path, deps);
    case 'ova':
      return planOva(path, path, deps);
    case 'vmdk':
      return planDisks('vmdk', path, path, [path], { nics: [], disks: [], origin: 'none', name: stripVmdkSuffix(basename(path)) }, deps);
    case 'image':
      return planImage(path, deps);
  }
}

type FileKind = 'vmx' | 'ovf' | 'ova' | 'vmdk' | 'image';

/** Recognises a file by its content first and its name second. */
async function sniff(path: string): Promise<FileKind> {
  const head = await readRange(path, 0, 1024);
  const ext = extname(path).toLowerCase();
  if (head.subarray(0, 4).equals(QCOW2_MAGIC)) return 'image';
  if (head.subarray(0, 4).toString('latin1') === 'KDMV' || head.subarray(0, 4).toString('latin1') === 'COWD') return 'vmdk';
  if (head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'ova';
  if (ext === '.ova') return 'ova'; // let the tar reader explain what is wrong with it
  const text = head.toString('latin1');
  if (ext === '.vmx' || /^\s*(\.encoding|config\.version|virtualHW\.version|displayName)\s*=/im.test(text)) return 'vmx';
  if (ext === '.ovf' || /<(\w+:)?Envelope[\s>]/.test(text)) return 'ovf';
  if (ext === '.vmdk' || /# Disk DescriptorFile/i.test(text)) return 'vmdk';
  if (ext === '.raw' || ext === '.img') return 'image';
  if (ext === '.qcow2') return 'image';
  return fail('SOURCE_NOT_A_DISK', `${basename(path)} is not a disk or a VM that VMware writes.`, 'Choose a .vmdk, .vmx, .ovf or .ova file, or a folder holding a VM.', { path });
}

async function planFolder(folder: string, deps: IntakeDeps): Promise<SourcePlan> {
  const names = (await readdir(folder)).sort();
  checkpoint(deps);
  const withExt = (e: string): string[] => names.filter((n) => n.toLowerCase().endsWith(e)).map((n) => join(folder, n));
  const pickOne = (files: string[], what: string): string => {
    if (files.length > 1) {
      fail('SOURCE_UNSUPPORTED', `${basename(folder)} holds ${files.length} ${what} files; which VM is meant is unclear.`, `Drop one of them instead: ${files.map((f) => basename(f)).join(', ')}.`, { path: folder });
    }
    return files[0]!;
  };
  const vmx = withExt('.vmx');
  if (vmx.length) return planVmx(folder, pickOne(vmx, '.vmx'), deps, 'folder');
  const ovf = withExt('.ovf');
  if (ovf.length) return planOvfFile(folder, pickOne(ovf, '.ovf'), deps, 'folder');
  const ova = withExt('.ova');
  if (ova.length) return planOva(folder, pickOne(ova, '.ova'), deps, 'folder');
  const tops = await topLevelDisks(withExt('.vmdk'), deps);
  if (tops.length) {
    return planDisks('folder', folder, tops[0]!, tops, { nics: [], disks: [], origin: 'none', name: basename(folder) }, deps);
  }
  return fail('SOURCE_EMPTY_FOLDER', `${basename(folder)} holds no VM: no .vmx, .ovf, .ova or .vmdk file.`, 'Drop the folder that holds the VM\u2019s files, or the disk itself.', { path: folder });
}

/** The VMDKs of a folder that are disks in their own right, not extents or parents of others. */
async function topLevelDisks(vmdks: string[], deps: IntakeDeps): Promise<string[]> {
  const referenced = new Set<string>();
  const usable: string[] = [];
  for (const file of vmdks) {
    checkpoint(deps);
    try {
      const chain = await planVmdkChain(file);
      usable.push(file);
      for (const link of chain) {
        for (const f of link.files.slice(1)) referenced.add(f);
        if (link !== chain[0]) referenced.add(link.path);
      }
    } catch (error) {
      // Extent files (-flat, -s001) are not VMDKs on their own: they are skipped here and
      // reached through their descriptor. Real problems of a descriptor are reported.
      if (error instanceof EngineFailure && error.value.code === 'SOURCE_NOT_A_DISK') continue;
      throw error;
    }
  }
  return usable.filter((f) => !referenced.has(f));
}

async function planVmx(input: string, vmxPath: string, deps: IntakeDeps, kind: SourceKind = 'vmx'): Promise<SourcePlan> {
  const text = await readSmallText(vmxPath);
  checkpoint(deps);
  const vm = vmxToMetadata(parseVmx(text, vmxPath));
  const folder = dirname(vmxPath);
  const warnings: string[] = [];
  const diskPaths: string[] = [];
  for (const disk of vm.disks) {
    if (disk.isCdrom) {
      warnings.push(`${disk.slot} is a CD/DVD drive (${disk.fileName || 'empty'}): it is not converted.`);
      continue;
    }
    const where = await resolveInside(folder, disk.fileName);
    if (!where.inside) {
      fail(VMX_DISK_OUTSIDE_FOLDER, `${basename(vmxPath)} lists disk ${disk.slot} "${disk.fileName}", which is outside the VM's folder.`, 'A .vmx may only name disks in its own folder. Copy the disk next to the .vmx and give the line its plain file name, or drop the disk itself instead of the .vmx.', {
        path: vmxPath,
        details: { slot: disk.slot, fileName: disk.fileName, resolvedTo: where.path },
      });
    }
    if (!where.exists) {
      fail('VMX_DISK_MISSING', `${basename(vmxPath)} lists disk ${disk.slot} "${disk.fileName}", which is not there.`, 'Copy every file of the VM folder, including all .vmdk files, then try again.', {
        path: vmxPath,
        details: { slot: disk.slot, expectedAt: where.path },
      });
    }
    if (disk.mode?.startsWith('independent')) warnings.push(`${disk.slot} is an independent disk: snapshots never captured it, its current content is converted.`);
    disk.fileName = where.path;
    diskPaths.push(where.path);
  }
  if (diskPaths.length === 0) fail('VMX_DISK_MISSING', `${basename(vmxPath)} lists no disk.`, 'This VM has no virtual disk to convert.', { path: vmxPath });
  return planDisks(kind, input, vmxPath, diskPaths, vm, deps, warnings);
}

async function planOvfFile(input: string, ovfPath: string, deps: IntakeDeps, kind: SourceKind = 'ovf'): Promise<SourcePlan> {
  const ovf = parseOvf(await readSmallText(ovfPath), ovfPath);
  checkpoint(deps);
  const folder = dirname(ovfPath);
  const diskPaths = await ovfDiskFiles(ovf, folder, ovfPath);
  const manifest = await sidecarManifest(ovfPath, folder);
  checkpoint(deps);
  return planDisks(kind, input, ovfPath, diskPaths, { ...ovf.vm, origin: 'ovf' }, deps, [], manifest);
}

async function ovfDiskFiles(ovf: OvfDescriptor, folder: string, ovfPath: string): Promise<string[]> {
  const paths: string[] = [];
  for (const disk of ovf.disks) {
    const file = ovf.files.find((f) => f.id === disk.fileRef);
    if (!file) fail('OVF_DISK_MISSING', `${basename(ovfPath)} describes disk ${disk.diskId} without a file.`, 'The OVF is incomplete: export the VM again.', { path: ovfPath });
    if (file.compression && file.compression !== 'identity') {
      fail('SOURCE_UNSUPPORTED', `${file.href} is ${file.compression}-compressed inside the OVF package.`, `Decompress it first (e.g. gunzip), fix the OVF's reference, and try again.`, { path: ovfPath });
    }
    const where = await resolveInside(folder, file.href);
    if (!where.inside) fail('VMDK_EXTENT_OUTSIDE_FOLDER', `${basename(ovfPath)} points at a disk outside its folder: "${file.href}".`, 'An OVF may only name files next to it.', { path: ovfPath });
    if (!where.exists) fail('OVF_DISK_MISSING', `${basename(ovfPath)} needs "${file.href}", which is not there.`, 'Copy every file of the OVF package into the same folder.', { path: ovfPath, details: { expectedAt: where.path } });
    paths.push(where.path);
  }
  if (paths.length === 0) fail('OVF_DISK_MISSING', `${basename(ovfPath)} describes no disk.`, 'This OVF has no disk to convert.', { path: ovfPath });
  return paths;
}

/** The manifest next to an OVF (`name.mf`), if any. Every listed file must be checked. */
async function sidecarManifest(ovfPath: string, folder: string): Promise<ManifestCheck[]> {
  const mfPath = ovfPath.replace(/\.ovf$/i, '') + '.mf';
  let text: string;
  try {
    text = await readSmallText(mfPath);
  } catch {
    return [];
  }
  return parseManifest(text, mfPath).map((entry) => ({ file: entry.file, algorithm: entry.algorithm, expected: entry.digest, range: { path: join(folder, entry.file), offset: 0, size: null } }));
}

async function planImage(path: string, deps: IntakeDeps): Promise<SourcePlan> {
  const head = await readRange(path, 0, 4);
  const format = head.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw';
  const stats = await statSource(path);
  checkpoint(deps);
  const { chain: [info], requiredBytes } = await probeDisk(deps, { type: 'file', path }, format, path);
  const disk: SourceDisk = {
    id: 'disk1',
    label: basename(path),
    locator: { type: 'file', path },
    format,
    virtualSize: info?.virtualSize ?? stats.size,
    allocatedSize: allocatedBytes(stats),
    requiredBytes,
    chain: [{ path, format, virtualSize: info?.virtualSize ?? stats.size, allocatedSize: allocatedBytes(stats), files: [path] }],
  };
  if (format === 'qcow2' && info?.backingFilename) {
    fail('SOURCE_UNSUPPORTED', `${basename(path)} has a backing file (${info.backingFilename}).`, 'Convert the top of the chain with its backing files next to it, or commit the overlay first.', { path });
  }
  return { kind: 'image', input: path, primary: path, vm: { nics: [], disks: [], origin: 'none', name: basename(path, extname(path)) }, disks: [disk], manifest: [], warnings: [] };
}

/** Plans VMDK disks given by path (from a VMX, an OVF, a folder or directly). */
async function planDisks(
  kind: SourceKind,
  input: string,
  primary: string,
  diskPaths: string[],
  vm: VmMetadata,
  deps: IntakeDeps,
  warnings: string[] = [],
  manifest: ManifestCheck[] = [],
): Promise<SourcePlan> {
  const disks: SourceDisk[] = [];
  for (const [i, diskPath] of diskPaths.entries()) {
    checkpoint(deps);
    const chain = await planVmdkChain(diskPath);
    checkpoint(deps);
    const locator: DiskLocator = { type: 'file', path: diskPath };
    const { chain: infos, requiredBytes } = await probeDisk(deps, locator, 'vmdk', diskPath);
    const top = infos[0]!;
    if (chain.length > 1) warnings.push(`${basename(diskPath)} is a snapshot chain of ${chain.length} links: it is flattened into one disk.`);
    const slot = vm.disks.find((d) => d.fileName === diskPath)?.slot;
    disks.push({
      id: `disk${i + 1}`,
      label: basename(diskPath),
      locator,
      format: 'vmdk',
      subformat: chain[0]!.createType,
      virtualSize: top.virtualSize,
      allocatedSize: chain.reduce((sum, link) => sum + link.allocatedSize, 0),
      requiredBytes,
      chain: toChainLinks(chain, infos.map((info) => info.virtualSize)),
      ...(slot ? { slot } : {}),
    });
  }
  return { kind, input, primary, vm, disks, manifest, warnings };
}

async function readSmallText(path: string): Promise<string> {
  const stats = await statSource(path);
  if (stats.size > MAX_TEXT_DESCRIPTOR) fail('SOURCE_NOT_A_DISK', `${basename(path)} is too large to be a VM description (${stats.size} bytes).`, 'Choose the VM\u2019s .vmx or .ovf file.', { path });
  // Through readRange, which refuses a named pipe instead of waiting on it for ever.
  return (await readRange(path, 0, stats.size)).toString('utf8');
}

function stripVmdkSuffix(name: string): string {
  return name.replace(/\.vmdk$/i, '');
}

