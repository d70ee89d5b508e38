import type { DomainPlan, DomainPlanRequest, DomainSpec, DomainSpecInput, DomainType, NicModel, DiskBus } from '../../../shared/contract/models/libvirt';
import { DomainPlanRequest as DomainPlanRequestSchema, DomainSpec as DomainSpecSchema } from '../../../shared/contract/models/libvirt';
import { fail } from '../core/errors';
import { createDomainXml } from './domain-xml-create';
import type { OvmfFiles } from './firmware';

/** Facts about the host the plan depends on, looked up by the caller (keeps the planner pure). */
export interface PlanHost {
  /** `kvm` when /dev/kvm is usable, `qemu` (TCG) otherwise. */
  domainType: DomainType;
  /** The OVMF files to use, or null when that variant is not installed. */
  ovmf(secureBoot: boolean): OvmfFiles | null;
}

type Decision = DomainPlan['decisions'][number];

const DEFAULT_MEMORY_MIB = 2048;
const DEFAULT_VCPUS = 2;

/**
 * Turns what we know about the VMware VM (VMX/OVF/vCenter metadata), its converted disks and what
 * inspection found in the guest into a domain spec, recording why each choice was made so that
 * the wizard can show the reasons next to the XML.
 */
export function planDomain(request: DomainPlanRequest, host: PlanHost): DomainPlan {
  const { vm, disks, guest, options } = DomainPlanRequestSchema.parse(request);
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  const decide = (field: string, value: string | number | boolean, because: string): void => {
    decisions.push({ field, value: String(value), because });
  };

  const windowsByMetadata = guest.os === 'unknown' && /^win/i.test(vm.guestOs ?? '');
  const windows = guest.os === 'windows' || windowsByMetadata;
  const osName = vm.guestOsFullName ?? vm.guestOs;
  // Without virtio drivers the guest cannot see a virtio disk at all: Windows before its repair is
  // the classic case (0x7B INACCESSIBLE_BOOT_DEVICE). Linux has them unless inspection says not.
  const virtio = guest.virtioDrivers ?? !windows;
  const drivers = driverEvidence(guest, windowsByMetadata, vm.origin);
  const noOs = guest.inspected === true && guest.os === 'unknown';
  if (noOs) warnings.push('The inspection found no operating system on these disks: a VM made from them has nothing to boot.');

  const name = options.name ?? domainNameFrom(vm.name) ?? domainNameFrom(fileStem(disks[0]!.path)) ?? 'migrated-vm';
  decide('name', name, options.name ? 'chosen' : vm.name ? `the source VM is called "${vm.name}"` : 'named after the first disk');

  const memoryMiB = options.memoryMiB ?? vm.memoryMiB ?? DEFAULT_MEMORY_MIB;
  decide('memory', `${memoryMiB} MiB`, options.memoryMiB ? 'chosen' : vm.memoryMiB ? 'as the source VM had' : 'default: the source did not say');

  const vcpus = options.vcpus ?? vm.vcpus ?? DEFAULT_VCPUS;
  const topology = cpuTopology(vcpus, vm.coresPerSocket);
  decide(
    'vcpus',
    `${vcpus} (${topology.sockets} socket${topology.sockets > 1 ? 's' : ''} × ${topology.cores} core${topology.cores > 1 ? 's' : ''})`,
    `${options.vcpus ? 'chosen' : vm.vcpus ? 'as the source VM had' : 'default: the source did not say'}; ${
      vm.coresPerSocket && vm.coresPerSocket === topology.cores ? 'cores per socket kept from the source' : 'one socket, so per-socket licences (Windows client: 2 sockets) are not exceeded'
    }`,
  );

  const firmwareType = options.firmware ?? vm.firmware ?? 'bios';
  // A form that starts from the source's values sends them back: only a different value was chosen.
  const firmwareChosen = options.firmware !== undefined && options.firmware !== (vm.firmware ?? 'bios');
  decide(
    'firmware',
    firmwareType === 'uefi' ? 'UEFI (OVMF)' : 'BIOS (SeaBIOS)',
    firmwareChosen ? `chosen${vm.firmware ? ` (the source VM booted with ${vm.firmware.toUpperCase()})` : ''}` : vm.firmware ? `the source VM booted with ${vm.firmware.toUpperCase()} (${sourceName(vm.origin)})` : 'default: the source did not say (VMware defaults to BIOS)',
  );
  let secureBoot = options.secureBoot ?? vm.secureBoot ?? false;
  if (secureBoot && firmwareType === 'bios') {
    warnings.push('Secure boot needs UEFI firmware; it is left off with BIOS.');
    secureBoot = false;
  }

  let machine = options.machine ?? (guest.legacyMachine || isLegacyGuest(vm.guestOs) ? 'i440fx' : 'q35');
  if (secureBoot && machine !== 'q35') {
    warnings.push('Secure boot needs the q35 machine type; q35 is used instead of i440fx.');
    machine = 'q35';
  }
  decide('machine', machine, options.machine ? 'chosen' : machine === 'i440fx' ? `${osName ?? 'this guest'} predates PCI Express` : 'modern chipset (PCI Express), what virt-v2v uses for current guests');

  let firmware: DomainSpecInput['firmware'];
  if (firmwareType === 'uefi') {
    const ovmf = host.ovmf(secureBoot);
    if (!ovmf) {
      return fail('LIBVIRT_FIRMWARE_MISSING', `${secureBoot ? 'Secure boot UEFI firmware' : 'UEFI firmware'} (OVMF) is not installed on this machine.`, 'Install it: sudo apt-get install ovmf');
    }
    firmware = { type: 'uefi', secureBoot, loader: ovmf.loader, nvramTemplate: ovmf.nvramTemplate };
    const secureBootChosen = options.secureBoot !== undefined && options.secureBoot !== (vm.secureBoot ?? false);
    decide('secure boot', secureBoot, secureBootChosen ? 'chosen' : vm.secureBoot !== undefined ? `the source VM ${secureBoot ? 'had' : 'did not have'} it (${sourceName(vm.origin)})` : 'default: the source did not say');
  } else {
    firmware = { type: 'bios', useSerial: false };
  }

  const diskBus: DiskBus = options.diskBus ?? (virtio ? 'virtio' : 'sata');
  decide('disk bus', diskBus, options.diskBus ? 'chosen' : virtio ? `${drivers}; virtio is the fastest` : `${drivers}; SATA lets ${windows ? 'Windows' : 'the guest'} find its disk`);
  const cdroms = vm.disks.filter((d) => d.isCdrom).length;
  if (cdroms > 0) warnings.push(`${cdroms} CD/DVD drive${cdroms > 1 ? 's are' : ' is'} not carried over.`);

  const virtioNet = guest.virtioNet ?? virtio;
  const nicModel: NicModel = options.nicModel ?? (virtioNet ? 'virtio' : 'e1000e');
  const nics: NonNullable<DomainSpecInput['nics']> = [];
  const network = options.network;
  if (network.type === 'none') {
    decide('network', 'none', 'chosen: no network interface');
  } else {
    const source = network.type === 'network' ? { type: 'network' as const, network: network.name } : { type: 'bridge' as const, bridge: network.name };
    const sourceNics = vm.nics.length > 0 ? vm.nics : [{ label: 'nic1' }];
    for (const nic of sourceNics) {
      const mac = options.keepMac && 'mac' in nic && nic.mac ? nic.mac.toLowerCase() : undefined;
      const connected = !('connected' in nic) || nic.connected !== false;
      nics.push({ source, model: nicModel, linkUp: connected, ...(mac ? { mac } : {}) });
    }
    decide('network', `${network.type === 'network' ? 'libvirt network' : 'bridge'} ${network.name}`, `${sourceNics.length} NIC${sourceNics.length > 1 ? 's' : ''}${vm.nics.length === 0 ? ' (the source listed none; one is added)' : ''}`);
    decide('NIC model', nicModel, options.nicModel ? 'chosen' : virtio ? `${drivers}; virtio-net is the fastest` : `${drivers}; e1000e works without them`);
    if (vm.nics.length > 0) decide('MAC addresses', options.keepMac ? 'kept' : 'new', options.keepMac ? 'DHCP reservations and licences keyed to the MAC keep working' : 'chosen: libvirt assigns new ones');
    if (vm.nics.some((n) => n.connected === false)) warnings.push('A NIC that was disconnected in VMware is added with its link down.');
  }

  const clock = windows ? 'localtime' : 'utc';
  decide('clock', clock, windows ? 'Windows keeps the hardware clock in local time' : 'Linux and most other systems keep it in UTC');
  decide('acceleration', host.domainType, host.domainType === 'kvm' ? '/dev/kvm is usable' : 'no usable /dev/kvm: software emulation (slow)');

  const uuid = options.keepUuid ? normalizeUuid(vm.uuid) : undefined;
  if (options.keepUuid && !uuid) warnings.push('The source VM has no usable UUID; libvirt assigns one.');

  const spec: DomainSpec = DomainSpecSchema.parse({
    name,
    ...(uuid ? { uuid } : {}),
    ...(vm.name && vm.name !== name ? { title: vm.name.slice(0, 200) } : {}),
    description: `Migrated from VMware${vm.origin !== 'none' ? ` (${vm.origin.toUpperCase()})` : ''} by hyper2kvm${osName ? `. Guest: ${osName}` : ''}.`,
    type: host.domainType,
    machine,
    memoryMiB,
    vcpus: { sockets: topology.sockets, cores: topology.cores, threads: 1 },
    // TCG cannot offer the host's model (it emulates): its own maximum is the closest it gets.
    cpuMode: host.domainType === 'kvm' ? 'host-model' : 'maximum',
    firmware,
    clock,
    disks: disks.map((d, i) => ({ path: d.path, format: d.format, bus: diskBus, ...(i === 0 ? { bootOrder: 1 } : {}) })),
    nics,
    serial: { type: 'pty' },
    vnc: true,
    guestAgent: true,
    rng: true,
  } satisfies DomainSpecInput);

  return { spec, xml: createDomainXml(spec), decisions, warnings };
}

