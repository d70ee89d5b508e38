import { GuestTree } from '../../electron/engine/appliance/guest-tree';
import { evaluateFindings } from '../../electron/engine/inspect/findings';
import { noOsIdentity } from '../../electron/engine/inspect/inspector';
import { linuxFacts } from '../../electron/engine/inspect/linux/facts';
import type { KernelInputs } from '../../electron/engine/inspect/linux/facts';
import type { LinuxGuest, LinuxProbe } from '../../electron/engine/repair/linux/guest-view';
import type { Application, Filesystem, InspectionReport, LinuxFacts, Mountpoint } from '../../shared/contract/models/inspection';
import { summarizeFindings } from '../../shared/contract/models/inspection';
import { RepairOptions } from '../../shared/contract/models/repair';
import type { VmMetadata } from '../../shared/contract/models/vm';
import { emptyInspectionReport } from './empty-inspection-report';

/**
 * A Linux guest for planner tests, made the way the inspection makes one: guest files (real
 * samples) read by the real parsers into facts and findings. Only what the appliance would have
 * told (file systems, mountpoints, tools present) is given by the test.
 */
export interface GuestSpec {
  /** Guest files: text, or { link } for a symlink. */
  files: Record<string, string | { link: string }>;
  filesystems?: Filesystem[];
  mountpoints?: Mountpoint[];
  drives?: string[];
  kernels?: Partial<KernelInputs>;
  applications?: Application[];
  present?: string[];
  rootSubvolume?: LinuxProbe['rootSubvolume'];
  firmware?: 'bios' | 'uefi';
  esp?: InspectionReport['boot']['esp'];
  /** First sector of each disk (defaults: boot code present). */
  diskHeads?: Record<string, Buffer>;
  vm?: VmMetadata | null;
  options?: RepairOptions;
  disks?: InspectionReport['disks'];
}

export const KERNEL = '6.1.0-41-amd64';
export const ROOT_UUID = '5b2d7c1e-8a34-4f0e-9c61-2f7d9e4a1b03';

export function fs(device: string, type: string, uuid: string | null, mountpoint: string | null = null, extra: Partial<Filesystem> = {}): Filesystem {
  return { device, type, version: null, label: null, uuid, size: 3 * 2 ** 30, used: 2 ** 30, free: 2 ** 30, mountpoint, encrypted: false, details: null, ...extra };
}

/** The initramfs listing of a kernel with or without the virtio drivers. */
export function initramfsListing(virtio: boolean): string[] {
  const base = ['usr/lib/modules/6.1.0-41-amd64/kernel/drivers/scsi/vmw_pvscsi.ko', 'usr/lib/modules/6.1.0-41-amd64/kernel/drivers/scsi/sd_mod.ko', 'usr/lib/modules/6.1.0-41-amd64/kernel/fs/ext4/ext4.ko'];
  if (!virtio) return base;
  return [...base, ...['virtio_pci', 'virtio_blk', 'virtio_scsi', 'virtio_net'].map((m) => `usr/lib/modules/6.1.0-41-amd64/kernel/drivers/virtio/${m}.ko`)];
}

export function linuxGuest(spec: GuestSpec): LinuxGuest {
  const tree = new GuestTree();
  for (const [path, content] of Object.entries(spec.files)) {
    if (typeof content === 'string') tree.addFile(path, Buffer.from(content));
    else tree.addSymlink(path, content.link);
  }
  const kernels: KernelInputs = {
    bootFiles: [`vmlinuz-${KERNEL}`, `initrd.img-${KERNEL}`],
    moduleDirs: [KERNEL],
    builtin: {},
    initramfsContents: { [`initrd.img-${KERNEL}`]: initramfsListing(true) },
    ...spec.kernels,
  };
  const applications = spec.applications ?? [];
  const { facts, network } = linuxFacts({ tree, applications, kernels });
  const filesystems = spec.filesystems ?? [fs('/dev/sda1', 'ext4', ROOT_UUID, '/')];
  const mountpoints = spec.mountpoints ?? [{ device: '/dev/sda1', path: '/' }];
  const os = { ...noOsIdentity(), root: mountpoints.find((m) => m.path === '/')?.device ?? '/dev/sda1', type: 'linux', distro: 'debian', productName: 'Debian GNU/Linux 12', majorVersion: 12, minorVersion: 8, arch: 'x86_64', firmware: spec.firmware ?? 'bios', packageFormat: 'deb', packageManagement: 'apt' };
  const boot = { firmware: spec.firmware ?? 'bios', esp: spec.esp ?? null } as const;
  const findings = evaluateFindings({ operatingSystems: [os], os, filesystems, mountpoints, network, boot, linux: facts, windows: null });
  const report = { ...emptyInspectionReport(), os, operatingSystems: [os], filesystems, mountpoints, applications, network, boot, linux: facts, findings, summary: summarizeFindings(findings), disks: spec.disks ?? [] } as InspectionReport & { linux: LinuxFacts };
  const drives = spec.drives ?? ['/dev/sda'];
  const heads = new Map<string, Buffer>(drives.map((d) => [d, spec.diskHeads?.[d] ?? Buffer.alloc(512, 0xeb)]));
  return {
    report,
    tree,
    kernels,
    world: { drives, filesystems, mountpoints },
    diskHeads: heads,
    probe: { present: new Set(spec.present ?? ['/usr/sbin/update-initramfs', '/usr/sbin/grub-mkconfig', '/usr/sbin/grub-install', '/usr/bin/systemctl']), rootSubvolume: spec.rootSubvolume ?? null, files: new Map() },
    vm: spec.vm ?? null,
    options: RepairOptions.parse(spec.options ?? {}),
  };
}

/** A Debian-style grub.cfg with one entry. */
export function grubCfg(cmdline: string, kernel = KERNEL): string {
  return [
    '### BEGIN /etc/grub.d/10_linux ###',
    `menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-${ROOT_UUID}' {`,
    '\tload_video',
    '\tinsmod gzio',
    '\tinsmod part_msdos',
    '\tinsmod ext2',
    `\tsearch --no-floppy --fs-uuid --set=root ${ROOT_UUID}`,
    `\techo\t'Loading Linux ${kernel} ...'`,
    `\tlinux\t/boot/vmlinuz-${kernel} ${cmdline}`,
    "\techo\t'Loading initial ramdisk ...'",
    `\tinitrd\t/boot/initrd.img-${kernel}`,
    '}',
    '### END /etc/grub.d/10_linux ###',
    '',
  ].join('\n');
}

export const DEFAULT_GRUB = `# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX=""
`;

/** The files of a Debian guest set up as VMware leaves it, every name stable (UUID=). */
export function cleanDebianFiles(): Record<string, string | { link: string }> {
  return {
    '/etc/fstab': `# /etc/fstab: static file system information.\n#\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\nUUID=${ROOT_UUID} /               ext4    errors=remount-ro 0       1\n`,
    '/etc/default/grub': DEFAULT_GRUB,
    '/boot/grub/grub.cfg': grubCfg(`root=UUID=${ROOT_UUID} ro quiet`),
    '/etc/initramfs-tools/modules': '# List of modules that you want to include in your initramfs.\n',
    '/etc/initramfs-tools/initramfs.conf': 'MODULES=most\n',
    '/etc/systemd/system/default.target': { link: '/lib/systemd/system/multi-user.target' },
  };
}
