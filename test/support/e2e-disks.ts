import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { cachedFixture } from '../fixtures/cache';
import { runTool } from '../fixtures/tools';

/** Disks the end-to-end tests need beyond the shared VMDK samples. */

const MiB = 2 ** 20;

const SLOW_DISK_RECIPE = { version: 1, bytes: 1024 * MiB, subformat: 'monolithicSparse', seed: 'hyper2kvm-e2e-cancel' };

/**
 * A VMDK full of incompressible data (1 GiB), so that converting it — compressed, especially —
 * takes long enough to watch the progress bar move and to cancel half-way. AES-CTR output is
 * as random as it needs to be and is written at disk speed. Cached: built once (~15 s).
 */
export async function slowDisk(): Promise<{ path: string; bytes: number }> {
  const { dir, manifest } = await cachedFixture('e2e-slow-disk', SLOW_DISK_RECIPE, async (workDir) => {
    const raw = join(workDir, 'random.raw');
    const key = createHash('sha256').update(SLOW_DISK_RECIPE.seed).digest();
    const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    const chunk = Buffer.alloc(4 * MiB);
    let left = SLOW_DISK_RECIPE.bytes / chunk.length;
    const source = new Readable({
      read() {
        this.push(left-- > 0 ? cipher.update(chunk) : null);
      },
    });
    await pipeline(source, createWriteStream(raw));
    await runTool('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${SLOW_DISK_RECIPE.subformat}`, raw, join(workDir, 'slow.vmdk')]);
    rmSync(raw);
    return { file: 'slow.vmdk', bytes: SLOW_DISK_RECIPE.bytes, allocated: statSync(join(workDir, 'slow.vmdk')).size };
  });
  return { path: join(dir, manifest.facts.file), bytes: manifest.facts.bytes };
}

/** A text file with a disk's name: what a user drops by mistake. */
export function notADisk(folder: string): string {
  const path = join(folder, 'notes.vmdk');
  writeFileSync(path, 'Migration notes\n- web01 first, then db01\n- ask Sam about the VLANs\n');
  return path;
}
