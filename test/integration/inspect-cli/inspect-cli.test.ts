import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEvent } from '../../../shared/contract/events';
import { InspectionReport } from '../../../shared/contract/models/inspection';
import { debianGuest } from '../../fixtures/index';
import type { DebianGuest } from '../../fixtures/index';
import { CLI_BIN, runCliInProcess, runCliProcess } from '../../support/cli';
import type { CliRun } from '../../support/cli';
import { inspectVariants } from '../../support/inspect-fixtures';
import type { InspectVariants } from '../../support/inspect-fixtures';

/**
 * `hyper2kvm inspect` as scripts use it: the real binary, real libguestfs, real Chromium for the
 * PDF. Three appliance launches in all (the Debian VMDK with both exports, a disk without an
 * OS, a conversion with --inspect); every error case fails before an appliance would start.
 */

let work: string;
let home: string;
let guest: DebianGuest;
let variants: InspectVariants;

const env = (): Record<string, string> => ({ HYPER2KVM_HOME: home });
const pdfText = (path: string): string => execFileSync('/usr/bin/pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });

function lastLine(run: CliRun): Record<string, unknown> {
  expect(run.lines.length, run.stderr).toBeGreaterThan(0);
  return run.result;
}

beforeAll(async () => {
  expect(existsSync(join(CLI_BIN, '..', '..', 'dist', 'node', 'cli.mjs')), 'run `npm run build` first (npm test does)').toBe(true);
  [guest, variants] = await Promise.all([debianGuest(), inspectVariants()]);
  work = mkdtempSync(join(tmpdir(), 'h2k-inspect-cli-'));
  home = join(work, 'home');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('hyper2kvm inspect on the Debian VMDK', () => {
  let run: CliRun;
  let report: InspectionReport;
  let before: { size: number; mtimeMs: number };
  const html = (): string => join(work, 'debian.html');
  const pdf = (): string => join(work, 'debian.pdf');

  beforeAll(async () => {
    const stat = statSync(guest.vmdk);
    before = { size: stat.size, mtimeMs: stat.mtimeMs };
    run = await runCliProcess(['inspect', guest.vmdk, '--json', '--html', html(), '--pdf', pdf()], { env: env() });
    report = InspectionReport.parse(run.result.report);
  });

  it('exits 0; stdout is JSON lines: the job events, then the result with the report', () => {
    expect(run.code, run.stderr).toBe(0);
    const result = lastLine(run);
    expect(result).toMatchObject({ type: 'result', ok: true, jobId: expect.stringMatching(/^[a-z0-9-]+$/) as unknown });
    for (const line of run.lines.slice(0, -1)) expect(JobEvent.safeParse(line).success, JSON.stringify(line)).toBe(true);
    expect(run.lines.filter((l) => l.type === 'result')).toHaveLength(1);
  });

  it('reports the operating system, file systems, mountpoints, applications, network and findings', () => {
    expect(report.os).toMatchObject({ type: 'linux', distro: 'debian', majorVersion: 12, arch: 'x86_64', hostname: guest.facts.hostname, firmware: 'bios' });
    expect(report.os.productName).toBeTruthy();
    expect(typeof report.os.minorVersion).toBe('number');
    expect(report.filesystems).toContainEqual(expect.objectContaining({ device: guest.facts.rootPartition, type: 'ext4', uuid: guest.facts.rootUuid, label: null }));
    expect(report.mountpoints).toEqual([{ device: guest.facts.rootPartition, path: '/' }]);
    expect(report.applications.length).toBeGreaterThan(100);
    expect(report.applications).toContainEqual(expect.objectContaining({ name: 'open-vm-tools', version: expect.any(String) as unknown }));
    expect(report.network).toContainEqual(expect.objectContaining({ interface: 'ens192', method: 'static', addresses: ['10.20.30.40/24'] }));
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual(expect.arrayContaining([
      ['NIC_MAC_PINNED', 'warning'],
      ['VMWARE_TOOLS_INSTALLED', 'warning'],
    ]));
  });

  it('stores the report with the job, as the result says', () => {
    const reportPath = run.result.reportPath as string;
    expect(reportPath).toBe(join(home, 'jobs', run.result.jobId as string, 'inspection.json'));
    expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toEqual(run.result.report);
  });

  it('writes the HTML and the PDF, whose text names the OS and the findings', () => {
    expect(run.result.exports).toEqual({ html: { path: html(), bytes: statSync(html()).size }, pdf: { path: pdf(), bytes: statSync(pdf()).size } });
    const page = readFileSync(html(), 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('h2k-debian');
    const text = pdfText(pdf());
    expect(text).toContain('h2k-debian');
    expect(text).toMatch(/debian/i);
    expect(text).toContain('NIC_MAC_PINNED');
    expect(text).toContain(report.findings.find((f) => f.code === 'NIC_MAC_PINNED')!.title);
    expect(text).toContain('open-vm-tools'); // every package is printed
    expect(text).toContain('libacl1');
  });

  it('never wrote to the disk', () => {
    const stat = statSync(guest.vmdk);
    expect({ size: stat.size, mtimeMs: stat.mtimeMs }).toEqual(before);
  });
});

describe('a disk without an operating system', () => {
  it('is a report with a finding, not an error (human output)', async () => {
    const run = await runCliProcess(['inspect', variants.noOs[0]!.path], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('No operating system found.');
    expect(run.stdout).toMatch(/blocker\s+NO_OS_FOUND/);
    expect(run.stderr).toMatch(/\[\d+\/\d+\] Report written/);
    const reportPath = /^Report: (.+)$/m.exec(run.stdout)?.[1];
    const report = InspectionReport.parse(JSON.parse(readFileSync(reportPath!, 'utf8')));
    expect(report.os.type).toBe('unknown');
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([['NO_OS_FOUND', 'blocker']]);
    expect(report.filesystems).toContainEqual(expect.objectContaining({ type: 'ext4', label: 'data' }));
  });
});

describe('errors are values with exit codes', () => {
  it('documents the command in --help', async () => {
    const run = await runCliInProcess(['inspect', '--help']);
    expect(run.code).toBe(0);
    for (const text of ['hyper2kvm inspect DISK...', '--json', '--html FILE', '--pdf FILE', 'read-only', '"report"']) expect(run.stdout).toContain(text);
    expect((await runCliInProcess(['--help'])).stdout).toMatch(/^ {2}inspect +Inspect the disks of a VM/m);
  });

  it.each<[string, (w: string) => string[], string]>([
    ['no disk', () => ['inspect', '--json'], 'INVALID_REQUEST'],
    ['an unknown option', (w) => ['inspect', join(w, 'x.vmdk'), '--jsn'], 'INVALID_REQUEST'],
    ['a disk that does not exist', (w) => ['inspect', join(w, 'missing.vmdk'), '--json'], 'INSPECT_DISK_UNREADABLE'],
    ['a folder as the disk', (w) => ['inspect', w, '--json'], 'INSPECT_DISK_UNREADABLE'],
    ['an HTML export into a folder that does not exist', (w) => ['inspect', join(w, 'missing.vmdk'), '--html', join(w, 'nope', 'r.html'), '--json'], 'INVALID_REQUEST'],
    ['a PDF export over an existing file', (w) => ['inspect', join(w, 'missing.vmdk'), '--pdf', join(w, 'exists.pdf'), '--json'], 'INVALID_REQUEST'],
  ])('%s: exit 2 with a bad-input error value', async (_name, args, code) => {
    writeFileSync(join(work, 'exists.pdf'), 'x');
    const started = Date.now();
    const run = await runCliProcess(args(work), { env: env() });
    expect(run.code, run.stderr).toBe(2);
    if (run.lines.length) expect(lastLine(run)).toMatchObject({ type: 'result', ok: false, error: { code, kind: 'bad-input' } });
    else expect(run.stderr).toContain(`error [${code}]`);
    expect(Date.now() - started).toBeLessThan(15_000); // refused before any appliance starts
  });

  it('export targets are checked before the inspection: no job was started for them', () => {
    const jobs = existsSync(join(home, 'jobs')) ? readdirSync(join(home, 'jobs')) : [];
    const titles = jobs.map((id) => (JSON.parse(readFileSync(join(home, 'jobs', id, 'job.json'), 'utf8')) as { request: { disks: Array<{ path: string }> } }).request.disks[0]!.path);
    // Only the inspections that ran (and the two missing-disk runs, which are jobs that failed).
    expect(titles.filter((p) => p.endsWith('missing.vmdk'))).toHaveLength(1);
  });

  it('an appliance that cannot start: exit 1 with a failure error value and its evidence', async () => {
    const run = await runCliProcess(['inspect', variants.noOs[0]!.path, '--json'], { env: { ...env(), TMPDIR: join(work, 'tmp-gone') } });
    expect(run.code, run.stderr).toBe(1);
    expect(lastLine(run)).toMatchObject({ type: 'result', ok: false, error: { code: 'INSPECT_LAUNCH_FAILED', kind: 'failure', evidence: { command: expect.arrayContaining(['/usr/bin/guestfish']) as unknown } } });
  });
});

describe('hyper2kvm convert --inspect', () => {
  it('inspects the converted disk in the same job: report in the result and as inspection.json', async () => {
    const out = join(work, 'converted');
    const run = await runCliProcess(['convert', guest.vmdk, '--out', out, '--inspect', '--json'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const stages = run.lines.filter((l) => l.type === 'stage-done').map((l) => l.stage);
    expect(stages).toEqual(['probe', 'verify', 'preflight', 'convert', 'check', 'inspect', 'finalize']);
    const report = InspectionReport.parse(run.result.inspection);
    const recordPath = run.result.recordPath as string;
    expect(report.disks).toEqual([expect.objectContaining({ path: join(out, 'disk.qcow2'), format: 'qcow2' })]);
    expect(report.os).toMatchObject({ type: 'linux', distro: 'debian', hostname: guest.facts.hostname });
    expect(JSON.parse(readFileSync(join(recordPath, '..', 'inspection.json'), 'utf8'))).toEqual(run.result.inspection);
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as { cli: string[] };
    expect(record.cli).toContain('--inspect');
  });
});
