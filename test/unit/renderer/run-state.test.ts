import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsAfterSnapshot, MAX_LOG_LINES } from '../../../renderer/src/components/job-run';
import { applyJobEvent, initialRun, progressLabel, replayJobEvents } from '../../../renderer/src/features/convert/run-state';
import { JobEvent } from '../../../shared/contract/events';

const JOB = '20261125-193000-a1b2c3';
let clock = 0;
const at = (): string => new Date(Date.UTC(2026, 10, 25, 19, 30, 0, clock++ * 10)).toISOString();
const ev = (event: Record<string, unknown>): JobEvent => JobEvent.parse({ jobId: JOB, at: at(), ...event });

const STAGES = [
  { id: 'probe', label: 'Probe source' },
  { id: 'verify', label: 'Verify manifest' },
  { id: 'preflight', label: 'Check destination' },
  { id: 'convert', label: 'Convert disks' },
  { id: 'check', label: 'Check outputs' },
  { id: 'finalize', label: 'Finalize' },
];

const snapshot = (fraction: number) => ({ fraction, bytesDone: fraction * 1e9, bytesTotal: 1e9, bytesPerSecond: fraction > 0 ? 2e8 : null, etaSeconds: fraction > 0 ? (1 - fraction) * 5 : null, item: 'disk.vmdk' });

const started = ev({ type: 'job-started', kind: 'convert', title: 'Convert /tmp/up/disk.vmdk', stages: STAGES });
const untilConvert = [
  started,
  ev({ type: 'stage-started', stage: 'probe', label: 'Probe source' }),
  ev({ type: 'stage-done', stage: 'probe', durationMs: 41 }),
  ev({ type: 'stage-started', stage: 'verify', label: 'Verify manifest' }),
  ev({ type: 'stage-done', stage: 'verify', durationMs: 1 }),
  ev({ type: 'stage-started', stage: 'preflight', label: 'Check destination' }),
  ev({ type: 'stage-done', stage: 'preflight', durationMs: 30 }),
  ev({ type: 'stage-started', stage: 'convert', label: 'Convert disks' }),
  ev({ type: 'log', stage: 'convert', level: 'info', message: 'Converting disk.vmdk → /out/disk.qcow2 (qcow2)' }),
  ev({ type: 'progress', stage: 'convert', progress: snapshot(0) }),
  ev({ type: 'progress', stage: 'convert', progress: snapshot(0.42) }),
];

const result = {
  jobId: JOB,
  outputs: [{ diskId: 'disk1', source: 'disk.vmdk', path: '/out/disk.qcow2', format: 'qcow2', virtualSize: 1e9, actualSize: 2e8, durationMs: 5000, bytesPerSecond: 2e8, checked: true }],
  vm: { nics: [], disks: [], origin: 'none', name: 'disk' },
  durationMs: 5200,
  recordPath: `/home/.local/share/hyper2kvm/jobs/${JOB}/job.json`,
};

const states = (view: ReturnType<typeof initialRun>): string => view.stages.map((s) => `${s.id}:${s.state}`).join(' ');

describe('the Run step as a function of job events', () => {
  it('shows every stage from job-started, then each one moving', () => {
    const view = replayJobEvents(JOB, untilConvert);
    expect(view.title).toBe('Convert /tmp/up/disk.vmdk');
    expect(states(view)).toBe('probe:done verify:done preflight:done convert:running check:pending finalize:pending');
    expect(view.stages.find((s) => s.id === 'probe')!.durationMs).toBe(41);
    expect(view.progress?.snapshot.fraction).toBe(0.42);
    expect(progressLabel(view)).toBe('Convert disks: disk.vmdk');
    expect(view.log.map((l) => l.message)).toEqual(['Converting disk.vmdk → /out/disk.qcow2 (qcow2)']);
    expect(view.outcome).toBeNull();
  });

  it('ends with the checked result', () => {
    const view = replayJobEvents(JOB, [
      ...untilConvert,
      ev({ type: 'stage-done', stage: 'convert', durationMs: 5000 }),
      ev({ type: 'stage-started', stage: 'check', label: 'Check outputs' }),
      ev({ type: 'stage-done', stage: 'check', durationMs: 80 }),
      ev({ type: 'stage-started', stage: 'finalize', label: 'Finalize' }),
      ev({ type: 'stage-done', stage: 'finalize', durationMs: 2 }),
      ev({ type: 'done', result }),
    ]);
    expect(states(view)).toBe('probe:done verify:done preflight:done convert:done check:done finalize:done');
    expect(view.outcome).toMatchObject({ type: 'done', result: { outputs: [{ path: '/out/disk.qcow2', checked: true }] } });
  });

  it('marks the stage that was running as cancelled and leaves the rest pending', () => {
    const view = replayJobEvents(JOB, [...untilConvert, ev({ type: 'cancelled', stage: 'convert' })]);
    expect(states(view)).toBe('probe:done verify:done preflight:done convert:cancelled check:pending finalize:pending');
    expect(view.outcome).toEqual({ type: 'cancelled', stage: 'convert' });
  });

  it('keeps the error value of a failure, evidence included', () => {
    const error = { code: 'CONVERT_FAILED', kind: 'failure', message: 'qemu-img could not convert disk.vmdk.', hint: 'See the evidence.', evidence: { command: ['/usr/bin/qemu-img', 'convert'], exitCode: 1, stderrTail: 'qemu-img: error while reading at byte 0' } };
    const view = replayJobEvents(JOB, [...untilConvert, ev({ type: 'failed', stage: 'convert', error })]);
    expect(states(view)).toContain('convert:failed');
    expect(view.outcome).toEqual({ type: 'failed', stage: 'convert', error });
  });

  it('reports a result that does not match the contract as an error, not as success', () => {
    const view = replayJobEvents(JOB, [...untilConvert, ev({ type: 'done', result: { outputs: 'nope' } })]);
    expect(view.outcome).toMatchObject({ type: 'failed', error: { code: 'INTERNAL' } });
  });

  it("ignores other jobs' events and anything after the end", () => {
    const other = JobEvent.parse({ type: 'stage-started', jobId: '20261125-193000-ffffff', at: at(), stage: 'convert', label: 'Convert disks' });
    const view = replayJobEvents(JOB, [started, other, ev({ type: 'cancelled' }), ev({ type: 'stage-started', stage: 'probe', label: 'Probe source' })]);
    expect(states(view)).toBe('probe:pending verify:pending preflight:pending convert:pending check:pending finalize:pending');
    expect(view.outcome).toEqual({ type: 'cancelled', stage: null });
  });

  it('keeps the log bounded and counts what it dropped', () => {
    let view = applyJobEvent(initialRun(JOB), started);
    for (let i = 0; i < MAX_LOG_LINES + 25; i++) view = applyJobEvent(view, ev({ type: 'log', level: 'debug', message: `line ${i}` }));
    expect(view.log).toHaveLength(MAX_LOG_LINES);
    expect(view.logDropped).toBe(25);
    expect(view.log[0]!.message).toBe('line 25');
  });
});

