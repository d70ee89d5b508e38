import { chmod, chown, stat } from 'node:fs/promises';
import type { ToolRunner } from '../core/tool-runner';
import type { LogSink } from '../core/stage';

/** A disk image and the files under it (a qcow2 may have backing files). */
export interface DiskChain {
  format: string;
  virtualSize: number;
  /** Top first. */
  files: string[];
}

interface QemuImgInfo {
  filename: string;
  format: string;
  'virtual-size': number;
}

/**
 * Reads a disk's format and backing chain with qemu-img. With `format` given the top image is
 * not probed (a raw disk whose guest wrote a qcow2 header must stay raw).
 */
export async function readDiskChain(tools: ToolRunner, path: string, format: string | undefined, signal?: AbortSignal): Promise<DiskChain> {
  const args = ['info', '--output=json', '--backing-chain', ...(format ? ['-f', format] : []), path];
  const { stdout } = await tools.run('qemu-img', args, {
    ...(signal ? { signal } : {}),
    failureHint: 'qemu-img could not read the disk: check that it is a disk image and that no other program holds it open for writing.',
  });
  const chain = JSON.parse(stdout) as QemuImgInfo[];
  const top = chain[0];
  if (!top) throw new Error('qemu-img info returned no image');
  return { format: top.format, virtualSize: top['virtual-size'], files: chain.map((i) => i.filename) };
}

export interface FileFacts {
  path: string;
  uid: number;
  gid: number;
  mode: number;
  size: number;
  mtimeMs: number;
}

export async function fileFacts(path: string): Promise<FileFacts> {
  const s = await stat(path);
  return { path, uid: s.uid, gid: s.gid, mode: s.mode & 0o7777, size: s.size, mtimeMs: s.mtimeMs };
}

/**
 * libvirt's system daemon chowns every image of a domain to libvirt-qemu at start and gives only
 * the top image back at the end: the converted disk (a read-only backing file here) would stay
 * owned by libvirt-qemu. Put owner and mode back as they were.
 */
export async function restoreOwnership(before: readonly FileFacts[], log: LogSink): Promise<void> {
  for (const facts of before) {
    try {
      const now = await stat(facts.path);
      if (now.uid !== facts.uid || now.gid !== facts.gid) await chown(facts.path, facts.uid, facts.gid);
      if ((now.mode & 0o7777) !== facts.mode) await chmod(facts.path, facts.mode);
    } catch (error) {
      log('warn', `Could not restore the owner of ${facts.path}: ${(error as Error).message}`);
    }
  }
}

/** The boot must not have written the converted disk: same size, same modification time. */
export function untouched(before: FileFacts, after: FileFacts): boolean {
  return before.size === after.size && before.mtimeMs === after.mtimeMs;
}
