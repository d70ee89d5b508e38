import type {
  BootFacts,
  Evidence,
  Filesystem,
  Finding,
  FixOffer,
  LinuxFacts,
  Mountpoint,
  NetworkConfig,
  OsIdentity,
  WindowsFacts,
} from '../../../shared/contract/models/inspection';
import { deviceStyle, isOptionalMount, isUnstableStyle } from '../guest/linux/fstab';
import { driverBootsDisk, VIRTIO_STORAGE } from './windows/facts';
import { formatBytes } from '../../../shared/format';

/**
 * Migration findings: pure rules over the facts. Each rule has a stable code (scripts and the
 * repair stage key on it), a severity, a plain explanation, the evidence, and the fix the
 * product will offer. Severity:
 *  - blocker: the guest will not boot (or cannot be repaired) on KVM unless this is fixed;
 *  - warning: it will boot, but something will not work as before;
 *  - info: worth knowing; nothing to do.
 */

export interface FindingFacts {
  operatingSystems: readonly OsIdentity[];
  os: OsIdentity;
  filesystems: readonly Filesystem[];
  mountpoints: readonly Mountpoint[];
  network: readonly NetworkConfig[];
  boot: BootFacts;
  linux: LinuxFacts | null;
  windows: WindowsFacts | null;
}

/** The free space repairs need (the same bar virt-v2v applies). */
export const MIN_FREE_ROOT_BYTES = 100 * 1024 * 1024;
export const MIN_FREE_BOOT_BYTES = 50 * 1024 * 1024;

export const FIXES = {
  none: { id: 'none', label: 'Nothing to repair automatically', automatic: false },
  fstabUseUuid: { id: 'fstab-use-uuid', label: 'Name the file systems by UUID= (fstab, crypttab, kernel command line)', automatic: true },
  keepNetworkIdentity: { id: 'keep-network-identity', label: 'Keep the interface name and its static addresses on the new NIC', automatic: true },
  removeVmwareTools: { id: 'remove-vmware-tools', label: 'Disable VMware Tools (on Windows: uninstalled at first boot)', automatic: true },
  removeToolsPackage: { id: 'none', label: 'Remove the package with the package manager once the guest runs on KVM', automatic: false },
  rebuildInitramfs: { id: 'rebuild-initramfs', label: 'Add the virtio drivers and rebuild the initramfs', automatic: true },
  fallbackLoader: { id: 'install-fallback-loader', label: 'Copy the boot loader to EFI/BOOT/BOOTX64.EFI', automatic: true },
  virtioDrivers: { id: 'install-virtio-drivers', label: 'Install the virtio storage driver (first boot on SATA until then)', automatic: true },
  enableVirtioDriver: { id: 'enable-virtio-driver', label: 'Set the driver to boot start and remove StartOverride', automatic: true },
  growDisk: { id: 'grow-disk', label: 'Free space in the guest, or enlarge the disk, before repairing', automatic: false },
  unlock: { id: 'decrypt-volume', label: 'Decrypt the volume in the source VM (or provide its key) before migrating', automatic: false },
  shutDown: { id: 'shut-down-fully', label: 'Start the VM on VMware and shut it down fully (not hibernate)', automatic: false },
  disableFastStartup: { id: 'disable-fast-startup', label: 'Turn off Fast Startup, then shut down fully', automatic: false },
  reviewPolicies: { id: 'review-policies', label: 'Check the policies allow new devices and drivers', automatic: false },
  reviewAntivirus: { id: 'review-antivirus', label: 'Check the antivirus allows the new drivers (or remove it for the move)', automatic: false },
  cleanCmdline: { id: 'clean-kernel-cmdline', label: 'Remove the VMware-specific kernel parameters', automatic: true },
  serialOverlay: { id: 'serial-console-on-overlay', label: 'Boot verification adds a serial console on its throwaway overlay only', automatic: true },
  relabel: { id: 'selinux-relabel', label: 'Relabel after repairs (touch /.autorelabel)', automatic: true },
  clearImmutable: { id: 'none', label: 'Inside the guest, clear the attribute (chattr -i, or chattr -a) on these files, then convert again', automatic: false },
  shutDownWindowsFully: { id: 'shut-down-fully', label: 'Boot Windows on VMware and shut it down fully (shutdown /s /f /t 0, or disable Fast Startup) before migrating', automatic: false },
  checkZfsPool: { id: 'none', label: 'Check the pool on the source VM (zpool status, zfs list), and that the guest can import it on KVM (its ZFS module, the pool named by guid)', automatic: false },
  replayXfsLog: { id: 'shut-down-fully', label: 'Start the VM on VMware and shut it down cleanly (its log is then written back)', automatic: false },
  reviewVmwareUnits: { id: 'none', label: 'Disable these units or remove the mounts (or make them VMware-only) in the guest', automatic: false },
  reviewFailedUnits: { id: 'none', label: 'Find out why the unit failed (journalctl -b -u UNIT) and fix or disable it before migrating', automatic: false },
} as const satisfies Record<string, FixOffer>;

