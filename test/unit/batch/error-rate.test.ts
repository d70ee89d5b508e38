import { describe, expect, it } from 'vitest';
import { errorRate } from '../../../electron/engine/batch/error-rate';

describe('errors per minute', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('counts the last 60 seconds and buckets the last hour, oldest first', () => {
    const rate = errorRate([now - 1_000, now - 59_999, now - 60_000, now - 61_000, now - 30 * 60_000, now - 59 * 60_000 - 1, now - 60 * 60_000, now + 5_000], now);
    expect(rate.lastMinute).toBe(2);
    expect(rate.perMinute).toHaveLength(60);
    expect(rate.perMinute[59]).toBe(2);
    expect(rate.perMinute[58]).toBe(2);
    expect(rate.perMinute[29]).toBe(1);
    expect(rate.perMinute[0]).toBe(1);
    expect(rate.perMinute.reduce((a, b) => a + b, 0)).toBe(6);
  });
  it('is zero without failures', () => {
    expect(errorRate([], now)).toEqual({ lastMinute: 0, perMinute: new Array(60).fill(0) });
  });
});
