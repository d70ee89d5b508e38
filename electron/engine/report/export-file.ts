import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineFailure, fail, fromErrno } from '../core/errors';

/**
 * Writes an export (HTML, PDF, JSON) so that nothing half-written ever carries its name: the
 * bytes go to a hidden temporary file next to it, which is renamed once complete. An existing
 * file is replaced only when the user allowed it.
 */
export async function writeExportFile(out: string, data: string | Uint8Array, overwrite: boolean): Promise<{ path: string; bytes: number }> {
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

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
