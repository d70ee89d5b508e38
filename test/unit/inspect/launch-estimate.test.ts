import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../../../shared/contract/events';
import { DEFAULT_ESTIMATE, estimateFrom, launchTimesFile, readEstimate, recordLaunch } from '../../../electron/engine/inspect/launch-times';
import { InspectionProgress } from '../../../electron/engine/inspect/progress';

const work = mkdtempSync(join(tmpdir(), 'h2k-launch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const m = (launchS: number, inspectS: number | null) => ({ at: '2026-12-01T00:00:00Z', launchMs: launchS * 1000, inspectMs: inspectS === null ? null : inspectS * 1000 });

describe('the inspection estimate, from launches measured on this machine', () => {
  it('is the default (30 s without KVM) until something was measured', () => {
    expect(estimateFrom([])).toEqual(DEFAULT_ESTIMATE);
  });

  it('is the median of the recent launches: one slow launch does not move it, a busy machine does', () => {
    expect(estimateFrom([m(31, 9), m(29, 10), m(120, 30), m(30, 11)])).toEqual({ launchSeconds: 31, inspectSeconds: 11, measured: 4 });
    // The machine got busy (55 s, as issue 17 measured): the last five say so.
    expect(estimateFrom([m(30, 9), m(30, 9), m(30, 9), m(55, 12), m(54, 12), m(56, 13), m(53, 12), m(55, 12)]).launchSeconds).toBe(55);
  });

  it('persists in the app\u2019s data folder beside the jobs folder, keeps the last ten, survives a damaged file', async () => {
    const file = launchTimesFile(join(work, 'home', 'jobs'));
    expect(file).toBe(join(work, 'home', 'measurements', 'inspection-appliance.json'));
    expect(await readEstimate(file)).toEqual(DEFAULT_ESTIMATE);
    for (let i = 0; i < 12; i++) await recordLaunch(file, m(40 + i, 10));
    expect((JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length).toBe(10);
    expect(await readEstimate(file)).toEqual({ launchSeconds: 49, inspectSeconds: 10, measured: 5 });
    writeFileSync(file, 'not json');
    expect(await readEstimate(file)).toEqual(DEFAULT_ESTIMATE);
  });
});

describe('the inspection\u2019s progress bar', () => {
  it('moves while the appliance starts, never reaches its end before it answers, then counts the steps', () => {
    let now = 0;
    const seen: ProgressSnapshot[] = [];
    const progress = new InspectionProgress({ launchSeconds: 40, inspectSeconds: 10, measured: 3 }, 4, (s) => seen.push(s), () => now);
    progress.launching(60_000);
    now = 20_000;
    const half = progress.tick()!;
    expect(half).toMatchObject({ unit: 'steps', bytesDone: 0, bytesTotal: 5, etaSeconds: 30 });
    expect(half.fraction).toBeCloseTo(0.4); // half of the launch's 80 % share
    expect(half.item).toBe('Starting the inspection appliance: 20 s (about 40 s here before)');
    now = 90_000; // slower than ever before: the bar waits, the ETA is not made up
    const late = progress.tick()!;
    expect(late.fraction).toBeCloseTo(0.95 * 0.8);
    expect(late.etaSeconds).toBeNull();
    expect(progress.launched()).toBe(90_000);
    expect(progress.tick()).toBeNull();
    const first = progress.step('Reading partitions and finding operating systems');
    expect(first).toMatchObject({ fraction: 0.8, bytesDone: 1, etaSeconds: 10 });
    now += 5_000;
    progress.step('Identifying file systems');
    expect(progress.finished('Report written')).toBe(5_000);
    expect(seen.at(-1)).toMatchObject({ fraction: 1, bytesDone: 5, bytesTotal: 5, etaSeconds: 0 });
    expect(seen.map((s) => s.fraction)).toEqual([...seen.map((s) => s.fraction)].sort((a, b) => a - b)); // never backwards
  });
});
