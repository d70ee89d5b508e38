import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fail, fromErrno, EngineFailure } from '../core/errors';

/** Small file helpers for the intake: every failure becomes a clear, specific error value. */

export async function statSource(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') fail('SOURCE_NOT_FOUND', `${path} does not exist.`, 'Check the path, or drop the file again.', { path });
    if (errno === 'EACCES' || errno === 'EPERM') fail('SOURCE_UNREADABLE', `${path} cannot be read: permission denied.`, 'Give your user read access to it, or run the conversion with the rights it needs.', { path });
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
}

/**
 * Reads up to `length` bytes at `position` (fewer at end of file) of a regular file.
 *
 * Opened non-blocking and checked after opening: a named pipe among a VM's files (an extent, a
 * .vmx, a manifest) would otherwise block the open until a writer appears, which may be never,
 * and no cancellation reaches a read stuck in the thread pool. O_NONBLOCK changes nothing for
 * regular files.
 */
export async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'EACCES' || errno === 'EPERM') fail('SOURCE_UNREADABLE', `${path} cannot be read: permission denied.`, 'Give your user read access to it.', { path });
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  try {
    if (!(await handle.stat()).isFile()) fail('SOURCE_NOT_A_DISK', `${path} is not a regular file.`, 'Copy the VM\u2019s files as plain files (not pipes or devices) and try again.', { path });
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Bytes a file really occupies (sparse files count only what is allocated). */
export function allocatedBytes(stats: Stats): number {
  return stats.blocks * 512;
}

/**
 * Resolves `name` (as written in a descriptor) against `folder` and says whether it stays
 * inside it, following symlinks: a descriptor must not make us read files elsewhere.
 */
export async function resolveInside(folder: string, name: string): Promise<{ path: string; inside: boolean; exists: boolean }> {
  const candidate = isAbsolute(name) ? name : resolve(folder, name);
  const lexicallyInside = isWithin(folder, candidate);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return { path: candidate, inside: lexicallyInside, exists: false };
  }
  const realFolder = await realpath(folder).catch(() => folder);
  return { path: candidate, inside: lexicallyInside && isWithin(realFolder, real), exists: true };
}

export function isWithin(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

export function folderOf(path: string): string {
  return dirname(path);
}
