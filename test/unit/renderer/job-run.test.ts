import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventsAfterSnapshot, jobRunReducer, latestReading, readingPerStage, stageLabel } from '../../../renderer/src/components/job-run';
import type { JobRunView, ProgressRule, StageReading } from '../../../renderer/src/components/job-run';
import { JobEvent } from '../../../shared/contract/events';

/** The shared reducer with a tiny result contract, so that only its own rules are under test. */
const JOB = '20261125-193000-a1b2c3';
const Result = z.object({ answer: z.number() });
const rules = <P>(progress: ProgressRule<P>) => jobRunReducer({ result: Result, resultMismatch: { message: 'Unexpected result.', hint: 'A bug.' }, progress });
const sequential = rules(latestReading);
const sideBySide = rules(readingPerStage);

let clock = 0;
const ev = (event: Record<string, unknown>): JobEvent => JobEvent.parse({ jobId: JOB, at: new Date(Date.UTC(2026, 10, 25, 19, 30, 0, clock++)).toISOString(), ...event });
const snapshot = (fraction: number) => ({ fraction, bytesDone: fraction * 100, bytesTotal: 100, bytesPerSecond: null, etaSeconds: null });
const reading = (stage: string, fraction: number): StageReading => ({ stage, snapshot: snapshot(fraction) });
const states = (view: JobRunView<unknown, unknown>): string => view.stages.map((s) => `${s.id}:${s.state}`).join(' ');

const started = ev({ type: 'job-started', kind: 'migrate', title: 'Move web01', stages: [{ id: 'fetch', label: 'Download disks' }, { id: 'convert', label: 'Convert disks' }, { id: 'check', label: 'Check outputs' }] });
/** Download and conversion running side by side, each with progress. */
const bothRunning = [
  started,
  ev({ type: 'stage-started', stage: 'fetch', label: 'Download disks' }),
  ev({ type: 'progress', stage: 'fetch', progress: snapshot(0.2) }),
  ev({ type: 'stage-started', stage: 'convert', label: 'Convert disks' }),
  ev({ type: 'progress', stage: 'convert', progress: snapshot(0.1) }),
  ev({ type: 'progress', stage: 'fetch', progress: snapshot(0.5) }),
];

/** The progress a rule keeps from a series of readings. */
const keptBy =
  <P>(rule: ProgressRule<P>) =>
  (readings: StageReading[]): P =>
    readings.reduce(rule.record, rule.empty);

describe('progress rules', () => {
  it.each<[string, (readings: StageReading[]) => unknown, StageReading[], unknown]>([
    ['latest reading: nothing yet', keptBy(latestReading), [], null],
    ['latest reading: follows whichever stage reported last', keptBy(latestReading), [reading('fetch', 0.2), reading('convert', 0.1), reading('fetch', 0.5)], reading('fetch', 0.5)],
    ['per stage: nothing yet', keptBy(readingPerStage), [], []],
    ['per stage: one bar per stage, in first-report order, each with its latest reading', keptBy(readingPerStage), [reading('fetch', 0.2), reading('convert', 0.1), reading('fetch', 0.5)], [reading('fetch', 0.5), reading('convert', 0.1)]],
  ])('%s', (_name, keep, readings, expected) => {
    expect(keep(readings)).toEqual(expected);
  });

  it('are what the reducer keeps', () => {
    expect(sequential.replay(JOB, bothRunning).progress).toEqual(reading('fetch', 0.5));
    expect(sideBySide.replay(JOB, bothRunning).progress.map((p) => [p.stage, p.snapshot.fraction])).toEqual([
      ['fetch', 0.5],
      ['convert', 0.1],
    ]);
  });
});

