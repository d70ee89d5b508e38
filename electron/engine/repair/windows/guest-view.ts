import type { EngineError } from '../../../../shared/contract/errors';
import type { InspectionReport, WindowsFacts } from '../../../../shared/contract/models/inspection';
import type { ResolvedRepairOptions } from '../../../../shared/contract/models/repair';
import type { VmMetadata } from '../../../../shared/contract/models/vm';
import type { RegistryRead } from '../../inspect/windows/facts';
import type { RegTree } from '../../inspect/windows/registry';
import type { Hive } from './registry-edit';
import type { DriverChoice, DriverSet, HostFile } from './virtio-win';

/**
 * Everything the Windows planner reads, gathered before it runs so that planning itself is pure:
 * the inspection's report (drivers and their start types, StartOverride, BitLocker, hibernation,
 * Fast Startup, adapters, applications), the registry keys the repair may change (read from the
 * hives downloaded for editing), the guest files it may write (their hashes), the driver set,
 * and what the user chose.
 */
export interface WindowsGuest {
  report: InspectionReport & { windows: WindowsFacts };
  /** The control set Windows boots with (ControlSet001...). */
  controlSet: string;
  /** The system drive's letter ("C") and SystemRoot as Windows names it ("C:\\Windows"). */
  drive: string;
  systemRoot: string;
  /** The hives as downloaded for editing; null when one could not be read. */
  hives: Record<Hive, HiveCopy | null>;
  /** The keys the repair may change, with their subtrees, as they are now. */
  registry: Record<Hive, RegTree>;
  /** Guest files the repair may write (appliance paths as spelled in the plan): hash, and text for scripts. */
  files: ReadonlyMap<string, { sha256: string; text: string | null }>;
  /** A guest path with the real spelling of its existing parts (NTFS is case-sensitive in the appliance). */
  realPath: (path: string) => string;
  /** UninstallString of the Uninstall entries the planner acts on (VMware Tools), by entry name. */
  uninstall: ReadonlyMap<string, string>;
  /** The virtio-win set: null when none was given, an error when it could not be read. */
  drivers: GuestDrivers | { error: EngineError } | null;
  vm: VmMetadata | null;
  options: ResolvedRepairOptions;
}

export interface HiveCopy {
  /** Appliance path with its real spelling (/Windows/System32/config/SYSTEM). */
  guestPath: string;
  /** The downloaded original on the host (never modified: edits go into a copy). */
  local: string;
  sha256: string;
  size: number;
  /** Its primary and secondary sequence numbers differ: Windows did not finish writing it. */
  dirty: boolean;
}

export interface GuestDrivers {
  set: DriverSet;
  choice: DriverChoice;
  /** The chosen files on the host, by relative path in the set. */
  host: ReadonlyMap<string, HostFile>;
}

export function hasDrivers(guest: Pick<WindowsGuest, 'drivers'>): guest is { drivers: GuestDrivers } {
  return guest.drivers !== null && !('error' in guest.drivers);
}

// ---------------------------------------------------------------------------------------------
// Where things go in the guest (appliance paths; the system volume is mounted at /)

/**
 * Staged driver packages (INF, CAT, SYS) go to <SystemRoot>/Drivers/hyper2kvm/<driver>: what
 * PnP and pnputil install from. The same folder as Windows names it, for DevicePath (expanded by
 * Windows at each search).
 */
export const DRIVER_STAGE_DEVICEPATH = '%SystemRoot%\\Drivers\\hyper2kvm';
/** The guest agent's installer, kept for its first-boot install. */
export const AGENT_STAGE = '/ProgramData/hyper2kvm/guest-agent';

// ---------------------------------------------------------------------------------------------
// PCI ids and class GUIDs (virtio devices as QEMU presents them; legacy and virtio 1.0 "modern")

export const SCSI_ADAPTER_CLASS = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';
export const HDC_CLASS = '{4D36E96A-E325-11CE-BFC1-08002BE10318}';
export const VIRTIO_PCI_IDS: Record<'viostor' | 'vioscsi', readonly string[]> = {
  viostor: ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'],
  vioscsi: ['VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00', 'VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01'],
};
/** The AHCI class code (QEMU's q35 SATA controller is an ICH9 AHCI): what msahci binds to before Windows 8. */
export const AHCI_CDB = 'pci#cc_0106';

export const cdbKey = (cs: string, id: string): string => `${cs}\\Control\\CriticalDeviceDatabase\\${id.startsWith('pci#') ? id : `pci#${id.toLowerCase()}`}`;
export const serviceKey = (cs: string, service: string): string => `${cs}\\Services\\${service}`;
export const ddbInf = (service: string): string => `hyper2kvm-${service}.inf`;

/** Windows 8 and later find boot drivers through the DriverDatabase; older ones through the CriticalDeviceDatabase. */
export function usesDriverDatabase(w: Pick<WindowsFacts, 'majorVersion' | 'minorVersion'>): boolean {
  const major = w.majorVersion ?? 0;
  return major > 6 || (major === 6 && (w.minorVersion ?? 0) >= 2);
}

/** The inbox AHCI driver of a Windows version (storahci from Windows 8, msahci before). */
export function sataServices(w: Pick<WindowsFacts, 'majorVersion' | 'minorVersion'>): string[] {
  return usesDriverDatabase(w) ? ['storahci'] : ['msahci', 'iaStorV'];
}

/** Every registry key the planner may read or change, read before planning (subtrees unless a key is huge). */
export function probedKeys(cs: string): RegistryRead[] {
  const subtree = (hive: RegistryRead['hive'], key: string): RegistryRead => ({ hive, key, mode: 'subtree' });
  const values = (hive: RegistryRead['hive'], key: string): RegistryRead => ({ hive, key, mode: 'values' });
  const ids = [...VIRTIO_PCI_IDS.viostor, ...VIRTIO_PCI_IDS.vioscsi];
  return [
    ...['viostor', 'vioscsi', 'netkvm', 'storahci', 'msahci', 'iaStorV'].map((s) => subtree('SYSTEM', serviceKey(cs, s))),
    ...[...ids, AHCI_CDB].map((id) => subtree('SYSTEM', cdbKey(cs, id))),
    ...['viostor', 'vioscsi'].flatMap((s) => [subtree('SYSTEM', `DriverDatabase\\DriverInfFiles\\${ddbInf(s)}`), subtree('SYSTEM', `DriverDatabase\\DriverPackages\\${ddbInf(s)}_0`)]),
    ...ids.map((id) => subtree('SYSTEM', `DriverDatabase\\DeviceIds\\PCI\\${id}`)),
    subtree('SYSTEM', 'Setup'),
    values('SYSTEM', `${cs}\\Control\\Session Manager`),
    values('SYSTEM', `${cs}\\Control\\Session Manager\\Power`),
    values('SOFTWARE', 'Microsoft\\Windows\\CurrentVersion'),
    values('SOFTWARE', 'Microsoft\\Windows NT\\CurrentVersion'),
    subtree('SOFTWARE', 'Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired'),
    subtree('SOFTWARE', 'Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending'),
  ];
}
