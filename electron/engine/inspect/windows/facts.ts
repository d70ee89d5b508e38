import type {
  Application,
  Evidence,
  NetworkConfig,
  ServiceStart,
  WindowsAdapter,
  WindowsDriver,
  WindowsFacts,
} from '../../../../shared/contract/models/inspection';
import { netmaskToPrefix } from '../../guest/linux/network';
import type { RegTree } from './registry';

/**
 * Windows facts from the SYSTEM and SOFTWARE hives (read on the host with hivex). The session
 * fetches exactly the keys listed here (registryReads); this module only interprets them.
 */

/** Storage drivers that decide whether Windows finds its boot disk on KVM (and VMware's own). */
export const STORAGE_DRIVERS = ['viostor', 'vioscsi', 'storahci', 'msahci', 'iaStorV', 'stornvme', 'LSI_SAS', 'LSI_SAS2i', 'LSI_SCSI', 'pvscsi', 'atapi', 'intelide', 'pciide'] as const;
export const VIRTIO_STORAGE = ['viostor', 'vioscsi'] as const;
/** Services VMware Tools installs. */
export const VMWARE_SERVICES = ['VMTools', 'vmci', 'vmhgfs', 'vm3dmp', 'vmxnet3ndis6', 'VGAuthService', 'vmvss', 'vmmouse'] as const;

export interface RegistryRead {
  hive: 'SYSTEM' | 'SOFTWARE';
  /** Key path relative to the hive root. */
  key: string;
  /** subtree: hivexregedit --export (recursive); values: hivexget (one key). */
  mode: 'subtree' | 'values';
}

/** SYSTEM\Select\Current names the control set every other SYSTEM read goes through. */
export function controlSetName(select: RegTree): string | null {
  const current = select.number('Select', 'Current');
  return current === null || current < 1 || current > 999 ? null : `ControlSet${String(current).padStart(3, '0')}`;
}

