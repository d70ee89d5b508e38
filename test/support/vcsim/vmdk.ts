import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { uploadDatastoreFile } from './upload';
import type { FileAccess } from '../../../electron/engine/vsphere/datastore-download';

/**
 * Real VMDKs for the simulator. vcsim's own VM disks are empty files; a test that downloads a
 * disk needs real bytes, so it makes a small monolithicFlat VMDK of random data with qemu-img
 * (a text descriptor plus `<name>-flat.vmdk`, the pair vcsim expects in a VM folder) and PUTs
 * both files into the VM's folder on the datastore.
 */

export interface LocalVmdk {
  /** The raw image the VMDK was made from (for qemu-img compare). */
  raw: string;
  descriptor: string;
  extent: string;
  /** File name → sha256 hex, for the descriptor and the extent. */
  sha256: Record<string, string>;
  sizes: Record<string, number>;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function makeFlatVmdk(dir: string, diskName: string, sizeMiB: number): Promise<LocalVmdk> {
  const raw = join(dir, `${diskName}.raw`);
  writeFileSync(raw, randomBytes(sizeMiB * 1024 * 1024));
  const descriptor = join(dir, `${diskName}.vmdk`);
  await new LocalToolRunner().run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicFlat', raw, descriptor]);
  const extent = join(dir, `${diskName}-flat.vmdk`);
  const sha256: Record<string, string> = {};
  const sizes: Record<string, number> = {};
  for (const file of [descriptor, extent]) {
    const name = file.slice(dir.length + 1);
    sha256[name] = await sha256File(file);
    sizes[name] = statSync(file).size;
  }
  return { raw, descriptor, extent, sha256, sizes };
}

/** PUTs the descriptor and its extent into `<vmFolder>/` on the datastore. */
export async function putVmdk(access: FileAccess, vmdk: LocalVmdk, where: { datacenterPath: string; datastore: string; vmFolder: string }): Promise<void> {
  for (const file of [vmdk.extent, vmdk.descriptor]) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    await uploadDatastoreFile({ access, source: file, target: { datacenterPath: where.datacenterPath, datastore: where.datastore, path: `${where.vmFolder}/${name}` } });
  }
}
