import { describe, expect, it } from 'vitest';
import { changeLines, liveView, problemLines, totalsLine } from '../../../electron/cli/batch-view';
import type { BatchStatus, BatchVmRow } from '../../../shared/contract/models/batch';

const row = (over: Partial<BatchVmRow>): BatchVmRow => ({
  name: 'web-01', index: 0, origin: 'local', source: '/d/web-01.vmx', host: null, datastores: [], state: 'queued', stage: null, stageLabel: null, fraction: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: null, etaSeconds: null, attempts: 0, jobId: null, jobDir: null, startedAt: null, endedAt: null, durationMs: null, error: null, warnings: 0, outputs: [], rev: 1, ...over,
});
const status = (vms: BatchVmRow[]): BatchStatus => ({
  batchId: 'batch-1', plan: '/p/wave.yaml', journal: '/p/wave.journal.jsonl', title: 'Wave 1', state: 'running', endReason: null, startedAt: null, concurrency: { total: 2, perHost: null, perDatastore: null },
  totals: { vms: 40, done: 12, running: 2, failed: 1, queued: 25, cancelled: 0, bytesDone: 4.2 * 2 ** 30, bytesPerSecond: 180e6, etaSeconds: 720 },
  errorRate: { lastMinute: 1, perMinute: [] }, vms, rev: 1, partial: false, runnerPid: 1,
});

describe('the terminal view of a batch', () => {
  it('totals: counts, bytes, rate, ETA, error rate', () => {
    expect(totalsLine(status([]))).toBe('12/40 done · 2 running · 1 failed · 25 queued · 4.2 GiB moved · 172 MiB/s · ETA 12 min 00 s · errors 1/min');
  });

  it('live: the header, the totals and one line per running VM, cut to the terminal width', () => {
    const lines = liveView(status([row({ state: 'running', stage: 'convert', fraction: 0.72, bytesDone: 1.4 * 2 ** 30, bytesTotal: 2 * 2 ** 30, bytesPerSecond: 95e6, etaSeconds: 6 }), row({ name: 'db-01', state: 'queued' })]), 200);
    expect(lines).toEqual(['Batch Wave 1', totalsLine(status([])), '  web-01  convert     █████████░░░  72%  1.4 GiB / 2.0 GiB       91 MiB/s  ETA 6 s']);
    expect(liveView(status([row({ state: 'running' })]), 30).every((l) => l.length <= 30)).toBe(true);
  });

  it('plain: one line per change, with the error, what to do and the job record', () => {
    expect(changeLines(null, row({ state: 'running', attempts: 1, jobId: 'j1' }))).toEqual(['web-01: started (attempt 1, job j1)']);
    expect(changeLines(row({ state: 'running' }), row({ state: 'running', stage: 'check', stageLabel: 'Check outputs' }))).toEqual(['web-01: Check outputs']);
    expect(changeLines(row({ state: 'running' }), row({ state: 'failed', stage: 'convert', jobDir: '/jobs/j1', error: { code: 'HOOK_TIMEOUT', kind: 'failure', message: 'The after-convert hook ran too long.', hint: 'Give it more time.' } }))).toEqual([
      'web-01: FAILED [HOOK_TIMEOUT] The after-convert hook ran too long. (in convert)',
      '  what to do: Give it more time.',
      '  job record: /jobs/j1/job.json',
    ]);
    expect(changeLines(row({ state: 'running' }), row({ state: 'done', durationMs: 75_000, outputs: [{ path: '/o/web-01.qcow2', format: 'qcow2', virtualSize: 1 }], warnings: 1 }))).toEqual(['web-01: done in 1 min 15 s → /o/web-01.qcow2 (1 hook warning)']);
    expect(changeLines(row({ state: 'done' }), row({ state: 'done' }))).toEqual([]);
  });

  it('problems, compiler style', () => {
    expect(problemLines([{ severity: 'error', code: 'PLAN_UNKNOWN_KEY', message: 'defaults: unknown key "fromat".', hint: 'Check the spelling.', file: '/p.yaml', line: 3, column: 3, path: 'defaults.fromat' }])).toEqual(['/p.yaml:3:3: error: defaults: unknown key "fromat". [PLAN_UNKNOWN_KEY]', '  Check the spelling.']);
  });
});
