import { lstat, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EngineFailure, fail } from '../engine/core/errors';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { ancestry, directoryChainProblem, forbiddenSourceArea, parsePartialName, rootHolding } from './confinement';
import type { DirectoryFacts } from './confinement';

/**
 * The file system side of confinement: resolve what a request names to real paths and refuse
 * anything outside the rules in ./confinement.ts. Every function returns the resolved real path,
 * and the operations use only that, never the path as the request spelled it.
 */

const OUTSIDE_HINT = 'Choose a destination inside one of the allowed folders, or ask an administrator to add the folder to /etc/hyper2kvm/helper.json.';

function refuse(message: string, hint: string, path: string): never {
  return fail(HELPER_PATH_REFUSED, message, hint, { path });
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * A source file (disk, extent, backing file, archive): a regular file outside /proc, /sys and
 * /dev. `role` says what it is in messages: "the source", "an extent or backing file of …".
 */
export async function resolveSourceFile(path: string, role: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') fail('SOURCE_NOT_FOUND', `${path} (${role}) does not exist.`, 'Check the path.', { path });
    throw error;
  }
  const area = forbiddenSourceArea(real);
  if (area) refuse(`Refused: ${describe(path, real)} (${role}) is in ${area}, which holds devices and kernel files, not disk images.`, 'Convert a disk image file; the helper never reads devices.', path);
  const stats = await stat(real);
  if (!stats.isFile()) refuse(`Refused: ${describe(path, real)} (${role}) is ${kindOf(stats)}, not a regular file.`, 'Convert a disk image file; the helper never reads devices.', path);
  return real;
}

/** Where a new output goes: a partial name that does not exist yet, in a safe folder inside an allowed root. */
export async function resolveNewOutput(path: string, roots: readonly string[]): Promise<string> {
  const name = basename(path);
  if (!parsePartialName(name)) {
    refuse(`Refused: ${path} is not a temporary output name (".NAME.part-JOBID").`, 'The helper writes new disks only under a temporary name and renames them when they are complete.', path);
  }
  const dir = await resolveWritableFolder(dirname(path), path, roots);
  const real = join(dir, name);
  try {
    await lstat(real);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return real;
    throw error;
  }
  return fail('OUTPUT_EXISTS', `${real} already exists.`, 'Remove the leftover temporary file or start the job again.', { path: real });
}

/** An existing regular file (not a symlink) directly in a safe folder inside an allowed root. */
export async function resolveFileInRoot(path: string, roots: readonly string[]): Promise<string> {
  const real = await resolveFileInRootIfPresent(path, roots, { missingFolderOk: false });
  if (real === null) fail('IO_FAILED', `${path} does not exist.`, 'Check the path.', { path });
  return real;
}

/** Like resolveFileInRoot, but null when the file or its folder does not exist (removing it is then a no-op). */
export async function resolveFileInRootIfPresent(path: string, roots: readonly string[], options = { missingFolderOk: true }): Promise<string | null> {
  let dir: string;
  try {
    dir = await resolveWritableFolder(dirname(path), path, roots);
  } catch (error) {
    if (options.missingFolderOk && isMissingFolder(error)) return null;
    throw error;
  }
  const real = join(dir, basename(path));
  let stats: Stats;
  try {
    stats = await lstat(real);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
  if (!stats.isFile()) refuse(`Refused: ${real} is ${kindOf(stats)}, not a regular file.`, 'The helper only handles the disk files it writes.', path);
  return real;
}

/** The real path of the folder `dir`, after checking it is inside an allowed root and safe to write into. */
export async function resolveWritableFolder(dir: string, requested: string, roots: readonly string[]): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') fail('DEST_NOT_FOUND', `The folder ${dir} does not exist.`, 'Create the folder first, or choose another destination.', { path: dir });
    throw error;
  }
  if (!rootHolding(roots, real)) {
    const allowed = roots.length > 0 ? roots.join(', ') : 'none are configured';
    refuse(`Refused: ${requested} is outside the folders the helper may write to${real === dir ? '' : ` (its folder resolves to ${real})`}. Allowed: ${allowed}.`, OUTSIDE_HINT, requested);
  }
  const problem = directoryChainProblem(await directoryFacts(ancestry(real)));
  if (problem) refuse(`Refused: ${requested} would be written through an unsafe folder: ${problem}.`, 'Root writes only through folders that no other user can change. Fix the folder permissions or choose another destination.', requested);
  return real;
}

/** Owner and mode of each folder, without following symlinks (a symlink is not a folder). */
export async function directoryFacts(paths: readonly string[]): Promise<DirectoryFacts[]> {
  return Promise.all(
    paths.map(async (path) => {
      const stats = await lstat(path);
      return { path, uid: stats.uid, mode: stats.mode, isDirectory: stats.isDirectory() };
    }),
  );
}

function isMissingFolder(error: unknown): boolean {
  return error instanceof EngineFailure && error.value.code === 'DEST_NOT_FOUND';
}

function describe(path: string, real: string): string {
  return real === path ? path : `${path} (${real})`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}
