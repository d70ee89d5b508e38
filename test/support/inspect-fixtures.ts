import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalToolRunner, runCommand } from '../../electron/engine/core/tool-runner';
import { GuestfishSession } from '../../electron/engine/appliance/guestfish-session';
import { parseStatvfs } from '../../electron/engine/inspect/storage';
import { cachedFixture } from '../fixtures/cache';
import { logFixture, step } from '../fixtures/log';
import { debianGuest, readExt4File, windowsGuests } from '../fixtures/index';
import { DEBIAN_IDENTITY } from '../fixtures/debian/config';
import { LIVED_WTMP_DUMP, livedJournalExport } from './lived-guest';

/**
 * Disks made to have each inspection finding, derived cheaply from the cached guests: qcow2
 * overlays on the Debian and Windows images and a few small new disks, all edited in ONE
 * libguestfs appliance, cached in the fixture cache (rebuilt when a base image or this recipe
 * changes). Read-only once built, like every fixture.
 */

export interface VariantDisk {
  path: string;
  format: 'qcow2' | 'raw';
}

export interface InspectVariants {
  /**
   * Debian overlay as an old VMware template would be: root in fstab by /dev/sda1, a nofail
   * data mount by /dev/disk/by-path, VMware kernel parameters in grub.cfg, an initramfs without
   * any virtio driver, and less than 100 MB free on /.
   */
  linuxLegacy: VariantDisk[];
  /** The Debian disk plus a GPT disk holding an ESP without EFI/BOOT/BOOTX64.EFI and a LUKS volume. */
  linuxUefi: VariantDisk[];
  /** Windows 10 overlay with the viostor driver installed (boot start) and a hibernated hiberfil.sys. */
  windowsHibernated: VariantDisk[];
  /** A data disk whose only partition is a BitLocker volume (to attach next to a Windows disk). */
  bitlockerData: VariantDisk;
  /** A disk with an ext4 data file system and no operating system. */
  noOs: VariantDisk[];
  /**
   * Debian overlay of a guest that has run (test/support/lived-guest.ts): a persistent journal
   * of two boots with a failed unit in the last, written by systemd-journal-remote into
   * /var/log/journal/<machine-id>/system.journal; a /var/log/wtmp written by `utmpdump -r`
   * (console logins and one over ssh); /etc/fstab immutable (chattr +i).
   */
  linuxLived: VariantDisk[];
  /** The files linuxLived holds, on the host: the journal folder (for journalctl --directory) and wtmp. */
  linuxLivedFiles: { journalDir: string; wtmp: string };
  /** The kernel whose initramfs linuxLegacy replaced. */
  kernelVersion: string;
}

const RECIPE_VERSION = 2;
const MiB = 1024 * 1024;
const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** Parameters VMware documented for old guests (and its paravirtual SCSI queue depth). */
export const VMWARE_KERNEL_PARAMS = 'vmw_pvscsi.cmd_per_lun=254 divider=10 notsc';
/** Left free on / in linuxLegacy: well under the 100 MB repairs need. */
const LEFT_FREE = 40 * MiB;

export async function inspectVariants(): Promise<InspectVariants> {
  const debian = await debianGuest();
  const windows = await windowsGuests();
  const win10 = windows.find((w) => w.id === 'win10');
  if (!win10) throw new Error('the win10 fixture is missing');
  const recipe = { version: RECIPE_VERSION, debian: debian.raw, kernel: debian.facts.kernelVersion, win10: win10.raw, params: VMWARE_KERNEL_PARAMS, leftFree: LEFT_FREE, journal: livedJournalExport(), wtmp: LIVED_WTMP_DUMP };
  const { dir, manifest } = await cachedFixture('inspect-variants', recipe, (workDir) => build(workDir, debian.raw, debian.facts.kernelVersion, win10.raw, win10.hives.system));
  const at = (name: string): string => join(dir, name);
  return {
    linuxLegacy: [{ path: at('linux-legacy.qcow2'), format: 'qcow2' }],
    linuxUefi: [
      { path: debian.raw, format: 'raw' },
      { path: at('uefi-esp.raw'), format: 'raw' },
    ],
    windowsHibernated: [{ path: at('win10-hibernated.qcow2'), format: 'qcow2' }],
    bitlockerData: { path: at('bitlocker-data.raw'), format: 'raw' },
    noOs: [{ path: at('no-os.raw'), format: 'raw' }],
    linuxLived: [{ path: at('linux-lived.qcow2'), format: 'qcow2' }],
    linuxLivedFiles: { journalDir: at('lived-journal'), wtmp: at('lived-wtmp') },
    kernelVersion: manifest.facts.kernelVersion,
  };
}