function finding(code: string, severity: Finding['severity'], title: string, explanation: string, evidence: Evidence[], fix: FixOffer, osRoot: string | null): Finding {
  return { code, severity, title, explanation, evidence, fix: { ...fix }, osRoot };
}


type Rule = (facts: FindingFacts) => Finding[];

const noOs: Rule = (f) =>
  f.operatingSystems.length === 0
    ? [
        finding(
          'NO_OS_FOUND',
          'blocker',
          'No operating system found',
          'None of the disks holds an operating system libguestfs recognises, so there is nothing to boot. If this is a data disk, inspect it together with the VM’s system disk.',
          f.filesystems.map((fs) => ({ device: fs.device, note: `${fs.type}${fs.label ? ` "${fs.label}"` : ''}` })),
          FIXES.none,
          null,
        ),
      ]
    : [];

const fstabStyles: Rule = (f) => {
  if (!f.linux) return [];
  const root = f.os.root;
  const byStyle = (styles: string[]): { required: Evidence[]; optional: Evidence[] } => {
    const required: Evidence[] = [];
    const optional: Evidence[] = [];
    for (const e of f.linux!.fstab) {
      if (!styles.includes(e.style)) continue;
      const ev = { path: '/etc/fstab', line: e.line, excerpt: `${e.spec} ${e.mountpoint} ${e.vfstype} ${e.options}` };
      (isOptionalMount(e) || e.vfstype === 'swap' ? optional : required).push(ev);
    }
    for (const e of f.linux!.crypttab) if (styles.includes(e.style)) required.push({ path: '/etc/crypttab', line: e.line, excerpt: `${e.name} ${e.device}` });
    return { required, optional };
  };
  const out: Finding[] = [];
  const names = byStyle(['device-name']);
  if (names.required.length || names.optional.length) {
    out.push(
      finding(
        'FSTAB_DEVICE_NAME',
        names.required.length ? 'blocker' : 'warning',
        'fstab names disks by device name',
        'Entries name disks as /dev/sdX. On KVM the disks are virtio (/dev/vdX), so these devices do not exist: the boot waits 90 seconds for them and stops in emergency mode.',
        [...names.required, ...names.optional],
        FIXES.fstabUseUuid,
        root,
      ),
    );
  }
  const paths = byStyle(['by-path']);
  if (paths.required.length || paths.optional.length) {
    out.push(
      finding(
        'FSTAB_BY_PATH',
        paths.required.length ? 'blocker' : 'warning',
        'fstab names disks by controller path',
        '/dev/disk/by-path names encode the VMware controller and slot; the KVM controller is different, so these paths will not exist and the boot stops in emergency mode.',
        [...paths.required, ...paths.optional],
        FIXES.fstabUseUuid,
        root,
      ),
    );
  }
  const ids = byStyle(['by-id']);
  if (ids.required.length || ids.optional.length) {
    out.push(
      finding(
        'FSTAB_BY_ID',
        'warning',
        'fstab names disks by disk id',
        '/dev/disk/by-id names include the VMware disk model and serial; virtio disks have other ids (or none), so these entries stop matching.',
        [...ids.required, ...ids.optional],
        FIXES.fstabUseUuid,
        root,
      ),
    );
  }
  return out;
};

/** root= and resume= name the file system the kernel needs before fstab is read. */
const KERNEL_DEVICE_PARAMS = /(?:^|\s)(root|resume)=(\S+)/g;

const kernelDeviceNames: Rule = (f) => {
  const bl = f.linux?.bootloader;
  if (!bl) return [];
  const hits: Array<{ param: string; evidence: Evidence }> = [];
  const look = (cmdline: string, evidence: Omit<Evidence, 'excerpt'>): void => {
    for (const m of cmdline.matchAll(KERNEL_DEVICE_PARAMS)) {
      if (isUnstableStyle(deviceStyle(m[2]!))) hits.push({ param: m[1]!, evidence: { ...evidence, excerpt: `${m[1]}=${m[2]}` } });
    }
  };
  bl.entries.forEach((e) => look(e.cmdline, { ...(bl.configPath ? { path: bl.configPath } : {}), ...(e.line ? { line: e.line } : {}) }));
  for (const key of ['GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT']) {
    const value = bl.defaults[key];
    if (value) look(value, { ...(bl.defaultsPath ? { path: bl.defaultsPath } : {}), note: key });
  }
  if (!hits.length) return [];
  const root = hits.some((h) => h.param === 'root');
  return [
    finding(
      'KERNEL_DEVICE_NAME',
      root ? 'blocker' : 'warning',
      'The kernel command line names disks by device name',
      root
        ? 'root= names the root file system as a VMware disk (/dev/sdX, by-path or by-id). On KVM that device does not exist: the initramfs waits for it and drops to a shell ("ALERT! … does not exist").'
        : 'resume= names the swap space by a VMware device name; on KVM it does not exist and resuming from hibernation (and some boots) wait for it.',
      hits.map((h) => h.evidence),
      FIXES.fstabUseUuid,
      f.os.root,
    ),
  ];
};

