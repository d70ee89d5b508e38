import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/contract/events';
import { applyInspectEvent, initialInspectRun, replayInspectEvents } from '../../../renderer/src/features/reports/inspect-run';

// Events of real `hyper2kvm inspect --json` runs: a data disk without an operating system, and
// a disk path that does not exist.
const events = (name: string): JobEvent[] =>
  readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JobEvent);

describe('an inspection followed from the Reports page', () => {
  const run = events('inspect-no-os.events.jsonl');
  const jobId = run[0]!.jobId;

  it('ends with the report of the job', () => {
    const view = replayInspectEvents(jobId, run);
    expect(view.title).toBe('Inspect no-os.raw');
    expect(view.fraction).toBe(1);
    expect(view.outcome?.type).toBe('done');
    if (view.outcome?.type === 'done') {
      expect(view.outcome.report.os.type).toBe('unknown');
      expect(view.outcome.report.findings.map((f) => f.code)).toEqual(['NO_OS_FOUND']);
    }
  });

  it('says what it is doing, moves forward only, and keeps people-facing log lines', () => {
    const steps: Array<string | null> = [];
    const fractions: number[] = [];
    run.reduce((view, event) => {
      const next = applyInspectEvent(view, event);
      steps.push(next.step);
      fractions.push(next.fraction);
      return next;
    }, initialInspectRun(jobId));
    expect(steps).toContain('Appliance ready');
    expect(steps).toContain('Report written');
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    const view = replayInspectEvents(jobId, run);
    expect(view.log.map((l) => l.level)).not.toContain('debug');
    expect(view.log.at(-1)?.message).toMatch(/no operating system found; 1 blocker/);
  });

  it('ignores the events of other jobs and anything after the end', () => {
    const view = replayInspectEvents(jobId, run);
    const other = { ...run[1]!, jobId: 'another-job-1' };
    expect(applyInspectEvent(view, other)).toBe(view);
    expect(applyInspectEvent(view, { type: 'cancelled', jobId, at: run[0]!.at })).toBe(view);
  });

  it('shows why a job failed, with the error value', () => {
    const failed = events('inspect-missing-disk.events.jsonl');
    const view = replayInspectEvents(failed[0]!.jobId, failed);
    expect(view.outcome).toMatchObject({ type: 'failed', error: { code: 'INSPECT_DISK_UNREADABLE', kind: 'bad-input' } });
  });

  it('turns a result that is not a report into an error rather than a broken page', () => {
    const done = { ...run.at(-1)!, result: { hello: 'world' } } as JobEvent;
    const view = replayInspectEvents(jobId, [...run.slice(0, -1), done]);
    expect(view.outcome).toMatchObject({ type: 'failed', error: { code: 'INTERNAL' } });
  });
});
