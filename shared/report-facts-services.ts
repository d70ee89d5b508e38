import type { InspectionReport, JournalBoot, UnitFile } from './contract/models/inspection';
import { formatBytes, formatDuration } from './format';
import type { FactRow } from './report-facts';
import { OLDER_REPORT_TEXT } from './report-facts-storage';

/**
 * The "Services and logs" section in words, for the report viewer and the HTML (and PDF) export:
 * systemd's unit files, timers and sockets, the persistent journal and the recent logins of a
 * Linux guest. Both places lay these rows out; neither words them itself.
 */

/**
 * What the report can say about services and logs: read; not read because the report predates
 * these facts (the schema defaults them to empty / null); or nothing to read (no systemd).
 */
export function servicesState(report: InspectionReport): 'read' | 'older-report' | 'no-systemd' {
  const l = report.linux;
  if (!l) return 'no-systemd';
  const sd = l.systemd;
  // An inspection that read them always finds some unit files on a systemd guest (211 on a
  // minimal Debian 12), and always says whether the journal is persistent.
  if ((sd?.unitFiles.length ?? 0) > 0 || l.journal !== null || l.logins.length > 0) return 'read';
  return sd ? 'older-report' : 'no-systemd';
}

export const SERVICES_STATE_TEXT = {
  'older-report': OLDER_REPORT_TEXT,
  'no-systemd': 'This guest does not use systemd: there are no unit files to list.',
} as const;