async function build(workDir: string, debianRaw: string, kernelVersion: string, win10Raw: string, win10System: string): Promise<{ kernelVersion: string }> {
  const tools = new LocalToolRunner();
  const file = (name: string): string => join(workDir, name);

  // Host-side preparation: everything that does not need the appliance.
  const grub = await readExt4File(debianRaw, '/boot/grub/grub.cfg');
  const legacyGrub = grub.replace(/^(\s*linux\s+\/boot\/vmlinuz\S*.*)$/gm, `$1 ${VMWARE_KERNEL_PARAMS}`);
  if (legacyGrub === grub) throw new Error('grub.cfg of the Debian fixture has no linux line to extend');
  writeFileSync(file('grub.cfg'), legacyGrub);
  writeFileSync(file('fstab'), ['# /etc/fstab as an old VMware template had it', '/dev/sda1 / ext4 errors=remount-ro 0 1', '/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1 /srv/data ext4 defaults,nofail 0 2', ''].join('\n'));
  writeFileSync(file('initrd-no-virtio.img'), hostOnlyInitramfs(kernelVersion));
  writeFileSync(file('luks-header.bin'), luksHeader());
  writeFileSync(file('bitlocker-header.bin'), bitlockerHeader());
  writeFileSync(file('hiberfil.sys'), Buffer.concat([Buffer.from('HIBR', 'latin1'), Buffer.alloc(64 * 1024 - 4)]));
  copyFileSync(win10System, file('win10-SYSTEM'));
  writeFileSync(file('viostor.reg'), VIOSTOR_REG);
  await tools.run('hivexregedit', ['--merge', '--prefix', 'HKEY_LOCAL_MACHINE\\SYSTEM', file('win10-SYSTEM'), file('viostor.reg')]);
  // The lived guest's journal and wtmp, written by systemd's and util-linux's own tools.
  writeFileSync(file('lived.export'), livedJournalExport());
  mkdirSync(file('lived-journal'));
  await runCommand(SYSTEMD_JOURNAL_REMOTE, [`--output=${file('lived-journal/system.journal')}`, file('lived.export')]);
  await runCommand('/usr/bin/utmpdump', ['-r', '-o', file('lived-wtmp')], { input: LIVED_WTMP_DUMP });

  for (const [overlay, base] of [
    ['linux-legacy.qcow2', debianRaw],
    ['win10-hibernated.qcow2', win10Raw],
    ['linux-lived.qcow2', debianRaw],
  ] as const) {
    await tools.run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, file(overlay)]);
  }
  for (const [name, size] of [
    ['uefi-esp.raw', 256 * MiB],
    ['bitlocker-data.raw', 64 * MiB],
    ['no-os.raw', 128 * MiB],
  ] as const) {
    await tools.run('qemu-img', ['create', '-q', '-f', 'raw', file(name), String(size)]);
  }

  // One appliance edits every disk: sda legacy, sdb ESP disk, sdc win10, sdd BitLocker, sde no OS, sdf lived.
  await step('inspect-variants', 'edit the variant disks in one libguestfs appliance', async () => {
    const session = await GuestfishSession.open({
      disks: [
        { path: file('linux-legacy.qcow2'), format: 'qcow2' },
        { path: file('uefi-esp.raw'), format: 'raw' },
        { path: file('win10-hibernated.qcow2'), format: 'qcow2' },
        { path: file('bitlocker-data.raw'), format: 'raw' },
        { path: file('no-os.raw'), format: 'raw' },
        { path: file('linux-lived.qcow2'), format: 'qcow2' },
      ],
      access: 'read-write',
      tools,
      signal: new AbortController().signal,
      workDir: file('session'),
    });
    try {
      const must = async (commands: Parameters<GuestfishSession['batch']>[0]): Promise<string[]> => {
        const results = await session.batch(commands);
        const bad = results.find((r) => !r.ok);
        if (bad) throw new Error(`guestfish ${bad.command.name} ${(bad.command.args ?? []).join(' ')}: ${bad.error}`);
        return results.map((r) => r.output);
      };
      // sda: the legacy Linux guest.
      const [, statvfs] = await must([
        { name: 'mount', args: ['/dev/sda1', '/'] },
        { name: 'statvfs', args: ['/'] },
      ]);
      const usage = parseStatvfs(statvfs!);
      if (!usage) throw new Error('statvfs of the Debian root failed');
      await must([
        { name: 'upload', args: [file('fstab'), '/etc/fstab'] },
        { name: 'upload', args: [file('grub.cfg'), '/boot/grub/grub.cfg'] },
        { name: 'upload', args: [file('initrd-no-virtio.img'), `/boot/initrd.img-${kernelVersion}`] },
        // Allocated, never written: ext4 reserves the blocks, the overlay stays small.
        { name: 'fallocate64', args: ['/var/tmp/h2k-filler', String(Math.max(0, usage.free - LEFT_FREE))] },
        { name: 'umount-all' },
        // sdb: GPT with an ESP that only has the distribution's loader, and a LUKS volume.
        { name: 'part-init', args: ['/dev/sdb', 'gpt'] },
        { name: 'part-add', args: ['/dev/sdb', 'p', '2048', String(2048 + (100 * MiB) / 512 - 1)] },
        { name: 'part-add', args: ['/dev/sdb', 'p', String(2048 + (100 * MiB) / 512), '-34'] },
        { name: 'part-set-gpt-type', args: ['/dev/sdb', '1', ESP_TYPE] },
        { name: 'mkfs', args: ['vfat', '/dev/sdb1'], opts: { label: 'ESP' } },
        { name: 'mount', args: ['/dev/sdb1', '/'] },
        { name: 'mkdir-p', args: ['/EFI/debian'] },
        { name: 'write', args: ['/EFI/debian/grubx64.efi', 'MZ (not a real loader)'] },
        { name: 'umount-all' },
        { name: 'upload', args: [file('luks-header.bin'), '/dev/sdb2'] },
        // sdc: Windows 10 with viostor, hibernated.
        { name: 'mount', args: ['/dev/sdc1', '/'] },
        { name: 'upload', args: [file('win10-SYSTEM'), '/Windows/System32/config/SYSTEM'] },
        { name: 'upload', args: [file('hiberfil.sys'), '/hiberfil.sys'] },
        { name: 'umount-all' },
        // sdd: one MBR partition of type 07 holding a BitLocker volume header.
        { name: 'part-disk', args: ['/dev/sdd', 'mbr'] },
        { name: 'part-set-mbr-id', args: ['/dev/sdd', '1', '7'] },
        { name: 'upload', args: [file('bitlocker-header.bin'), '/dev/sdd1'] },
        // sde: data only.
        { name: 'part-disk', args: ['/dev/sde', 'gpt'] },
        { name: 'mkfs', args: ['ext4', '/dev/sde1'], opts: { label: 'data' } },
        { name: 'mount', args: ['/dev/sde1', '/'] },
        { name: 'mkdir-p', args: ['/projects'] },
        { name: 'write', args: ['/projects/README', 'data disk, no operating system\n'] },
        { name: 'umount-all' },
        // sdf: the Debian guest after it has run.
        { name: 'mount', args: ['/dev/sdf1', '/'] },
        { name: 'mkdir-p', args: [`/var/log/journal/${DEBIAN_IDENTITY.machineId}`] },
        { name: 'upload', args: [file('lived-journal/system.journal'), `/var/log/journal/${DEBIAN_IDENTITY.machineId}/system.journal`] },
        { name: 'chmod', args: ['0640', `/var/log/journal/${DEBIAN_IDENTITY.machineId}/system.journal`] },
        { name: 'upload', args: [file('lived-wtmp'), '/var/log/wtmp'] },
        { name: 'set-e2attrs', args: ['/etc/fstab', 'i'] },
        { name: 'umount-all' },
        { name: 'sync' },
      ]);
    } finally {
      await session.close();
      await session.removeScratch();
    }
  });
  logFixture('inspect-variants', 'built linux-legacy, uefi-esp, win10-hibernated, bitlocker-data, no-os and linux-lived');
  return { kernelVersion };
}

