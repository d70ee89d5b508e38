import type { ErrorRate } from '../../../shared/contract/models/batch';

const MINUTE_MS = 60_000;
const BUCKETS = 60;

/**
 * Errors per minute: how many VMs failed in the last 60 seconds, and the last hour as 60
 * one-minute buckets ending now (the last bucket is the same 60 seconds).
 */
export function errorRate(failures: readonly number[], now: number): ErrorRate {
  const perMinute = new Array<number>(BUCKETS).fill(0);
  for (const t of failures) {
    const age = now - t;
    if (age < 0 || age >= BUCKETS * MINUTE_MS) continue;
    perMinute[BUCKETS - 1 - Math.floor(age / MINUTE_MS)]! += 1;
  }
  return { lastMinute: perMinute[BUCKETS - 1]!, perMinute };
}