const linuxSources = new Set(['ifupdown', 'netplan', 'networkmanager', 'ifcfg', 'systemd-networkd', 'systemd-link', 'udev-rule']);

const macPinning: Rule = (f) => {
  const pinned = f.network.filter((n) => n.mac && linuxSources.has(n.source));
  if (!pinned.length) return [];
  return [
    finding(
      'NIC_MAC_PINNED',
      'warning',
      'Network configuration is pinned to a MAC address',
      'These configurations apply only to a NIC with this exact MAC address. If the KVM NIC gets another address, the interface keeps its default name and gets no configuration: the guest boots without network.',
      pinned.map((n) => ({ path: n.file, ...(n.line ? { line: n.line } : {}), excerpt: `${n.mac}${n.setsName ? ` → ${n.setsName}` : n.interface ? ` (${n.interface})` : ''}` })),
      FIXES.keepNetworkIdentity,
      f.os.root,
    ),
  ];
};

/** Names systemd derives from the PCI slot or firmware index: they change with the virtual hardware. */
const SLOT_NAME = /^(ens\d+|enp\d+s\d+(f\d+)?|eno\d+)$/;

const interfaceNames: Rule = (f) => {
  const renamed = new Set(f.network.map((n) => n.setsName).filter((n): n is string => !!n));
  const hits = f.network.filter((n) => linuxSources.has(n.source) && n.source !== 'systemd-link' && n.source !== 'udev-rule' && n.interface && SLOT_NAME.test(n.interface) && !renamed.has(n.interface));
  if (!hits.length) return [];
  return [
    finding(
      'NIC_NAME_WILL_CHANGE',
      'warning',
      'Network configuration uses a slot-based interface name',
      'Names like ens192 come from the NIC’s PCI slot on VMware. On KVM the NIC sits in another slot (typically enp1s0), so this configuration will not apply and the guest comes up without its network settings.',
      hits.map((n) => ({ path: n.file, ...(n.line ? { line: n.line } : {}), excerpt: `${n.interface}${n.addresses.length ? ` ${n.addresses.join(', ')}` : ` (${n.method})`}` })),
      FIXES.keepNetworkIdentity,
      f.os.root,
    ),
  ];
};

const VMWARE_UNIT = /^(open-vm-tools|vmtoolsd|vmware-tools|vgauth)/;

const vmwareTools: Rule = (f) => {
  const presence = f.linux?.vmwareTools ?? f.windows?.vmwareTools;
  if (!presence?.present) return [];
  // A systemd guest whose VMware units are all disabled (a repaired one): installed, but quiet.
  const quiet = f.linux?.systemd ? !f.linux.systemd.enabledUnits.some((u) => VMWARE_UNIT.test(u.unit)) : false;
  if (quiet) {
    return [
      finding(
        'VMWARE_TOOLS_INSTALLED',
        'info',
        'VMware Tools are installed but disabled',
        'No VMware Tools service is enabled, so nothing of them runs on KVM; the package only takes space. Remove it once the guest runs on KVM with its network.',
        presence.evidence,
        FIXES.removeToolsPackage,
        f.os.root,
      ),
    ];
  }
  return [
    finding(
      'VMWARE_TOOLS_INSTALLED',
      'warning',
      'VMware Tools are installed',
      'VMware Tools do nothing useful on KVM; their services fail or keep retrying at every boot, and on Windows their drivers can get in the way. The QEMU guest agent takes their place.',
      presence.evidence,
      FIXES.removeVmwareTools,
      f.os.root,
    ),
  ];
};

/** VMware shared folders: the vmhgfs kernel module (old VMware Tools) or open-vm-tools' FUSE client. */
const VMWARE_SHARED_FOLDER = (spec: string, vfstype: string): boolean => vfstype === 'vmhgfs' || vfstype === 'fuse.vmhgfs-fuse' || spec.startsWith('.host:');