/** Debian package systemd-journal-remote (build/apt-packages.txt); not a tool the engine runs. */
const SYSTEMD_JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

/** The viostor service as the virtio-win installer registers it (boot start, SCSI miniport). */
const VIOSTOR_REG = `Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\viostor]
"DisplayName"="Red Hat VirtIO SCSI controller"
"ErrorControl"=dword:00000001
"Group"="SCSI miniport"
"ImagePath"=str(2):"System32\\\\drivers\\\\viostor.sys"
"Start"=dword:00000000
"Type"=dword:00000001
`;

/** A newc cpio (gzip) like a host-only initramfs built on VMware: pvscsi and mptspi, no virtio. */
export function hostOnlyInitramfs(kernelVersion: string): Buffer {
  const mod = `usr/lib/modules/${kernelVersion}/kernel/drivers`;
  const entries: Array<{ name: string; data?: Buffer }> = [
    { name: '.' },
    { name: 'usr' },
    { name: 'usr/lib' },
    { name: 'usr/lib/modules' },
    { name: `usr/lib/modules/${kernelVersion}` },
    { name: `usr/lib/modules/${kernelVersion}/kernel` },
    { name: mod },
    { name: `${mod}/scsi` },
    { name: `${mod}/scsi/vmw_pvscsi.ko`, data: Buffer.from('not a module\n') },
    { name: `${mod}/message` },
    { name: `${mod}/message/fusion` },
    { name: `${mod}/message/fusion/mptspi.ko`, data: Buffer.from('not a module\n') },
    { name: 'init', data: Buffer.from('#!/bin/sh\n') },
  ];
  const parts: Buffer[] = [];
  let ino = 1;
  const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
  for (const entry of [...entries, { name: 'TRAILER!!!' }]) {
    const data = 'data' in entry && entry.data ? entry.data : Buffer.alloc(0);
    const isTrailer = entry.name === 'TRAILER!!!';
    const mode = isTrailer ? 0 : 'data' in entry && entry.data ? 0o100644 : 0o040755;
    const name = Buffer.from(`${entry.name}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return gzipSync(Buffer.concat(parts));
}

/** A LUKS1 header: magic, version 1, and a UUID (what blkid needs to say crypto_LUKS). */
function luksHeader(): Buffer {
  const b = Buffer.alloc(4096);
  Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]).copy(b, 0);
  b.writeUInt16BE(1, 6);
  b.write('aes', 8, 'latin1');
  b.write('xts-plain64', 40, 'latin1');
  b.write('sha256', 72, 'latin1');
  b.write('0f0e0d0c-0b0a-4908-8706-050403020100', 168, 'latin1');
  return b;
}

/**
 * A BitLocker (Windows 7+) volume start: "-FVE-FS-" boot sector whose FVE metadata offset points
 * at a metadata block with the same signature (what blkid checks to say BitLocker).
 */
function bitlockerHeader(): Buffer {
  const b = Buffer.alloc(128 * 1024);
  Buffer.from([0xeb, 0x58, 0x90]).copy(b, 0);
  b.write('-FVE-FS-', 3, 'latin1');
  b.writeBigUInt64LE(65536n, 176);
  b.write('-FVE-FS-', 65536, 'latin1');
  b.writeUInt16LE(2, 65536 + 10);
  return b;
}
