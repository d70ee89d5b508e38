import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket for bandwidth limits: tokens (bytes) refill at `ratePerSecond` up to
 * `capacity`. A chunk larger than what is in the bucket is let through at once and paid for by
 * waiting (the bucket goes into debt), so the average rate holds whatever the chunk sizes.
 */
export class TokenBucket {
  readonly capacity: number;
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerSecond: number,
    capacity?: number,
    now: number = performance.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('The rate must be positive.');
    // A quarter second of burst keeps the flow smooth without letting it run ahead.
    this.capacity = capacity ?? Math.max(Math.ceil(ratePerSecond / 4), 1);
    this.#tokens = this.capacity;
    this.#last = now;
  }

  /** Takes `amount` tokens; returns how many milliseconds to wait before using them. */
  reserve(amount: number, now: number = performance.now()): number {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.ratePerSecond);
    this.#tokens -= amount;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.ratePerSecond) * 1000;
  }
}

/** A pass-through stream that holds each chunk back as long as the bucket says. */
export function throttle(bucket: TokenBucket, signal?: AbortSignal): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const wait = bucket.reserve(chunk.length);
      if (wait <= 0) return callback(null, chunk);
      sleep(wait, undefined, { signal }).then(
        () => callback(null, chunk),
        (error: unknown) => callback(error as Error),
      );
    },
  });
}