const vmwareUnits: Rule = (f) => {
  if (!f.linux) return [];
  const evidence: Evidence[] = [];
  for (const e of f.linux.fstab) {
    // A noauto line is never mounted at boot: nothing fails.
    if (!VMWARE_SHARED_FOLDER(e.spec, e.vfstype) || e.options.split(',').includes('noauto')) continue;
    evidence.push({ path: '/etc/fstab', line: e.line, excerpt: `${e.spec} ${e.mountpoint} ${e.vfstype} ${e.options}` });
  }
  for (const unit of f.linux.systemd?.unitFiles ?? []) {
    if (unit.state !== 'enabled' || !unit.vmwareOnly?.length) continue;
    evidence.push(...unit.vmwareOnly.map((e) => ({ ...e, note: `${unit.unit} (enabled)` })));
  }
  if (!evidence.length) return [];
  return [
    finding(
      'VMWARE_UNITS_FAIL_ON_KVM',
      'warning',
      'Units and mounts that only work on VMware',
      'These mount a VMware shared folder or run VMware Tools programs at boot, and nothing tells systemd to skip them elsewhere. On KVM there is no shared folder and no VMware backdoor: the mounts fail (without nofail an fstab mount stops the boot in emergency mode) and the services fail at every boot. Remove or comment out the mounts, disable the services (systemctl disable), or add ConditionVirtualization=vmware to their [Unit] section so they only run on VMware.',
      evidence,
      FIXES.reviewVmwareUnits,
      f.os.root,
    ),
  ];
};

const initramfsVirtio: Rule = (f) => {
  if (!f.linux) return [];
  const lacking = f.linux.kernels.filter((k) => k.virtioBootable === false);
  if (!lacking.length) return [];
  const bootKernel = f.linux.bootloader.entries[0]?.kernel?.split('/').pop() ?? f.linux.kernels[0]?.vmlinuz.split('/').pop();
  const defaultLacks = lacking.some((k) => k.vmlinuz.endsWith(`/${bootKernel}`)) || lacking.length === f.linux.kernels.length;
  return [
    finding(
      'INITRAMFS_NO_VIRTIO',
      defaultLacks ? 'blocker' : 'warning',
      'The initramfs has no virtio disk driver',
      defaultLacks
        ? 'The kernel that boots by default cannot see a virtio disk at boot: neither built in nor in its initramfs. On KVM it stops with "unable to find root device" / an initramfs shell.'
        : 'Some older kernels cannot see a virtio disk at boot; the default one can. Choosing them from the boot menu on KVM would fail.',
      lacking.map((k) => ({
        path: k.initramfs ?? k.vmlinuz,
        note: Object.entries(k.virtio)
          .map(([m, s]) => `${m}: ${s}`)
          .join(', '),
      })),
      FIXES.rebuildInitramfs,
      f.os.root,
    ),
  ];
};

const uefiFallback: Rule = (f) => {
  if (f.boot.firmware !== 'uefi' || !f.boot.esp || f.boot.esp.fallbackLoader) return [];
  return [
    finding(
      'UEFI_NO_FALLBACK',
      'blocker',
      'UEFI boot has no fallback loader',
      'UEFI boot entries live in the VM’s NVRAM, which does not migrate. Without EFI/BOOT/BOOTX64.EFI on the EFI system partition, the KVM firmware finds nothing to boot and drops to its shell.',
      [{ device: f.boot.esp.device, note: f.boot.esp.loaders.length ? `loaders present: ${f.boot.esp.loaders.join(', ')}` : 'no loaders under EFI/' }],
      FIXES.fallbackLoader,
      f.os.root,
    ),
  ];
};

const windowsVirtio: Rule = (f) => {
  if (!f.windows) return [];
  const virtio = f.windows.storageDrivers.filter((d) => (VIRTIO_STORAGE as readonly string[]).includes(d.service));
  if (virtio.some(driverBootsDisk)) return [];
  const presentButOff = virtio.filter((d) => d.present);
  if (presentButOff.length) {
    return [
      finding(
        'WINDOWS_VIRTIO_DRIVER_DISABLED',
        'blocker',
        'The virtio storage driver is installed but does not start at boot',
        'Windows has the virtio storage driver, but its start type (or a StartOverride key) keeps it from loading at boot. On a virtio disk Windows stops with 0x7B INACCESSIBLE_BOOT_DEVICE.',
        presentButOff.flatMap((d) => [
          { registryKey: d.registryKey, registryValue: 'Start', excerpt: String(d.start) },
          ...(d.startOverride && Object.keys(d.startOverride).length ? [{ registryKey: `${d.registryKey}\\StartOverride`, excerpt: JSON.stringify(d.startOverride) }] : []),
        ]),
        FIXES.enableVirtioDriver,
        f.os.root,
      ),
    ];
  }
  return [
    finding(
      'WINDOWS_NO_VIRTIO_STORAGE',
      'blocker',
      'Windows has no virtio storage driver',
      'Neither viostor nor vioscsi is installed. Booting from a virtio disk stops with 0x7B INACCESSIBLE_BOOT_DEVICE; the product installs the driver and boots the first time on SATA.',
      virtio.map((d) => ({ registryKey: d.registryKey, note: 'not present' })),
      FIXES.virtioDrivers,
      f.os.root,
    ),
  ];
};

