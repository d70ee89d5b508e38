import type { Application, DiskInfo, Evidence, Filesystem, Finding, InspectionReport, Readiness, Severity } from '../../../../shared/contract/models/inspection';
import { formatBytes } from '../../../../shared/format';
import { SEVERITY_LABEL, USER_COLUMNS, VERDICT_TEXT, bootloaderFacts, firmwareText, identityFacts, osFacts, osTitle, userRows } from '../../../../shared/report-facts';
import type { FactRow } from '../../../../shared/report-facts';

export { bootloaderFacts, firmwareText, identityFacts, osFacts, osTitle, USER_COLUMNS, userRows };
export type { FactRow };

/**
 * What the report viewer shows, as pure functions of the report: the page only lays these out.
 * Kept free of DOM and React so that unit tests pin them down on real reports.
 */

export const SEVERITIES: readonly Severity[] = ['blocker', 'warning', 'info'];

export { SEVERITY_LABEL };

/** The colours of PatternFly's status palette, so charts and labels agree. */
export const SEVERITY_COLOR: Record<Severity, string> = { blocker: '#c9190b', warning: '#f0ab00', info: '#2b9af3' };

export interface Verdict {
  label: string;
  text: string;
  /** PatternFly Label colour. */
  color: 'green' | 'orange' | 'red';
}

export const VERDICTS: Record<Readiness, Verdict> = {
  ready: { ...VERDICT_TEXT.ready, color: 'green' },
  'needs-repair': { ...VERDICT_TEXT['needs-repair'], color: 'orange' },
  blocked: { ...VERDICT_TEXT.blocked, color: 'red' },
};

/** "Debian 12.15 — h2k-debian", "Windows 10 Pro — WIN10-01", or that no OS was found. */



export interface FindingGroup {
  severity: Severity;
  label: string;
  findings: Finding[];
}

/** Findings by severity, blockers first; empty groups are left out. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  return SEVERITIES.map((severity) => ({ severity, label: SEVERITY_LABEL[severity], findings: findings.filter((f) => f.severity === severity) })).filter((g) => g.findings.length > 0);
}

/** Bars of the findings chart: every severity, also the empty ones (a zero is information too). */
export function severityCounts(report: InspectionReport): Array<{ severity: Severity; label: string; count: number; color: string }> {
  return SEVERITIES.map((severity) => ({ severity, label: SEVERITY_LABEL[severity], count: report.findings.filter((f) => f.severity === severity).length, color: SEVERITY_COLOR[severity] }));
}

/** One piece of evidence as one line: where (file:line, registry key, device), what was found there. */
export function evidenceText(ev: Evidence): { where: string; excerpt: string; note: string } {
  const where = [ev.path ? `${ev.path}${ev.line ? `:${ev.line}` : ''}` : null, ev.registryKey ? `${ev.registryKey}${ev.registryValue ? ` → ${ev.registryValue}` : ''}` : null, ev.device ?? null].filter(Boolean).join(' ');
  return { where, excerpt: ev.excerpt ?? '', note: ev.note ?? '' };
}

// ---- Storage ------------------------------------------------------------------------------

export type UsageLevel = 'ok' | 'high' | 'full' | 'unknown';

export interface UsageRow {
  device: string;
  label: string;
  type: string;
  size: number | null;
  used: number | null;
  free: number | null;
  /** 0..100, null when unknown. */
  usedPercent: number | null;
  level: UsageLevel;
}

/** File systems with a known size, for the usage chart (swap and unmountable ones have none). */
export function usageRows(report: InspectionReport): UsageRow[] {
  const lowFree = lowFreeDevices(report);
  return report.filesystems.map((f) => {
    const known = f.size !== null && f.size > 0 && f.used !== null;
    const percent = known ? Math.min(100, Math.max(0, (f.used! / f.size!) * 100)) : null;
    return {
      device: f.device,
      // Windows guests know their volumes by letter; libguestfs' "/" for C: means little there.
      label: `${shortDevice(f.device)}${letterOf(report, f) ?? (f.mountpoint ? ` ${f.mountpoint}` : '')}`,
      type: f.type,
      size: f.size,
      used: f.used,
      free: f.free,
      usedPercent: percent === null ? null : Math.round(percent * 10) / 10,
      level: lowFree.has(f.device) ? 'full' : percent === null ? 'unknown' : percent > 95 ? 'full' : percent > 85 ? 'high' : 'ok',
    };
  });
}

