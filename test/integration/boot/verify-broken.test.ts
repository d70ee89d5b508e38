import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootReason, VerifyBootRequest } from '../../../shared/contract/models/boot';
import { BootVerification as BootVerificationSchema } from '../../../shared/contract/models/boot';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { debianGuest } from '../../fixtures/index';
import { ensureLibvirtd } from '../../support/libvirtd';
import type { LibvirtdHandle } from '../../support/libvirtd';
import { brokenGuest, grubRescueGuest } from './broken-guests';
import { isPngFile, leftoversOf, removeJobFolders, startVerifyBoot } from './run-stage';
import { limiter } from '../../support/slots';

/**
 * Guests broken the ways migrated guests break, each booted for real and recognised with the
 * right reason. The waits inside the guests are shortened (rootdelay=5, a 5 s device timeout) so
 * that no case needs the real 90–180 s.
 */
let daemon: LibvirtdHandle;
let scratch: string;

beforeAll(async () => {
  daemon = await ensureLibvirtd();
  scratch = await mkdtemp(join(tmpdir(), 'h2k-broken-'));
  await chmod(scratch, 0o755);
});

afterAll(async () => {
  await removeJobFolders();
  await rm(scratch, { recursive: true, force: true });
  await daemon.release();
});

/** A blank disk: no partition table, no boot signature. */
async function blankDisk(): Promise<string> {
  const path = join(scratch, 'blank.raw');
  await new LocalToolRunner().run('qemu-img', ['create', '-q', '-f', 'raw', path, '64M']);
  return path;
}

interface BrokenCase {
  name: string;
  disk: () => Promise<string>;
  request?: Partial<VerifyBootRequest>;
  reason: BootReason;
  detail: RegExp;
  excerpt: RegExp;
}

const CASES: BrokenCase[] = [
  { name: 'a blank disk', disk: blankDisk, reason: 'no-bootable-device', detail: /No bootable device/, excerpt: /Boot failed: not a bootable disk/ },
  { name: 'a partitioned disk with no boot loader', disk: () => brokenGuest('no-bootloader'), reason: 'bootloader-hang', detail: /boot loader did not start/, excerpt: /Booting from Hard Disk/ },
  { name: 'GRUB that lost its file system', disk: grubRescueGuest, request: { format: 'qcow2' }, reason: 'grub-rescue', detail: /grub rescue>/, excerpt: /error: unknown filesystem\.\ngrub rescue>/ },
  { name: 'root=/dev/sda1 from VMware, the disk is vda on virtio', disk: () => brokenGuest('root-on-sda'), reason: 'root-not-found', detail: /\/dev\/sda1/, excerpt: /ALERT! {2}\/dev\/sda1 does not exist/ },
  { name: 'fstab naming a VMware data disk that is gone', disk: () => brokenGuest('fstab-missing-disk'), reason: 'emergency-mode', detail: /emergency mode/, excerpt: /Emergency/ },
  { name: 'a kernel that panics (init exits)', disk: () => brokenGuest('kernel-panic'), reason: 'kernel-panic', detail: /Attempted to kill init/, excerpt: /Kernel panic - not syncing: Attempted to kill init!/ },
  { name: 'a BIOS disk booted with UEFI firmware', disk: async () => (await debianGuest()).raw, request: { firmware: 'uefi' }, reason: 'efi-shell', detail: /shell/, excerpt: /UEFI Interactive Shell/ },
];

/**
 * Two guests at a time, one per core (a TCG guest keeps one core busy; the file would otherwise
 * leave the second idle for its six minutes). Each case checks only its own domain and processes.
 */
const slot = limiter(2);

describe.concurrent('broken guests', () => {
  it.each(CASES)('$name → $reason', async (c) => {
    const { run, state, result, error } = await slot(async () => {
      const disk = await c.disk();
      const started = await startVerifyBoot({ disk, format: 'raw', timeoutSeconds: 240, ...c.request });
      return { run: started, ...(await started.done) };
    });
    expect(error).toBeNull();
    expect(state).toBe('succeeded'); // the check ran; the verdict says how the guest fared
    const r = BootVerificationSchema.parse(result);
    expect(r).toMatchObject({ verdict: 'failed', reason: c.reason });
    expect(r.detail).toMatch(c.detail);
    expect(r.excerpt).toMatch(c.excerpt);
    expect(r.hint.length).toBeGreaterThan(20);
    expect(r.disk.untouched).toBe(true);
    expect(await isPngFile(r.evidence.finalScreenshot!)).toBe(true);
    const left = await leftoversOf(run);
    expect(left.domains).toEqual([]);
    expect(left.qemuPids).toEqual([]);
    expect(left.workFolder).toBe(false);
  });
});