const freeSpace: Rule = (f) => {
  const out: Finding[] = [];
  const rootDevice = f.mountpoints.find((m) => m.path === '/')?.device ?? (f.windows ? f.os.root : null);
  const bootDevice = f.mountpoints.find((m) => m.path === '/boot')?.device ?? null;
  const check = (device: string | null, min: number, label: string, severity: Finding['severity']): void => {
    const fs = device ? f.filesystems.find((x) => x.device === device) : undefined;
    if (!fs || fs.free === null || fs.free >= min) return;
    out.push(
      finding(
        label === '/boot' ? 'LOW_FREE_SPACE_BOOT' : 'LOW_FREE_SPACE',
        severity,
        `Low free space on ${label}`,
        `${label} has ${formatBytes(fs.free)} free; repairs (drivers, a new initramfs) need at least ${formatBytes(min)}. They would fail half-way.`,
        [{ device: fs.device, note: `${formatBytes(fs.free)} free of ${fs.size === null ? '?' : formatBytes(fs.size)}` }],
        FIXES.growDisk,
        f.os.root,
      ),
    );
  };
  check(rootDevice, MIN_FREE_ROOT_BYTES, f.windows ? 'C:' : '/', 'blocker');
  if (bootDevice && bootDevice !== rootDevice) check(bootDevice, MIN_FREE_BOOT_BYTES, '/boot', 'warning');
  return out;
};

const encrypted: Rule = (f) => {
  const volumes = f.filesystems.filter((fs) => fs.encrypted);
  if (!volumes.length) return [];
  return [
    finding(
      'ENCRYPTED_VOLUME',
      'blocker',
      'Encrypted volume',
      'The contents of an encrypted volume cannot be inspected or repaired offline. BitLocker also asks for the recovery key when it sees the new virtual hardware.',
      volumes.map((v) => ({ device: v.device, note: v.type })),
      FIXES.unlock,
      f.os.root,
    ),
  ];
};

