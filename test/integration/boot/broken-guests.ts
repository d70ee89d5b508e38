import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rename, rm } from 'node:fs/promises';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { assembleDebianImage, debianGuest, DEBIAN_ROOTFS_RECIPE, fixtureCacheDir, withFixtureLock } from '../../fixtures/index';
import type { DebianImageOptions } from '../../fixtures/index';

/**
 * Debian guests broken the ways migrated VMware guests break on KVM, built from the fixture's
 * cached root file system (about a minute each) and cached next to the other fixtures. Every
 * wait that would make a test slow is shortened in the guest itself (rootdelay, device timeout).
 */
export const BROKEN_GUESTS = {
  /** An MBR with no boot code: SeaBIOS says "Boot failed: not a bootable disk". */
  'no-bootloader': { bootloader: false },
  /** root=/dev/sda1 as on VMware's SCSI controller; on virtio the disk is vda. */
  'root-on-sda': { rootDevice: '/dev/sda1', kernelCmdlineExtra: 'rootdelay=5' },
  /** A VMware data disk in fstab by device name: gone on KVM, systemd enters emergency mode. */
  'fstab-missing-disk': { fstabExtra: '/dev/sdb1 /srv/data ext4 defaults,x-systemd.device-timeout=5s 0 2' },
  /** init exits at once: "Kernel panic - not syncing: Attempted to kill init!". */
  'kernel-panic': { kernelCmdlineExtra: 'init=/bin/false' },
  /** Like most VMware guests: GRUB and the kernel write to the screen only. */
  'no-serial-console': { serialConsole: false },
} as const satisfies Record<string, Omit<DebianImageOptions, 'out' | 'mutate'> & { fstabExtra?: string }>;

export type BrokenGuest = keyof typeof BROKEN_GUESTS;

/** Bump when a variant's recipe changes meaning without its options changing. */
const VARIANTS_VERSION = 1;

export async function brokenGuest(kind: BrokenGuest): Promise<string> {
  const recipe = { version: VARIANTS_VERSION, rootfs: DEBIAN_ROOTFS_RECIPE, variant: BROKEN_GUESTS[kind] };
  const key = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
  const dir = join(fixtureCacheDir(), 'boot-variants');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${kind}-${key}.raw`);
  if (existsSync(out)) return out;
  return withFixtureLock(`boot-variant-${kind}`, async () => {
    if (existsSync(out)) return out;
    const { fstabExtra, ...options } = BROKEN_GUESTS[kind] as Omit<DebianImageOptions, 'out'> & { fstabExtra?: string };
    // assembleDebianImage writes under a temporary name and renames when complete.
    await assembleDebianImage({
      out,
      ...options,
      ...(fstabExtra ? { mutate: (rootfs: string) => appendFile(join(rootfs, 'etc/fstab'), `${fstabExtra}\n`) } : {}),
    });
    return out;
  });
}

/** Where the Debian guest's root file system starts (the fixture partitions at 1 MiB). */
const ROOT_PARTITION_OFFSET = 1024 * 1024;

/**
 * The Debian guest whose root file system GRUB can no longer recognise: a qcow2 overlay of the
 * fixture with the ext4 superblock zeroed (one qemu-io write, no appliance). GRUB's core image
 * loads, cannot read /boot/grub from that partition, and stops at "grub rescue>" — what a
 * converter that recreated or shifted the partition leaves behind.
 */
export async function grubRescueGuest(): Promise<string> {
  const guest = await debianGuest();
  const key = createHash('sha256').update(guest.raw).digest('hex').slice(0, 12);
  const dir = join(fixtureCacheDir(), 'boot-variants');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `grub-rescue-${key}.qcow2`);
  if (existsSync(out)) return out;
  return withFixtureLock('boot-variant-grub-rescue', async () => {
    if (existsSync(out)) return out;
    const tools = new LocalToolRunner();
    const partial = `${out}.partial-${process.pid}`;
    try {
      await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', guest.raw, '-F', 'raw', partial]);
      // The superblock is the 1 KiB at offset 1024 of the file system.
      await tools.run('qemu-io', ['-f', 'qcow2', '-c', `write -z ${ROOT_PARTITION_OFFSET + 1024} 1024`, partial]);
      await rename(partial, out);
    } finally {
      await rm(partial, { force: true });
    }
    return out;
  });
}
