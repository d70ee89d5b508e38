import type { InspectionReport, Severity } from './contract/models/inspection';

/**
 * What an inspection report says in words, for both places that show it: the report viewer and
 * the self-contained HTML (and PDF) export must say the same thing about the same guest. Each
 * keeps only its own colours and layout.
 */

export type FactRow = [label: string, value: string];

/** The guest's name as a heading: the product, or the distribution when the product is a bare version. */
export function osTitle(report: InspectionReport): string {
  const os = report.os;
  if (os.type === 'unknown') return 'No operating system found';
  // libguestfs names Debian's product after /etc/debian_version ("12.15"): lead with the distribution then.
  const name = os.productName && !/^\d/.test(os.productName) ? os.productName : [capitalize(os.distro ?? os.type), os.productName].filter(Boolean).join(' ');
  return `${name}${os.hostname ? ` — ${os.hostname}` : ''}`;
}

function capitalize(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** BIOS or UEFI, and for UEFI the ESP and whether it has the fallback loader KVM boots from. */
export function firmwareText(report: InspectionReport): string {
  const firmware = report.os.firmware === 'unknown' ? report.boot.firmware : report.os.firmware;
  const esp = report.boot.esp;
  if (firmware === 'uefi') return esp ? `UEFI (ESP ${esp.device}${esp.fallbackLoader ? ', fallback loader present' : ', no fallback loader'})` : 'UEFI';
  return firmware === 'bios' ? 'BIOS' : 'unknown';
}

/** The OS identity, leaving out what is unknown. */
export function osFacts(report: InspectionReport): FactRow[] {
  const os = report.os;
  const rows: Array<[string, string | number | null | undefined]> = [
    ['Operating system', os.type === 'unknown' ? 'none found' : os.type],
    ['Distribution', os.distro],
    ['Product', os.productName],
    ['Variant', os.productVariant],
    ['Version', os.majorVersion === null ? null : `${os.majorVersion}.${os.minorVersion ?? 0}${os.build ? ` (build ${os.build})` : ''}`],
    ['Architecture', os.arch],
    ['Hostname', os.hostname],
    ['Firmware', firmwareText(report)],
    ['osinfo', os.osinfo],
    ['Packages', [os.packageFormat, os.packageManagement].filter(Boolean).join(' / ') || null],
    ['Root file system', os.root],
    ['Other operating systems', report.operatingSystems.length > 1 ? report.operatingSystems.filter((o) => o.root !== os.root).map((o) => `${o.productName ?? o.type} on ${o.root ?? '?'}`).join(', ') : null],
  ];
  return rows.filter((r): r is [string, string | number] => r[1] !== null && r[1] !== undefined && r[1] !== '').map(([k, v]) => [k, String(v)]);
}

/** Finding groups' headings. */
export const SEVERITY_LABEL: Record<Severity, string> = { blocker: 'Blockers', warning: 'Warnings', info: 'Information' };

type Readiness = InspectionReport['summary']['readiness'];

/** The verdict's words for each readiness. */
export const VERDICT_TEXT: Record<Readiness, { label: string; text: string }> = {
  ready: { label: 'Ready to migrate', text: 'Nothing stands in the way of running this guest on KVM.' },
  'needs-repair': { label: 'Ready after repairs', text: 'hyper2kvm repairs what would break on KVM before the first boot.' },
  blocked: { label: 'Blocked', text: 'Some problems need the administrator before this guest can be migrated.' },
};

/** A Linux guest's boot loader as label/value rows, leaving out what is unknown. */
export function bootloaderFacts(report: InspectionReport): FactRow[] {
  const bl = report.linux?.bootloader;
  if (!bl) return [];
  const rows: Array<[string, string | null | undefined]> = [
    ['Kind', bl.kind],
    ['Configuration', bl.configPath],
    ['Defaults', bl.defaultsPath],
    ['Kernel command line', bl.kernelCmdline],
    ['VMware-specific parameters', bl.vmwareParams.join(' ') || 'none'],
    ['Serial console', bl.serialConsole ? 'yes' : 'no'],
    ['Firmware', firmwareText(report)],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== undefined && r[1] !== '');
}

/** A Linux guest's identity (hostname, time zone, locale, keymap, machine-id) as rows; none when unread. */
export function identityFacts(report: InspectionReport): FactRow[] {
  const id = report.linux?.identity;
  if (!id) return [];
  const rows: Array<[string, string | null]> = [
    ['Hostname', id.hostname],
    ['Pretty hostname', id.prettyHostname],
    ['Time zone', id.timeZone],
    ['Locale', id.locale],
    ['Keymap', id.keymap],
    ['Machine ID', id.machineId],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== '');
}

/** The accounts that can log in, as table rows under USER_COLUMNS (the viewer and the export). */
export const USER_COLUMNS = ['User', 'UID', 'Name', 'Home', 'Shell', 'Password'] as const;

export function userRows(report: InspectionReport): string[][] {
  return (report.linux?.users ?? []).map((u) => [u.name, String(u.uid), u.fullName ?? '', u.home, u.shell, u.password]);
}
