import { describe, expect, it } from 'vitest';
import { evaluateFindings, FINDING_CODES, MIN_FREE_ROOT_BYTES } from '../../../electron/engine/inspect/findings';
import type { FindingFacts } from '../../../electron/engine/inspect/findings';
import { noOsIdentity } from '../../../electron/engine/inspect/inspector';
import { summarizeFindings } from '../../../shared/contract/models/inspection';
import type { Filesystem, Kernel, LinuxFacts, NetworkConfig, OsIdentity, UnitFile, WindowsDriver, WindowsFacts } from '../../../shared/contract/models/inspection';

const MiB = 1024 * 1024;

const linuxOs: OsIdentity = { ...noOsIdentity(), root: '/dev/sda1', type: 'linux', distro: 'debian', productName: '12.15', majorVersion: 12, minorVersion: 15, arch: 'x86_64', firmware: 'bios' };
const windowsOs: OsIdentity = { ...noOsIdentity(), root: '/dev/sda2', type: 'windows', distro: 'windows', productName: 'Windows Server 2019 Standard', majorVersion: 10, minorVersion: 0, firmware: 'bios' };

const rootFs: Filesystem = { device: '/dev/sda1', type: 'ext4', version: '1.0', label: null, uuid: 'u', size: 3000 * MiB, used: 700 * MiB, free: 2000 * MiB, mountpoint: '/', encrypted: false, details: null };

const goodKernel: Kernel = {
  version: '6.1.0-50-amd64',
  vmlinuz: '/boot/vmlinuz-6.1.0-50-amd64',
  initramfs: '/boot/initrd.img-6.1.0-50-amd64',
  modules: true,
  virtio: { virtio_pci: 'in-initramfs', virtio_blk: 'in-initramfs', virtio_scsi: 'in-initramfs' },
  virtioBootable: true,
};

const cleanLinux: LinuxFacts = {
  fstab: [{ line: 2, spec: 'UUID=u', style: 'uuid', mountpoint: '/', vfstype: 'ext4', options: 'errors=remount-ro', dump: 0, pass: 1 }],
  crypttab: [],
  bootloader: {
    kind: 'grub2',
    configPath: '/boot/grub/grub.cfg',
    entries: [{ title: 'Debian', kernel: '/boot/vmlinuz-6.1.0-50-amd64', initrd: '/boot/initrd.img-6.1.0-50-amd64', cmdline: 'root=UUID=u ro console=ttyS0', line: 9 }],
    defaults: {},
    defaultsPath: null,
    kernelCmdline: 'root=UUID=u ro console=ttyS0',
    vmwareParams: [],
    serialConsole: true,
  },
  kernels: [goodKernel],
  systemd: { defaultTarget: 'multi-user.target', enabledUnits: [], unitFiles: [], timers: [], sockets: [] },
  vmwareTools: { present: false, evidence: [] },
  cloudInit: { present: false, disabled: false, datasources: [] },
  selinux: { mode: 'absent', policy: null },
  identity: null,
  users: [],
  logins: [],
  journal: null,
};

const cleanLinuxFacts: FindingFacts = {
  operatingSystems: [linuxOs],
  os: linuxOs,
  filesystems: [rootFs],
  mountpoints: [{ device: '/dev/sda1', path: '/' }],
  network: [],
  boot: { firmware: 'bios', esp: null },
  linux: cleanLinux,
  windows: null,
};

const driver = (service: string, present: boolean, start: WindowsDriver['start'] = null, startOverride: WindowsDriver['startOverride'] = null): WindowsDriver => ({
  service,
  present,
  start,
  startOverride,
  imagePath: null,
  group: null,
  registryKey: `HKLM\\SYSTEM\\ControlSet001\\Services\\${service}`,
});

const cleanWindows: WindowsFacts = {
  productName: 'Windows Server 2019 Standard',
  editionId: 'ServerStandard',
  installationType: 'Server',
  currentVersion: '6.3',
  majorVersion: 10,
  minorVersion: 0,
  build: '17763',
  ubr: null,
  displayVersion: null,
  installDate: null,
  registeredOwner: null,
  systemRoot: '/Windows',
  controlSet: 'ControlSet001',
  hostname: 'h2k-win2019',
  domain: null,
  networkAdapters: [],
  firewall: [],
  environment: [],
  storageDrivers: [driver('viostor', true, 'boot'), driver('vioscsi', false), driver('pvscsi', true, 'boot')],
  vmwareTools: { present: false, evidence: [] },
  groupPolicy: { present: false, evidence: [] },
  antivirus: [],
  hibernation: { hiberfilPresent: false, hibernated: false, fastStartup: false },
};

