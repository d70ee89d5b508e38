import { z } from 'zod';
import { VmMetadata } from './vm';

/**
 * libvirt domains: what we write (DomainSpec → XML), what we read back (ParsedDomain ← XML), and
 * the plan that turns a VMware VM's metadata plus its converted disks into a DomainSpec.
 */

export const LibvirtConnection = z.enum(['qemu:///system', 'qemu:///session']);
export type LibvirtConnection = z.infer<typeof LibvirtConnection>;

/** `kvm` needs a usable /dev/kvm; `qemu` is TCG (software emulation), slower but works anywhere. */
export const DomainType = z.enum(['kvm', 'qemu']);
export type DomainType = z.infer<typeof DomainType>;

export const MachineType = z.enum(['q35', 'i440fx']);
export type MachineType = z.infer<typeof MachineType>;

export const DiskBus = z.enum(['virtio', 'sata', 'scsi']);
export type DiskBus = z.infer<typeof DiskBus>;

export const NicModel = z.enum(['virtio', 'e1000e']);
export type NicModel = z.infer<typeof NicModel>;

export const ClockOffset = z.enum(['utc', 'localtime']);
export type ClockOffset = z.infer<typeof ClockOffset>;

export const LifecycleAction = z.enum(['destroy', 'restart', 'preserve', 'rename-restart']);
export type LifecycleAction = z.infer<typeof LifecycleAction>;

/** `maximum`: every feature the accelerator can offer (the right choice for TCG; qemu64 is too old for RHEL 9). */
export const CpuMode = z.enum(['host-model', 'host-passthrough', 'maximum', 'hypervisor-default']);
export type CpuMode = z.infer<typeof CpuMode>;

/**
 * Names we let into virsh's argument vector and into file names: no slash, no leading dash, no
 * spaces. libvirt itself accepts more, but nothing a user needs.
 */
export const DomainName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'letters, digits, dot, dash, underscore and plus, starting with a letter or digit');
export type DomainName = z.infer<typeof DomainName>;

export const MacAddress = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a lower-case MAC address aa:bb:cc:dd:ee:ff');

export const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

const AbsolutePath = z.string().regex(/^\/[^\0]*$/, 'an absolute path');

export const DomainDisk = z.object({
  path: AbsolutePath,
  format: z.enum(['qcow2', 'raw']),
  bus: DiskBus,
  /** 1 for the disk the firmware boots from; the others have none. */
  bootOrder: z.number().int().positive().optional(),
  readonly: z.boolean().default(false),
});
export type DomainDisk = z.input<typeof DomainDisk>;

export const NicSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('network'), network: z.string().min(1).max(64) }),
  z.object({ type: z.literal('bridge'), bridge: z.string().min(1).max(15) }),
]);
export type NicSource = z.infer<typeof NicSource>;

export const DomainNic = z.object({
  source: NicSource,
  /** Kept from the source VM so DHCP reservations and licences keyed to it still match. */
  mac: MacAddress.optional(),
  model: NicModel,
  /** The VMware NIC was disconnected: keep it, cable unplugged. */
  linkUp: z.boolean().default(true),
});
export type DomainNic = z.input<typeof DomainNic>;

export const DomainFirmware = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('bios'),
    /** SeaBIOS prints to the serial port too ("Booting from Hard Disk...", "No bootable device."). */
    useSerial: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('uefi'),
    secureBoot: z.boolean().default(false),
    /** OVMF code image (read-only pflash). */
    loader: AbsolutePath,
    /** The VARS template libvirt copies into the per-VM NVRAM file on first start. */
    nvramTemplate: AbsolutePath,
    /** Per-VM NVRAM file; libvirt picks its own default place when absent. */
    nvram: AbsolutePath.optional(),
  }),
]);
export type DomainFirmware = z.input<typeof DomainFirmware>;

export const SerialSpec = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pty') }),
  /** Everything the guest writes to its first serial port, appended to a file (boot evidence). */
  z.object({ type: z.literal('file'), path: AbsolutePath }),
  z.object({ type: z.literal('none') }),
]);
export type SerialSpec = z.infer<typeof SerialSpec>;

