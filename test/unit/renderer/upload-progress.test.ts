import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../../../shared/progress';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('ProgressMeter (upload progress measured in the page)', () => {
  it('says the rate and ETA are unknown until half a second of data exists', () => {
    const c = clock();
    const meter = new ProgressMeter(100e6, c.now);
    c.advance(200);
    const early = meter.update(10e6);
    expect(early.bytesPerSecond).toBeNull();
    expect(early.etaSeconds).toBeNull();
    expect(early.fraction).toBeCloseTo(0.1);
  });

  it('measures the rate over the window and derives the ETA from it', () => {
    const c = clock();
    const meter = new ProgressMeter(100e6, c.now);
    c.advance(1000);
    const s = meter.update(20e6);
    expect(s.bytesPerSecond).toBeCloseTo(20e6);
    expect(s.etaSeconds).toBeCloseTo(4);
  });

  it('forgets old samples: a stall shows as a falling rate, not a frozen average', () => {
    const c = clock();
    const meter = new ProgressMeter(1e9, c.now, 2000);
    for (let i = 1; i <= 4; i++) {
      c.advance(500);
      meter.update(i * 50e6); // 100 MB/s for two seconds
    }
    for (let i = 0; i < 6; i++) {
      c.advance(500);
      meter.update(200e6); // then nothing for three seconds
    }
    const stalled = meter.update(200e6);
    expect(stalled.bytesPerSecond).toBe(0);
    expect(stalled.etaSeconds).toBeNull();
  });

  it('never goes backwards and never past the total', () => {
    const c = clock();
    const meter = new ProgressMeter(1000, c.now);
    c.advance(600);
    expect(meter.update(700).bytesDone).toBe(700);
    expect(meter.update(300).bytesDone).toBe(700);
    const end = meter.update(5000);
    expect(end).toMatchObject({ bytesDone: 1000, fraction: 1, etaSeconds: 0 });
  });

  it('carries the item being worked on', () => {
    const meter = new ProgressMeter(10);
    expect(meter.update(1, 'disk.vmdk').item).toBe('disk.vmdk');
  });
});
