import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { TokenBucket, throttle } from '../../../electron/engine/vsphere/token-bucket';

describe('token bucket', () => {
  it.each([
    // [rate, capacity, steps as [time ms, bytes], expected waits]
    ['a full bucket lets a burst through', 1000, 500, [[0, 500]], [0]],
    ['beyond the bucket, a chunk waits for its tokens', 1000, 500, [[0, 500], [0, 250]], [0, 250]],
    ['debt accumulates across chunks', 1000, 100, [[0, 100], [0, 100], [0, 100]], [0, 100, 200]],
    ['time refills the bucket', 1000, 500, [[0, 500], [500, 500]], [0, 0]],
    ['refill stops at the capacity', 1000, 500, [[0, 0], [10_000, 1000]], [0, 500]],
    ['a chunk larger than the bucket is paid for by waiting', 1000, 100, [[0, 1100]], [1000]],
    ['clocks that step back do not mint tokens', 1000, 100, [[1000, 100], [0, 100]], [0, 100]],
  ] as [string, number, number, [number, number][], number[]][])('%s', (_label, rate, capacity, steps, waits) => {
    const bucket = new TokenBucket(rate, capacity, 0);
    expect(steps.map(([at, bytes]) => bucket.reserve(bytes, at))).toEqual(waits);
  });

  it('defaults to a quarter second of burst', () => {
    expect(new TokenBucket(4_000_000).capacity).toBe(1_000_000);
    expect(new TokenBucket(1).capacity).toBe(1);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(-5)).toThrow(RangeError);
  });

  it('holds a stream to the rate (real clock)', async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(10_000));
    const start = performance.now();
    let bytes = 0;
    await pipeline(Readable.from(chunks), throttle(new TokenBucket(400_000, 50_000)), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) bytes += chunk.length;
      yield '';
    });
    const seconds = (performance.now() - start) / 1000;
    expect(bytes).toBe(200_000);
    // 50 kB of burst, then 150 kB at 400 kB/s = 0.375 s.
    expect(seconds).toBeGreaterThanOrEqual(0.35);
  });
});
