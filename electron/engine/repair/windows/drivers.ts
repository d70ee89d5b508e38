import { driverBootsDisk, VIRTIO_STORAGE } from '../../inspect/windows/facts';
import { windowsPath } from '../../guest/windows/firstboot-paths';
import type { FileEdit, FixDraft } from '../draft';
import { blocked, notNeeded } from '../draft';
import { composeFix } from './compose';
import { actionFile, PS_PRELUDE, psArray, windowsText } from './firstboot';
import type { WindowsGuest } from './guest-view';
import { AHCI_CDB, cdbKey, ddbInf, DRIVER_STAGE_DEVICEPATH, HDC_CLASS, sataServices, SCSI_ADAPTER_CLASS, serviceKey, usesDriverDatabase, VIRTIO_PCI_IDS } from './guest-view';
import type { RegEdit } from './registry-edit';
import { binary, deleteKey, dword, expandSz, multiSz, setValue, sz } from './registry-edit';
import type { ChosenDriver } from './virtio-win';
import { driverFile } from './virtio-win';

/**
 * Storage drivers: what decides whether Windows finds its boot disk on KVM (without one it stops
 * with 0x7B INACCESSIBLE_BOOT_DEVICE). The virtio drivers are installed as boot-start services
 * the way Windows' own installer leaves them, and registered for the virtio PCI ids where
 * Windows looks them up at boot (the CriticalDeviceDatabase before Windows 8, the
 * DriverDatabase from Windows 8 on); their packages are staged for Plug and Play, which takes
 * the devices over at the first boot. Without virtio drivers, the inbox AHCI driver is made to
 * start at boot and the domain uses SATA.
 */

/** Windows' own service values for a storage miniport driver (what its INF writes). */
function bootService(cs: string, service: string, image: string): RegEdit[] {
  const key = serviceKey(cs, service);
  return [
    setValue('SYSTEM', key, 'Type', dword(1)),
    setValue('SYSTEM', key, 'Start', dword(0)),
    setValue('SYSTEM', key, 'ErrorControl', dword(1)),
    setValue('SYSTEM', key, 'Group', sz('SCSI miniport')),
    setValue('SYSTEM', key, 'ImagePath', expandSz(image)),
    // Windows 8+ keeps per-device-class overrides here; a 3 or 4 keeps the driver off at boot.
    deleteKey('SYSTEM', `${key}\\StartOverride`),
  ];
}

/** A GUID as Windows stores it in binary values (the first three fields little-endian). */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8, 16)]);
}

/**
 * Where Windows looks up the driver of a boot-critical PCI device before Plug and Play runs.
 * Before Windows 8: CriticalDeviceDatabase\pci#<id> → service and class. From Windows 8: the
 * DriverDatabase, as if an INF (named for us) had been installed for the ids: the device id
 * points to the INF, the INF's package to a configuration that names the service. The package's
 * Version holds the class GUID; Windows 10 and Server 2016 do not start the driver without it.
 */
function bootRegistration(guest: WindowsGuest, service: 'viostor' | 'vioscsi'): RegEdit[] {
  const cs = guest.controlSet;
  const ids = VIRTIO_PCI_IDS[service];
  if (!usesDriverDatabase(guest.report.windows)) {
    return ids.flatMap((id) => [setValue('SYSTEM', cdbKey(cs, id), 'Service', sz(service)), setValue('SYSTEM', cdbKey(cs, id), 'ClassGUID', sz(SCSI_ADAPTER_CLASS))]);
  }
  const inf = ddbInf(service);
  const pkg = `${inf}_0`;
  const conf = `${service}_conf`;
  const version = Buffer.concat([Buffer.from([0x00, 0xff, 0x09, 0x00, 0, 0, 0, 0]), guidBytes(SCSI_ADAPTER_CLASS), Buffer.alloc(24)]);
  return [
    setValue('SYSTEM', `DriverDatabase\\DriverInfFiles\\${inf}`, '', multiSz([pkg])),
    setValue('SYSTEM', `DriverDatabase\\DriverInfFiles\\${inf}`, 'Active', sz(pkg)),
    setValue('SYSTEM', `DriverDatabase\\DriverInfFiles\\${inf}`, 'Configurations', multiSz([conf])),
    ...ids.map((id) => setValue('SYSTEM', `DriverDatabase\\DeviceIds\\PCI\\${id}`, inf, binary(Buffer.from([0x01, 0xff, 0x00, 0x00])))),
    setValue('SYSTEM', `DriverDatabase\\DriverPackages\\${pkg}`, 'Version', binary(version)),
    setValue('SYSTEM', `DriverDatabase\\DriverPackages\\${pkg}\\Configurations\\${conf}`, 'ConfigFlags', dword(0)),
    setValue('SYSTEM', `DriverDatabase\\DriverPackages\\${pkg}\\Configurations\\${conf}`, 'Service', sz(service)),
    ...ids.map((id) => setValue('SYSTEM', `DriverDatabase\\DriverPackages\\${pkg}\\Descriptors\\PCI\\${id}`, 'Configuration', sz(conf))),
  ];
}