const hibernation: Rule = (f) => {
  const h = f.windows?.hibernation;
  if (!h) return [];
  if (h.hibernated) {
    return [
      finding(
        'WINDOWS_HIBERNATED',
        'blocker',
        'Windows is hibernated',
        'The system volume holds a hibernated session. It cannot be changed safely offline (the file system refuses writes), and resuming it on different hardware crashes.',
        [{ path: '/hiberfil.sys', note: 'header says hibernated' }],
        FIXES.shutDown,
        f.os.root,
      ),
    ];
  }
  if (h.fastStartup && h.hiberfilPresent) {
    return [
      finding(
        'WINDOWS_FAST_STARTUP',
        'warning',
        'Fast Startup is on',
        'With Fast Startup, "Shut down" hibernates the kernel session, which blocks offline repairs if the VM was shut down that way. A full shutdown (or turning Fast Startup off) avoids it.',
        [{ registryKey: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Power', registryValue: 'HiberbootEnabled', excerpt: '1' }],
        FIXES.disableFastStartup,
        f.os.root,
      ),
    ];
  }
  return [];
};

const groupPolicy: Rule = (f) =>
  f.windows?.groupPolicy.present
    ? [
        finding(
          'WINDOWS_GROUP_POLICY',
          'warning',
          'Group Policy is applied',
          'Group policies can forbid installing new device drivers, which turns the first boot on KVM into 0x7B INACCESSIBLE_BOOT_DEVICE.',
          f.windows.groupPolicy.evidence,
          FIXES.reviewPolicies,
          f.os.root,
        ),
      ]
    : [];

const antivirus: Rule = (f) =>
  f.windows?.antivirus.length
    ? [
        finding(
          'WINDOWS_ANTIVIRUS',
          'warning',
          'Antivirus software is installed',
          'Some antivirus products block unknown boot drivers or quarantine the new ones, which stops the first boot on KVM.',
          f.windows.antivirus.map((a) => ({ ...a.evidence, excerpt: a.name })),
          FIXES.reviewAntivirus,
          f.os.root,
        ),
      ]
    : [];

const kernelParams: Rule = (f) => {
  const bl = f.linux?.bootloader;
  if (!bl || !bl.vmwareParams.length) return [];
  const entry = bl.entries[0];
  return [
    finding(
      'KERNEL_VMWARE_PARAMS',
      'warning',
      'VMware-specific kernel parameters',
      'The kernel command line carries parameters meant for VMware (paravirtual drivers, old timekeeping workarounds). On KVM they do nothing or slow the clock down.',
      [{ ...(bl.configPath ? { path: bl.configPath } : {}), ...(entry?.line ? { line: entry.line } : {}), excerpt: bl.vmwareParams.join(' ') }],
      FIXES.cleanCmdline,
      f.os.root,
    ),
  ];
};

const serialConsole: Rule = (f) => {
  const bl = f.linux?.bootloader;
  if (!bl || bl.kind === 'none' || bl.serialConsole) return [];
  return [
    finding(
      'NO_SERIAL_CONSOLE',
      'info',
      'No serial console',
      'The guest writes its boot messages to the screen only. Boot verification reads the screen, and adds a serial console on its throwaway overlay (never on the converted disk).',
      bl.kernelCmdline ? [{ ...(bl.configPath ? { path: bl.configPath } : {}), excerpt: bl.kernelCmdline }] : [],
      FIXES.serialOverlay,
      f.os.root,
    ),
  ];
};

const selinux: Rule = (f) => {
  const mode = f.linux?.selinux.mode;
  if (mode !== 'enforcing' && mode !== 'permissive') return [];
  return [
    finding(
      'SELINUX_RELABEL',
      'info',
      `SELinux is ${mode}`,
      'Files the repairs write need their SELinux labels; the product schedules a relabel at first boot (one extra reboot).',
      [{ path: '/etc/selinux/config', excerpt: `SELINUX=${mode}` }],
      FIXES.relabel,
      f.os.root,
    ),
  ];
};

const cloudInit: Rule = (f) => {
  const ci = f.linux?.cloudInit;
  if (!ci?.present || ci.disabled) return [];
  return [
    finding(
      'CLOUD_INIT_PRESENT',
      'info',
      'cloud-init is installed',
      'On its first boot on new hardware cloud-init may treat the guest as a new instance (new host keys, regenerated network configuration) unless a data source is provided.',
      ci.datasources.length ? [{ path: '/etc/cloud/cloud.cfg', excerpt: `datasource_list: ${ci.datasources.join(', ')}` }] : [{ path: '/etc/cloud' }],
      FIXES.none,
      f.os.root,
    ),
  ];
};

const staticAddresses: Rule = (f) => {
  const statics = f.network.filter((n) => n.method === 'static' && n.addresses.length);
  if (!statics.length) return [];
  return [
    finding(
      'STATIC_ADDRESSES',
      'info',
      'Static IP addresses',
      'These addresses are configured in the guest; the repairs keep them on the NIC the guest gets on KVM.',
      statics.map((n) => ({ ...(n.source === 'windows-registry' ? { registryKey: n.file } : { path: n.file }), ...(n.line ? { line: n.line } : {}), excerpt: `${n.interface ?? '?'}: ${n.addresses.join(', ')}` })),
      FIXES.keepNetworkIdentity,
      f.os.root,
    ),
  ];
};

/**
 * A unit that failed in the guest's last recorded boot already fails on VMware: after the move it
 * would look like a migration fault. Not repaired: only the administrator knows whether it matters.
 */
const failedUnits: Rule = (f) => {
  const last = f.linux?.journal?.lastBoot;
  if (!last?.failedUnits.length) return [];
  return [
    finding(
      'UNIT_FAILED_LAST_BOOT',
      'warning',
      last.failedUnits.length === 1 ? `${last.failedUnits[0]} failed in the last boot` : `${last.failedUnits.length} units failed in the last boot`,
      'The guest’s journal shows these units failing in its last boot on VMware, before any migration. They will fail on KVM too, and then look like a migration fault; find out why first.',
      last.failedUnits.map((unit) => {
        // The unit's first error usually says why; systemd's "Failed to start" follows it.
        const message = last.errors.find((e) => e.source === unit)?.message;
        return { path: '/var/log/journal', note: `${unit} (boot ${last.bootId})`, ...(message ? { excerpt: message } : {}) };
      }),
      FIXES.reviewFailedUnits,
      f.os.root,
    ),
  ];
};

/**
 * A file repair edits that carries the immutable (i) or append-only (a) attribute: even root
 * cannot rewrite it, so the repair would fail half-way. Clearing it is the administrator's call
 * (someone set it on purpose, often to stop a DHCP client or a tool rewriting resolv.conf).
 */
const BOOT_FILES = ['/etc/fstab', '/etc/crypttab', '/etc/default/grub', '/boot/grub/grub.cfg', '/boot/grub2/grub.cfg', '/etc/kernel/cmdline', '/etc/initramfs-tools', '/etc/mkinitcpio.conf', '/etc/dracut.conf.d'];

const lockedFiles: Rule = (f) => {
  const evidence: Evidence[] = f.filesystems.flatMap((fs) =>
    (fs.details?.ext?.attributes ?? []).filter((a) => a.immutable || a.appendOnly).map((a) => ({ path: a.path, device: fs.device, excerpt: a.flags, note: a.immutable ? 'immutable' : 'append only' })),
  );
  if (!evidence.length) return [];
  // The boot files are what repair must rewrite for the guest to boot on KVM: locked, the
  // repair cannot be done. A locked network file or resolv.conf only stops repair renaming NICs.
  const blocksBoot = evidence.some((e) => BOOT_FILES.some((b) => e.path === b || e.path?.startsWith(`${b}/`)));
  return [
    finding(
      'FILE_IMMUTABLE',
      blocksBoot ? 'blocker' : 'warning',
      evidence.length === 1 ? `${evidence[0]!.path} cannot be changed (${evidence[0]!.note})` : `${evidence.length} files repair edits cannot be changed`,
      blocksBoot
        ? 'These files carry the immutable or append-only attribute: nobody, not even root, can rewrite them, and repair must rewrite them for the guest to boot on KVM. hyper2kvm does not clear it itself: run chattr -i (or chattr -a) on them inside the guest, then convert again.'
        : 'These files carry the immutable or append-only attribute: nobody, not even root, can rewrite them. The guest still boots, but repair cannot update them (a renamed NIC’s configuration, for one). If that matters, run chattr -i (or chattr -a) on them inside the guest, then convert again.',
      evidence,
      FIXES.clearImmutable,
      f.os.root,
    ),
  ];
};

/** An XFS log that still needs replaying (the VM was not shut down cleanly). */
const xfsDirtyLog: Rule = (f) => {
  const dirty = f.filesystems.filter((fs) => fs.details?.xfs?.dirtyLog === true);
  if (!dirty.length) return [];
  return [
    finding(
      'XFS_DIRTY_LOG',
      'warning',
      dirty.length === 1 ? `The XFS log of ${dirty[0]!.device} is dirty` : `${dirty.length} XFS file systems have a dirty log`,
      'The VM was not shut down cleanly: changes sit in the XFS log, not yet written to the file system. A mount replays them, but a damaged log can then only be cleared with xfs_repair -L, losing those changes. A clean shutdown on VMware first is safer.',
      dirty.map((fs) => ({ device: fs.device, note: `xfs_logprint -t: state <DIRTY>${fs.mountpoint ? ` (${fs.mountpoint})` : ''}` })),
      FIXES.replayXfsLog,
      f.os.root,
    ),
  ];
};

/**
 * An NTFS volume ntfs-3g will not write (ntfs-3g.probe --readwrite): hibernated (14) or not cleanly
 * unmounted (15, Fast Startup on a data volume or a crash). Repair writes through ntfs-3g, and a
 * change made under a hibernated session is lost or corrupts the volume when Windows resumes.
 * The Windows system volume's hibernation is WINDOWS_HIBERNATED (read from hiberfil.sys and the
 * registry): not said twice.
 */
const ntfsUnsafe: Rule = (f) => {
  const systemHibernated = f.windows?.hibernation.hibernated === true ? f.os.root : null;
  const hibernated = f.filesystems.filter((fs) => fs.details?.ntfs?.hibernated === true && fs.device !== systemHibernated);
  const unclean = f.filesystems.filter((fs) => fs.details?.ntfs?.uncleanUnmount === true && !hibernated.includes(fs));
  const name = (fs: Filesystem): string => `${fs.device}${fs.label ? ` "${fs.label}"` : ''}`;
  const out: Finding[] = [];
  if (hibernated.length) {
    out.push(
      finding(
        'NTFS_HIBERNATED',
        'blocker',
        hibernated.length === 1 ? `NTFS volume ${name(hibernated[0]!)} is hibernated` : `${hibernated.length} NTFS volumes are hibernated`,
        'Windows hibernated (or shut down with Fast Startup) with these volumes in use: hiberfil.sys holds the session. ntfs-3g refuses to write them, so they cannot be repaired offline, and a session resumed after any change corrupts the volume.',
        hibernated.map((fs) => ({ device: fs.device, note: 'ntfs-3g.probe --readwrite: exit 14 (hibernated)' })),
        FIXES.shutDownWindowsFully,
        f.os.root,
      ),
    );
  }
  if (unclean.length) {
    out.push(
      finding(
        'NTFS_UNCLEAN',
        'blocker',
        unclean.length === 1 ? `NTFS volume ${name(unclean[0]!)} was not cleanly unmounted` : `${unclean.length} NTFS volumes were not cleanly unmounted`,
        'Their journal ($LogFile) is still open: Windows shut down with Fast Startup or stopped without unmounting them, and part of their metadata was only in its cache. ntfs-3g refuses to write them, so they cannot be repaired offline.',
        unclean.map((fs) => ({ device: fs.device, note: 'ntfs-3g.probe --readwrite: exit 15 (not cleanly unmounted)' })),
        FIXES.shutDownWindowsFully,
        f.os.root,
      ),
    );
  }
  return out;
};

/** A ZFS pool member: the appliance has no ZFS driver, so nothing inside the pool is read or repaired. */
const zfsMembers: Rule = (f) => {
  const members = f.filesystems.filter((fs) => fs.type === 'zfs_member');
  if (!members.length) return [];
  const pool = (fs: Filesystem): string => fs.details?.zfs?.pool ?? fs.label ?? 'of unknown name';
  const pools = [...new Set(members.map(pool))];
  return [
    finding(
      'ZFS_NOT_READABLE',
      'warning',
      members.length === 1 ? `ZFS pool ${pool(members[0]!)} on ${members[0]!.device}: its datasets cannot be read or repaired offline` : `ZFS pool${pools.length > 1 ? 's' : ''} ${pools.join(', ')}: datasets cannot be read or repaired offline`,
      'The inspection appliance has no ZFS driver: it recognises the pool from its vdev label but cannot import it, so the datasets, their space and whatever they hold (a root file system, /home, databases) are neither inspected nor repaired. The disks are converted as they are.',
      members.map((fs) => ({ device: fs.device, note: `zfs_member: pool ${pool(fs)}${fs.details?.zfs?.poolGuid ? `, pool_guid ${fs.details.zfs.poolGuid}` : ''}` })),
      FIXES.checkZfsPool,
      f.os.root,
    ),
  ];
};

const multipleOs: Rule = (f) =>
  f.operatingSystems.length > 1
    ? [
        finding(
          'MULTIPLE_OS',
          'info',
          'More than one operating system',
          'The disks hold several operating systems; the report details the first one, and repairs apply to it.',
          f.operatingSystems.map((o) => ({ device: o.root ?? '?', note: o.productName ?? o.type })),
          FIXES.none,
          null,
        ),
      ]
    : [];

export const RULES: ReadonlyArray<{ codes: string[]; rule: Rule }> = [
  { codes: ['NO_OS_FOUND'], rule: noOs },
  { codes: ['ENCRYPTED_VOLUME'], rule: encrypted },
  { codes: ['WINDOWS_HIBERNATED', 'WINDOWS_FAST_STARTUP'], rule: hibernation },
  { codes: ['FSTAB_DEVICE_NAME', 'FSTAB_BY_PATH', 'FSTAB_BY_ID'], rule: fstabStyles },
  { codes: ['KERNEL_DEVICE_NAME'], rule: kernelDeviceNames },
  { codes: ['INITRAMFS_NO_VIRTIO'], rule: initramfsVirtio },
  { codes: ['UEFI_NO_FALLBACK'], rule: uefiFallback },
  { codes: ['WINDOWS_NO_VIRTIO_STORAGE', 'WINDOWS_VIRTIO_DRIVER_DISABLED'], rule: windowsVirtio },
  { codes: ['LOW_FREE_SPACE', 'LOW_FREE_SPACE_BOOT'], rule: freeSpace },
  { codes: ['FILE_IMMUTABLE'], rule: lockedFiles },
  { codes: ['XFS_DIRTY_LOG'], rule: xfsDirtyLog },
  { codes: ['NTFS_HIBERNATED', 'NTFS_UNCLEAN'], rule: ntfsUnsafe },
  { codes: ['ZFS_NOT_READABLE'], rule: zfsMembers },
  { codes: ['NIC_MAC_PINNED'], rule: macPinning },
  { codes: ['NIC_NAME_WILL_CHANGE'], rule: interfaceNames },
  { codes: ['VMWARE_TOOLS_INSTALLED'], rule: vmwareTools },
  { codes: ['VMWARE_UNITS_FAIL_ON_KVM'], rule: vmwareUnits },
  { codes: ['KERNEL_VMWARE_PARAMS'], rule: kernelParams },
  { codes: ['WINDOWS_GROUP_POLICY'], rule: groupPolicy },
  { codes: ['WINDOWS_ANTIVIRUS'], rule: antivirus },
  { codes: ['SELINUX_RELABEL'], rule: selinux },
  { codes: ['CLOUD_INIT_PRESENT'], rule: cloudInit },
  { codes: ['NO_SERIAL_CONSOLE'], rule: serialConsole },
  { codes: ['STATIC_ADDRESSES'], rule: staticAddresses },
  { codes: ['UNIT_FAILED_LAST_BOOT'], rule: failedUnits },
  { codes: ['MULTIPLE_OS'], rule: multipleOs },
];

export const FINDING_CODES: readonly string[] = RULES.flatMap((r) => r.codes);

const ORDER: Record<Finding['severity'], number> = { blocker: 0, warning: 1, info: 2 };

/** Every finding, blockers first (stable within a severity: the rule order above). */
export function evaluateFindings(facts: FindingFacts): Finding[] {
  const all = RULES.flatMap((r) => r.rule(facts));
  return all.map((f, i) => ({ f, i })).sort((a, b) => ORDER[a.f.severity] - ORDER[b.f.severity] || a.i - b.i).map(({ f }) => f);
}
