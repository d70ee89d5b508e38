import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fail } from '../core/errors';
import './error-codes';

/**
 * Where a migration downloads the VM's files: a folder next to the outputs (on the disk the user
 * chose for them, not in the app's home), named after the server and the VM so that a later
 * migration of the same VM, after a dropped connection, a cancel or an app restart, finds what
 * was already downloaded. A manifest says which files are complete; a file still arriving is a
 * `.part` with its sidecar (see vsphere/datastore-download.ts).
 */

export const STAGING_MANIFEST = 'hyper2kvm-transfer.json';
const STAGING_PREFIX = '.hyper2kvm-download-';

export interface StagingIdentity {
  /** The vCenter's instance uuid when it has one (the same however the server is reached), else host:port. */
  server: string;
  vmId: string;
  vmName: string;
  instanceUuid?: string;
}

export interface StagingManifest extends StagingIdentity {
  schema: 'hyper2kvm.transfer/1';
  createdAt: string;
  /** By local file name. */
  files: Record<string, { dsPath: string; size: number }>;
}

/** What names a server for the staging folder: its instance uuid, else host:port. */
export function serverIdentity(about: { instanceUuid?: string | undefined }, server: string): string {
  return about.instanceUuid ? `vcenter:${about.instanceUuid}` : server;
}

/** `<outDir>/.hyper2kvm-download-<vm>-<hash>`: stable for one VM of one server. Pure. */
export function stagingDirFor(outDir: string, identity: StagingIdentity): string {
  const key = createHash('sha256').update(`${identity.server}\n${identity.instanceUuid ?? identity.vmId}`).digest('hex').slice(0, 12);
  const name = identity.vmName.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[-.]+/, '').slice(0, 60) || 'vm';
  return join(outDir, `${STAGING_PREFIX}${name}-${key}`);
}

export function isStagingDirName(name: string): boolean {
  return name.startsWith(STAGING_PREFIX);
}

async function readManifest(dir: string): Promise<StagingManifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, STAGING_MANIFEST), 'utf8')) as StagingManifest;
    return parsed.schema === 'hyper2kvm.transfer/1' && typeof parsed.files === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

let tempCounter = 0;

async function writeManifest(dir: string, manifest: StagingManifest): Promise<void> {
  const temp = join(dir, `${STAGING_MANIFEST}.${process.pid}-${tempCounter++}.tmp`);
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, join(dir, STAGING_MANIFEST));
}

/** The staging folder of a VM, created or reused; a folder of another VM (or garbled) starts over. */
export class Staging {
  /** Disks finish their files concurrently: manifest writes go one after the other. */
  #writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private manifest: StagingManifest,
  ) {}

  static async open(dir: string, identity: StagingIdentity, now = new Date()): Promise<Staging> {
    await mkdir(dir, { recursive: true });
    const existing = await readManifest(dir);
    const same = existing && existing.server === identity.server && existing.vmId === identity.vmId && existing.instanceUuid === identity.instanceUuid;
    if (existing && !same) {
      for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    }
    const manifest: StagingManifest = same ? existing : { schema: 'hyper2kvm.transfer/1', ...identity, createdAt: now.toISOString(), files: {} };
    await writeManifest(dir, manifest);
    return new Staging(dir, manifest);
  }

  path(localName: string): string {
    return join(this.dir, localName);
  }

  /** True when the file was completed earlier with this exact size (and is still there whole). */
  async isComplete(localName: string, dsPath: string, size: number): Promise<boolean> {
    const entry = this.manifest.files[localName];
    if (!entry || entry.dsPath !== dsPath || entry.size !== size) return false;
    const stats = await stat(this.path(localName)).catch(() => null);
    return stats?.isFile() === true && stats.size === size;
  }

  async markComplete(localName: string, dsPath: string, size: number): Promise<void> {
    this.manifest.files[localName] = { dsPath, size };
    await this.#save();
  }

  /** A completed file that no longer matches the server (other size): remove it and its record. */
  async forget(localName: string): Promise<void> {
    delete this.manifest.files[localName];
    await this.#save();
    await rm(this.path(localName), { force: true });
  }

  #save(): Promise<void> {
    const write = this.#writes.then(() => writeManifest(this.dir, this.manifest));
    this.#writes = write.catch(() => undefined);
    return write;
  }
}

/** Bytes of VMware files in a staging folder (complete files and .part files). */
export async function stagedBytes(dir: string): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (name === STAGING_MANIFEST || name.endsWith('.json') || name.endsWith('.tmp')) continue;
    const stats = await stat(join(dir, name)).catch(() => null);
    if (stats?.isFile()) total += stats.size;
  }
  return total;
}

/** Deletes a staging folder, but only one of ours (its name and its manifest say so). */
export async function discardStaging(dir: string): Promise<{ removed: boolean; bytes: number }> {
  if (!isStagingDirName(basename(dir))) {
    fail('VCENTER_STAGING_INVALID', `${dir} is not a download folder of hyper2kvm.`, 'Give the folder named in the migration\u2019s messages (.hyper2kvm-download-…).', { path: dir });
  }
  const stats = await stat(dir).catch(() => null);
  if (!stats) return { removed: false, bytes: 0 };
  if (!(await readManifest(dir))) {
    fail('VCENTER_STAGING_INVALID', `${dir} has no download manifest; it is not removed.`, 'Remove it by hand if you are sure it is not needed.', { path: dir });
  }
  const bytes = await stagedBytes(dir);
  await rm(dir, { recursive: true, force: true });
  return { removed: true, bytes };
}