const windowsDir = (guest: WindowsGuest): string => guest.realPath(guest.report.os.windowsSystemRoot ?? '/Windows');
const stageDir = (guest: WindowsGuest, driver: string): string => guest.realPath(`${windowsDir(guest)}/Drivers/hyper2kvm/${driver}`);

function upload(guest: WindowsGuest, rel: string, to: string): FileEdit {
  const file = guest.drivers && !('error' in guest.drivers) ? guest.drivers.host.get(rel) : undefined;
  if (!file) throw new Error(`${rel} was not read from the driver set`);
  return { path: to, kind: 'upload', from: file.local, size: file.size, sha256: file.sha256, beforeSha256: guest.files.get(to)?.sha256 ?? null };
}

/** Every file of a driver into its staging folder (lower-case names, as PnP expects none in particular). */
function staged(guest: WindowsGuest, driver: ChosenDriver): FileEdit[] {
  return driver.files.map((rel) => upload(guest, rel, `${stageDir(guest, driver.name)}/${rel.split('/').pop()!.toLowerCase()}`));
}

/** The SOFTWARE DevicePath with our staging folder, so Plug and Play finds the packages by itself too. */
function devicePath(guest: WindowsGuest): RegEdit[] {
  const key = 'Microsoft\\Windows\\CurrentVersion';
  const current = guest.registry.SOFTWARE.string(key, 'DevicePath') ?? '%SystemRoot%\\inf';
  if (current.split(';').some((p) => p.toLowerCase() === DRIVER_STAGE_DEVICEPATH.toLowerCase())) return [];
  return [setValue('SOFTWARE', key, 'DevicePath', expandSz(`${current};${DRIVER_STAGE_DEVICEPATH}`))];
}

/** pnputil's syntax: /add-driver from Windows 10 1607 (build 14393), -i -a before. */
export function modernPnputil(guest: Pick<WindowsGuest, 'report'>): boolean {
  const w = guest.report.windows;
  return (w.majorVersion ?? 0) >= 10 && Number(w.build ?? 0) >= 14393;
}

/** The first-boot script: each staged INF into the driver store and onto its devices. */
export function driverInstallScript(guest: WindowsGuest, drivers: readonly ChosenDriver[]): string {
  const infs = drivers.map((d) => `${d.name}\\${driverFile(d, '.inf')!.split('/').pop()!.toLowerCase()}`);
  const modern = modernPnputil(guest);
  return windowsText([
    '# hyper2kvm: installs the virtio drivers staged in %SystemRoot%\\Drivers\\hyper2kvm into the',
    '# driver store and onto the devices KVM presents. The disk driver already starts at boot',
    '# (installed offline); this lets Plug and Play own the devices, as an install from the ISO would.',
    ...PS_PRELUDE,
    "$stage = Join-Path $env:SystemRoot 'Drivers\\hyper2kvm'",
    `$infs = ${psArray(infs)}`,
    `$modern = $${modern ? 'true' : 'false'}  # pnputil /add-driver exists from Windows 10 1607`,
    '$failed = 0',
    'foreach ($inf in $infs) {',
    '  $path = Join-Path $stage $inf',
    '  if (-not $modern) {',
    '    # Before Windows 10, a new driver publisher must be trusted or Windows asks (and a first',
    '    # boot cannot answer): trust the signer of this package\'s catalog, and only it.',
    "    $cat = [IO.Path]::ChangeExtension($path, '.cat')",
    '    $signer = (Get-AuthenticodeSignature $cat).SignerCertificate',
    '    if ($signer) {',
    '      $cer = "$cat.cer"',
    "      [IO.File]::WriteAllBytes($cer, $signer.Export('Cert'))",
    "      $null = Invoke-Bounded (Join-Path $env:SystemRoot 'System32\\certutil.exe') @('-addstore', '-f', 'TrustedPublisher', ('\"' + $cer + '\"')) 60",
    '    }',
    "    $arguments = @('-i', '-a', ('\"' + $path + '\"'))",
    '  } else {',
    "    $arguments = @('/add-driver', ('\"' + $path + '\"'), '/install')",
    '  }',
    "  $rc = Invoke-Bounded (Join-Path $env:SystemRoot 'System32\\pnputil.exe') $arguments 300",
    '  Write-Log "pnputil $inf: exit code $rc"',
    '  # 0 installed, 3010 installed (a restart finishes it), 259 no such device (vioscsi without a SCSI disk)',
    '  if ($rc -ne 0 -and $rc -ne 3010 -and $rc -ne 259) { $failed++ }',
    '}',
    'exit $failed',
  ]);
}