/**
 * Why the planner believes what it believes about the guest's virtio drivers: what inspection
 * found, or, when nothing was checked, that it was not (and what the choice rests on instead).
 */
function driverEvidence(guest: DomainPlanRequestGuest, windowsByMetadata: boolean, origin: DomainPlanRequestVm['origin']): string {
  if (guest.virtioDrivers === true) return guest.os === 'windows' ? 'inspection found the virtio storage drivers installed in Windows' : 'inspection found virtio drivers in the guest\u2019s initramfs';
  if (guest.virtioDrivers === false) return guest.os === 'windows' ? 'inspection found no virtio drivers in Windows yet' : 'inspection found no virtio drivers in the guest\u2019s initramfs';
  if (guest.inspected && guest.os === 'unknown') return 'virtio drivers not checked (inspection found no operating system)';
  if (guest.inspected) return 'virtio drivers not checked (inspection could not tell)';
  if (windowsByMetadata) return `virtio drivers not checked (not inspected); the source VM runs Windows (${sourceName(origin)}), which has no virtio drivers before its repair`;
  return 'virtio drivers not checked (the disks were not inspected)';
}

type DomainPlanRequestGuest = ReturnType<typeof DomainPlanRequestSchema.parse>['guest'];
type DomainPlanRequestVm = ReturnType<typeof DomainPlanRequestSchema.parse>['vm'];