export function registryReads(controlSet: string): RegistryRead[] {
  const cs = controlSet;
  const reads: RegistryRead[] = [
    { hive: 'SYSTEM', key: `${cs}\\Services\\Tcpip\\Parameters`, mode: 'subtree' },
    { hive: 'SYSTEM', key: `${cs}\\Control\\ComputerName\\ComputerName`, mode: 'values' },
    { hive: 'SYSTEM', key: `${cs}\\Control\\Session Manager\\Environment`, mode: 'values' },
    { hive: 'SYSTEM', key: `${cs}\\Control\\Session Manager\\Power`, mode: 'values' },
    ...['DomainProfile', 'StandardProfile', 'PublicProfile'].map(
      (p): RegistryRead => ({ hive: 'SYSTEM', key: `${cs}\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\${p}`, mode: 'values' }),
    ),
    ...[...STORAGE_DRIVERS, ...VMWARE_SERVICES].map((s): RegistryRead => ({ hive: 'SYSTEM', key: `${cs}\\Services\\${s}`, mode: 'subtree' })),
    { hive: 'SOFTWARE', key: 'Microsoft\\Windows NT\\CurrentVersion', mode: 'values' },
    { hive: 'SOFTWARE', key: 'Microsoft\\Windows\\CurrentVersion\\Uninstall', mode: 'subtree' },
    { hive: 'SOFTWARE', key: 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall', mode: 'subtree' },
    { hive: 'SOFTWARE', key: 'Microsoft\\Windows\\CurrentVersion\\Group Policy\\History', mode: 'subtree' },
  ];
  return reads;
}

export const hklm = (hive: 'SYSTEM' | 'SOFTWARE', key: string): string => `HKLM\\${hive}\\${key}`;

const START_NAMES: ServiceStart[] = ['boot', 'system', 'auto', 'demand', 'disabled'];
export function startName(value: number | null): ServiceStart | null {
  if (value === null) return null;
  return START_NAMES[value] ?? 'unknown';
}

export function storageDrivers(system: RegTree, cs: string): WindowsDriver[] {
  return STORAGE_DRIVERS.map((service) => {
    const key = `${cs}\\Services\\${service}`;
    const present = system.key(key) !== undefined;
    const overrideKey = system.key(`${key}\\StartOverride`);
    let startOverride: Record<string, number> | null = null;
    if (overrideKey) {
      startOverride = {};
      for (const [name, value] of overrideKey.values) if (value.type === 'dword') startOverride[name] = value.value;
    }
    return {
      service,
      present,
      start: present ? startName(system.number(key, 'Start')) : null,
      startOverride,
      imagePath: system.string(key, 'ImagePath'),
      group: system.string(key, 'Group'),
      registryKey: hklm('SYSTEM', key),
    };
  });
}

/**
 * A boot-capable driver: present and starting at boot, with no StartOverride that moves it off
 * boot start (Windows 8+ keeps such overrides per device class; a 3 or 4 there means 0x7B).
 */
export function driverBootsDisk(driver: WindowsDriver): boolean {
  if (!driver.present || driver.start !== 'boot') return false;
  return !Object.values(driver.startOverride ?? {}).some((v) => v !== 0);
}

function cidr(address: string, mask: string | undefined): string {
  const prefix = mask ? netmaskToPrefix(mask) : null;
  return prefix === null ? address : `${address}/${prefix}`;
}

export function networkAdapters(system: RegTree, cs: string): WindowsAdapter[] {
  const base = `${cs}\\Services\\Tcpip\\Parameters\\Interfaces`;
  return system.subkeys(base).map((id) => {
    const key = `${base}\\${id}`;
    const dhcpFlag = system.number(key, 'EnableDHCP');
    const masks = system.strings(key, 'SubnetMask');
    const addresses = system
      .strings(key, 'IPAddress')
      .map((a, i) => ({ a, m: masks[i] }))
      .filter(({ a }) => a !== '0.0.0.0')
      .map(({ a, m }) => cidr(a, m));
    const dhcpAddress = system.string(key, 'DhcpIPAddress');
    const lease = dhcpAddress && dhcpAddress !== '0.0.0.0' ? cidr(dhcpAddress, system.string(key, 'DhcpSubnetMask') ?? undefined) : null;
    const gateways = system.strings(key, 'DefaultGateway');
    return {
      id,
      dhcp: dhcpFlag === null ? null : dhcpFlag !== 0,
      addresses,
      gateways: (gateways.length || !dhcpFlag ? gateways : system.strings(key, 'DhcpDefaultGateway')).filter((g) => g !== '0.0.0.0'),
      dns: [...system.strings(key, 'NameServer'), ...(dhcpFlag ? system.strings(key, 'DhcpNameServer') : [])],
      dhcpAddress: lease,
      registryKey: hklm('SYSTEM', key),
    };
  });
}

export function adapterNetwork(adapters: readonly WindowsAdapter[]): NetworkConfig[] {
  return adapters
    .filter((a) => a.dhcp !== null || a.addresses.length > 0)
    .map((a) => ({
      source: 'windows-registry' as const,
      file: a.registryKey,
      line: null,
      interface: a.id,
      mac: null,
      setsName: null,
      method: a.dhcp ? ('dhcp' as const) : a.addresses.length ? ('static' as const) : ('unknown' as const),
      addresses: a.addresses.length ? a.addresses : a.dhcpAddress ? [a.dhcpAddress] : [],
      gateway: a.gateways[0] ?? null,
      dns: a.dns,
    }));
}

export function windowsApplications(software: RegTree): Application[] {
  const apps: Application[] = [];
  const views: Array<[string, Application['origin']]> = [
    ['Microsoft\\Windows\\CurrentVersion\\Uninstall', 'uninstall'],
    ['WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall', 'uninstall-wow64'],
  ];
  for (const [base, origin] of views) {
    for (const name of software.subkeys(base)) {
      const key = `${base}\\${name}`;
      const app: Application = { name, version: software.string(key, 'DisplayVersion') ?? '', origin };
      const set = (field: 'displayName' | 'publisher' | 'installPath' | 'url' | 'description', value: string | null): void => {
        if (value) app[field] = value;
      };
      set('displayName', software.string(key, 'DisplayName'));
      set('publisher', software.string(key, 'Publisher'));
      set('installPath', software.string(key, 'InstallLocation'));
      set('url', software.string(key, 'URLInfoAbout'));
      set('description', software.string(key, 'Comments'));
      apps.push(app);
    }
  }
  return apps;
}

/** What virt-v2v looks for in application names, plus the vendors it misses. */
const ANTIVIRUS = /virus|kaspersky|mcafee|norton|sophos|avg technologies|symantec|eset|trend micro|bitdefender|crowdstrike|sentinelone|carbon black|malwarebytes|avast|f-secure|webroot|panda security/i;

export function antivirus(apps: readonly Application[]): WindowsFacts['antivirus'] {
  return apps
    .filter((a) => ANTIVIRUS.test(`${a.displayName ?? a.name} ${a.publisher ?? ''}`))
    .map((a) => ({ name: a.displayName ?? a.name, evidence: { registryKey: uninstallKey(a) } }));
}

function uninstallKey(app: Application): string {
  const base = app.origin === 'uninstall-wow64' ? 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall' : 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
  return hklm('SOFTWARE', `${base}\\${app.name}`);
}

export function vmwareTools(system: RegTree, cs: string, apps: readonly Application[]): WindowsFacts['vmwareTools'] {
  const evidence: Evidence[] = [];
  for (const app of apps) {
    if (/^VMware Tools/i.test(app.displayName ?? '')) evidence.push({ registryKey: uninstallKey(app), registryValue: 'DisplayName', excerpt: app.displayName });
  }
  for (const service of VMWARE_SERVICES) {
    const key = `${cs}\\Services\\${service}`;
    if (system.key(key)) evidence.push({ registryKey: hklm('SYSTEM', key) });
  }
  return { present: evidence.length > 0, evidence };
}

export function groupPolicy(software: RegTree): WindowsFacts['groupPolicy'] {
  const key = 'Microsoft\\Windows\\CurrentVersion\\Group Policy\\History';
  const gpos = software.subkeys(key);
  return { present: gpos.length > 0, evidence: gpos.map((g) => ({ registryKey: hklm('SOFTWARE', `${key}\\${g}`) })) };
}

/** InstallDate is seconds since 1970 (DWORD); newer builds also have InstallTime (FILETIME). */
export function installDate(software: RegTree): string | null {
  const key = 'Microsoft\\Windows NT\\CurrentVersion';
  const seconds = software.number(key, 'InstallDate');
  if (seconds) return new Date(seconds * 1000).toISOString();
  const filetime = software.value(key, 'InstallTime');
  if (filetime?.type === 'qword' && filetime.value > 0n) return new Date(Number(filetime.value / 10_000n - 11_644_473_600_000n)).toISOString();
  return null;
}

export interface WindowsFactInputs {
  system: RegTree;
  software: RegTree;
  controlSet: string | null;
  systemRoot: string | null;
  hiberfil: { present: boolean; header: string | null };
}

export function windowsFacts(input: WindowsFactInputs): { facts: WindowsFacts; applications: Application[]; network: NetworkConfig[] } {
  const { system, software } = input;
  const cs = input.controlSet ?? 'ControlSet001';
  const cv = 'Microsoft\\Windows NT\\CurrentVersion';
  const tcpip = `${cs}\\Services\\Tcpip\\Parameters`;
  const applications = windowsApplications(software);
  const adapters = networkAdapters(system, cs);
  const major = software.number(cv, 'CurrentMajorVersionNumber');
  const minor = software.number(cv, 'CurrentMinorVersionNumber');
  const legacy = software.string(cv, 'CurrentVersion');
  const [legacyMajor, legacyMinor] = (legacy ?? '').split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : null));
  const hiberboot = system.number(`${cs}\\Control\\Session Manager\\Power`, 'HiberbootEnabled');
  const header = input.hiberfil.header?.toLowerCase() ?? null;
  const env = system.key(`${cs}\\Control\\Session Manager\\Environment`);
  const facts: WindowsFacts = {
    productName: software.string(cv, 'ProductName'),
    editionId: software.string(cv, 'EditionID'),
    installationType: software.string(cv, 'InstallationType'),
    currentVersion: legacy,
    majorVersion: major ?? legacyMajor ?? null,
    minorVersion: minor ?? legacyMinor ?? null,
    build: software.string(cv, 'CurrentBuildNumber') ?? software.string(cv, 'CurrentBuild'),
    ubr: software.number(cv, 'UBR'),
    displayVersion: software.string(cv, 'DisplayVersion') ?? software.string(cv, 'ReleaseId'),
    installDate: installDate(software),
    registeredOwner: software.string(cv, 'RegisteredOwner'),
    systemRoot: input.systemRoot ?? software.string(cv, 'SystemRoot'),
    controlSet: input.controlSet,
    hostname: system.string(tcpip, 'Hostname') ?? system.string(tcpip, 'NV Hostname') ?? system.string(`${cs}\\Control\\ComputerName\\ComputerName`, 'ComputerName'),
    domain: system.string(tcpip, 'Domain') || system.string(tcpip, 'NV Domain') || null,
    networkAdapters: adapters,
    firewall: (
      [
        ['domain', 'DomainProfile'],
        ['private', 'StandardProfile'],
        ['public', 'PublicProfile'],
      ] as const
    ).map(([profile, keyName]) => {
      const key = `${cs}\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\${keyName}`;
      const enabled = system.number(key, 'EnableFirewall');
      return { profile, enabled: enabled === null ? null : enabled !== 0, registryKey: hklm('SYSTEM', key) };
    }),
    environment: env ? [...env.values].map(([name, value]) => ({ name, value: system.string(`${cs}\\Control\\Session Manager\\Environment`, name) ?? (value.type === 'binary' ? value.value.toString('hex') : '') })) : [],
    storageDrivers: storageDrivers(system, cs),
    vmwareTools: vmwareTools(system, cs, applications),
    groupPolicy: groupPolicy(software),
    antivirus: antivirus(applications),
    hibernation: {
      hiberfilPresent: input.hiberfil.present,
      // A hibernated system's hiberfil.sys starts with "hibr" (or "HIBR"); after resume it is "wake" or zeros.
      hibernated: input.hiberfil.present ? (header === null ? null : header.startsWith('hibr')) : false,
      fastStartup: hiberboot === null ? null : hiberboot !== 0,
    },
  };
  return { facts, applications, network: adapterNetwork(adapters) };
}