export function planInstallVirtio(guest: WindowsGuest): FixDraft {
  const id = 'install-virtio-drivers';
  const title = 'Install the virtio drivers (disk and network)';
  const findings = ['WINDOWS_NO_VIRTIO_STORAGE'];
  const w = guest.report.windows;
  const present = new Set(w.storageDrivers.filter((d) => d.present).map((d) => d.service));
  const hasVirtio = VIRTIO_STORAGE.some((s) => present.has(s));
  if (!guest.drivers) {
    if (hasVirtio) return notNeeded(id, title, findings, 'The guest already has the virtio storage driver.');
    return blocked(id, title, findings, 'No virtio-win driver set was given (--virtio-win PATH: the virtio-win ISO or a folder with its layout), so the guest keeps booting from SATA with an e1000e NIC: enable-sata-driver makes sure it can.');
  }
  if ('error' in guest.drivers) return blocked(id, title, findings, `${guest.drivers.error.message} ${guest.drivers.error.hint}`);
  const { choice } = guest.drivers;
  const where = `${choice.releases[0] ?? '?'}/${choice.arch ?? '?'}`;
  if (!choice.releases.length || !choice.arch) return blocked(id, title, findings, `virtio-win has no drivers for this Windows (${w.productName ?? 'Windows'} ${w.majorVersion ?? '?'}.${w.minorVersion ?? '?'} build ${w.build ?? '?'}, ${guest.report.os.arch ?? 'unknown architecture'}).`);
  const storage = choice.drivers.filter((d): d is ChosenDriver & { name: 'viostor' | 'vioscsi' } => d.name !== 'netkvm');
  if (storage.length === 0) return blocked(id, title, findings, `The driver set ${guest.drivers.set.source} has no viostor or vioscsi for ${where} (looked in viostor/${where} and vioscsi/${where}).`);

  const toInstall = storage.filter((d) => !present.has(d.name));
  const files: FileEdit[] = [];
  const registry: RegEdit[] = [];
  for (const d of toInstall) {
    const sys = driverFile(d, '.sys');
    if (!sys) return blocked(id, title, findings, `${d.folder} in the driver set has no ${d.name}.sys.`);
    files.push(upload(guest, sys, guest.realPath(`${windowsDir(guest)}/System32/drivers/${d.name}.sys`)));
    registry.push(...bootService(guest.controlSet, d.name, `system32\\drivers\\${d.name}.sys`), ...bootRegistration(guest, d.name));
  }
  const withInf = choice.drivers.filter((d) => driverFile(d, '.inf'));
  for (const d of withInf) files.push(...staged(guest, d));
  registry.push(...devicePath(guest));
  const action = actionFile(guest, 10, id, 'powershell', driverInstallScript(guest, withInf));

  const names = (list: readonly ChosenDriver[]): string => list.map((d) => d.name).join(', ');
  const net = choice.drivers.some((d) => d.name === 'netkvm');
  const registration = usesDriverDatabase(w) ? 'DriverDatabase entries' : 'CriticalDeviceDatabase entries';
  const planned = [
    toInstall.length
      ? `Installs ${names(toInstall)} (virtio-win ${where}) as boot-start drivers: ${toInstall.length > 1 ? 'their files' : 'its file'} into System32\\drivers, the service key${toInstall.length > 1 ? 's' : ''} (Start 0, no StartOverride) and the ${registration} for the virtio disk’s PCI ids.`
      : `${names(storage)} ${storage.length > 1 ? 'are' : 'is'} installed already.`,
    `Stages ${names(withInf)} in ${windowsPath(guest.drive, stageDir(guest, '').replace(/\/$/, ''))} for Plug and Play (DevicePath), and installs them with pnputil at the first boot.`,
    `The domain gets a virtio disk${net ? ' and a virtio NIC' : ' (the NIC stays e1000e: the set has no netkvm for this Windows)'}.`,
  ].join(' ');
  return composeFix(guest, { id, title, findings }, { files, registry, actions: [action] }, { planned, nothing: `The virtio drivers of the set (${names(choice.drivers)}, ${where}) are installed and staged already.` });
}