/** ISO time as both places print it: UTC, to the second ("2026-11-25 06:14:22 UTC"). */
export function formatTimestamp(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// ---- systemd --------------------------------------------------------------------------------

export const UNIT_COLUMNS = ['Unit', 'Type', 'State', 'Wanted by', 'Description'] as const;

export function unitCells(u: UnitFile): string[] {
  return [u.unit, u.type, u.state, u.wantedBy.join(', '), u.description ?? ''];
}

/** Every unit file by name, as rows under UNIT_COLUMNS. */
export function unitRows(report: InspectionReport): string[][] {
  return sortedUnits(report).map(unitCells);
}

export function sortedUnits(report: InspectionReport): UnitFile[] {
  return [...(report.linux?.systemd?.unitFiles ?? [])].sort((a, b) => a.unit.localeCompare(b.unit));
}

/** "212 unit files: 12 enabled, 155 static, 20 disabled, 6 masked, 18 alias" (largest first after enabled). */
export function unitSummary(report: InspectionReport): string {
  const units = report.linux?.systemd?.unitFiles ?? [];
  const byState = new Map<string, number>();
  for (const u of units) byState.set(u.state, (byState.get(u.state) ?? 0) + 1);
  const parts = [...byState.entries()].sort((a, b) => (a[0] === 'enabled' ? -1 : b[0] === 'enabled' ? 1 : b[1] - a[1] || a[0].localeCompare(b[0]))).map(([state, n]) => `${n} ${state}`);
  return `${units.length} unit file${units.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

export const TIMER_COLUMNS = ['Timer', 'Schedule', 'Activates', 'Persistent', 'Enabled'] as const;

export function timerRows(report: InspectionReport): string[][] {
  return [...(report.linux?.systemd?.timers ?? [])].sort((a, b) => a.unit.localeCompare(b.unit)).map((t) => [t.unit, t.schedule.join('; '), t.activates, t.persistent ? 'yes' : 'no', t.enabled ? 'yes' : 'no']);
}

export const SOCKET_COLUMNS = ['Socket', 'Listens on', 'Enabled'] as const;

export function socketRows(report: InspectionReport): string[][] {
  return [...(report.linux?.systemd?.sockets ?? [])].sort((a, b) => a.unit.localeCompare(b.unit)).map((s) => [s.unit, s.listen.join('; '), s.enabled ? 'yes' : 'no']);
}

export const CHAIN_COLUMNS = ['Unit', 'Reached', 'Chain from the default target, or why not'] as const;

/**
 * The units repair cares about (network managers, guest agent, ssh, serial getty, cloud-init,
 * VMware Tools), in the engine's order: reached at boot or not, by which chain or why not.
 */
export function chainRows(report: InspectionReport): string[][] {
  return (report.linux?.systemd?.chains ?? []).map((c) => [c.unit, c.reached ? 'yes' : 'no', c.reached ? c.chain.join(' → ') : (c.reason ?? '')]);
}

/**
 * What stands in for the table without rows. A report made before the chains were read has none:
 * said in its own words, as such a report may have every other fact of this section.
 */
export const CHAINS_NOT_READ_TEXT = 'Not checked: this report was made by a version of hyper2kvm that did not follow the default target’s dependencies.';

export function chainEmptyText(report: InspectionReport): string {
  return report.linux?.systemd?.chains ? 'No unit to check.' : CHAINS_NOT_READ_TEXT;
}

// ---- The journal ----------------------------------------------------------------------------

/** Said plainly when there is no persistent journal (or it was not read), instead of empty tables. */
export function journalStatement(report: InspectionReport): string | null {
  const state = servicesState(report);
  if (state !== 'read') return SERVICES_STATE_TEXT[state];
  const j = report.linux?.journal;
  if (!j) return 'The journal was not read.';
  if (!j.persistent) return 'No persistent journal: this guest keeps its journal in memory only (no /var/log/journal), so nothing of its earlier boots can be read.';
  if (!j.boots.length) return 'The persistent journal holds no boot.';
  return null;
}

export function journalFacts(report: InspectionReport): FactRow[] {
  const j = report.linux?.journal;
  if (!j?.persistent) return [];
  const last = j.lastBoot;
  const rows: Array<[string, string | null]> = [
    ['Persistent journal', `yes, ${formatBytes(j.size ?? 0)}`],
    ['Boots recorded', String(j.boots.length)],
    ['Last boot', last?.bootId ?? null],
    ['Startup time (last boot)', last ? (last.startupMs === null ? 'unknown (no "Startup finished" message)' : `${(last.startupMs / 1000).toFixed(1)} s`) : null],
    ['Failed units (last boot)', last ? last.failedUnits.join(', ') || 'none' : null],
    ['Errors (last boot)', last ? String(last.errors.length) : null],
    ['Warnings (last boot)', last ? String(last.warningCount) : null],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null);
}

export const BOOT_COLUMNS = ['Boot', 'Boot ID', 'First entry', 'Last entry', 'Lasted'] as const;

/** Boots oldest first, as journalctl --list-boots prints them. */
export function bootRows(report: InspectionReport): string[][] {
  return sortedBoots(report).map((b) => [String(b.index), b.bootId, formatTimestamp(b.first), formatTimestamp(b.last), formatDuration(spanSeconds(b.first, b.last))]);
}

function sortedBoots(report: InspectionReport): JournalBoot[] {
  return [...(report.linux?.journal?.boots ?? [])].sort((a, b) => a.index - b.index);
}

function spanSeconds(first: string, last: string): number | null {
  const a = Date.parse(first);
  const b = Date.parse(last);
  return Number.isNaN(a) || Number.isNaN(b) || b < a ? null : (b - a) / 1000;
}

export interface BootSpan {
  index: number;
  label: string;
  /** Position and width on the timeline, percent of the time from the first boot's start to the last boot's end. */
  left: number;
  width: number;
}

/** The boots drawn on one time axis: how long each ran and the gaps between them. */
export function bootTimeline(report: InspectionReport): BootSpan[] {
  const boots = sortedBoots(report).filter((b) => !Number.isNaN(Date.parse(b.first)) && !Number.isNaN(Date.parse(b.last)));
  if (!boots.length) return [];
  const start = Math.min(...boots.map((b) => Date.parse(b.first)));
  const end = Math.max(...boots.map((b) => Date.parse(b.last)));
  const range = Math.max(1, end - start);
  return boots.map((b) => {
    const left = ((Date.parse(b.first) - start) / range) * 100;
    const width = ((Date.parse(b.last) - Date.parse(b.first)) / range) * 100;
    // A boot of a few minutes in a month of history stays visible.
    return { index: b.index, label: `boot ${b.index}: ${formatTimestamp(b.first)} – ${formatTimestamp(b.last)}`, left: Math.min(left, 99), width: Math.max(width, 1) };
  });
}

export const JOURNAL_ERROR_COLUMNS = ['Time', 'Priority', 'Source', 'Message'] as const;

const PRIORITY = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** The last boot's errors, oldest first. */
export function journalErrorRows(report: InspectionReport): string[][] {
  return (report.linux?.journal?.lastBoot?.errors ?? []).map((e) => [formatTimestamp(e.at), PRIORITY[e.priority] ?? String(e.priority), e.source ?? '', e.message]);
}

// ---- Logins ---------------------------------------------------------------------------------

export const LOGIN_COLUMNS = ['User', 'Line', 'From', 'At'] as const;

/** Recent logins, newest first (as wtmp's reader gives them). */
export function loginRows(report: InspectionReport): string[][] {
  return (report.linux?.logins ?? []).map((l) => [l.user, l.line, l.host ?? 'local', formatTimestamp(l.at)]);
}
