import type { Application, Evidence, EnabledUnit, Kernel, LinuxFacts, NetworkConfig } from '../../../../shared/contract/models/inspection';
import type { GuestTree } from '../../appliance/guest-tree';
import { describeBootloader } from '../../guest/linux/bootloader';
import type { BootloaderFiles } from '../../guest/linux/bootloader';
import { parseCrypttab, parseFstab } from '../../guest/linux/fstab';
import { parseNetworkFile, networkSourceFor } from '../../guest/linux/network';
import { linuxIdentity } from './identity';
import { loginUsers } from './users';
import { systemdUnits } from './systemd';

/**
 * Turns the Linux guest files we fetched (a GuestTree) into the report's Linux facts. Pure: the
 * session decides what to fetch (see LINUX_TREES), this module only reads.
 */

/**
 * What the inspection fetches from a Linux guest. Every file transfer out of a TCG appliance
 * costs ~130 ms however small the file, so /etc and /boot come as one tar stream each (minus
 * the bulky parts nothing here reads) and only a few other files are downloaded.
 */
export const ETC_EXCLUDES = [
  './ssl',
  './pki',
  './ca-certificates',
  './selinux/targeted',
  './selinux/mls',
  './selinux/minimum',
  './X11',
  './fonts',
  './alternatives',
  './udev/hwdb.bin',
  './udev/hwdb.d',
  './vmware-tools/*.so*',
  './vmware-tools/vgauth',
  './gconf',
  './brltty',
  './lvm/archive',
  './lvm/backup',
  './ld.so.cache',
  './apparmor.d',
  './java*',
  './mono',
] as const;

/** Boot loader configurations, downloaded when they exist (cheaper than a tar of /boot). */
export const BOOT_CONFIGS = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg', '/boot/grub/menu.lst', '/boot/grub/grub.conf', '/boot/extlinux/extlinux.conf'] as const;
/** Boot Loader Specification entries (RHEL 8+, Fedora), fetched as a tar when the folder exists. */
export const BLS_DIR = '/boot/loader/entries';

/** Package databases, downloaded when they exist. */
export const PACKAGE_DATABASES = { deb: '/var/lib/dpkg/status', apk: '/lib/apk/db/installed' } as const;

/** Symlinks whose target we read (systemd's default target when /etc does not override it). */
export const LINUX_LINKS = ['/lib/systemd/system/default.target', '/usr/lib/systemd/system/default.target'] as const;

/** Files whose presence alone says something. */
export const LINUX_PRESENCE = [
  '/usr/bin/vmtoolsd',
  '/usr/bin/vmware-toolbox-cmd',
  '/usr/sbin/vmware-uninstall-tools.pl',
  '/usr/bin/vmware-uninstall-tools.pl',
  '/usr/bin/cloud-init',
  '/lib/systemd/systemd',
  '/usr/lib/systemd/systemd',
] as const;

// ---------------------------------------------------------------------------------------------

