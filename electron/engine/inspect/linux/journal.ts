import type { JournalBoot, JournalEntry, JournalFacts } from '../../../../shared/contract/models/inspection';

/**
 * The guest's persistent journal, read offline: the journal files are copied out of the guest and
 * the host's own journalctl reads them (`--directory`), so the binary format (compression, keyed
 * hashes, compact mode) is systemd's business, not ours. These are the pure parts: the queries
 * and the parsers of what journalctl prints.
 */

export const JOURNAL_DIR = '/var/log/journal';
/**
 * Larger journals are not copied. journald's default SystemMaxUse is 10% of the file system
 * capped at 4 GiB; 256 MiB holds weeks of a typical server's messages (a file is 8–128 MiB) and
 * costs a few seconds through the appliance even under TCG. Above it the report says so.
 */
export const JOURNAL_MAX_BYTES = 256 * 1024 * 1024;
/** The report keeps the last boot's last 200 errors (the contract's bound). */
export const MAX_ERRORS = 200;

/** Catalog ids from /usr/lib/systemd/catalog/systemd.catalog (systemd 252). */
export const MESSAGE_IDS = {
  /** "Unit failed": "The unit @UNIT@ has entered the 'failed' state with result '@UNIT_RESULT@'." */
  unitFailed: 'd9b373ed55a64feb8242e02dbe79a49c',
  /** "A start job for unit @UNIT@ has finished successfully" (a unit that failed, then started). */
  startJobDone: '39f53479d3a045ac8e11786248231fbf',
  /** "System start-up is now complete": KERNEL_USEC, INITRD_USEC, USERSPACE_USEC. */
  startupFinished: 'b07a249cd024414a82dd00cd181378ff',
} as const;

/** Only what the report uses: keeps the JSON small (journalctl adds __CURSOR and the timestamps). */
export const OUTPUT_FIELDS = ['__REALTIME_TIMESTAMP', 'PRIORITY', 'MESSAGE', 'MESSAGE_ID', 'UNIT', '_SYSTEMD_UNIT', 'SYSLOG_IDENTIFIER', 'JOB_RESULT', 'KERNEL_USEC', 'INITRD_USEC', 'USERSPACE_USEC'];

/**
 * journalctl argument vectors. A boot is always named by its id: with --directory, an empty `-b`
 * means the host's current boot, which is not in the guest's journal. -q drops "-- No entries --"
 * and similar lines from stdout.
 */
export const journalQueries = {
  listBoots: (dir: string): string[] => ['--directory', dir, '--no-pager', '-q', '--list-boots', '-o', 'json'],
  /** err and worse, the last MAX_ERRORS of the boot. */
  errors: (dir: string, bootId: string): string[] => ['--directory', dir, '--no-pager', '-q', '-b', bootId, '-p', '0..3', '-n', String(MAX_ERRORS), '-o', 'json', `--output-fields=${OUTPUT_FIELDS.join(',')}`],
  /** One line ("4") per warning: counted, never kept (a noisy boot has tens of thousands). */
  warnings: (dir: string, bootId: string): string[] => ['--directory', dir, '--no-pager', '-q', '-b', bootId, '-p', '4..4', '-o', 'cat', '--output-fields=PRIORITY'],
  /** systemd's own messages about units failing and starting, and the end of start-up. */
  events: (dir: string, bootId: string): string[] => [
    '--directory',
    dir,
    '--no-pager',
    '-q',
    '-b',
    bootId,
    '-o',
    'json',
    `--output-fields=${OUTPUT_FIELDS.join(',')}`,
    // Matches on one field are OR'ed: any of the three messages.
    ...Object.values(MESSAGE_IDS).map((id) => `MESSAGE_ID=${id}`),
  ],
};

/** One entry as journalctl -o json prints it, reduced to what the report needs. */
export interface RawEntry {
  realtimeUsec: number;
  priority: number | null;
  message: string;
  messageId: string | null;
  unit: string | null;
  systemdUnit: string | null;
  identifier: string | null;
  jobResult: string | null;
  /** The start-up timings, when the entry is "Startup finished". */
  usec: { kernel: number | null; initrd: number | null; userspace: number | null };
}

/** `journalctl --list-boots -o json` (systemd 251 and later); null when it is not that. */
export function parseListBoots(stdout: string): JournalBoot[] | null {
  const text = stdout.trim();
  if (text === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(data)) return null;
  const boots: JournalBoot[] = [];
  for (const item of data) {
    if (!item || typeof item !== 'object') return null;
    const b = item as Record<string, unknown>;
    if (typeof b.index !== 'number' || typeof b.boot_id !== 'string' || typeof b.first_entry !== 'number' || typeof b.last_entry !== 'number') return null;
    boots.push({ index: b.index, bootId: b.boot_id, first: isoFromUsec(b.first_entry), last: isoFromUsec(b.last_entry) });
  }
  return boots.sort((a, b) => a.index - b.index);
}

/**
 * `journalctl -o json`: one object per line. A field journalctl cannot print as text (control
 * characters, invalid UTF-8) comes as an array of byte values; a field set more than once as an
 * array of its values (the first is kept). Lines that are not JSON objects are skipped.
 */
