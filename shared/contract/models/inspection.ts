import { z } from 'zod';
import { BootVerification } from './boot';
import { FixId, RepairRecord } from './repair';

/**
 * The inspection report: what is inside a VM's disks and what will break on KVM. It is stored
 * with the job (`<jobDir>/inspection.json`), printed by `hyper2kvm inspect --json`, rendered to a
 * self-contained HTML file and opened again by the viewer without re-inspecting, so it carries a
 * schema version. Bump INSPECTION_SCHEMA_VERSION on any change that an older reader would
 * misread (removing or retyping a field); adding an optional field does not need a bump.
 *
 * Values we could not determine are `null`, never invented (libguestfs' "unknown" and 0 become
 * null). Sizes are bytes.
 */

export const INSPECTION_SCHEMA_VERSION = 1;
export const INSPECTION_REPORT_KIND = 'hyper2kvm.inspection';

export const Severity = z.enum(['blocker', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

export const FirmwareKind = z.enum(['bios', 'uefi', 'unknown']);
export type FirmwareKind = z.infer<typeof FirmwareKind>;

const nstr = z.string().nullable();
const nint = z.number().int().nullable();
const nbytes = z.number().nonnegative().nullable();

// ---------------------------------------------------------------------------------------------
// Identity of one operating system (the fields of virt-inspector and virt-v2v's inspector)

export const OsIdentity = z.object({
  /** The root file system libguestfs found the OS on ("/dev/sda1"); null when no OS was found. */
  root: nstr,
  /** linux, windows, freebsd, hurd, ... or "unknown" when no OS was found. */
  type: z.string(),
  /** debian, rhel, ubuntu, windows, ... */
  distro: nstr,
  productName: nstr,
  /** Windows: Server / Client; Linux: usually null. */
  productVariant: nstr,
  majorVersion: nint,
  minorVersion: nint,
  arch: nstr,
  hostname: nstr,
  /** libosinfo short id ("debian12", "win2k22"). */
  osinfo: nstr,
  packageFormat: nstr,
  packageManagement: nstr,
  firmware: FirmwareKind,
  windowsSystemRoot: nstr,
  windowsCurrentControlSet: nstr,
  /** Windows build number from CurrentBuildNumber (libguestfs does not expose it). */
  build: nstr,
});
export type OsIdentity = z.infer<typeof OsIdentity>;

// ---------------------------------------------------------------------------------------------
// Disks, partitions, file systems

export const Partition = z.object({
  device: z.string(),
  number: z.number().int().positive(),
  start: z.number().nonnegative(),
  size: z.number().nonnegative(),
  /** MBR type byte as hex ("83") or GPT type GUID. */
  type: nstr,
  /** A readable name for the type ("EFI System", "Linux filesystem", "BIOS boot"). */
  typeName: nstr,
  bootable: z.boolean().nullable(),
  /** GPT partition name, when set. */
  name: nstr,
});
export type Partition = z.infer<typeof Partition>;

export const DiskInfo = z.object({
  /** "disk1", "disk2"... in the order they were added (= /dev/sda, /dev/sdb... in the appliance). */
  id: z.string(),
  path: z.string(),
  format: z.string(),
  /** The device name inside the inspection appliance. */
  device: z.string(),
  virtualSize: z.number().nonnegative(),
  /** Bytes the image files occupy on the host. */
  allocatedSize: nbytes,
  partitionTable: z.enum(['mbr', 'gpt', 'none', 'unknown']),
  partitions: z.array(Partition),
  /** The block device as the appliance's kernel sees it (null in reports made before it was read). */
  logicalSectorSize: z.number().int().positive().nullable().default(null),
  physicalSectorSize: z.number().int().positive().nullable().default(null),
  readOnly: z.boolean().nullable().default(null),
});
export type DiskInfo = z.infer<typeof DiskInfo>;

/** One btrfs subvolume, as `btrfs subvolume list` names it. */
export const BtrfsSubvolume = z.object({
  id: z.number().int().nonnegative(),
  /** Path from the top level (5), without a leading slash ("@", "@/.snapshots/1/snapshot"). */
  path: z.string(),
  /** The subvolume it lives in (its parent's id; 5 for the top level); null when not known. */
  parentId: z.number().int().nonnegative().nullable(),
  readOnly: z.boolean().nullable(),
  /** The subvolume mounted when no subvol= option is given (`btrfs subvolume get-default`). */
  isDefault: z.boolean(),
  /** Where the guest's fstab mounts it (subvol= or subvolid=), if it does. */
  mountedAt: z.array(z.string()),
});
export type BtrfsSubvolume = z.infer<typeof BtrfsSubvolume>;

/** A snapper snapshot: NUMBER/info.xml under a .snapshots subvolume. */
export const SnapperSnapshot = z.object({
  number: z.number().int().nonnegative(),
  /** As info.xml says it (snapper writes UTC "YYYY-MM-DD HH:MM:SS"). */
  date: nstr,
  description: nstr,
  type: nstr,
  /** The snapshot's subvolume path ("@/.snapshots/1/snapshot"). */
  subvolume: z.string(),
});
export type SnapperSnapshot = z.infer<typeof SnapperSnapshot>;

export const FilesystemDetails = z.object({
  /** Inodes from statvfs (null when it could not be mounted). */
  inodes: z.object({ total: z.number().nonnegative(), free: z.number().nonnegative() }).nullable(),
  btrfs: z
    .object({
      subvolumes: z.array(BtrfsSubvolume),
      snapshots: z.array(SnapperSnapshot),
      /** `btrfs filesystem df`: bytes allocated to and used by data and metadata. */
      usage: z.array(z.object({ kind: z.string(), profile: nstr, total: z.number().nonnegative(), used: z.number().nonnegative() })),
    })
    .nullable(),
  xfs: z
    .object({
      blockSize: z.number().int().positive(),
      agCount: z.number().int().positive(),
      inodeSize: z.number().int().positive(),
      /** Version 5 (metadata checksums, crc=1). */
      v5: z.boolean(),
      reflink: z.boolean().nullable(),
      bigtime: z.boolean().nullable(),
      /** The log needs replaying (an unclean shutdown): xfs_repair -L would lose its changes. */
      dirtyLog: z.boolean().nullable(),
    })
    .nullable(),
  ext: z
    .object({
      features: z.array(z.string()),
      /** "clean", "not clean", "clean with errors". */
      state: nstr,
      mountCount: z.number().int().nullable(),
      maxMountCount: z.number().int().nullable(),
      /** Files a repair may edit, with their attributes as lsattr prints them ("----i---------e-------"). */
      attributes: z.array(z.object({ path: z.string(), flags: z.string(), immutable: z.boolean(), appendOnly: z.boolean() })),
    })
    .nullable(),
  ntfs: z
    .object({
      /**
       * The volume's dirty flag (chkdsk pending), as ntfsinfo prints $Volume's flags. Reports made
       * before it was read took it from ntfs-3g.probe's "not cleanly unmounted" (now uncleanUnmount).
       */
      dirty: z.boolean().nullable(),
      /** hiberfil.sys holds a hibernated system or Fast Startup image: writing would lose it. */
      hibernated: z.boolean().nullable(),
      /**
       * ntfs-3g refuses to write it: $LogFile was not closed (Windows shut down with Fast Startup,
       * or crashed), its metadata still in Windows' cache. Absent in older reports.
       */
      uncleanUnmount: z.boolean().nullable().optional(),
    })
    .nullable(),
  /**
   * A ZFS pool member as blkid reads its vdev label (absent in older reports). The appliance has
   * no ZFS driver: the pool is never imported, so its datasets are 'unknown', with the reason.
   */
  zfs: z
    .object({
      /** The pool's name (blkid LABEL). */
      pool: nstr,
      /** Decimal, as zpool and blkid print it (blkid UUID). */
      poolGuid: nstr,
      /** This vdev's guid (blkid UUID_SUB). */
      vdevGuid: nstr,
      /** The SPA version of the newest uberblock (5000: feature flags). */
      version: nstr,
      datasets: z.union([z.array(z.string()), z.literal('unknown')]),
      /** Why the datasets are not listed, shown where they would be. */
      datasetsReason: nstr,
    })
    .nullable()
    .optional(),
});
export type FilesystemDetails = z.infer<typeof FilesystemDetails>;

export const Filesystem = z.object({
  device: z.string(),
  /** ext4, xfs, ntfs, vfat, swap, crypto_LUKS, BitLocker, LVM2_member, unknown ... */
  type: z.string(),
  version: nstr,
  label: nstr,
  uuid: nstr,
  /** From statvfs when the file system could be mounted; else the device size. */
  size: nbytes,
  used: nbytes,
  free: nbytes,
  /** Where the primary OS mounts it, if it does. */
  mountpoint: nstr,
  encrypted: z.boolean(),
  /** What its own tools would say about it (absent in reports made before it was read: null). */
  details: FilesystemDetails.nullable().default(null),
});
export type Filesystem = z.infer<typeof Filesystem>;


export const Mountpoint = z.object({ device: z.string(), path: z.string() });
export type Mountpoint = z.infer<typeof Mountpoint>;

export const DriveLetter = z.object({ letter: z.string(), device: z.string() });
export type DriveLetter = z.infer<typeof DriveLetter>;

// ---------------------------------------------------------------------------------------------
// Applications (union of virt-inspector's application fields)

export const Application = z.object({
  name: z.string(),
  /** Empty when the source gives none. */
  version: z.string(),
  displayName: z.string().optional(),
  epoch: z.number().int().optional(),
  release: z.string().optional(),
  arch: z.string().optional(),
  installPath: z.string().optional(),
  publisher: z.string().optional(),
  url: z.string().optional(),
  sourcePackage: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  /** Where it was read: dpkg, rpm, apk, or the Windows Uninstall view (native / wow64). */
  origin: z.enum(['dpkg', 'rpm', 'apk', 'pacman', 'uninstall', 'uninstall-wow64', 'other']),
});
export type Application = z.infer<typeof Application>;

// ---------------------------------------------------------------------------------------------
// Evidence and findings

/** Where a fact or a finding comes from: a file and line, or a registry key and value. */
export const Evidence = z
  .object({
    /** A path inside the guest ("/etc/fstab"). */
    path: z.string().optional(),
    line: z.number().int().positive().optional(),
    /** The text found there (a line, a value), trimmed. */
    excerpt: z.string().optional(),
    /** A registry key as Windows names it: HKLM\SYSTEM\ControlSet001\Services\viostor. */
    registryKey: z.string().optional(),
    registryValue: z.string().optional(),
    /** A device inside the appliance ("/dev/sda2"). */
    device: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();
export type Evidence = z.infer<typeof Evidence>;

/** The repair the product will offer for a finding. */
export const FixOffer = z.object({
  /** The repair that addresses the finding (the repair stage keys on it): "fstab-use-uuid", "rebuild-initramfs". */
  id: FixId,
  label: z.string(),
  /** True when hyper2kvm can do it itself; false when the administrator has to act. */
  automatic: z.boolean(),
});
export type FixOffer = z.infer<typeof FixOffer>;

export const Finding = z.object({
  /** Stable code for scripts and tests ("FSTAB_DEVICE_NAME"); never reworded. */
  code: z.string(),
  severity: Severity,
  title: z.string(),
  /** Plain explanation: what is wrong and what happens on KVM if it stays. */
  explanation: z.string(),
  evidence: z.array(Evidence),
  fix: FixOffer,
  /** The OS root this is about; null when it concerns the VM as a whole. */
  osRoot: nstr,
});
export type Finding = z.infer<typeof Finding>;

// ---------------------------------------------------------------------------------------------
// Network configuration (Linux tools and the Windows registry in one shape)

export const NetworkSource = z.enum([
  'ifupdown',
  'netplan',
  'networkmanager',
  'ifcfg',
  'systemd-networkd',
  'systemd-link',
  'udev-rule',
  'windows-registry',
]);
export type NetworkSource = z.infer<typeof NetworkSource>;

export const NetworkConfig = z.object({
  source: NetworkSource,
  /** The file (or registry key) the configuration lives in. */
  file: z.string(),
  line: z.number().int().positive().nullable(),
  /** The interface it configures or matches by name. */
  interface: nstr,
  /** A MAC address the configuration is pinned to (matches or sets), lower case. */
  mac: nstr,
  /** The name a .link file or udev rule gives the interface it matches. */
  setsName: nstr,
  method: z.enum(['dhcp', 'static', 'manual', 'loopback', 'none', 'unknown']),
  /** Static addresses in CIDR form ("192.168.1.10/24"); for Windows also the DHCP lease. */
  addresses: z.array(z.string()),
  gateway: nstr,
  dns: z.array(z.string()),
});
export type NetworkConfig = z.infer<typeof NetworkConfig>;

// ---------------------------------------------------------------------------------------------
// Linux facts

export const DeviceStyle = z.enum([
  'uuid',
  'label',
  'partuuid',
  'partlabel',
  'device-name',
  'by-uuid',
  'by-label',
  'by-partuuid',
  'by-id',
  'by-path',
  'lvm',
  'mapper',
  'md',
  'network',
  'pseudo',
  'other',
]);
export type DeviceStyle = z.infer<typeof DeviceStyle>;

export const FstabEntry = z.object({
  line: z.number().int().positive(),
  spec: z.string(),
  style: DeviceStyle,
  mountpoint: z.string(),
  vfstype: z.string(),
  options: z.string(),
  dump: nint,
  pass: nint,
});
export type FstabEntry = z.infer<typeof FstabEntry>;

export const BootEntry = z.object({
  title: z.string(),
  kernel: nstr,
  initrd: nstr,
  cmdline: z.string(),
  /** Line of the kernel line in the config. */
  line: z.number().int().positive().nullable(),
});
export type BootEntry = z.infer<typeof BootEntry>;

export const Bootloader = z.object({
  kind: z.enum(['grub2', 'grub-legacy', 'systemd-boot', 'extlinux', 'none', 'unknown']),
  /** The configuration that boots (grub.cfg); null when none was found. */
  configPath: nstr,
  entries: z.array(BootEntry),
  /** /etc/default/grub variables, as written. */
  defaults: z.record(z.string(), z.string()),
  defaultsPath: nstr,
  /** The command line the default entry boots with (first entry), or GRUB_CMDLINE_LINUX + _DEFAULT. */
  kernelCmdline: nstr,
  /** VMware-specific kernel parameters that mean nothing (or harm) on KVM. */
  vmwareParams: z.array(z.string()),
  /** True when the kernel command line sends the console to a serial port. */
  serialConsole: z.boolean(),
});
export type Bootloader = z.infer<typeof Bootloader>;

export const VirtioDriverState = z.enum(['in-initramfs', 'built-in', 'missing', 'unknown']);

export const Kernel = z.object({
  version: z.string(),
  vmlinuz: z.string(),
  initramfs: nstr,
  /** /lib/modules/<version> exists. */
  modules: z.boolean(),
  /** Per driver needed to find the root disk on KVM (virtio_blk, virtio_scsi, virtio_pci). */
  virtio: z.record(z.string(), VirtioDriverState),
  /** True when the kernel can reach a virtio disk at boot (virtio_pci plus virtio_blk or virtio_scsi). */
  virtioBootable: z.boolean().nullable(),
});
export type Kernel = z.infer<typeof Kernel>;

export const EnabledUnit = z.object({ unit: z.string(), wantedBy: z.string(), path: z.string() });
export type EnabledUnit = z.infer<typeof EnabledUnit>;

/** `systemctl list-unit-files` states we can tell offline. */
export const UnitFileState = z.enum(['enabled', 'disabled', 'static', 'masked', 'alias', 'indirect', 'generated', 'transient', 'linked']);
export type UnitFileState = z.infer<typeof UnitFileState>;

export const UnitFile = z.object({
  /** "ssh.service", "getty@.service", "fstrim.timer". */
  unit: z.string(),
  /** service, socket, timer, mount, automount, target, path, slice, swap, device, scope. */
  type: z.string(),
  state: UnitFileState,
  /** The file that defines it (the first found in systemd's search order), or null when masked by /dev/null. */
  path: nstr,
  /** Targets (or units) whose .wants/.requires hold it in /etc. */
  wantedBy: z.array(z.string()),
  description: nstr,
  /**
   * Lines that only work on VMware and fail on KVM (a VMware shared-folder mount; VMware Tools
   * run without ConditionVirtualization=vmware); absent when there are none.
   */
  vmwareOnly: z.array(Evidence).optional(),
});
export type UnitFile = z.infer<typeof UnitFile>;

export const SystemdTimer = z.object({
  unit: z.string(),
  /** OnCalendar=, OnBootSec=, OnUnitActiveSec=... as written ("OnCalendar=daily"). */
  schedule: z.array(z.string()),
  /** The unit it starts (Unit=, else the timer's own name as a .service). */
  activates: z.string(),
  persistent: z.boolean(),
  enabled: z.boolean(),
});
export type SystemdTimer = z.infer<typeof SystemdTimer>;

export const SystemdSocket = z.object({
  unit: z.string(),
  /** ListenStream=, ListenDatagram=, ListenSequentialPacket=, ListenFIFO=... as written. */
  listen: z.array(z.string()),
  enabled: z.boolean(),
});
export type SystemdSocket = z.infer<typeof SystemdSocket>;

/** Whether the default target pulls a unit in at boot, and by which chain (see inspect/linux/unit-chain.ts). */
export const UnitChain = z.object({
  /** The unit asked about ("ssh.service", "serial-getty@ttyS0.service", "getty.target"). */
  unit: z.string(),
  reached: z.boolean(),
  /**
   * The default target first, the unit last (as systemd loads it: an alias ends in the unit it
   * names), each pulled in by the one before (Wants=/Requires= lines, .wants/.requires links).
   * Empty when not reached.
   */
  chain: z.array(z.string()),
  /** Why it is not reached (disabled, masked, not installed, wanted only by a target the default one does not reach); null when reached. */
  reason: nstr,
});
export type UnitChain = z.infer<typeof UnitChain>;

/** A login from /var/log/wtmp (newest first). */
export const LoginRecord = z.object({
  user: z.string(),
  /** tty or pts/N. */
  line: z.string(),
  /** The remote host, when the login came over the network. */
  host: nstr,
  /** ISO time of the login. */
  at: z.string(),
});
export type LoginRecord = z.infer<typeof LoginRecord>;

export const JournalEntry = z.object({
  /** ISO time (the journal's realtime stamp). */
  at: z.string(),
  /** syslog priority: 0 emerg ... 3 err, 4 warning. */
  priority: z.number().int().min(0).max(7),
  /** _SYSTEMD_UNIT or UNIT (for systemd's own messages about a unit), else the syslog identifier. */
  source: nstr,
  message: z.string(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const JournalBoot = z.object({
  /** As journalctl --list-boots numbers them: 0 the last, -1 the one before... */
  index: z.number().int(),
  bootId: z.string(),
  first: z.string(),
  last: z.string(),
});
export type JournalBoot = z.infer<typeof JournalBoot>;

/** The persistent journal in /var/log/journal, read offline with the host's journalctl. */
export const JournalFacts = z.object({
  /** False: the guest keeps its journal in memory only (nothing survives a reboot to read). */
  persistent: z.boolean(),
  /** Bytes the journal files take. */
  size: nbytes,
  boots: z.array(JournalBoot),
  lastBoot: z
    .object({
      bootId: z.string(),
      /** From its first to its "Startup finished" message (null when the journal has none). */
      startupMs: z.number().nonnegative().nullable(),
      /** Units systemd reports as failed in that boot. */
      failedUnits: z.array(z.string()),
      /** Priority err and worse (at most the last 200). */
      errors: z.array(JournalEntry),
      warningCount: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type JournalFacts = z.infer<typeof JournalFacts>;

export const Presence = z.object({ present: z.boolean(), evidence: z.array(Evidence) });
export type Presence = z.infer<typeof Presence>;

/** The guest's identity as its configuration files say, read offline. */
export const LinuxIdentity = z.object({
  /** /etc/hostname. */
  hostname: nstr,
  /** PRETTY_HOSTNAME in /etc/machine-info. */
  prettyHostname: nstr,
  /** The zone /etc/localtime links to (zoneinfo name), else /etc/timezone. */
  timeZone: nstr,
  /** LANG in /etc/locale.conf (systemd) or /etc/default/locale (Debian). */
  locale: nstr,
  /** KEYMAP in /etc/vconsole.conf, else the X layout (and variant) in /etc/default/keyboard. */
  keymap: nstr,
  /** /etc/machine-id when it holds an id (a template's id is shared by all its clones). */
  machineId: nstr,
});
export type LinuxIdentity = z.infer<typeof LinuxIdentity>;

/** An account that can log in (a shell that is not nologin/false), from /etc/passwd and /etc/shadow. */
export const LinuxUser = z.object({
  name: z.string(),
  uid: z.number().int(),
  /** The GECOS field's first part (the person's name), when set. */
  fullName: nstr,
  home: z.string(),
  shell: z.string(),
  /** Whether a password can be used: set, locked (! or *), none (empty: no password asked), or unknown (no shadow entry). Never the hash. */
  password: z.enum(['set', 'locked', 'none', 'unknown']),
});
export type LinuxUser = z.infer<typeof LinuxUser>;

export const LinuxFacts = z.object({
  fstab: z.array(FstabEntry),
  crypttab: z.array(z.object({ line: z.number().int().positive(), name: z.string(), device: z.string(), style: DeviceStyle })),
  bootloader: Bootloader,
  kernels: z.array(Kernel),
  systemd: z
    .object({
      defaultTarget: nstr,
      enabledUnits: z.array(EnabledUnit),
      /** Every unit file with its state (empty in reports made before they were read). */
      unitFiles: z.array(UnitFile).default([]),
      timers: z.array(SystemdTimer).default([]),
      sockets: z.array(SystemdSocket).default([]),
      /** The units repair cares about and how the default target reaches them (absent in reports made before it was read). */
      chains: z.array(UnitChain).optional(),
    })
    .nullable(),
  vmwareTools: Presence,
  cloudInit: z.object({ present: z.boolean(), disabled: z.boolean(), datasources: z.array(z.string()) }),
  selinux: z.object({ mode: z.enum(['enforcing', 'permissive', 'disabled', 'absent']), policy: nstr }),
  /** Who the guest says it is (absent in reports made before it was read: null then). */
  identity: LinuxIdentity.nullable().default(null),
  /** Accounts with a login shell: who the migration affects (empty in reports made before it was read). */
  users: z.array(LinuxUser).default([]),
  /** The last logins recorded in /var/log/wtmp, newest first (at most 50). */
  logins: z.array(LoginRecord).default([]),
  /** The persistent journal (null: not read, e.g. a report made before it was). */
  journal: JournalFacts.nullable().default(null),
});
export type LinuxFacts = z.infer<typeof LinuxFacts>;

// ---------------------------------------------------------------------------------------------
// Windows facts

export const ServiceStart = z.enum(['boot', 'system', 'auto', 'demand', 'disabled', 'unknown']);
export type ServiceStart = z.infer<typeof ServiceStart>;

export const WindowsDriver = z.object({
  service: z.string(),
  /** The service key exists in the current control set. */
  present: z.boolean(),
  start: ServiceStart.nullable(),
  /** StartOverride values (e.g. {"0": 3}): non-zero overrides can disable a boot driver. */
  startOverride: z.record(z.string(), z.number()).nullable(),
  imagePath: nstr,
  group: nstr,
  registryKey: z.string(),
});
export type WindowsDriver = z.infer<typeof WindowsDriver>;

export const WindowsAdapter = z.object({
  /** The interface GUID under Tcpip\Parameters\Interfaces. */
  id: z.string(),
  dhcp: z.boolean().nullable(),
  addresses: z.array(z.string()),
  gateways: z.array(z.string()),
  dns: z.array(z.string()),
  dhcpAddress: nstr,
  registryKey: z.string(),
});
export type WindowsAdapter = z.infer<typeof WindowsAdapter>;

export const WindowsFacts = z.object({
  productName: nstr,
  editionId: nstr,
  installationType: nstr,
  currentVersion: nstr,
  majorVersion: nint,
  minorVersion: nint,
  build: nstr,
  ubr: nint,
  displayVersion: nstr,
  installDate: nstr,
  registeredOwner: nstr,
  systemRoot: nstr,
  controlSet: nstr,
  hostname: nstr,
  domain: nstr,
  networkAdapters: z.array(WindowsAdapter),
  firewall: z.array(z.object({ profile: z.enum(['domain', 'private', 'public']), enabled: z.boolean().nullable(), registryKey: z.string() })),
  environment: z.array(z.object({ name: z.string(), value: z.string() })),
  storageDrivers: z.array(WindowsDriver),
  vmwareTools: Presence,
  groupPolicy: Presence,
  antivirus: z.array(z.object({ name: z.string(), evidence: Evidence })),
  hibernation: z.object({
    hiberfilPresent: z.boolean(),
    /** The hiberfil.sys header says the system is hibernated (not resumed since). */
    hibernated: z.boolean().nullable(),
    /** Fast Startup (HiberbootEnabled = 1): shutdowns leave the system volume hibernated. */
    fastStartup: z.boolean().nullable(),
  }),
  /**
   * hyper2kvm's first-boot actions (a repair scheduled them): absent or null when there are none.
   * After the guest's first boot on KVM, their log.
   */
  firstBoot: z
    .object({
      /** Where the log is in the guest (C:\ProgramData\hyper2kvm\firstboot\firstboot.log). */
      logPath: z.string(),
      /** The log (its last 64 KiB); null while the guest has not booted since the repair. */
      log: nstr,
      truncated: z.boolean(),
    })
    .nullable()
    .optional(),
});
export type WindowsFacts = z.infer<typeof WindowsFacts>;

// ---------------------------------------------------------------------------------------------
// Boot (firmware and EFI system partition)

export const BootFacts = z.object({
  firmware: FirmwareKind,
  /** The EFI system partition, when there is one. */
  esp: z
    .object({
      device: z.string(),
      /** EFI/BOOT/BOOTX64.EFI: what UEFI boots when the NVRAM entries are gone (they do not migrate). */
      fallbackLoader: z.boolean(),
      /** Loaders found under EFI/ (e.g. "EFI/debian/grubx64.efi"). */
      loaders: z.array(z.string()),
    })
    .nullable(),
});
export type BootFacts = z.infer<typeof BootFacts>;

// ---------------------------------------------------------------------------------------------
// Boot verification is filled in by a later stage (booting a throwaway overlay of the converted
// disk); its schema lives with that stage's models. The report carries it as an optional
// section so the viewer and the HTML export show the proof next to the findings.

// ---------------------------------------------------------------------------------------------
// The report

export const Readiness = z.enum(['ready', 'needs-repair', 'blocked']);
export type Readiness = z.infer<typeof Readiness>;

export const InspectionReport = z.object({
  schemaVersion: z.literal(INSPECTION_SCHEMA_VERSION),
  kind: z.literal(INSPECTION_REPORT_KIND),
  generatedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** Versions of what produced it (hyper2kvm, libguestfs). */
  producer: z.object({ hyper2kvm: z.string(), libguestfs: nstr }),
  disks: z.array(DiskInfo),
  /** The primary operating system (the first root found); type "unknown" when there is none. */
  os: OsIdentity,
  /** Every operating system found (dual boot, or an OS disk plus a second OS on a data disk). */
  operatingSystems: z.array(OsIdentity),
  /** Every file system on every disk. */
  filesystems: z.array(Filesystem),
  /** How the primary OS mounts its file systems. */
  mountpoints: z.array(Mountpoint),
  driveLetters: z.array(DriveLetter),
  applications: z.array(Application),
  network: z.array(NetworkConfig),
  boot: BootFacts,
  linux: LinuxFacts.nullable(),
  windows: WindowsFacts.nullable(),
  findings: z.array(Finding),
  summary: z.object({
    readiness: Readiness,
    blockers: z.number().int().nonnegative(),
    warnings: z.number().int().nonnegative(),
    infos: z.number().int().nonnegative(),
  }),
  /** Things the inspection could not read (it goes on; these say what is missing and why). */
  notes: z.array(z.string()),
  /** Present once the converted guest was booted (a later stage adds it). */
  bootVerification: BootVerification.optional(),
  /** Present when this report was made right after a repair: what the repair changed. */
  repair: RepairRecord.optional(),
});
export type InspectionReport = z.infer<typeof InspectionReport>;

/**
 * Reads a saved report (the viewer's "open report", the CLI). Tells apart a report from a newer
 * hyper2kvm (upgrade the app) from a file that is not a report at all.
 */
export function readInspectionReport(value: unknown): { ok: true; report: InspectionReport } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'This is not an inspection report (not a JSON object).' };
  const head = value as { kind?: unknown; schemaVersion?: unknown };
  if (head.kind !== INSPECTION_REPORT_KIND) return { ok: false, reason: 'This is not a hyper2kvm inspection report.' };
  if (typeof head.schemaVersion === 'number' && head.schemaVersion > INSPECTION_SCHEMA_VERSION) {
    return { ok: false, reason: `This report was written by a newer hyper2kvm (schema ${head.schemaVersion}; this one reads ${INSPECTION_SCHEMA_VERSION}).` };
  }
  const parsed = InspectionReport.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `The report is damaged: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}.` };
  }
  return { ok: true, report: parsed.data };
}

/**
 * The readiness verdict from the findings: blocked when a blocker has no automatic fix. After a
 * repair, `stillPlanned` is what planning again on the repaired guest proposes: a warning whose
 * automatic fix is not among them was handled (or is not needed), so it leaves the guest ready.
 */
export function summarizeFindings(findings: readonly Finding[], afterRepair?: { stillPlanned: readonly string[] }): InspectionReport['summary'] {
  const blockers = findings.filter((f) => f.severity === 'blocker');
  const pending = (f: Finding): boolean => f.fix.automatic && (!afterRepair || afterRepair.stillPlanned.includes(f.fix.id));
  const readiness: Readiness = blockers.some((f) => !f.fix.automatic)
    ? 'blocked'
    : blockers.some(pending) || findings.some((f) => f.severity === 'warning' && pending(f))
      ? 'needs-repair'
      : 'ready';
  return {
    readiness,
    blockers: blockers.length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
  };
}
