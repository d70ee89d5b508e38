import { describe, expect, it } from 'vitest';
import { describeElapsed, describeProgress } from '../../../renderer/src/components/progress-view';
import type { ProgressSnapshot } from '../../../shared/contract/events';

const GiB = 1024 ** 3;

describe('describeProgress', () => {
  it.each<[string, ProgressSnapshot, { value: number; percent: string; bytes: string; rate: string; eta: string }]>([
    [
      'a running conversion',
      { fraction: 0.4567, bytesDone: 0.4567 * 4 * GiB, bytesTotal: 4 * GiB, bytesPerSecond: 312.4 * 2 ** 20, etaSeconds: 75.2 },
      { value: 45.6, percent: '45.6 %', bytes: '1.8 GiB of 4.0 GiB', rate: '312 MiB/s', eta: 'ETA 1 min 15 s' },
    ],
    [
      'the first reading (no rate yet)',
      { fraction: 0, bytesDone: 0, bytesTotal: 64 * 1024 * 1024, bytesPerSecond: null, etaSeconds: null },
      { value: 0, percent: '0.0 %', bytes: '0 B of 64.0 MiB', rate: '– MiB/s', eta: 'ETA unknown' },
    ],
    [
      'a slow upload',
      { fraction: 0.999, bytesDone: 999, bytesTotal: 1000, bytesPerSecond: 2.5 * 2 ** 20, etaSeconds: 0 },
      { value: 99.9, percent: '99.9 %', bytes: '999 B of 1000 B', rate: '2.5 MiB/s', eta: 'ETA 0 s' },
    ],
    [
      'a conversion: virtual bytes for the bar, the data written for the rate',
      { fraction: 0.5, bytesDone: 1.25 * GiB, bytesTotal: 2.5 * GiB, bytesPerSecond: 2611e6, etaSeconds: 1, moved: { bytesDone: 52 * 2 ** 20, bytesPerSecond: 104 * 2 ** 20 } },
      { value: 50, percent: '50.0 %', bytes: '1.3 GiB of 2.5 GiB (virtual); 52.0 MiB written', rate: '104 MiB/s written', eta: 'ETA 1 s' },
    ],
    [
      'an inspection, counted in steps (no rate: it moves no bytes)',
      { fraction: 0.25, bytesDone: 3, bytesTotal: 12, bytesPerSecond: null, etaSeconds: 40, unit: 'steps', item: 'Starting the inspection appliance' },
      { value: 25, percent: '25.0 %', bytes: 'step 4 of 12', rate: '', eta: 'ETA 40 s' },
    ],
    [
      'done',
      { fraction: 1, bytesDone: 2 * GiB, bytesTotal: 2 * GiB, bytesPerSecond: 0, etaSeconds: 0 },
      { value: 100, percent: '100.0 %', bytes: '2.0 GiB of 2.0 GiB', rate: '0.0 MiB/s', eta: 'ETA 0 s' },
    ],
  ])('%s', (_name, snapshot, expected) => {
    expect(describeProgress(snapshot)).toEqual(expected);
  });
});

describe('describeElapsed', () => {
  it.each([
    [0, 'under 1 s'],
    [246, 'under 1 s'],
    [1000, '1 s'],
    [75_400, '1 min 15 s'],
  ])('%i ms → %s', (ms, text) => {
    expect(describeElapsed(ms)).toBe(text);
  });
});