export function parseJournalJson(stdout: string): RawEntry[] {
  const out: RawEntry[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const realtime = Number(field(obj.__REALTIME_TIMESTAMP));
    if (!Number.isFinite(realtime)) continue;
    const priority = Number(field(obj.PRIORITY));
    out.push({
      realtimeUsec: realtime,
      priority: Number.isInteger(priority) && priority >= 0 && priority <= 7 ? priority : null,
      message: field(obj.MESSAGE) ?? '',
      messageId: field(obj.MESSAGE_ID),
      unit: field(obj.UNIT),
      systemdUnit: field(obj._SYSTEMD_UNIT),
      identifier: field(obj.SYSLOG_IDENTIFIER),
      jobResult: field(obj.JOB_RESULT),
      usec: { kernel: usecField(obj.KERNEL_USEC), initrd: usecField(obj.INITRD_USEC), userspace: usecField(obj.USERSPACE_USEC) },
    });
  }
  return out;
}

/** An entry of the report: systemd's messages about a unit are attributed to that unit, not to init.scope. */
export function toJournalEntry(raw: RawEntry): JournalEntry {
  return { at: isoFromUsec(raw.realtimeUsec), priority: raw.priority ?? 6, source: raw.unit ?? raw.systemdUnit ?? raw.identifier, message: raw.message };
}

/** `-o cat --output-fields=PRIORITY` prints one line per entry. */
export function countEntries(stdout: string): number {
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/**
 * Units that entered the failed state and did not start successfully afterwards in the same boot
 * (a service that failed once and came up on its retry is not what `systemctl --failed` would
 * show). In the order they first failed.
 */
export function failedUnits(events: readonly RawEntry[]): string[] {
  const state = new Map<string, boolean>();
  for (const e of [...events].sort((a, b) => a.realtimeUsec - b.realtimeUsec)) {
    if (!e.unit) continue;
    // A Map keeps the order of first insertion: setting a unit again does not move it.
    if (e.messageId === MESSAGE_IDS.unitFailed) state.set(e.unit, true);
    else if (e.messageId === MESSAGE_IDS.startJobDone && e.jobResult === 'done' && state.has(e.unit)) state.set(e.unit, false);
  }
  return [...state].filter(([, failed]) => failed).map(([unit]) => unit);
}

/**
 * How long the boot took to start: what systemd measured and printed in "Startup finished ... =
 * N s" (kernel + initrd + userspace); without those fields, from the boot's first entry to that
 * message. Null when the boot never finished starting (or its message was not kept).
 */
export function startupMs(events: readonly RawEntry[], bootFirstUsec: number): number | null {
  const done = events.filter((e) => e.messageId === MESSAGE_IDS.startupFinished).at(-1);
  if (!done) return null;
  const { kernel, initrd, userspace } = done.usec;
  if (kernel !== null || userspace !== null) return Math.round(((kernel ?? 0) + (initrd ?? 0) + (userspace ?? 0)) / 1000);
  return Math.max(0, Math.round((done.realtimeUsec - bootFirstUsec) / 1000));
}

export interface JournalReads {
  size: number | null;
  boots: JournalBoot[];
  /** What the three queries about the last boot printed (absent when the journal has no boot). */
  lastBoot?: { errors: string; warnings: string; events: string };
}

/** The report's journal from what journalctl printed. */
export function summarizeJournal(reads: JournalReads): JournalFacts {
  const last = reads.boots.find((b) => b.index === 0) ?? reads.boots.at(-1);
  if (!last || !reads.lastBoot) return { persistent: true, size: reads.size, boots: reads.boots, lastBoot: null };
  const events = parseJournalJson(reads.lastBoot.events);
  const errors = parseJournalJson(reads.lastBoot.errors)
    .filter((e) => e.priority !== null && e.priority <= 3)
    .slice(-MAX_ERRORS)
    .map(toJournalEntry);
  return {
    persistent: true,
    size: reads.size,
    boots: reads.boots,
    lastBoot: {
      bootId: last.bootId,
      startupMs: startupMs(events, Date.parse(last.first) * 1000),
      failedUnits: failedUnits(events),
      errors,
      warningCount: countEntries(reads.lastBoot.warnings),
    },
  };
}

/** A guest whose journal lives in memory only: nothing of a past boot can be read. */
export function volatileJournal(size: number | null): JournalFacts {
  return { persistent: false, size, boots: [], lastBoot: null };
}

/** Whether a listing of /var/log/journal (guestfish `find`) holds a journal file. */
export function hasJournalFiles(listing: readonly string[]): boolean {
  return listing.some((name) => /\.journal~?$/.test(name));
}

function field(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length && value.every((v) => typeof v === 'number')) return Buffer.from(value).toString('utf8');
    return field(value[0]);
  }
  return null;
}

function usecField(value: unknown): number | null {
  const n = Number(field(value));
  return field(value) !== null && Number.isFinite(n) && n >= 0 ? n : null;
}

function isoFromUsec(usec: number): string {
  return new Date(Math.floor(usec / 1000)).toISOString();
}