describe('catching up after a reconnection', () => {
  it('applies only the buffered events the snapshot does not have yet', () => {
    const snapshotEvents = untilConvert.slice(0, 9);
    const buffered = untilConvert.slice(7); // overlaps the snapshot by two events
    expect(eventsAfterSnapshot(snapshotEvents, buffered)).toEqual(untilConvert.slice(9));
    const rebuilt = [...snapshotEvents, ...eventsAfterSnapshot(snapshotEvents, buffered)].reduce(applyJobEvent, initialRun(JOB));
    expect(rebuilt).toEqual(replayJobEvents(JOB, untilConvert));
  });

  it('applies everything when the snapshot has none of the buffered events, nothing when it has all', () => {
    expect(eventsAfterSnapshot(untilConvert.slice(0, 3), untilConvert.slice(3))).toEqual(untilConvert.slice(3));
    expect(eventsAfterSnapshot(untilConvert, untilConvert.slice(4))).toEqual([]);
  });
});

/** Event logs (events.jsonl) of real jobs run by the engine: one converted, one cancelled by SIGINT. */
function sample(name: string): JobEvent[] {
  return readFileSync(join(import.meta.dirname, 'samples', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JobEvent.parse(JSON.parse(line)));
}

describe('real event logs', () => {
  it.each([
    ['convert-succeeded.events.jsonl', 'probe:done verify:done preflight:done convert:done check:done finalize:done', 'done'],
    ['convert-cancelled.events.jsonl', 'probe:done verify:done preflight:done convert:cancelled check:pending finalize:pending', 'cancelled'],
  ])('%s', (name, expectedStates, outcome) => {
    const events = sample(name);
    const view = replayJobEvents(events[0]!.jobId, events);
    expect(states(view)).toBe(expectedStates);
    expect(view.outcome?.type).toBe(outcome);
    const lastProgress = events.filter((e) => e.type === 'progress').pop();
    expect(view.progress?.snapshot).toEqual(lastProgress?.type === 'progress' ? lastProgress.progress : undefined);
    expect(view.log.length).toBe(events.filter((e) => e.type === 'log').length);
  });

  it('rebuilds the same view from any split into snapshot and buffered events', () => {
    const events = sample('convert-cancelled.events.jsonl');
    const jobId = events[0]!.jobId;
    const whole = replayJobEvents(jobId, events);
    for (let cut = 0; cut <= events.length; cut++) {
      const snapshot = events.slice(0, cut);
      const buffered = events.slice(Math.max(cut - 3, 0)); // overlapping by up to three events
      expect([...snapshot, ...eventsAfterSnapshot(snapshot, buffered)].reduce(applyJobEvent, initialRun(jobId))).toEqual(whole);
    }
  });

  it('reads the result of the succeeded job', () => {
    const events = sample('convert-succeeded.events.jsonl');
    const view = replayJobEvents(events[0]!.jobId, events);
    expect(view.outcome?.type === 'done' && view.outcome.result.outputs.map((o) => [o.format, o.virtualSize, o.checked])).toEqual([['qcow2', 2684354560, true]]);
  });
});