/**
 * The file systems the inspection found too full for repairs (its low-free-space findings name
 * them). The findings own the thresholds: the bar shows "full" exactly where a finding says so.
 */
function lowFreeDevices(report: InspectionReport): Set<string> {
  const low = report.findings.filter((f) => f.code === 'LOW_FREE_SPACE' || f.code === 'LOW_FREE_SPACE_BOOT');
  return new Set(low.flatMap((f) => f.evidence.map((e) => e.device).filter((d): d is string => !!d)));
}

function letterOf(report: InspectionReport, f: Filesystem): string | null {
  const letter = report.driveLetters.find((l) => l.device === f.device)?.letter;
  return letter ? ` ${letter}:` : null;
}

export function shortDevice(device: string): string {
  return device.replace(/^\/dev\//, '');
}

export interface DiskSegment {
  kind: 'partition' | 'free';
  /** Position and width on the drawing, in percent of the disk. */
  left: number;
  width: number;
  label: string;
  detail: string;
  /** Index into the partition palette (partitions only). */
  tone: number;
}

/** Smallest drawn width (percent): a 1 MiB BIOS boot partition on a 100 GiB disk stays visible. */
const MIN_SEGMENT_PERCENT = 1.2;
/** Unallocated space below this share of the disk is not drawn (alignment gaps). */
const MIN_GAP_PERCENT = 1;

/** A disk drawn to scale: its partitions, and the unallocated space between and after them. */
export function diskSegments(disk: DiskInfo, filesystems: readonly Filesystem[]): DiskSegment[] {
  const size = disk.virtualSize;
  if (size <= 0) return [];
  const byDevice = new Map(filesystems.map((f) => [f.device, f]));
  const pct = (bytes: number): number => (bytes / size) * 100;
  const segments: DiskSegment[] = [];
  let cursor = 0;
  const gap = (from: number, to: number): void => {
    if (pct(to - from) >= MIN_GAP_PERCENT) segments.push({ kind: 'free', left: pct(from), width: pct(to - from), label: 'unallocated', detail: formatBytes(to - from), tone: -1 });
  };
  [...disk.partitions]
    .sort((a, b) => a.start - b.start)
    .forEach((p, i) => {
      gap(cursor, p.start);
      const fs = byDevice.get(p.device);
      segments.push({
        kind: 'partition',
        left: pct(p.start),
        width: Math.max(pct(p.size), MIN_SEGMENT_PERCENT),
        label: shortDevice(p.device),
        detail: [fs?.type ?? p.typeName ?? p.type, formatBytes(p.size), fs?.mountpoint ?? null].filter(Boolean).join(' · '),
        tone: i,
      });
      cursor = Math.max(cursor, p.start + p.size);
    });
  gap(cursor, size);
  return segments;
}

// ---- Tables -------------------------------------------------------------------------------

export type SortDirection = 'asc' | 'desc';

export interface Column<Row> {
  id: string;
  label: string;
  /** What the column shows and sorts by (numbers sort as numbers). */
  value: (row: Row) => string | number;
  /** Rendered text when it differs from the sort value (sizes, versions). */
  text?: (row: Row) => string;
  /** Relative width. */
  width?: number;
  mono?: boolean;
}

/** Rows whose columns contain every word of the query (case-insensitive). */
export function filterRows<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>, query: string): Row[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...rows];
  return rows.filter((row) => {
    const haystack = columns.map((c) => String(c.text ? c.text(row) : c.value(row)).toLowerCase()).join('\u0000');
    return words.every((w) => haystack.includes(w));
  });
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Stable sort by one column: numbers numerically, text in natural order ("lib2" before "lib10"). */
export function sortRows<Row>(rows: readonly Row[], column: Column<Row>, direction: SortDirection): Row[] {
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, key: column.value(row) }))
    .sort((a, b) => {
      const order = typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : collator.compare(String(a.key), String(b.key));
      return order !== 0 ? order * sign : a.index - b.index;
    })
    .map((x) => x.row);
}