export function planEnableVirtio(guest: WindowsGuest): FixDraft {
  const id = 'enable-virtio-driver';
  const title = 'Start the virtio storage driver at boot';
  const findings = ['WINDOWS_VIRTIO_DRIVER_DISABLED'];
  const present = guest.report.windows.storageDrivers.filter((d) => (VIRTIO_STORAGE as readonly string[]).includes(d.service) && d.present);
  if (present.length === 0) return notNeeded(id, title, findings, 'The guest has no virtio storage driver installed (install-virtio-drivers installs it from the driver set).');
  const off = present.filter((d) => !driverBootsDisk(d));
  const registry = off.flatMap((d) => [setValue('SYSTEM', serviceKey(guest.controlSet, d.service), 'Start', dword(0)), deleteKey('SYSTEM', `${serviceKey(guest.controlSet, d.service)}\\StartOverride`)]);
  return composeFix(
    guest,
    { id, title, findings },
    { registry },
    {
      planned: `Sets ${off.map((d) => d.service).join(' and ')} to start at boot (Start 0) and removes ${off.length > 1 ? 'their' : 'its'} StartOverride, so Windows finds its disk on a virtio controller. The domain gets a virtio disk.`,
      nothing: `${present.map((d) => d.service).join(' and ')} already start${present.length > 1 ? '' : 's'} at boot.`,
    },
  );
}

/**
 * The inbox AHCI driver at boot start: how Windows boots when it has no virtio driver (the domain
 * then uses SATA), and a fallback when it has one (a domain moved to SATA later still boots).
 */
export function planSataDriver(guest: WindowsGuest, virtioBoots: boolean): FixDraft {
  const id = 'enable-sata-driver';
  const title = 'Start the inbox SATA (AHCI) driver at boot';
  const findings = virtioBoots ? [] : ['WINDOWS_NO_VIRTIO_STORAGE'];
  const w = guest.report.windows;
  const candidates = sataServices(w);
  const driver = candidates.map((s) => w.storageDrivers.find((d) => d.service === s && d.present)).find((d) => d !== undefined);
  if (!driver) return blocked(id, title, findings, `This Windows has no inbox AHCI driver (${candidates.join(' or ')}) to start at boot.`);
  const key = serviceKey(guest.controlSet, driver.service);
  const registry: RegEdit[] = [setValue('SYSTEM', key, 'Start', dword(0)), deleteKey('SYSTEM', `${key}\\StartOverride`)];
  // Before Windows 8 the AHCI controller is matched by its class code (QEMU's q35 has an ICH9 AHCI).
  if (!usesDriverDatabase(w)) registry.push(setValue('SYSTEM', cdbKey(guest.controlSet, AHCI_CDB), 'Service', sz(driver.service)), setValue('SYSTEM', cdbKey(guest.controlSet, AHCI_CDB), 'ClassGUID', sz(HDC_CLASS)));
  const what = `${driver.service} starts at boot (Start 0, StartOverride removed${usesDriverDatabase(w) ? '' : `, ${AHCI_CDB} in the CriticalDeviceDatabase`})`;
  return composeFix(
    guest,
    { id, title, findings },
    { registry },
    {
      planned: virtioBoots ? `${what}: a fallback, so the guest also boots should its domain use SATA.` : `Windows boots from SATA, having no virtio storage driver: ${what}. The domain is defined with a SATA disk and an e1000e NIC.`,
      nothing: `${driver.service} already starts at boot.`,
    },
  );
}
