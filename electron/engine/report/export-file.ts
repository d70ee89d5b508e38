import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineFailure, fail, fromErrno } from '../core/errors';

/**
 * Writes an export (HTML, PDF, JSON) so that nothing half-written ever carries its name: the
 * bytes go to a hidden temporary file next to it, which is renamed once complete. An existing
 * file is replaced only when the user allowed it. The folder is created when it does not exist
 * yet, as a conversion creates its destination.
 */
export async function writeExportFile(out: string, data: string | Uint8Array, overwrite: boolean): Promise<{ path: string; bytes: number }> {
  await ensureFolder(dirname(out));
  const temporary = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    if (!overwrite && (await exists(out))) fail('OUTPUT_EXISTS', `${out} already exists.`, 'Choose another name, or allow overwriting.', { path: out });
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof EngineFailure) throw error;
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, out));
  }
  return { path: out, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength };
}

/** Creates the export's folder; a failure names the folder, not the file that was to be written. */
async function ensureFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    const errno = error as NodeJS.ErrnoException;
    // A file where a folder should be (ENOTDIR, EEXIST on a file): say which one.
    const blocker = errno.code === 'ENOTDIR' || errno.code === 'EEXIST' ? await firstFileOnThePath(folder) : null;
    if (blocker) fail('IO_FAILED', `The export folder ${folder} cannot be created: ${blocker} is a file, not a folder.`, 'Choose another folder.', { path: folder, details: { errno: errno.code, file: blocker } });
    const reason = errno.code === 'EACCES' || errno.code === 'EPERM' ? 'permission denied' : errno.code === 'EROFS' ? 'the file system is read-only' : errno.code === 'ENOSPC' ? 'the disk is full' : errno.message;
    throw new EngineFailure({ ...fromErrno(errno, folder), message: `The export folder ${folder} cannot be created: ${reason}.` });
  }
}

async function firstFileOnThePath(folder: string): Promise<string | null> {
  let current = folder;
  const parents: string[] = [];
  while (dirname(current) !== current) {
    parents.unshift(current);
    current = dirname(current);
  }
  for (const path of parents) {
    const stats = await stat(path).catch(() => null);
    if (!stats) return null;
    if (!stats.isDirectory()) return path;
  }
  return null;
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