const cleanWindowsFacts: FindingFacts = {
  operatingSystems: [windowsOs],
  os: windowsOs,
  filesystems: [{ ...rootFs, device: '/dev/sda2', type: 'ntfs', mountpoint: '/' }],
  mountpoints: [{ device: '/dev/sda2', path: '/' }],
  network: [],
  boot: { firmware: 'bios', esp: null },
  linux: null,
  windows: cleanWindows,
};

const linuxWith = (patch: Partial<LinuxFacts>, rest: Partial<FindingFacts> = {}): FindingFacts => ({ ...cleanLinuxFacts, linux: { ...cleanLinux, ...patch }, ...rest });
const windowsWith = (patch: Partial<WindowsFacts>, rest: Partial<FindingFacts> = {}): FindingFacts => ({ ...cleanWindowsFacts, windows: { ...cleanWindows, ...patch }, ...rest });
const net = (patch: Partial<NetworkConfig>): NetworkConfig => ({ source: 'ifupdown', file: '/etc/network/interfaces', line: 3, interface: 'eth0', mac: null, setsName: null, method: 'dhcp', addresses: [], gateway: null, dns: [], ...patch });
const fstab = (spec: string, style: LinuxFacts['fstab'][number]['style'], options = 'defaults', mountpoint = '/', vfstype = 'ext4'): LinuxFacts['fstab'][number] => ({ line: 4, spec, style, mountpoint, vfstype, options, dump: 0, pass: 1 });

/** A unit file as systemdUnits reports one that runs VMware Tools on any hypervisor. */
const vmwareUnit = (state: UnitFile['state']): UnitFile => ({
  unit: 'timesync.service',
  type: 'service',
  state,
  path: '/etc/systemd/system/timesync.service',
  wantedBy: state === 'enabled' ? ['multi-user.target'] : [],
  description: 'Sync the clock with the ESXi host',
  vmwareOnly: [{ path: '/etc/systemd/system/timesync.service', line: 6, excerpt: 'ExecStart=/usr/bin/vmware-toolbox-cmd timesync enable' }],
});

interface Case {
  name: string;
  facts: FindingFacts;
  /** code → severity of every finding expected (nothing else may appear). */
  expected: Record<string, string>;
}

/** File system details as inspection reads them (get-e2attrs letters; xfs_logprint's state). */
const extDetails = (attributes: Array<{ path: string; flags: string }>): NonNullable<Filesystem['details']> => ({
  inodes: { total: 196608, free: 150000 },
  btrfs: null,
  xfs: null,
  ext: { features: ['has_journal', 'extent'], state: 'clean', mountCount: 1, maxMountCount: -1, attributes: attributes.map((a) => ({ ...a, immutable: a.flags.includes('i'), appendOnly: a.flags.includes('a') })) },
  ntfs: null,
});
const xfsFs = (dirtyLog: boolean | null): Filesystem => ({
  ...rootFs,
  device: '/dev/sda2',
  type: 'xfs',
  mountpoint: '/srv',
  details: { inodes: null, btrfs: null, ext: null, ntfs: null, xfs: { blockSize: 4096, agCount: 4, inodeSize: 512, v5: true, reflink: true, bigtime: true, dirtyLog } },
});

/** An NTFS data volume as the inspection reads it (ntfs-3g.probe --readwrite, ntfsinfo's flags). */
const ntfsFs = (device: string, ntfs: NonNullable<NonNullable<Filesystem['details']>['ntfs']>): Filesystem => ({
  ...rootFs,
  device,
  type: 'ntfs',
  label: 'DATA',
  mountpoint: null,
  details: { inodes: null, btrfs: null, ext: null, xfs: null, ntfs },
});
/** A ZFS member as blkid -p read its vdev label (test/support/zfs-label.ts made one). */
const zfsFs: Filesystem = {
  ...rootFs,
  device: '/dev/sdb1',
  type: 'zfs_member',
  version: '5000',
  label: 'tank',
  uuid: '15306142871237561470',
  used: null,
  free: null,
  mountpoint: null,
  details: { inodes: null, btrfs: null, ext: null, xfs: null, ntfs: null, zfs: { pool: 'tank', poolGuid: '15306142871237561470', vdevGuid: '4528630119786442213', version: '5000', datasets: 'unknown', datasetsReason: 'the appliance cannot read ZFS' } },
};