export const DomainSpec = z.object({
  name: DomainName,
  uuid: Uuid.optional(),
  title: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  type: DomainType,
  machine: MachineType.default('q35'),
  memoryMiB: z.number().int().min(16).max(4 * 1024 * 1024),
  vcpus: z.object({
    sockets: z.number().int().positive(),
    cores: z.number().int().positive(),
    threads: z.number().int().positive().default(1),
  }),
  cpuMode: CpuMode.default('host-model'),
  firmware: DomainFirmware,
  clock: ClockOffset.default('utc'),
  /**
   * virt-manager's timer settings (RTC catch-up, PIT delay, no HPET): right for KVM guests that
   * run for months; off lets qemu choose, which boots noticeably faster under TCG.
   */
  tunedTimers: z.boolean().default(true),
  onPoweroff: LifecycleAction.default('destroy'),
  onReboot: LifecycleAction.default('restart'),
  onCrash: LifecycleAction.default('destroy'),
  disks: z.array(DomainDisk).min(1),
  nics: z.array(DomainNic).default([]),
  serial: SerialSpec.default({ type: 'pty' }),
  /** VNC, always on the loopback address: screenshots and a local viewer, never the network. */
  vnc: z.boolean().default(true),
  guestAgent: z.boolean().default(true),
  rng: z.boolean().default(true),
  memballoon: z.boolean().default(true),
  /** A USB controller (libvirt adds one unless told not to); a short-lived verification boot needs none. */
  usb: z.boolean().default(true),
});
/** What callers write (defaults may be left out). */
export type DomainSpecInput = z.input<typeof DomainSpec>;
/** What the XML generator reads (every default filled in). */
export type DomainSpec = z.output<typeof DomainSpec>;

/** A domain as libvirt describes it: read back after define, or any domain found on a connection. */
export const ParsedDomain = z.object({
  name: z.string(),
  uuid: z.string().optional(),
  type: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  /** As written, e.g. "pc-q35-7.2" after libvirt expanded our "q35". */
  machine: z.string().optional(),
  machineFamily: z.enum(['q35', 'i440fx', 'other']),
  memoryMiB: z.number().nonnegative(),
  vcpus: z.object({ count: z.number().int().nonnegative(), sockets: z.number().int().optional(), cores: z.number().int().optional(), threads: z.number().int().optional() }),
  cpuMode: z.string().optional(),
  firmware: z.object({
    type: z.enum(['bios', 'uefi']),
    secureBoot: z.boolean(),
    useSerial: z.boolean(),
    loader: z.string().optional(),
    nvram: z.string().optional(),
    nvramTemplate: z.string().optional(),
  }),
  clock: z.string().optional(),
  onPoweroff: z.string().optional(),
  onReboot: z.string().optional(),
  onCrash: z.string().optional(),
  disks: z.array(
    z.object({
      device: z.string(),
      path: z.string().optional(),
      format: z.string().optional(),
      bus: z.string().optional(),
      target: z.string().optional(),
      bootOrder: z.number().int().optional(),
      readonly: z.boolean(),
    }),
  ),
  nics: z.array(
    z.object({
      sourceType: z.string(),
      source: z.string().optional(),
      mac: z.string().optional(),
      model: z.string().optional(),
      linkUp: z.boolean(),
    }),
  ),
  serial: z.array(z.object({ type: z.string(), path: z.string().optional() })),
  graphics: z.array(z.object({ type: z.string(), listen: z.string().optional(), port: z.number().int().optional() })),
  guestAgent: z.boolean(),
  rng: z.boolean(),
  memballoon: z.boolean(),
});
export type ParsedDomain = z.infer<typeof ParsedDomain>;