export function enabledUnits(tree: GuestTree): EnabledUnit[] {
  const units: EnabledUnit[] = [];
  for (const path of tree.walk('/etc/systemd/system')) {
    const m = /^\/etc\/systemd\/system\/([^/]+)\.(wants|requires)\/([^/]+)$/.exec(path);
    if (!m) continue;
    const entry = tree.get(path);
    if (entry?.kind !== 'symlink' && entry?.kind !== 'file') continue;
    units.push({ unit: m[3]!, wantedBy: m[1]!, path });
  }
  return units.sort((a, b) => a.wantedBy.localeCompare(b.wantedBy) || a.unit.localeCompare(b.unit));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function defaultTarget(tree: GuestTree): string | null {
  for (const path of ['/etc/systemd/system/default.target', ...LINUX_LINKS]) {
    const entry = tree.get(path);
    if (entry?.kind === 'symlink' && entry.target) return basename(entry.target);
  }
  return null;
}

export function hasSystemd(tree: GuestTree): boolean {
  return tree.walk('/etc/systemd/system').length > 0 || tree.has('/etc/systemd/system') || tree.has('/lib/systemd/systemd') || tree.has('/usr/lib/systemd/systemd');
}

export function selinuxState(tree: GuestTree, kernelCmdline: string | null): LinuxFacts['selinux'] {
  const text = tree.text('/etc/selinux/config');
  if (text === null) return { mode: 'absent', policy: null };
  const get = (key: string): string | null => new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\s#]+)`, 'm').exec(text)?.[1] ?? null;
  const configured = get('SELINUX')?.toLowerCase();
  let mode: LinuxFacts['selinux']['mode'] = configured === 'enforcing' || configured === 'permissive' || configured === 'disabled' ? configured : 'disabled';
  const cmdline = kernelCmdline ?? '';
  if (/(^|\s)selinux=0(\s|$)/.test(cmdline)) mode = 'disabled';
  else if (mode === 'enforcing' && /(^|\s)enforcing=0(\s|$)/.test(cmdline)) mode = 'permissive';
  return { mode, policy: get('SELINUXTYPE') };
}

const VMWARE_PACKAGE = /^(open-vm-tools(-.*)?|vmware-tools.*|VMwareTools|kmod-vmware-tools.*|vmware-guestd)$/;

export function vmwareToolsPresence(tree: GuestTree, applications: readonly Application[], units: readonly EnabledUnit[]): LinuxFacts['vmwareTools'] {
  const evidence: Evidence[] = [];
  for (const app of applications) if (VMWARE_PACKAGE.test(app.name)) evidence.push({ note: `package ${app.name} ${app.version}`.trim() });
  for (const path of ['/etc/vmware-tools', '/usr/bin/vmtoolsd', '/usr/bin/vmware-toolbox-cmd', '/usr/bin/vmware-uninstall-tools.pl', '/usr/sbin/vmware-uninstall-tools.pl']) {
    if (tree.has(path)) evidence.push({ path });
  }
  for (const unit of units) if (/^(open-vm-tools|vmtoolsd|vmware-tools|vgauth)/.test(unit.unit)) evidence.push({ path: unit.path, note: `enabled for ${unit.wantedBy}` });
  return { present: evidence.length > 0, evidence };
}

export function cloudInitState(tree: GuestTree, applications: readonly Application[], kernelCmdline: string | null): LinuxFacts['cloudInit'] {
  const present = tree.has('/etc/cloud/cloud.cfg') || tree.has('/usr/bin/cloud-init') || applications.some((a) => a.name === 'cloud-init');
  const disabled = tree.has('/etc/cloud/cloud-init.disabled') || /(^|\s)cloud-init=disabled(\s|$)/.test(kernelCmdline ?? '');
  const datasources = new Set<string>();
  const configs = ['/etc/cloud/cloud.cfg', ...tree.walk('/etc/cloud/cloud.cfg.d').filter((p) => p.endsWith('.cfg'))];
  for (const path of configs) {
    const text = tree.text(path);
    const m = text ? /^datasource_list\s*:\s*\[([^\]]*)\]/m.exec(text) : null;
    if (m) for (const name of m[1]!.split(',')) if (name.trim()) datasources.add(name.trim().replace(/^['"]|['"]$/g, ''));
  }
  return { present, disabled, datasources: [...datasources] };
}

// ---------------------------------------------------------------------------------------------
// Kernels and whether their initramfs can reach a virtio disk

export const VIRTIO_BOOT_DRIVERS = ['virtio_pci', 'virtio_blk', 'virtio_scsi'] as const;

export interface KernelInputs {
  /** Names in /boot. */
  bootFiles: string[];
  /** Names in /lib/modules (kernel versions). */
  moduleDirs: string[];
  /** Per kernel version: modules.builtin text, when read. */
  builtin: Record<string, string | null>;
  /** Per initramfs file name: the paths it contains, or null when it could not be listed. */
  initramfsContents: Record<string, string[] | null>;
}

/** The initramfs that belongs to a kernel version, by the distributions' naming schemes. */
export function initramfsFor(version: string, bootFiles: readonly string[]): string | null {
  const candidates = [`initrd.img-${version}`, `initramfs-${version}.img`, `initrd-${version}`, `initramfs-${version}`, `initrd-${version}.img`];
  return candidates.find((name) => bootFiles.includes(name)) ?? null;
}

export function kernelVersions(bootFiles: readonly string[]): Array<{ version: string; vmlinuz: string }> {
  return bootFiles
    .map((name) => /^(?:vmlinuz|vmlinux|kernel)-(.+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && !m[1]!.includes('rescue'))
    .map((m) => ({ version: m[1]!, vmlinuz: m[0] }))
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** Newest first: compares the numeric runs of two version strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[^0-9]+/).filter(Boolean).map(Number);
  const pb = b.split(/[^0-9]+/).filter(Boolean).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

function moduleIn(paths: readonly string[], module: string): boolean {
  const re = new RegExp(`/${module}\\.ko(\\.(xz|zst|gz))?$`);
  return paths.some((p) => re.test(p));
}

export function describeKernels(inputs: KernelInputs): Kernel[] {
  return kernelVersions(inputs.bootFiles).map(({ version, vmlinuz }) => {
    const initramfs = initramfsFor(version, inputs.bootFiles);
    const contents = initramfs ? inputs.initramfsContents[initramfs] ?? null : null;
    const builtin = inputs.builtin[version] ?? null;
    const virtio: Kernel['virtio'] = {};
    for (const module of VIRTIO_BOOT_DRIVERS) {
      if (builtin !== null && moduleIn(builtin.split('\n'), module)) virtio[module] = 'built-in';
      else if (contents && moduleIn(contents, module)) virtio[module] = 'in-initramfs';
      else if (contents || (initramfs === null && builtin !== null)) virtio[module] = 'missing';
      else virtio[module] = 'unknown';
    }
    const ok = (m: string): boolean | null => (virtio[m] === 'unknown' ? null : virtio[m] !== 'missing');
    const pci = ok('virtio_pci');
    const disk = [ok('virtio_blk'), ok('virtio_scsi')];
    const virtioBootable = pci === false ? false : disk.includes(true) ? (pci === null ? null : true) : disk.every((d) => d === false) ? false : null;
    return {
      version,
      vmlinuz: `/boot/${vmlinuz}`,
      initramfs: initramfs ? `/boot/${initramfs}` : null,
      modules: inputs.moduleDirs.includes(version),
      virtio,
      virtioBootable,
    };
  });
}

// ---------------------------------------------------------------------------------------------

export function bootloaderFiles(tree: GuestTree): BootloaderFiles {
  const file = (path: string): { path: string; text: string } | undefined => {
    const text = tree.text(path);
    return text === null ? undefined : { path, text };
  };
  const files: BootloaderFiles = {};
  const grubCfg = file('/boot/grub/grub.cfg') ?? file('/boot/grub2/grub.cfg') ?? file('/etc/grub2.cfg');
  if (grubCfg) files.grubCfg = grubCfg;
  const legacy = file('/boot/grub/menu.lst') ?? file('/boot/grub/grub.conf');
  if (legacy) files.grubLegacy = legacy;
  const defaults = file('/etc/default/grub');
  if (defaults) files.defaultGrub = defaults;
  const bls = tree
    .walk('/boot/loader/entries')
    .filter((p) => p.endsWith('.conf'))
    .map((p) => file(p))
    .filter((f): f is { path: string; text: string } => f !== undefined);
  if (bls.length) files.blsEntries = bls;
  const extlinux = file('/boot/extlinux/extlinux.conf');
  if (extlinux) files.extlinux = extlinux;
  return files;
}

export function linuxNetwork(tree: GuestTree): NetworkConfig[] {
  const roots = ['/etc/network', '/etc/netplan', '/etc/NetworkManager/system-connections', '/etc/sysconfig', '/etc/systemd/network', '/etc/udev/rules.d'];
  const configs: NetworkConfig[] = [];
  for (const root of roots) {
    for (const path of tree.walk(root)) {
      if (!networkSourceFor(path)) continue;
      const text = tree.text(path);
      if (text !== null) configs.push(...parseNetworkFile(path, text));
    }
  }
  return configs;
}

export interface LinuxFactInputs {
  tree: GuestTree;
  applications: Application[];
  kernels: KernelInputs;
}

export function linuxFacts({ tree, applications, kernels }: LinuxFactInputs): { facts: LinuxFacts; network: NetworkConfig[] } {
  const bootloader = describeBootloader(bootloaderFiles(tree));
  const units = hasSystemd(tree) ? enabledUnits(tree) : [];
  const fstabText = tree.text('/etc/fstab');
  const crypttabText = tree.text('/etc/crypttab');
  const facts: LinuxFacts = {
    fstab: fstabText === null ? [] : parseFstab(fstabText),
    crypttab: crypttabText === null ? [] : parseCrypttab(crypttabText),
    bootloader,
    kernels: describeKernels(kernels),
    systemd: hasSystemd(tree) ? { defaultTarget: defaultTarget(tree), enabledUnits: units, ...systemdUnits(tree, bootloader.kernelCmdline) } : null,
    vmwareTools: vmwareToolsPresence(tree, applications, units),
    cloudInit: cloudInitState(tree, applications, bootloader.kernelCmdline),
    selinux: selinuxState(tree, bootloader.kernelCmdline),
    identity: linuxIdentity(tree),
    users: loginUsers(tree),
    logins: [],
    journal: null,
  };
  return { facts, network: linuxNetwork(tree) };
}