const cases: Case[] = [
  { name: 'a clean Linux guest', facts: cleanLinuxFacts, expected: {} },
  { name: 'a hibernated NTFS data volume blocks repair', facts: { ...cleanLinuxFacts, filesystems: [rootFs, ntfsFs('/dev/sdb1', { dirty: false, hibernated: true, uncleanUnmount: null })] }, expected: { NTFS_HIBERNATED: 'blocker' } },
  { name: 'an NTFS volume not cleanly unmounted (Fast Startup) blocks repair', facts: { ...cleanLinuxFacts, filesystems: [rootFs, ntfsFs('/dev/sdb1', { dirty: false, hibernated: false, uncleanUnmount: true })] }, expected: { NTFS_UNCLEAN: 'blocker' } },
  { name: 'a dirty flag alone (chkdsk scheduled) is no finding: ntfs-3g writes the volume', facts: { ...cleanLinuxFacts, filesystems: [rootFs, ntfsFs('/dev/sdb1', { dirty: true, hibernated: false, uncleanUnmount: false })] }, expected: {} },
  { name: 'an NTFS read by an older version (no unclean state)', facts: { ...cleanLinuxFacts, filesystems: [rootFs, ntfsFs('/dev/sdb1', { dirty: true, hibernated: false })] }, expected: {} },
  {
    name: 'the hibernated Windows system volume is said once (WINDOWS_HIBERNATED), a hibernated data volume besides it too',
    facts: windowsWith({ hibernation: { hiberfilPresent: true, hibernated: true, fastStartup: true } }, { filesystems: [ntfsFs('/dev/sda2', { dirty: false, hibernated: true, uncleanUnmount: null }), ntfsFs('/dev/sdb1', { dirty: false, hibernated: true, uncleanUnmount: null })] }),
    expected: { WINDOWS_HIBERNATED: 'blocker', NTFS_HIBERNATED: 'blocker' },
  },
  { name: 'a ZFS pool member: its datasets cannot be read', facts: { ...cleanLinuxFacts, filesystems: [rootFs, zfsFs] }, expected: { ZFS_NOT_READABLE: 'warning' } },
  { name: 'a clean Windows guest (viostor installed)', facts: cleanWindowsFacts, expected: {} },
  { name: 'an immutable /etc/fstab (chattr +i) blocks repair', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/etc/fstab', flags: 'ei' }, { path: '/etc/hosts', flags: 'e' }]) }] }, expected: { FILE_IMMUTABLE: 'blocker' } },
  { name: 'an append-only /etc/resolv.conf (chattr +a) is a warning: repair does not need it to boot the guest', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/etc/resolv.conf', flags: 'ae' }]) }] }, expected: { FILE_IMMUTABLE: 'warning' } },
  { name: 'an immutable network configuration is a warning', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/etc/network/interfaces', flags: 'ie' }]) }] }, expected: { FILE_IMMUTABLE: 'warning' } },
  { name: 'an immutable grub.cfg blocks repair', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/boot/grub/grub.cfg', flags: 'ie' }]) }] }, expected: { FILE_IMMUTABLE: 'blocker' } },
  { name: 'ordinary attributes (e: extents) say nothing', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/etc/fstab', flags: 'e' }]) }] }, expected: {} },
  { name: 'an XFS file system with a dirty log', facts: { ...cleanLinuxFacts, filesystems: [rootFs, xfsFs(true)] }, expected: { XFS_DIRTY_LOG: 'warning' } },
  { name: 'an XFS log that is clean, or could not be read', facts: { ...cleanLinuxFacts, filesystems: [rootFs, xfsFs(false), { ...xfsFs(null), device: '/dev/sda3' }] }, expected: {} },
  {
    name: 'no OS on any disk',
    facts: { ...cleanLinuxFacts, operatingSystems: [], os: noOsIdentity(), linux: null, mountpoints: [] },
    expected: { NO_OS_FOUND: 'blocker' },
  },
  { name: 'fstab root by /dev/sda1', facts: linuxWith({ fstab: [fstab('/dev/sda1', 'device-name')] }), expected: { FSTAB_DEVICE_NAME: 'blocker' } },
  { name: 'fstab: only a nofail data disk by /dev/sdb1', facts: linuxWith({ fstab: [fstab('UUID=u', 'uuid'), fstab('/dev/sdb1', 'device-name', 'defaults,nofail', '/data')] }), expected: { FSTAB_DEVICE_NAME: 'warning' } },
  { name: 'fstab: swap by /dev/sda2', facts: linuxWith({ fstab: [fstab('UUID=u', 'uuid'), fstab('/dev/sda2', 'device-name', 'sw', 'none', 'swap')] }), expected: { FSTAB_DEVICE_NAME: 'warning' } },
  { name: 'crypttab by /dev/sdb2', facts: linuxWith({ crypttab: [{ line: 1, name: 'c', device: '/dev/sdb2', style: 'device-name' }] }), expected: { FSTAB_DEVICE_NAME: 'blocker' } },
  { name: 'fstab by-path', facts: linuxWith({ fstab: [fstab('/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1', 'by-path')] }), expected: { FSTAB_BY_PATH: 'blocker' } },
  {
    name: 'root=/dev/sda1 on the kernel command line',
    facts: linuxWith({ bootloader: { ...cleanLinux.bootloader, entries: [{ ...cleanLinux.bootloader.entries[0]!, cmdline: 'root=/dev/sda1 ro' }], kernelCmdline: 'root=/dev/sda1 ro' } }),
    expected: { KERNEL_DEVICE_NAME: 'blocker' },
  },
  {
    name: 'resume= by-path in /etc/default/grub only',
    facts: linuxWith({ bootloader: { ...cleanLinux.bootloader, defaults: { GRUB_CMDLINE_LINUX: 'resume=/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part2 quiet' }, defaultsPath: '/etc/default/grub' } }),
    expected: { KERNEL_DEVICE_NAME: 'warning' },
  },
  { name: 'root=UUID= is stable', facts: linuxWith({ bootloader: { ...cleanLinux.bootloader, defaults: { GRUB_CMDLINE_LINUX: 'root=UUID=u resume=LABEL=swap' } } }), expected: {} },
  { name: 'fstab by-id', facts: linuxWith({ fstab: [fstab('/dev/disk/by-id/scsi-36000c29-part1', 'by-id')] }), expected: { FSTAB_BY_ID: 'warning' } },
  {
    name: 'MAC pinned by a .link file that names the NIC (the Debian test guest)',
    facts: { ...cleanLinuxFacts, network: [net({ interface: 'ens192', method: 'static', addresses: ['10.20.30.40/24'] }), net({ source: 'systemd-link', file: '/etc/systemd/network/10-ens192.link', interface: null, mac: '00:50:56:8a:2f:11', setsName: 'ens192', method: 'none' })] },
    expected: { NIC_MAC_PINNED: 'warning', STATIC_ADDRESSES: 'info' },
  },
  { name: 'ifcfg HWADDR pin', facts: { ...cleanLinuxFacts, network: [net({ source: 'ifcfg', interface: 'eth0', mac: '00:50:56:00:00:01' })] }, expected: { NIC_MAC_PINNED: 'warning' } },
  { name: 'config for a slot-named NIC (ens192) without a rename', facts: { ...cleanLinuxFacts, network: [net({ interface: 'ens192' })] }, expected: { NIC_NAME_WILL_CHANGE: 'warning' } },
  { name: 'eth0 config is not slot-named', facts: { ...cleanLinuxFacts, network: [net({ interface: 'eth0' })] }, expected: {} },
  { name: 'Windows static address is only information', facts: windowsWith({}, { network: [net({ source: 'windows-registry', file: 'HKLM\\SYSTEM\\x', line: null, interface: '{GUID}', method: 'static', addresses: ['10.0.0.5/24'] })] }), expected: { STATIC_ADDRESSES: 'info' } },
  {
    name: 'open-vm-tools installed and enabled',
    facts: linuxWith({ vmwareTools: { present: true, evidence: [{ note: 'package open-vm-tools 12.2.0' }] }, systemd: { defaultTarget: 'multi-user.target', enabledUnits: [{ unit: 'open-vm-tools.service', wantedBy: 'multi-user.target', path: '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service' }], unitFiles: [], timers: [], sockets: [] } }),
    expected: { VMWARE_TOOLS_INSTALLED: 'warning' },
  },
  { name: 'open-vm-tools installed, its services disabled (repaired)', facts: linuxWith({ vmwareTools: { present: true, evidence: [{ note: 'package open-vm-tools 12.2.0' }] } }), expected: { VMWARE_TOOLS_INSTALLED: 'info' } },
  { name: 'VMware Tools on Windows', facts: windowsWith({ vmwareTools: { present: true, evidence: [{ registryKey: 'HKLM\\SYSTEM\\ControlSet001\\Services\\VMTools' }] } }), expected: { VMWARE_TOOLS_INSTALLED: 'warning' } },
  // VMware's documented shared-folder line for open-vm-tools, and the vmhgfs module's of old VMware Tools.
  { name: 'fstab mounts a VMware shared folder (vmhgfs-fuse)', facts: linuxWith({ fstab: [fstab('UUID=u', 'uuid'), fstab('.host:/', 'other', 'defaults,allow_other', '/mnt/hgfs', 'fuse.vmhgfs-fuse')] }), expected: { VMWARE_UNITS_FAIL_ON_KVM: 'warning' } },
  { name: 'fstab: a vmhgfs line with noauto is never mounted at boot', facts: linuxWith({ fstab: [fstab('UUID=u', 'uuid'), fstab('.host:/data', 'other', 'noauto,ttl=5', '/mnt/hgfs', 'vmhgfs')] }), expected: {} },
  { name: 'an enabled unit runs vmware-toolbox-cmd without ConditionVirtualization=vmware', facts: linuxWith({ systemd: { ...cleanLinux.systemd!, unitFiles: [vmwareUnit('enabled')] } }), expected: { VMWARE_UNITS_FAIL_ON_KVM: 'warning' } },
  { name: 'the same unit disabled', facts: linuxWith({ systemd: { ...cleanLinux.systemd!, unitFiles: [vmwareUnit('disabled')] } }), expected: {} },
  { name: 'the default kernel has no virtio in its initramfs', facts: linuxWith({ kernels: [{ ...goodKernel, virtio: { virtio_pci: 'missing', virtio_blk: 'missing', virtio_scsi: 'missing' }, virtioBootable: false }] }), expected: { INITRAMFS_NO_VIRTIO: 'blocker' } },
  {
    name: 'only an older kernel lacks virtio',
    facts: linuxWith({ kernels: [goodKernel, { ...goodKernel, version: '6.1.0-9-amd64', vmlinuz: '/boot/vmlinuz-6.1.0-9-amd64', virtioBootable: false }] }),
    expected: { INITRAMFS_NO_VIRTIO: 'warning' },
  },
  { name: 'virtio state unknown is not a finding', facts: linuxWith({ kernels: [{ ...goodKernel, virtioBootable: null }] }), expected: {} },
  {
    name: 'UEFI without EFI/BOOT/BOOTX64.EFI',
    facts: { ...cleanLinuxFacts, boot: { firmware: 'uefi', esp: { device: '/dev/sdb1', fallbackLoader: false, loaders: ['EFI/debian/grubx64.efi'] } } },
    expected: { UEFI_NO_FALLBACK: 'blocker' },
  },
  { name: 'UEFI with the fallback loader', facts: { ...cleanLinuxFacts, boot: { firmware: 'uefi', esp: { device: '/dev/sdb1', fallbackLoader: true, loaders: ['EFI/BOOT/BOOTX64.EFI'] } } }, expected: {} },
  { name: 'Windows without viostor or vioscsi', facts: windowsWith({ storageDrivers: [driver('viostor', false), driver('vioscsi', false), driver('pvscsi', true, 'boot')] }), expected: { WINDOWS_NO_VIRTIO_STORAGE: 'blocker' } },
  { name: 'viostor disabled by StartOverride', facts: windowsWith({ storageDrivers: [driver('viostor', true, 'boot', { '0': 3 }), driver('vioscsi', false)] }), expected: { WINDOWS_VIRTIO_DRIVER_DISABLED: 'blocker' } },
  { name: 'vioscsi present but demand-start', facts: windowsWith({ storageDrivers: [driver('viostor', false), driver('vioscsi', true, 'demand')] }), expected: { WINDOWS_VIRTIO_DRIVER_DISABLED: 'blocker' } },
  { name: 'less than 100 MB free on /', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, free: 40 * MiB }] }, expected: { LOW_FREE_SPACE: 'blocker' } },
  { name: 'exactly 100 MB free on / is enough', facts: { ...cleanLinuxFacts, filesystems: [{ ...rootFs, free: MIN_FREE_ROOT_BYTES }] }, expected: {} },
  { name: 'less than 100 MB free on C:', facts: { ...cleanWindowsFacts, filesystems: [{ ...rootFs, device: '/dev/sda2', type: 'ntfs', free: 5 * MiB }] }, expected: { LOW_FREE_SPACE: 'blocker' } },
  {
    name: 'a small separate /boot',
    facts: { ...cleanLinuxFacts, mountpoints: [{ device: '/dev/sda2', path: '/' }, { device: '/dev/sda1', path: '/boot' }], filesystems: [{ ...rootFs, free: 30 * MiB }, { ...rootFs, device: '/dev/sda2' }] },
    expected: { LOW_FREE_SPACE_BOOT: 'warning' },
  },
  { name: 'a LUKS volume', facts: { ...cleanLinuxFacts, filesystems: [rootFs, { ...rootFs, device: '/dev/sdb1', type: 'crypto_LUKS', encrypted: true, free: null }] }, expected: { ENCRYPTED_VOLUME: 'blocker' } },
  { name: 'a BitLocker volume', facts: { ...cleanWindowsFacts, filesystems: [...cleanWindowsFacts.filesystems, { ...rootFs, device: '/dev/sda3', type: 'BitLocker', encrypted: true }] }, expected: { ENCRYPTED_VOLUME: 'blocker' } },
  { name: 'hibernated Windows', facts: windowsWith({ hibernation: { hiberfilPresent: true, hibernated: true, fastStartup: true } }), expected: { WINDOWS_HIBERNATED: 'blocker' } },
  { name: 'Fast Startup on with a hiberfil.sys', facts: windowsWith({ hibernation: { hiberfilPresent: true, hibernated: false, fastStartup: true } }), expected: { WINDOWS_FAST_STARTUP: 'warning' } },
  { name: 'Fast Startup on without hiberfil.sys', facts: windowsWith({ hibernation: { hiberfilPresent: false, hibernated: false, fastStartup: true } }), expected: {} },
  { name: 'Group Policy history', facts: windowsWith({ groupPolicy: { present: true, evidence: [{ registryKey: 'HKLM\\SOFTWARE\\...\\History\\{31B2F340}' }] } }), expected: { WINDOWS_GROUP_POLICY: 'warning' } },
  { name: 'antivirus', facts: windowsWith({ antivirus: [{ name: 'Symantec Endpoint Protection', evidence: { registryKey: 'HKLM\\SOFTWARE\\x' } }] }), expected: { WINDOWS_ANTIVIRUS: 'warning' } },
  { name: 'VMware kernel parameters', facts: linuxWith({ bootloader: { ...cleanLinux.bootloader, vmwareParams: ['vmw_pvscsi.cmd_per_lun=254'] } }), expected: { KERNEL_VMWARE_PARAMS: 'warning' } },
  { name: 'no serial console', facts: linuxWith({ bootloader: { ...cleanLinux.bootloader, serialConsole: false } }), expected: { NO_SERIAL_CONSOLE: 'info' } },
  { name: 'SELinux enforcing', facts: linuxWith({ selinux: { mode: 'enforcing', policy: 'targeted' } }), expected: { SELINUX_RELABEL: 'info' } },
  { name: 'SELinux disabled', facts: linuxWith({ selinux: { mode: 'disabled', policy: 'targeted' } }), expected: {} },
  { name: 'cloud-init active', facts: linuxWith({ cloudInit: { present: true, disabled: false, datasources: ['NoCloud'] } }), expected: { CLOUD_INIT_PRESENT: 'info' } },
  { name: 'cloud-init disabled', facts: linuxWith({ cloudInit: { present: true, disabled: true, datasources: [] } }), expected: {} },
  { name: 'two operating systems', facts: { ...cleanLinuxFacts, operatingSystems: [linuxOs, windowsOs] }, expected: { MULTIPLE_OS: 'info' } },
  {
    name: 'a unit failed in the last recorded boot',
    facts: linuxWith({ journal: { persistent: true, size: 8 * MiB, boots: [], lastBoot: { bootId: 'b', startupMs: 8081, failedUnits: ['h2k-report.service'], errors: [{ at: '2025-11-25T08:00:07.000Z', priority: 3, source: 'h2k-report.service', message: 'h2k-report: cannot write /srv/reports/daily.csv' }], warningCount: 4 } } }),
    expected: { UNIT_FAILED_LAST_BOOT: 'warning' },
  },
  { name: 'a last boot without failed units', facts: linuxWith({ journal: { persistent: true, size: 8 * MiB, boots: [], lastBoot: { bootId: 'b', startupMs: null, failedUnits: [], errors: [], warningCount: 0 } } }), expected: {} },
  { name: 'a journal kept in memory only', facts: linuxWith({ journal: { persistent: false, size: null, boots: [], lastBoot: null } }), expected: {} },
];

describe('finding rules', () => {
  it.each(cases)('$name', ({ facts, expected }) => {
    const findings = evaluateFindings(facts);
    expect(Object.fromEntries(findings.map((f) => [f.code, f.severity]))).toEqual(expected);
    for (const f of findings) {
      expect(FINDING_CODES).toContain(f.code);
      expect(f.title.length).toBeGreaterThan(5);
      expect(f.explanation.length).toBeGreaterThan(40);
      expect(f.fix.id).toMatch(/^[a-z-]+$/);
      if (f.code !== 'NO_OS_FOUND') expect(f.evidence.length).toBeGreaterThan(0);
    }
  });

  it('every code has a case above that produces it', () => {
    const produced = new Set(cases.flatMap((c) => Object.keys(c.expected)));
    expect(FINDING_CODES.filter((code) => !produced.has(code))).toEqual([]);
  });

  it('a hibernated NTFS names the volume and the probe, and says how to shut Windows down fully', () => {
    const [f] = evaluateFindings({ ...cleanLinuxFacts, filesystems: [rootFs, ntfsFs('/dev/sdb1', { dirty: false, hibernated: true, uncleanUnmount: null })] });
    expect(f).toMatchObject({ code: 'NTFS_HIBERNATED', title: 'NTFS volume /dev/sdb1 "DATA" is hibernated', fix: { id: 'shut-down-fully', automatic: false } });
    expect(f!.fix.label).toContain('shutdown /s /f /t 0');
    expect(f!.evidence).toEqual([{ device: '/dev/sdb1', note: 'ntfs-3g.probe --readwrite: exit 14 (hibernated)' }]);
    // Only the data volume: the system volume's is WINDOWS_HIBERNATED's.
    const both = evaluateFindings(windowsWith({ hibernation: { hiberfilPresent: true, hibernated: true, fastStartup: true } }, { filesystems: [ntfsFs('/dev/sda2', { dirty: false, hibernated: true, uncleanUnmount: null }), ntfsFs('/dev/sdb1', { dirty: false, hibernated: true, uncleanUnmount: null })] }));
    expect(both.find((x) => x.code === 'NTFS_HIBERNATED')!.evidence.map((e) => e.device)).toEqual(['/dev/sdb1']);
  });

  it('a ZFS member names the pool and its guid', () => {
    const [f] = evaluateFindings({ ...cleanLinuxFacts, filesystems: [rootFs, zfsFs] });
    expect(f).toMatchObject({ code: 'ZFS_NOT_READABLE', title: 'ZFS pool tank on /dev/sdb1: its datasets cannot be read or repaired offline' });
    expect(f!.evidence).toEqual([{ device: '/dev/sdb1', note: 'zfs_member: pool tank, pool_guid 15306142871237561470' }]);
  });

  it('an immutable file names its path, device and flags; the fix is manual (chattr inside the guest)', () => {
    const [f] = evaluateFindings({ ...cleanLinuxFacts, filesystems: [{ ...rootFs, details: extDetails([{ path: '/etc/fstab', flags: 'ei' }, { path: '/etc/hosts', flags: 'ae' }]) }] });
    expect(f!.evidence).toEqual([
      { path: '/etc/fstab', device: '/dev/sda1', excerpt: 'ei', note: 'immutable' },
      { path: '/etc/hosts', device: '/dev/sda1', excerpt: 'ae', note: 'append only' },
    ]);
    expect(f!.fix.automatic).toBe(false);
    expect(f!.explanation).toContain('chattr -i');
  });

  it('points at the evidence: file and line for fstab, registry key for Windows', () => {
    const [devname] = evaluateFindings(linuxWith({ fstab: [fstab('/dev/sda1', 'device-name')] }));
    expect(devname!.evidence).toEqual([{ path: '/etc/fstab', line: 4, excerpt: '/dev/sda1 / ext4 defaults' }]);
    const [noVirtio] = evaluateFindings(windowsWith({ storageDrivers: [driver('viostor', false), driver('vioscsi', false)] }));
    expect(noVirtio!.evidence.map((e) => e.registryKey)).toEqual(['HKLM\\SYSTEM\\ControlSet001\\Services\\viostor', 'HKLM\\SYSTEM\\ControlSet001\\Services\\vioscsi']);
  });

  it('names each failed unit with its own first error from the journal', () => {
    const errors = [
      { at: '2025-11-25T08:00:05.000Z', priority: 3, source: 'ifup@ens192.service', message: 'ifup: failed to bring up ens192' },
      { at: '2025-11-25T08:00:07.000Z', priority: 3, source: 'h2k-report.service', message: 'h2k-report: cannot write /srv/reports/daily.csv' },
      { at: '2025-11-25T08:00:07.003Z', priority: 3, source: 'h2k-report.service', message: 'Failed to start h2k-report.service - Daily report.' },
    ];
    const [failed] = evaluateFindings(linuxWith({ journal: { persistent: true, size: 0, boots: [], lastBoot: { bootId: 'b7', startupMs: null, failedUnits: ['h2k-report.service', 'quiet.service'], errors, warningCount: 0 } } }));
    expect(failed).toMatchObject({ code: 'UNIT_FAILED_LAST_BOOT', title: '2 units failed in the last boot', fix: { id: 'none', automatic: false } });
    expect(failed!.fix.label).toContain('journalctl -b -u');
    expect(failed!.evidence).toEqual([
      { path: '/var/log/journal', note: 'h2k-report.service (boot b7)', excerpt: 'h2k-report: cannot write /srv/reports/daily.csv' },
      { path: '/var/log/journal', note: 'quiet.service (boot b7)' },
    ]);
  });

  it('VMware-only units: each fstab line and unit line, with the unit named', () => {
    const [f] = evaluateFindings(linuxWith({ fstab: [fstab('.host:/', 'other', 'defaults,allow_other', '/mnt/hgfs', 'fuse.vmhgfs-fuse')], systemd: { ...cleanLinux.systemd!, unitFiles: [vmwareUnit('enabled')] } }));
    expect(f).toMatchObject({ code: 'VMWARE_UNITS_FAIL_ON_KVM', fix: { id: 'none', automatic: false } });
    expect(f!.explanation).toContain('ConditionVirtualization=vmware');
    expect(f!.evidence).toEqual([
      { path: '/etc/fstab', line: 4, excerpt: '.host:/ /mnt/hgfs fuse.vmhgfs-fuse defaults,allow_other' },
      { path: '/etc/systemd/system/timesync.service', line: 6, excerpt: 'ExecStart=/usr/bin/vmware-toolbox-cmd timesync enable', note: 'timesync.service (enabled)' },
    ]);
  });

  it('orders blockers first, then warnings, then infos', () => {
    const findings = evaluateFindings(
      linuxWith({ fstab: [fstab('/dev/sda1', 'device-name')], kernels: [goodKernel, { ...goodKernel, version: '6.1.0-9-amd64', vmlinuz: '/boot/vmlinuz-6.1.0-9-amd64', virtioBootable: false }], bootloader: { ...cleanLinux.bootloader, serialConsole: false } }, { filesystems: [{ ...rootFs, free: 1 }] }),
    );
    expect(findings.map((f) => f.severity)).toEqual(['blocker', 'blocker', 'warning', 'info']);
  });

  it.each([
    ['nothing found', {}, 'ready'],
    ['only infos', { NO_SERIAL_CONSOLE: 'info' }, 'ready'],
    ['a warning the product repairs', { VMWARE_TOOLS_INSTALLED: 'warning' }, 'needs-repair'],
    ['a blocker the product repairs', { FSTAB_DEVICE_NAME: 'blocker' }, 'needs-repair'],
    ['a blocker only the administrator can fix', { WINDOWS_HIBERNATED: 'blocker' }, 'blocked'],
  ])('readiness with %s', (_name, expected, readiness) => {
    const match = cases.find((c) => JSON.stringify(c.expected) === JSON.stringify(expected))!;
    const summary = summarizeFindings(evaluateFindings(match.facts));
    expect(summary.readiness).toBe(readiness);
    expect(summary.blockers + summary.warnings + summary.infos).toBe(Object.keys(expected).length);
  });
});
