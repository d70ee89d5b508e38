import type { Application, WindowsAdapter } from '../../../../shared/contract/models/inspection';
import type { FileEdit, FixDraft } from '../draft';
import { blocked, notNeeded } from '../draft';
import { composeFix } from './compose';
import { actionFile, PS_PRELUDE, psArray, psString, windowsText } from './firstboot';
import type { WindowsGuest } from './guest-view';
import { AGENT_STAGE, hasDrivers } from './guest-view';
import { dword, setValue } from './registry-edit';

/**
 * The Windows fixes that are not about the boot disk: the static addresses carried to the new
 * adapter, VMware Tools uninstalled, the QEMU guest agent installed (all three at the first
 * boot, where Windows' own tools do them), and Fast Startup turned off (offline, in the hive).
 */

/** 24 → 255.255.255.0 (Windows keeps masks, not prefixes). */
export function netmaskFromPrefix(prefix: number): string {
  const bits = Math.max(0, Math.min(32, Math.trunc(prefix)));
  const value = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

interface StaticAdapter {
  /** The VMware adapter's connection name ("Ethernet0"), for the log. */
  name: string;
  /** The MAC the new adapter will have, when it is known. */
  mac: string | null;
  addresses: string[];
  masks: string[];
  gateways: string[];
  dns: string[];
}

function connectionName(guest: WindowsGuest, adapter: WindowsAdapter): string {
  return guest.report.network.find((n) => n.interface === adapter.id)?.interface ?? adapter.id;
}

/**
 * The MAC each static adapter gets on KVM, when it can be told: with one static adapter and one
 * NIC in the VM, that NIC's (kept, or the new one given with --new-mac). With more, which VMware
 * NIC was which Windows adapter is not in the registry, so the new adapters are taken in order.
 */
function macFor(guest: WindowsGuest, statics: readonly WindowsAdapter[]): string | null {
  const nics = guest.vm?.nics ?? [];
  if (statics.length !== 1 || nics.length !== 1) return null;
  const source = nics[0]!.mac?.toLowerCase() ?? null;
  if (!source) return null;
  const mapped = guest.options.macs[source];
  return mapped === undefined ? source : mapped;
}

export function networkScript(adapters: readonly StaticAdapter[]): string {
  const rows = adapters.map(
    (a) =>
      `  @{ Name = ${psString(a.name)}; Mac = ${a.mac ? psString(a.mac.toUpperCase()) : '$null'}; Addresses = ${psArray(a.addresses)}; Masks = ${psArray(a.masks)}; Gateways = ${psArray(a.gateways)}; Dns = ${psArray(a.dns)} }`,
  );
  return windowsText([
    '# hyper2kvm: the static addresses the VMware adapters had, applied to the adapters KVM gives',
    '# this guest (a new adapter starts on DHCP). An adapter is found by its MAC when hyper2kvm',
    '# knew it, else the next KVM adapter (virtio or Intel e1000e) in the order Windows lists them.',
    ...PS_PRELUDE,
    '$wanted = @(',
    rows.join(',\r\n'),
    ')',
    "function Get-KvmAdapters { @(Get-WmiObject Win32_NetworkAdapter | Where-Object { $_.PNPDeviceID -match '^PCI\\\\VEN_(1AF4|8086)' -and $_.MACAddress } | Sort-Object Index) }",
    '# The driver may still be installing: wait up to 5 minutes for the adapters to appear.',
    '$deadline = (Get-Date).AddMinutes(5)',
    '$adapters = Get-KvmAdapters',
    'while ($adapters.Count -lt $wanted.Count -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 5; $adapters = Get-KvmAdapters }',
    '$used = @()',
    '$failed = 0',
    'foreach ($w in $wanted) {',
    '  $nic = $null',
    '  if ($w.Mac) { $nic = $adapters | Where-Object { $_.MACAddress -eq $w.Mac } | Select-Object -First 1 }',
    '  if (-not $nic) { $nic = $adapters | Where-Object { $used -notcontains $_.Index } | Select-Object -First 1 }',
    '  if (-not $nic) { Write-Log "$($w.Name): no KVM network adapter found"; $failed++; continue }',
    '  $used += $nic.Index',
    '  $config = Get-WmiObject Win32_NetworkAdapterConfiguration -Filter "Index=$($nic.Index)"',
    '  $rc = $config.EnableStatic([string[]]$w.Addresses, [string[]]$w.Masks).ReturnValue',
    '  Write-Log "$($w.Name) -> $($nic.NetConnectionID) ($($nic.MACAddress)): $($w.Addresses -join \', \') (EnableStatic $rc)"',
    '  if ($rc -ne 0 -and $rc -ne 1) { $failed++ }',
    '  if ($w.Gateways.Count) { $null = $config.SetGateways([string[]]$w.Gateways, [uint16[]](@(1) * $w.Gateways.Count)) }',
    '  if ($w.Dns.Count) { $null = $config.SetDNSServerSearchOrder([string[]]$w.Dns) }',
    '}',
    'exit $failed',
  ]);
}

export function planStaticAddresses(guest: WindowsGuest): FixDraft {
  const id = 'reapply-static-addresses';
  const title = 'Carry the static addresses to the new network adapter';
  const findings = ['STATIC_ADDRESSES'];
  const statics = guest.report.windows.networkAdapters.filter((a) => a.dhcp === false && a.addresses.length > 0);
  if (statics.length === 0) return notNeeded(id, title, findings, 'No adapter has a static address: the new adapters use DHCP, as the old ones did.');
  const mac = macFor(guest, statics);
  const adapters: StaticAdapter[] = statics.map((a) => {
    const parts = a.addresses.map((cidr) => cidr.split('/'));
    return {
      name: connectionName(guest, a),
      mac,
      addresses: parts.map(([ip]) => ip!),
      masks: parts.map(([, prefix]) => netmaskFromPrefix(Number(prefix ?? 32))),
      gateways: a.gateways,
      dns: a.dns,
    };
  });
  const action = actionFile(guest, 20, id, 'powershell', networkScript(adapters));
  const list = adapters.map((a) => `${a.addresses.join(', ')}${a.gateways.length ? ` via ${a.gateways.join(', ')}` : ''}`).join('; ');
  return composeFix(
    guest,
    { id, title, findings },
    { actions: [action] },
    {
      planned: `At the first boot, ${list} ${statics.length > 1 ? 'are' : 'is'} set on the new adapter${statics.length > 1 ? 's' : ''} (${mac ? `found by its MAC ${mac}` : statics.length > 1 ? 'taken in the order Windows lists them: which VMware NIC was which adapter is not recorded in the guest' : 'the first KVM adapter'}), with ${statics.some((a) => a.dns.length) ? 'the DNS servers' : 'no DNS server (none was set)'}.`,
      nothing: 'The first-boot script that sets the static addresses is in place already.',
    },
  );
}

/** The MSI product code in an uninstall command (VMware writes MsiExec /I{...} or /X{...}). */
export function msiProductCode(uninstall: string | undefined): string | null {
  return /msiexec(?:\.exe)?\s.*?\/[ix]\s*(\{[0-9a-f-]{36}\})/i.exec(uninstall ?? '')?.[1]?.toUpperCase() ?? null;
}

export function toolsScript(tools: readonly Application[], codes: readonly string[]): string {
  return windowsText([
    '@echo off',
    `rem hyper2kvm: uninstalls ${tools.map((t) => `${t.displayName ?? t.name} ${t.version}`.trim()).join(', ')}: its services and drivers do nothing on KVM.`,
    'rem 0 removed, 3010 removed (a restart finishes it), 1605 was not installed.',
    'set "RC=0"',
    ...codes.flatMap((code) => [
      `"%SystemRoot%\\System32\\msiexec.exe" /x ${code} /qn /norestart REBOOT=ReallySuppress /l*v "%~dp0..\\vmware-tools-uninstall.log"`,
      'if %ERRORLEVEL% NEQ 0 if %ERRORLEVEL% NEQ 3010 if %ERRORLEVEL% NEQ 1605 set "RC=%ERRORLEVEL%"',
    ]),
    'exit /b %RC%',
  ]);
}

export function planVmwareTools(guest: WindowsGuest): FixDraft {
  const id = 'remove-vmware-tools';
  const title = 'Uninstall VMware Tools at the first boot';
  const findings = ['VMWARE_TOOLS_INSTALLED'];
  const tools = guest.report.applications.filter((a) => /^VMware Tools/i.test(a.displayName ?? ''));
  if (tools.length === 0) return notNeeded(id, title, findings, guest.report.windows.vmwareTools.present ? 'VMware Tools left services behind but no installed product to uninstall.' : 'VMware Tools are not installed.');
  const codes = tools.map((t) => msiProductCode(uninstallString(guest, t))).filter((c): c is string => c !== null);
  if (codes.length === 0) return blocked(id, title, findings, 'VMware Tools were not installed with Windows Installer (no MsiExec uninstall command): uninstall them from Programs and Features once the guest runs on KVM.');
  const action = actionFile(guest, 30, id, 'cmd', toolsScript(tools, codes));
  return composeFix(
    guest,
    { id, title, findings },
    { actions: [action] },
    { planned: `At the first boot, msiexec removes ${tools.map((t) => `${t.displayName} ${t.version}`).join(', ')} (product ${codes.join(', ')}), quietly and without restarting.`, nothing: 'The first-boot script that uninstalls VMware Tools is in place already.' },
  );
}

/** The UninstallString of an Uninstall entry (the inspection keeps the entry's key name). */
function uninstallString(guest: WindowsGuest, app: Application): string | undefined {
  const fromKey = /^\{[0-9A-Fa-f-]{36}\}$/.test(app.name) ? `MsiExec.exe /X${app.name}` : undefined;
  return guest.uninstall.get(app.name) ?? fromKey;
}

export function agentScript(msi: string): string {
  return windowsText([
    '@echo off',
    'rem hyper2kvm: installs the QEMU guest agent from the virtio-win set (libvirt talks to it for',
    'rem a clean shutdown, the guest\'s addresses and file system freezes).',
    `"%SystemRoot%\\System32\\msiexec.exe" /i "${msi}" /qn /norestart /l*v "%~dp0..\\guest-agent-install.log"`,
    'if %ERRORLEVEL% EQU 3010 exit /b 0',
    'exit /b %ERRORLEVEL%',
  ]);
}

export function planGuestAgent(guest: WindowsGuest): FixDraft {
  const id = 'enable-guest-agent';
  const title = 'Install the QEMU guest agent at the first boot';
  if (guest.report.applications.some((a) => /qemu guest agent/i.test(a.displayName ?? a.name))) return notNeeded(id, title, [], 'The QEMU guest agent is installed.');
  if (!hasDrivers(guest)) return notNeeded(id, title, [], 'No virtio-win set was given: install the guest agent once the guest runs on KVM.');
  const rel = guest.drivers.choice.agentMsi;
  if (!rel) return notNeeded(id, title, [], `The driver set ${guest.drivers.set.source} has no guest agent installer for this architecture (guest-agent/qemu-ga-*.msi).`);
  const file = guest.drivers.host.get(rel)!;
  const name = rel.split('/').pop()!;
  const to = guest.realPath(`${AGENT_STAGE}/${name}`);
  const upload: FileEdit = { path: to, kind: 'upload', from: file.local, size: file.size, sha256: file.sha256, beforeSha256: guest.files.get(to)?.sha256 ?? null };
  const action = actionFile(guest, 40, id, 'cmd', agentScript(`${guest.drive}:${to.replace(/\//g, '\\')}`));
  return composeFix(guest, { id, title, findings: [] }, { files: [upload], actions: [action] }, { planned: `Copies ${name} into the guest; msiexec installs it at the first boot.`, nothing: 'The guest agent’s installer and its first-boot script are in place already.' });
}

export function planFastStartup(guest: WindowsGuest): FixDraft {
  const id = 'disable-fast-startup';
  const title = 'Turn off Fast Startup';
  const findings = ['WINDOWS_FAST_STARTUP'];
  const key = `${guest.controlSet}\\Control\\Session Manager\\Power`;
  if (guest.report.windows.hibernation.fastStartup !== true) return notNeeded(id, title, findings, 'Fast Startup is off: “Shut down” leaves the system volume clean.');
  return composeFix(
    guest,
    { id, title, findings },
    { registry: [setValue('SYSTEM', key, 'HiberbootEnabled', dword(0))] },
    { planned: 'Sets HiberbootEnabled to 0: “Shut down” then really shuts down, leaving NTFS clean for later offline work (backups, repairs, conversions) instead of hibernating the kernel.', nothing: 'Fast Startup is off.' },
  );
}