export function applicationVersion(a: Application): string {
  return `${a.epoch ? `${a.epoch}:` : ''}${a.version}${a.release ? `-${a.release}` : ''}`;
}

export function applicationColumns(report: InspectionReport): Array<Column<Application>> {
  const windows = report.windows !== null;
  return [
    { id: 'name', label: 'Name', value: (a) => a.displayName ?? a.name, width: 3 },
    { id: 'version', label: 'Version', value: applicationVersion, width: 2, mono: true },
    windows ? { id: 'publisher', label: 'Publisher', value: (a) => a.publisher ?? '', width: 2 } : { id: 'arch', label: 'Architecture', value: (a) => a.arch ?? '', width: 1 },
    { id: 'origin', label: 'Source', value: (a) => a.origin, width: 1 },
    { id: 'summary', label: windows ? 'Install path' : 'Summary', value: (a) => (windows ? (a.installPath ?? '') : (a.summary ?? a.description ?? '')), width: 4 },
  ];
}

export interface ServiceRow {
  unit: string;
  wantedBy: string;
  path: string;
}

/** Enabled systemd units (Linux); Windows services that matter to a migration are its drivers. */
export function serviceRows(report: InspectionReport): ServiceRow[] {
  return report.linux?.systemd?.enabledUnits.map((u) => ({ unit: u.unit, wantedBy: u.wantedBy, path: u.path })) ?? [];
}

export interface DriverRow {
  service: string;
  present: boolean;
  start: string;
  startOverride: string;
  group: string;
  imagePath: string;
  registryKey: string;
  /** virtio storage drivers are what a Windows guest needs to find its disk on KVM. */
  virtio: boolean;
}

export function driverRows(report: InspectionReport): DriverRow[] {
  return (report.windows?.storageDrivers ?? [])
    .filter((d) => d.present || isVirtioStorage(d.service))
    .map((d) => ({
      service: d.service,
      present: d.present,
      start: d.start ?? '',
      startOverride: d.startOverride ? Object.entries(d.startOverride).map(([k, v]) => `${k}=${v}`).join(', ') : '',
      group: d.group ?? '',
      imagePath: d.imagePath ?? '',
      registryKey: d.registryKey,
      virtio: isVirtioStorage(d.service),
    }));
}

function isVirtioStorage(service: string): boolean {
  return /^vio(stor|scsi)$/i.test(service);
}

// ---- Boot verification ----------------------------------------------------------------------

/**
 * A verification screenshot as the engine serves it (`boot.screenshot`): the job whose folder
 * holds it and its file name, read from its path (<jobs>/<jobId>/boot/screen-001.png).
 */
export function screenshotRef(path: string): { jobId: string; name: string } | null {
  const m = /\/([a-z0-9-]{6,64})\/boot\/(screen-(?:\d+-)?\d{3,}\.png)$/.exec(path);
  return m ? { jobId: m[1]!, name: m[2]! } : null;
}

// ---- Export names ---------------------------------------------------------------------------

/** A file name for an export: the guest's hostname (or product), made safe, and the date. */
export function exportBaseName(report: InspectionReport): string {
  const who = report.os.hostname ?? report.os.productName ?? report.os.distro ?? (report.os.type === 'unknown' ? 'disk' : report.os.type);
  const safe = who.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'guest';
  return `${safe}-inspection-${report.generatedAt.slice(0, 10)}`;
}

/** How the viewer counts findings in words: "3 blockers, 1 warning". */
export function countsText(summary: InspectionReport['summary']): string {
  const part = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  return [part(summary.blockers, 'blocker', 'blockers'), part(summary.warnings, 'warning', 'warnings'), part(summary.infos, 'note', 'notes')].join(', ');
}
