import { link, rename, rm, unlink } from 'node:fs/promises';
import { EngineFailure, fail, fromErrno } from '../core/errors';
import type { ToolRunner } from '../core/tool-runner';
import { checkImage, convertImage } from '../disk/qemu-img';
import type { ConvertRequest } from '../disk/qemu-img';
import type { QemuImgCheck } from '../formats/qemu-img';

/**
 * The disk operations that may need privileges (writing into /var/lib/libvirt/images, reading a
 * root-owned source). The pipeline calls them through this port; `directDiskOps` runs them in
 * this process, the helper client runs the very same functions inside the pkexec helper.
 */
export interface DiskOps {
  readonly privileged: boolean;
  convert(request: ConvertRequest, options: { signal: AbortSignal; onFraction: (fraction: number) => void }): Promise<void>;
  check(path: string, options: { signal: AbortSignal }): Promise<QemuImgCheck>;
  /** Moves a finished output into place; refuses to replace an existing file unless told to. */
  finalize(partial: string, final: string, overwrite: boolean): Promise<void>;
  /** Removes a partial output. Missing files are fine. */
  remove(path: string): Promise<void>;
}

export function directDiskOps(tools: ToolRunner): DiskOps {
  return {
    privileged: false,
    convert: (request, options) => convertImage(tools, request, options),
    check: (path, options) => checkImage(tools, path, 'qcow2', options.signal),
    finalize: finalizeOutput,
    remove: async (path) => {
      await rm(path, { force: true });
    },
  };
}

/**
 * Without overwrite, `link` + `unlink` is an atomic "rename unless the target exists": two jobs
 * racing for one name cannot clobber each other, and a user's file is never replaced silently.
 */
export async function finalizeOutput(partial: string, final: string, overwrite: boolean): Promise<void> {
  try {
    if (overwrite) {
      await rename(partial, final);
      return;
    }
    await link(partial, final);
    await unlink(partial);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'EEXIST') {
      fail('OUTPUT_EXISTS', `${final} already exists.`, 'Choose another name or folder, or allow overwriting explicitly.', { path: final });
    }
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, final));
  }
}
