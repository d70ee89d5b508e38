import { basename } from 'node:path';
import type { ManifestCheck, SourceDisk, SourceKind, SourcePlan } from '../../../shared/contract/models/source';
import { fail } from '../core/errors';
import { parseManifest } from '../formats/manifest';
import { parseOvf } from '../formats/ovf';
import { checkEntrySafety, listTar } from '../formats/tar';
import type { TarEntry } from '../formats/tar';
import { classifyVmdkHead } from '../formats/vmdk-descriptor';
import { readRange, statSource } from './files';
import { checkpoint, probeDisk } from './probe';
import type { IntakeDeps } from './probe';

/** The OVF and manifest inside an OVA are small; refuse absurd sizes rather than buffer them. */
const MAX_OVF_BYTES = 16 * 1024 * 1024;

/**
 * An OVA is a tar. Every entry is checked before anything is read (no absolute names, no `..`,
 * no links), and the disks are never extracted: qemu-img reads each one in place, as a byte
 * range of the archive. The manifest's digests are checked by the verify stage, over the same
 * byte ranges.
 */
export async function planOva(input: string, ovaPath: string, deps: IntakeDeps, kind: SourceKind = 'ova'): Promise<SourcePlan> {
  // Picked from a folder by its name only: a named pipe called x.ova would hold the tar reader's
  // open for ever, out of any cancellation's reach.
  if (!(await statSource(ovaPath)).isFile()) fail('SOURCE_NOT_A_DISK', `${ovaPath} is not a regular file.`, 'Choose a .vmdk, .vmx, .ovf or .ova file, or a folder holding a VM.', { path: ovaPath });
  const entries = await listTar(ovaPath, deps.signal ? { signal: deps.signal } : undefined);
  for (const entry of entries) checkEntrySafety(entry);
  const files = entries.filter((e) => e.type === 'file');
  const byName = new Map(files.map((e) => [normalise(e.name), e]));

  const ovfEntries = files.filter((e) => e.name.toLowerCase().endsWith('.ovf'));
  if (ovfEntries.length !== 1) {
    fail('OVA_GARBLED', `${basename(ovaPath)} holds ${ovfEntries.length} OVF descriptors; an OVA must hold exactly one.`, 'Export the VM again as an OVA.', { path: ovaPath });
  }
  const ovfEntry = ovfEntries[0]!;
  const ovf = parseOvf((await readEntry(ovaPath, ovfEntry)).toString('utf8'), `${ovaPath}:${ovfEntry.name}`);

  const disks: SourceDisk[] = [];
  for (const [i, disk] of ovf.disks.entries()) {
    const file = ovf.files.find((f) => f.id === disk.fileRef);
    const entry = file ? byName.get(normalise(file.href)) : undefined;
    if (!file || !entry) {
      fail('OVF_DISK_MISSING', `${basename(ovaPath)} describes disk ${disk.diskId} but holds no file "${file?.href ?? disk.fileRef ?? '?'}".`, 'The OVA is incomplete: export the VM again.', { path: ovaPath });
    }
    if (file.compression && file.compression !== 'identity') {
      fail('SOURCE_UNSUPPORTED', `${file.href} is ${file.compression}-compressed inside the OVA.`, 'Unpack the OVA with tar, decompress the disk, and convert the .ovf instead.', { path: ovaPath });
    }
    const head = await readRange(ovaPath, entry.dataOffset, Math.min(entry.size, 64 * 1024));
    const kindOfDisk = classifyVmdkHead(head, entry.size);
    if (kindOfDisk.kind !== 'sparse') {
      fail('SOURCE_UNSUPPORTED', `${file.href} inside ${basename(ovaPath)} is not a single-file VMDK.`, 'OVAs carry streamOptimized VMDKs; re-export the VM with a standard tool (ovftool, vSphere).', { path: ovaPath });
    }
    checkpoint(deps);
    const locator = { type: 'tar-member' as const, archive: ovaPath, member: entry.name, offset: entry.dataOffset, size: entry.size, format: 'vmdk' };
    const {
      chain: [info],
      requiredBytes,
    } = await probeDisk(deps, locator, 'vmdk', file.href);
    const createType = kindOfDisk.header.streamOptimized ? 'streamOptimized' : 'monolithicSparse';
    disks.push({
      id: `disk${i + 1}`,
      label: file.href,
      locator,
      format: 'vmdk',
      subformat: createType,
      virtualSize: info!.virtualSize,
      allocatedSize: entry.size,
      requiredBytes,
      chain: [{ path: `${ovaPath}:${entry.name}`, format: 'vmdk', subformat: createType, virtualSize: info!.virtualSize, allocatedSize: entry.size, files: [entry.name] }],
      ...(ovf.vm.disks[i]?.slot ? { slot: ovf.vm.disks[i].slot } : {}),
    });
  }
  if (disks.length === 0) fail('OVF_DISK_MISSING', `${basename(ovaPath)} describes no disk.`, 'This OVA has no disk to convert.', { path: ovaPath });

  const manifest = await ovaManifest(ovaPath, files, byName);
  const warnings = manifest.length === 0 ? ['The OVA has no manifest (.mf): its files cannot be checked for corruption.'] : [];
  return { kind, input, primary: ovaPath, vm: { ...ovf.vm, origin: 'ovf' }, disks, manifest, warnings };
}

async function ovaManifest(ovaPath: string, files: TarEntry[], byName: Map<string, TarEntry>): Promise<ManifestCheck[]> {
  const mf = files.find((e) => e.name.toLowerCase().endsWith('.mf'));
  if (!mf) return [];
  const entries = parseManifest((await readEntry(ovaPath, mf)).toString('utf8'), `${ovaPath}:${mf.name}`);
  return entries.map((entry) => {
    if (!byName.has(normalise(entry.file))) {
      fail('OVA_MANIFEST_MISMATCH', `The manifest lists "${entry.file}", which is not in ${basename(ovaPath)}.`, 'The OVA is incomplete or was altered: export the VM again.', { path: ovaPath });
    }
    // In an OVA the manifest names archive members; the verify stage reads them in place.
    const member = byName.get(normalise(entry.file))!;
    return { file: entry.file, algorithm: entry.algorithm, expected: entry.digest, range: { path: ovaPath, offset: member.dataOffset, size: member.size } };
  });
}

async function readEntry(ovaPath: string, entry: TarEntry): Promise<Buffer> {
  if (entry.size > MAX_OVF_BYTES) fail('OVA_GARBLED', `${entry.name} in ${basename(ovaPath)} is too large (${entry.size} bytes) for a descriptor.`, 'Export the VM again as an OVA.', { path: ovaPath });
  return readRange(ovaPath, entry.dataOffset, entry.size);
}

function normalise(name: string): string {
  return name.replace(/^\.\//, '');
}
