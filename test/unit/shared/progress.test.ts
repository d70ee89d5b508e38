import { describe, expect, it } from 'vitest';
import { ProgressMeter, throttle, WeightedProgress } from '../../../shared/progress';

function clock(start = 0): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('ProgressMeter', () => {
  it('gives no rate and no ETA before half a second of data', () => {
    const c = clock();
    const meter = new ProgressMeter(1000, c.now);
    c.advance(100);
    const s = meter.update(100);
    expect(s.fraction).toBeCloseTo(0.1);
    expect(s.bytesPerSecond).toBeNull();
    expect(s.etaSeconds).toBeNull();
  });

  it('measures throughput and derives the ETA from it', () => {
    const c = clock();
    const meter = new ProgressMeter(10_000, c.now);
    for (let i = 1; i <= 4; i++) {
      c.advance(1000);
      meter.update(i * 1000);
    }
    const s = meter.snapshot();
    expect(s.bytesPerSecond).toBeCloseTo(1000);
    expect(s.etaSeconds).toBeCloseTo(6);
    expect(s.bytesDone).toBe(4000);
  });

  it('never goes backwards and never beyond the total', () => {
    const c = clock();
    const meter = new ProgressMeter(100, c.now);
    c.advance(1000);
    meter.update(60);
    c.advance(1000);
    expect(meter.update(40).bytesDone).toBe(60);
    c.advance(1000);
    const done = meter.update(150);
    expect(done.bytesDone).toBe(100);
    expect(done.fraction).toBe(1);
    expect(done.etaSeconds).toBe(0);
  });

  it('shows a stall as a falling rate (windowed, not a lifetime average)', () => {
    const c = clock();
    const meter = new ProgressMeter(100_000, c.now, 4000);
    for (let i = 1; i <= 10; i++) {
      c.advance(1000);
      meter.update(i * 5000);
    }
    const fast = meter.snapshot().bytesPerSecond!;
    for (let i = 0; i < 10; i++) {
      c.advance(1000);
      meter.update(50_000);
    }
    const stalled = meter.snapshot();
    expect(fast).toBeCloseTo(5000);
    expect(stalled.bytesPerSecond).toBe(0);
    expect(stalled.etaSeconds).toBeNull();
  });
});

describe('WeightedProgress', () => {
  it('weights parts by their size', () => {
    const w = new WeightedProgress(new Map([['a', 100], ['b', 300]]));
    expect(w.total).toBe(400);
    expect(w.set('a', 100)).toBe(100);
    expect(w.set('b', 150)).toBe(250);
    expect(w.set('b', 999)).toBe(400);
  });
});

describe('throttle', () => {
  it('delivers at most one value per interval and the last one on flush', () => {
    const c = clock();
    const seen: number[] = [];
    const t = throttle((v: number) => seen.push(v), 250, c.now);
    t.push(1);
    c.advance(100);
    t.push(2);
    c.advance(100);
    t.push(3);
    c.advance(100);
    t.push(4);
    t.push(5);
    t.flush();
    expect(seen).toEqual([1, 4, 5]);
  });
});
