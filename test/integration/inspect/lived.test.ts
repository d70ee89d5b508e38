import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { LIVED_BOOTS, LIVED_FAILED_UNIT, LIVED_RECOVERED_UNIT, LIVED_STARTUP_MS } from '../../support/lived-guest';
import { inspectVariants } from '../../support/inspect-fixtures';
import type { InspectVariants } from '../../support/inspect-fixtures';
import { runInspect } from './helpers';
import type { StageRun } from './helpers';

/**
 * A Debian guest that has run (the linuxLived variant: a journal of two boots written by
 * systemd-journal-remote, a wtmp written by utmpdump), inspected once (one appliance launch), and
 * its report compared with what the host's journalctl and last print for the same files.
 */

const run$ = promisify(execFile);
const journalctl = async (dir: string, ...args: string[]): Promise<string> => (await run$('/usr/bin/journalctl', ['--directory', dir, '--no-pager', '-q', ...args])).stdout;
const jsonLines = (text: string): Array<Record<string, string>> =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, string>);

describe('inspecting a guest that has run', () => {
  let variants: InspectVariants;
  let run: StageRun;
  let report: InspectionReport;

  beforeAll(async () => {
    variants = await inspectVariants();
    run = await runInspect({ disks: variants.linuxLived.map((d) => ({ path: d.path, format: d.format })) });
    report = run.report;
  });

  afterAll(async () => {
    await run?.finish();
  });

  it('lists the boots journalctl lists, with their times', async () => {
    const journal = report.linux!.journal!;
    expect(journal.persistent).toBe(true);
    // du of the guest's /var/log/journal: at least the one journal file's allocated size.
    expect(journal.size).toBeGreaterThan(0);
    const listed = JSON.parse(await journalctl(variants.linuxLivedFiles.journalDir, '--list-boots', '-o', 'json')) as Array<{ index: number; boot_id: string; first_entry: number; last_entry: number }>;
    expect(listed.map((b) => b.boot_id)).toEqual([LIVED_BOOTS.previous, LIVED_BOOTS.last]);
    expect(journal.boots).toEqual(listed.map((b) => ({ index: b.index, bootId: b.boot_id, first: new Date(b.first_entry / 1000).toISOString(), last: new Date(b.last_entry / 1000).toISOString() })));
  });

  it('reports the last boot’s errors, warnings, start-up time and failed unit as journalctl shows them', async () => {
    const dir = variants.linuxLivedFiles.journalDir;
    const last = report.linux!.journal!.lastBoot!;
    expect(last.bootId).toBe(LIVED_BOOTS.last);

    const errors = jsonLines(await journalctl(dir, '-b', LIVED_BOOTS.last, '-p', 'err', '-o', 'json'));
    expect(errors.length).toBeGreaterThan(0);
    expect(last.errors.map((e) => [e.at, e.priority, e.message])).toEqual(errors.map((e) => [new Date(Number(e.__REALTIME_TIMESTAMP) / 1000).toISOString(), Number(e.PRIORITY), e.MESSAGE]));

    const warnings = jsonLines(await journalctl(dir, '-b', LIVED_BOOTS.last, '-p', 'warning..warning', '-o', 'json'));
    expect(last.warningCount).toBe(warnings.length);

    // systemd's "Unit failed" message (catalog id d9b373ed...) names the unit in UNIT=.
    const failed = jsonLines(await journalctl(dir, '-b', LIVED_BOOTS.last, '-o', 'json', 'MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c')).map((e) => e.UNIT);
    expect(failed).toEqual([LIVED_RECOVERED_UNIT, LIVED_FAILED_UNIT]);
    // ...but the recovered one started on its retry, so only one is still failed.
    expect(last.failedUnits).toEqual([LIVED_FAILED_UNIT]);

    const startup = jsonLines(await journalctl(dir, '-b', LIVED_BOOTS.last, '-o', 'json', 'MESSAGE_ID=b07a249cd024414a82dd00cd181378ff'));
    expect(startup.map((e) => e.MESSAGE)).toEqual([`Startup finished in 1.204s (kernel) + 2.317s (initrd) + 4.560s (userspace) = ${LIVED_STARTUP_MS / 1000}s.`]);
    expect(last.startupMs).toBe(LIVED_STARTUP_MS);
  });

  it('has a finding for the unit that failed, with the journal’s message as evidence', () => {
    const finding = report.findings.find((f) => f.code === 'UNIT_FAILED_LAST_BOOT');
    expect(finding).toMatchObject({ severity: 'warning', fix: { automatic: false } });
    expect(finding!.evidence).toEqual([{ path: '/var/log/journal', note: `${LIVED_FAILED_UNIT} (boot ${LIVED_BOOTS.last})`, excerpt: 'h2k-report: cannot write /srv/reports/daily.csv: No such file or directory' }]);
  });

  it('lists the logins last lists from the same wtmp, newest first', async () => {
    const { stdout } = await run$('/usr/bin/last', ['-f', variants.linuxLivedFiles.wtmp, '-w', '--time-format', 'iso'], { env: { ...process.env, TZ: 'UTC' } });
    // "admin    pts/0        192.0.2.10       2025-11-25T08:09:00+00:00 - 2025-11-25T08:20:00+00:00  (00:10)"
    const fromLast = stdout
      .split('\n')
      // Its last line says where the file starts: "lived-wtmp begins 2025-11-24T08:00:01+00:00".
      .filter((line) => !/ begins \d/.test(line))
      .map((line) => /^(\S+)\s+(\S+)\s+(\S*?)\s*(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\+00:00/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'reboot')
      .map((m) => ({ user: m[1], line: m[2], host: m[3] || null, at: `${m[4]}` }));
    expect(fromLast.map((l) => l.user)).toEqual(['operator', 'admin', 'root']);
    // last prints whole seconds; the report keeps wtmp's milliseconds.
    expect(report.linux!.logins.map((l) => ({ ...l, at: l.at.slice(0, 19) }))).toEqual(fromLast);
    expect(report.linux!.logins[1]).toEqual({ user: 'admin', line: 'pts/0', host: '192.0.2.10', at: '2025-11-25T08:09:00.250Z' });
  });

  it('says nothing is missing', () => {
    expect(report.notes.filter((n) => /journal|wtmp/i.test(n))).toEqual([]);
  });
});
