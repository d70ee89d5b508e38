import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { draftProblems, initialMigrateDraft, limitProblem, sameRequest, startProblems, toMigrateOptions, toPreflightRequest } from '../../../renderer/src/features/vcenter/migrate-options';
import type { MigrateDraft, PreflightState } from '../../../renderer/src/features/vcenter/migrate-options';
import { MAX_LOG_LINES, stageLabel } from '../../../renderer/src/components/job-run';
import { applyMigrateEvent, initialMigrateRun, partSnapshot, replayMigrateEvents } from '../../../renderer/src/features/vcenter/migrate-run';
import type { MigrateRunView } from '../../../renderer/src/features/vcenter/migrate-run';
import { MigrateOptions, PreflightReport, PreflightRequest } from '../../../shared/contract/api/vcenter';
import { JobEvent } from '../../../shared/contract/events';

const SAMPLES = join(import.meta.dirname, 'samples', 'vcenter');
const events = (name: string): JobEvent[] =>
  readFileSync(join(SAMPLES, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JobEvent.parse(JSON.parse(line)));
const report = (name: string): PreflightReport => PreflightReport.parse(JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')));

const CONNECTION = 'vc-4305dd4a8db722ad';
const stages = (view: MigrateRunView): string => view.stages.map((s) => `${s.id}:${s.state}`).join(' ');

describe('the migration options', () => {
  const draft = (patch: Partial<MigrateDraft> = {}): MigrateDraft => ({ ...initialMigrateDraft('web 01 (old)', '/srv/vms'), ...patch });

  it('start from the VM\'s name made into a file name, qcow2, nothing replaced', () => {
    expect(initialMigrateDraft('web 01 (old)', '/srv/vms')).toEqual({ outDir: '/srv/vms', format: 'qcow2', compress: false, name: 'web-01-old-', overwrite: false, limitMBps: '', keepDownloads: false, repair: true, networkRepair: 'pin-name', serialConsole: false, virtioWin: '' });
  });

  it.each<[string, Partial<MigrateDraft>, string[]]>([
    ['the defaults', {}, []],
    ['a path as name', { name: '../x' }, ['The name is a file name, not a path: no slash. Choose the folder under Destination.']],
    ['a relative destination', { outDir: 'vms' }, ['Give the destination as an absolute path (starting with /).']],
    ['a limit of zero', { limitMBps: '0' }, ['The bandwidth limit is a number of MiB/s above zero (or empty for none).']],
    ['a limit that is no number', { limitMBps: 'fast' }, ['The bandwidth limit is a number of MiB/s above zero (or empty for none).']],
    ['a decimal limit', { limitMBps: ' 2.5 ' }, []],
  ])('problems with %s', (_name, patch, problems) => {
    expect(draftProblems(draft(patch))).toEqual(problems);
  });

  it('become the contract\'s options (the limit in bytes per second, compression only for qcow2)', () => {
    const options = toMigrateOptions(draft({ limitMBps: '2.5', compress: true, format: 'raw', outDir: '/srv/vms ' }))!;
    expect(options).toEqual({ outDir: '/srv/vms', format: 'raw', compress: false, name: 'web-01-old-', overwrite: false, keepDownloads: false, maxBytesPerSecond: 2_621_440, inspect: true, repair: { review: true, network: 'pin-name', serialConsole: false } });
    expect(toMigrateOptions(draft({ repair: false }))).not.toHaveProperty('repair');
    expect(() => MigrateOptions.parse(options)).not.toThrow();
    expect(toMigrateOptions(draft({ limitMBps: '' }))).not.toHaveProperty('maxBytesPerSecond');
    expect(toMigrateOptions(draft({ name: '' }))).toBeNull();
    expect(limitProblem('')).toBeNull();
  });

  it('ask the pre-flight about the same destination, name and format', () => {
    const request = toPreflightRequest(CONNECTION, 'vm-48', draft({ format: 'raw', overwrite: true }));
    expect(request).toEqual({ connectionId: CONNECTION, vmId: 'vm-48', outDir: '/srv/vms', format: 'raw', name: 'web-01-old-', overwrite: true });
    expect(() => PreflightRequest.parse(request)).not.toThrow();
    // No draft (a VM of a multi-selection), or an invalid one: the engine's defaults.
    expect(toPreflightRequest(CONNECTION, 'vm-48', null)).toEqual({ connectionId: CONNECTION, vmId: 'vm-48' });
    expect(toPreflightRequest(CONNECTION, 'vm-48', draft({ outDir: '' }))).toEqual({ connectionId: CONNECTION, vmId: 'vm-48' });
    expect(sameRequest(request, toPreflightRequest(CONNECTION, 'vm-48', draft({ format: 'raw', overwrite: true })))).toBe(true);
    expect(sameRequest(request, toPreflightRequest(CONNECTION, 'vm-48', draft()))).toBe(false);
  });

  describe('Start is allowed only after a pre-flight of these very options without blockers', () => {
    const d = draft();
    const current = toPreflightRequest(CONNECTION, 'vm-48', d);
    const other = toPreflightRequest(CONNECTION, 'vm-48', draft({ name: 'other' }));
    it.each<[string, PreflightState, string[]]>([
      ['not checked yet', { status: 'idle' }, ['Waiting for the pre-flight checks of these options.']],
      ['checking', { status: 'loading', request: current }, ['Waiting for the pre-flight checks of these options.']],
      ['checked for other options', { status: 'ready', request: other, report: report('preflight-powered-off.json') }, ['Waiting for the pre-flight checks of these options.']],
      ['the check failed', { status: 'error', request: current, error: { code: 'VSPHERE_UNREACHABLE', kind: 'failure', message: 'Cannot reach vc01.', hint: '' } }, ['The pre-flight checks failed: Cannot reach vc01.']],
      [
        'a blocker (recorded: the VM runs)',
        { status: 'ready', request: current, report: report('preflight-powered-on.json') },
        ['The VM is running: Shut the guest down from inside, or power the VM off (VMware Tools is not running, so a clean shutdown from here is not possible), then check again.'],
      ],
      ['only notes (recorded: powered off)', { status: 'ready', request: current, report: report('preflight-powered-off.json') }, []],
    ])('%s', (_name, state, problems) => {
      expect(startProblems(d, state, current)).toEqual(problems);
    });
  });
});

describe('the Run view as a function of the recorded job events', () => {
  it('a migration that succeeded: both transfer and conversion progress, per disk, then the result', () => {
    const recorded = events('migrate-succeeded.events.jsonl');
    const jobId = recorded[0]!.jobId;
    // Half-way: the download and the conversion run side by side, each with its own reading.
    const transferComplete = recorded.findIndex((e) => e.type === 'progress' && e.stage === 'transfer' && e.progress.fraction === 1);
    const during = replayMigrateEvents(jobId, recorded.slice(0, transferComplete));
    expect(stages(during)).toBe('preflight:done plan:done transfer:running convert:running check:pending finalize:pending');
    expect(during.progress.map((p) => p.stage)).toEqual(['transfer', 'convert']);
    const transfer = during.progress[0]!.snapshot;
    expect(transfer.parts).toHaveLength(1);
    expect(transfer.parts![0]).toMatchObject({ id: 'disk1', state: 'running' });
    expect(partSnapshot(transfer.parts![0]!)).toEqual({ fraction: transfer.parts![0]!.fraction, bytesDone: transfer.parts![0]!.bytesDone, bytesTotal: transfer.parts![0]!.bytesTotal, bytesPerSecond: transfer.parts![0]!.bytesPerSecond, etaSeconds: transfer.parts![0]!.etaSeconds });
    expect(stageLabel(during, 'transfer')).toBe('Download disks');

    const view = replayMigrateEvents(jobId, recorded);
    expect(view.title).toMatch(/^Migrate DC0_H0_VM0 from 127\.0\.0\.1:\d+$/);
    expect(stages(view)).toBe('preflight:done plan:done transfer:done convert:done check:done finalize:done');
    expect(view.progress.map((p) => [p.stage, p.snapshot.fraction])).toEqual([
      ['transfer', 1],
      ['convert', 1],
    ]);
    expect(view.outcome?.type).toBe('done');
    const result = view.outcome?.type === 'done' ? view.outcome.result : null;
    expect(result?.source.vmName).toBe('DC0_H0_VM0');
    expect(result?.outputs[0]?.path).toMatch(/\/DC0_H0_VM0\.qcow2$/);
    expect(result?.vm).toMatchObject({ origin: 'vcenter', vcpus: 1, memoryMiB: 32, firmware: 'bios' });
    expect(view.log.some((l) => l.stage === 'plan' && l.message.includes('snapshot chain of 2'))).toBe(true);
  });

  it('a cancelled migration: the stage that was cancelled and the one beside it both stop', () => {
    const recorded = events('migrate-cancelled.events.jsonl');
    const view = replayMigrateEvents(recorded[0]!.jobId, recorded);
    expect(view.outcome).toEqual({ type: 'cancelled', stage: 'convert' });
    expect(stages(view)).toBe('preflight:done plan:done transfer:cancelled convert:cancelled check:pending finalize:pending');
    expect(view.progress.find((p) => p.stage === 'transfer')!.snapshot.fraction).toBeGreaterThan(0);
    expect(view.log.at(-1)?.message).toContain('Kept 4.4 MiB already downloaded');
  });

  it('a migration refused by its own pre-flight: the failed stage and the engine\'s error', () => {
    const recorded = events('migrate-blocked.events.jsonl');
    const view = replayMigrateEvents(recorded[0]!.jobId, recorded);
    expect(stages(view)).toBe('preflight:failed plan:pending transfer:pending convert:pending check:pending finalize:pending');
    expect(view.outcome).toMatchObject({ type: 'failed', stage: 'preflight', error: { code: 'VCENTER_PREFLIGHT_BLOCKED', kind: 'bad-input' } });
  });

  it('ignores other jobs\' events and anything after the end', () => {
    const recorded = events('migrate-succeeded.events.jsonl');
    const jobId = recorded[0]!.jobId;
    const view = replayMigrateEvents(jobId, recorded);
    const foreign: JobEvent = { ...recorded[1]!, jobId: '20990101-000000-ffffff' };
    expect(applyMigrateEvent(view, foreign)).toBe(view);
    expect(applyMigrateEvent(view, recorded[12]!)).toBe(view);
  });

  it('a result that does not match the contract shows as a failure, not as a success', () => {
    const recorded = events('migrate-succeeded.events.jsonl');
    const jobId = recorded[0]!.jobId;
    const broken = recorded.map((e) => (e.type === 'done' ? { ...e, result: { jobId } } : e));
    expect(replayMigrateEvents(jobId, broken).outcome).toMatchObject({ type: 'failed', error: { code: 'INTERNAL' } });
  });

  it(`keeps the last ${MAX_LOG_LINES} log lines and counts the dropped ones`, () => {
    const jobId = '20261125-205922-9f1cc0';
    let view = initialMigrateRun(jobId);
    for (let i = 0; i < MAX_LOG_LINES + 5; i++) view = applyMigrateEvent(view, { type: 'log', jobId, at: '2026-11-25T20:59:23.000Z', level: 'info', message: `line ${i}` });
    expect(view.log).toHaveLength(MAX_LOG_LINES);
    expect(view.logDropped).toBe(5);
    expect(view.log[0]!.message).toBe('line 5');
  });
});
