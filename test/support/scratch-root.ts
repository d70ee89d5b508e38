import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopTestDaemons } from './libvirtd';

/**
 * vitest globalSetup: each run gets its own temporary root, and TMPDIR points there for the test
 * workers and every tool they start (qemu-img, guestfish, Chromium, the CLI). Teardown removes
 * it. Conversions copy gigabytes; without this a failed or interrupted test leaves them in /tmp
 * and the next run (or the next CI job on the same disk) dies of ENOSPC with confusing errors.
 *
 * Roots of earlier runs whose process is gone (a killed run) are removed when the next starts.
 */
const PREFIX = 'hyper2kvm-tests-';
/** What a cold run needs in /tmp at its peak (conversion outputs, boot overlays), with margin. */
const MIN_FREE_GIB = 8;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeStaleRoots(base: string): void {
  for (const name of readdirSync(base)) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match && !alive(Number(match[1]))) rmSync(join(base, name), { recursive: true, force: true });
  }
}

function freeGiB(dir: string): number {
  const stats = statfsSync(dir);
  return (stats.bavail * stats.bsize) / 2 ** 30;
}

let root: string | undefined;

export function setup(): void {
  // vitest may run a global setup once per project; the first one owns the root.
  if (process.env.HYPER2KVM_TEST_SCRATCH) return;
  const base = tmpdir();
  removeStaleRoots(base);
  const free = freeGiB(base);
  if (free < MIN_FREE_GIB) {
    throw new Error(
      `Only ${free.toFixed(1)} GiB free in ${base}; the tests need about ${MIN_FREE_GIB} GiB there for conversion outputs and boot overlays. ` +
        'Free some space (look for leftovers of killed runs in /tmp) and run again.',
    );
  }
  root = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  // Sticky and world-writable like /tmp: some tests run tools as other users (pkexec, libvirt's qemu).
  chmodSync(root, 0o1777);
  process.env.HYPER2KVM_TEST_SCRATCH = root;
  process.env.TMPDIR = root;
  // libguestfs keeps its appliance under TMPDIR unless told otherwise: keep sharing the usual cache
  // so every run does not rebuild it.
  process.env.LIBGUESTFS_CACHEDIR ??= '/var/tmp';
}

export async function teardown(): Promise<void> {
  if (!root) return;
  // Daemons the tests started live for the whole run (both lanes share them): stopped here.
  await stopTestDaemons(root);
  if (!existsSync(root)) return;
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    // A mount or a process still holding files: say so, do not fail a run that passed.
    process.stderr.write(`[tests] could not remove ${root}: ${(error as Error).message}\n`);
  }
}