describe('stages as the events move them', () => {
  it.each<[string, JobEvent[], string, unknown]>([
    ['announced, all waiting', [started], 'fetch:pending convert:pending check:pending', null],
    ['two running side by side', bothRunning, 'fetch:running convert:running check:pending', null],
    ['progress starts a stage that never said so', [started, ev({ type: 'progress', stage: 'check', progress: snapshot(0.3) })], 'fetch:pending convert:pending check:running', null],
    ['a failure in one stage stops the one beside it', [...bothRunning, ev({ type: 'failed', stage: 'convert', error: { code: 'CONVERT_FAILED', kind: 'failure', message: 'x', hint: '' } })], 'fetch:cancelled convert:failed check:pending', 'failed'],
    ['a cancel names the stage it hit; the other one stops too', [...bothRunning, ev({ type: 'cancelled', stage: 'fetch' })], 'fetch:cancelled convert:cancelled check:pending', 'cancelled'],
    ['an end without a stage is put on the running one', [started, ev({ type: 'stage-started', stage: 'fetch', label: 'Download disks' }), ev({ type: 'cancelled' })], 'fetch:cancelled convert:pending check:pending', 'cancelled'],
    ['an end in a stage never announced adds it', [started, ev({ type: 'failed', stage: 'cleanup', error: { code: 'INTERNAL', kind: 'failure', message: 'x', hint: '' } })], 'fetch:pending convert:pending check:pending cleanup:failed', 'failed'],
  ])('%s', (_name, events, expectedStates, outcome) => {
    const view = sideBySide.replay(JOB, events);
    expect(states(view)).toBe(expectedStates);
    expect(view.outcome?.type ?? null).toBe(outcome);
  });

  it('keeps what a finished stage says about itself, and its time', () => {
    const view = sideBySide.replay(JOB, [...bothRunning, ev({ type: 'stage-done', stage: 'fetch', durationMs: 1200, summary: '2 disks, 3.1 GiB' })]);
    expect(view.stages[0]).toEqual({ id: 'fetch', label: 'Download disks', state: 'done', durationMs: 1200, summary: '2 disks, 3.1 GiB' });
    expect(view.stages[1]).toMatchObject({ state: 'running', durationMs: null, summary: null });
  });

  it('names a stage by its label, or by its id when it was never announced', () => {
    const view = sideBySide.replay(JOB, bothRunning);
    expect(stageLabel(view, 'convert')).toBe('Convert disks');
    expect(stageLabel(view, 'cleanup')).toBe('cleanup');
  });
});

describe('the end of the job', () => {
  it.each<[string, unknown, unknown]>([
    ['a result that matches the contract', { answer: 42 }, { type: 'done', result: { answer: 42 } }],
    ['a result that does not: an error, not a success', { answer: 'many' }, { type: 'failed', stage: null, error: { code: 'INTERNAL', kind: 'failure', message: 'Unexpected result.', hint: 'A bug.' } }],
  ])('%s', (_name, result, outcome) => {
    expect(sequential.replay(JOB, [started, ev({ type: 'done', result })]).outcome).toEqual(outcome);
  });

  it("ignores other jobs' events and anything after the end", () => {
    const ended = sequential.replay(JOB, [started, ev({ type: 'cancelled' })]);
    expect(sequential.apply(ended, ev({ type: 'stage-started', stage: 'fetch', label: 'Download disks' }))).toBe(ended);
    const running = sequential.replay(JOB, bothRunning);
    expect(sequential.apply(running, { ...bothRunning[1]!, jobId: '20990101-000000-ffffff' })).toBe(running);
  });
});

describe('events to apply after a snapshot', () => {
  const events = bothRunning;
  it.each<[string, JobEvent[], JobEvent[], JobEvent[]]>([
    ['buffered events overlap the snapshot', events.slice(0, 4), events.slice(2), events.slice(4)],
    ['the snapshot has none of them', events.slice(0, 3), events.slice(3), events.slice(3)],
    ['the snapshot has all of them', events, events.slice(4), []],
    ['nothing was buffered', events, [], []],
  ])('%s', (_name, snapshotEvents, buffered, expected) => {
    expect(eventsAfterSnapshot(snapshotEvents, buffered)).toEqual(expected);
    expect([...snapshotEvents, ...eventsAfterSnapshot(snapshotEvents, buffered)].reduce(sideBySide.apply, sideBySide.initial(JOB))).toEqual(sideBySide.replay(JOB, [...snapshotEvents, ...expected]));
  });
});