/** Where the VM's metadata came from, for the reasons: "its .vmx", "its OVF", "vCenter". */
function sourceName(origin: DomainPlanRequestVm['origin']): string {
  switch (origin) {
    case 'vmx':
      return 'its .vmx';
    case 'ovf':
      return 'its OVF';
    case 'vcenter':
      return 'vCenter';
    case 'none':
      return 'no metadata';
  }
}

/**
 * Keep VMware's cores-per-socket when it divides the count (guest licences count sockets);
 * otherwise one socket with all the cores.
 */
export function cpuTopology(vcpus: number, coresPerSocket: number | undefined): { sockets: number; cores: number } {
  if (coresPerSocket && coresPerSocket > 0 && vcpus % coresPerSocket === 0) return { sockets: vcpus / coresPerSocket, cores: coresPerSocket };
  return { sockets: 1, cores: vcpus };
}

/** A libvirt-safe name from any VM name: "Web Server (prod)" → "Web-Server-prod". Null if nothing is left. */
export function domainNameFrom(raw: string | undefined): string | null {
  if (!raw) return null;
  const cleaned = raw
    // "Ünïcode" → "Unicode": accents go, letters stay.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return cleaned.length > 0 ? cleaned : null;
}

/** Guests that predate PCI Express and want the i440fx machine (VMX and vSphere spellings). */
export function isLegacyGuest(guestOs: string | undefined): boolean {
  if (!guestOs) return false;
  return /^(win(2000|xp|net|98|95|me|nt|31)|rhel[2-5]([-_]|guest|$)|sles(9|10)([-_]|guest|$)|dos|other24x|redhat)/i.test(guestOs);
}

/** VMware writes uuid.bios as "56 4d 9c ... 12-34 ..."; libvirt wants 8-4-4-4-12 lower case. */
export function normalizeUuid(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const hex = raw.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex) || /^0+$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function fileStem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