/** What the guest inspection found that changes the domain's shape. */
export const GuestFacts = z.object({
  os: z.enum(['linux', 'windows', 'other', 'unknown']).default('unknown'),
  /** Whether the guest can boot from virtio-blk and use virtio-net (Linux: virtio modules in the initramfs). */
  virtioDrivers: z.boolean().optional(),
  /** Whether it can use a virtio NIC, when that differs from the disk (a Windows repair without netkvm): e1000e otherwise. */
  virtioNet: z.boolean().optional(),
  /** Old guests without PCIe support (Windows XP/2003, RHEL 5...) want i440fx. */
  legacyMachine: z.boolean().optional(),
  /**
   * These facts come from an inspection of the disks (then os "unknown" means none was found);
   * absent or false: nothing was checked, and the plan says so instead of assuming.
   */
  inspected: z.boolean().optional(),
});
export type GuestFacts = z.input<typeof GuestFacts>;

/** Where the VM's NICs go: one libvirt network or bridge for all, or none at all. */
export const NetworkChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('network'), name: z.string().min(1).max(64) }),
  z.object({ type: z.literal('bridge'), name: z.string().min(1).max(15) }),
  z.object({ type: z.literal('none') }),
]);
export type NetworkChoice = z.infer<typeof NetworkChoice>;

/** The options a user (wizard or CLI) may set; everything else comes from the metadata. */
export const DomainOptions = z.object({
  name: DomainName.optional(),
  memoryMiB: z.number().int().min(64).optional(),
  vcpus: z.number().int().min(1).max(512).optional(),
  firmware: z.enum(['bios', 'uefi']).optional(),
  secureBoot: z.boolean().optional(),
  machine: MachineType.optional(),
  diskBus: DiskBus.optional(),
  nicModel: NicModel.optional(),
  network: NetworkChoice.default({ type: 'network', name: 'default' }),
  keepMac: z.boolean().default(true),
  keepUuid: z.boolean().default(false),
  connection: LibvirtConnection.default('qemu:///session'),
});
export type DomainOptions = z.input<typeof DomainOptions>;

export const PlannedDisk = z.object({
  path: AbsolutePath,
  format: z.enum(['qcow2', 'raw']),
  /** The VM slot this disk filled ("scsi0:0"), when known: orders the disks as the VM had them. */
  slot: z.string().optional(),
});
export type PlannedDisk = z.infer<typeof PlannedDisk>;

export const DomainPlanRequest = z
  .object({
    vm: VmMetadata,
    disks: z.array(PlannedDisk).min(1),
    guest: GuestFacts.default({ os: 'unknown' }),
    options: DomainOptions.default({ network: { type: 'network', name: 'default' }, keepMac: true, keepUuid: false, connection: 'qemu:///session' }),
  })
  .strict();
export type DomainPlanRequest = z.input<typeof DomainPlanRequest>;

/** The plan and why it looks as it does: every choice the wizard shows next to the XML preview. */
export const DomainPlan = z.object({
  spec: DomainSpec,
  xml: z.string(),
  decisions: z.array(z.object({ field: z.string(), value: z.string(), because: z.string() })),
  warnings: z.array(z.string()),
});
export type DomainPlan = z.infer<typeof DomainPlan>;

export const NameCollisionPolicy = z.enum(['refuse', 'rename']);
export type NameCollisionPolicy = z.infer<typeof NameCollisionPolicy>;

/** How the disks get to a place the connection's qemu can read. */
export const DiskPlacement = z.enum(['in-place', 'move', 'copy']);
export type DiskPlacement = z.infer<typeof DiskPlacement>;

export const DefineResult = z.object({
  name: z.string(),
  uuid: z.string(),
  connection: LibvirtConnection,
  /** True when the requested name was taken and we picked another (policy "rename"). */
  renamed: z.boolean(),
  disks: z.array(z.object({ from: z.string(), path: z.string(), placement: DiskPlacement })),
  xmlPath: z.string(),
  domain: ParsedDomain,
});
export type DefineResult = z.infer<typeof DefineResult>;

export const UndefineResult = z.object({
  name: z.string(),
  connection: LibvirtConnection,
  nvramRemoved: z.boolean(),
});
export type UndefineResult = z.infer<typeof UndefineResult>;
