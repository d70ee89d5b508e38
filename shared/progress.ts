import type { ProgressSnapshot } from './contract/events';

/**
 * Turns raw "bytes done of total" readings into an honest progress snapshot: the fraction
 * never goes backwards, throughput is measured over a recent window (so a stall shows as a
 * falling rate, not a frozen average), and no ETA is given until there is a rate to base it on.
 */
export class ProgressMeter {
  private readonly samples: Array<{ t: number; bytes: number }> = [];
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly now: () => number = () => Date.now(),
    /** Window over which throughput is measured. */
    private readonly windowMs = 8000,
  ) {
    this.samples.push({ t: this.now(), bytes: 0 });
  }

  update(bytesDone: number, item?: string): ProgressSnapshot {
    const clamped = Math.min(Math.max(bytesDone, this.done), this.total > 0 ? this.total : bytesDone);
    this.done = clamped;
    const t = this.now();
    this.samples.push({ t, bytes: clamped });
    // Keep one sample older than the window as the baseline of the rate.
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
    return this.snapshot(item);
  }

  snapshot(item?: string): ProgressSnapshot {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const elapsed = (last.t - first.t) / 1000;
    // Half a second of data is the least we base a rate on; before that we say "unknown".
    const rate = elapsed >= 0.5 ? (last.bytes - first.bytes) / elapsed : null;
    const remaining = Math.max(this.total - this.done, 0);
    let eta: number | null = null;
    if (remaining === 0 && this.total > 0) eta = 0;
    else if (rate !== null && rate > 0) eta = remaining / rate;
    const snapshot: ProgressSnapshot = {
      fraction: this.total > 0 ? Math.min(this.done / this.total, 1) : 0,
      bytesDone: this.done,
      bytesTotal: this.total,
      bytesPerSecond: rate,
      etaSeconds: eta,
    };
    if (item !== undefined) snapshot.item = item;
    return snapshot;
  }
}

/**
 * Combines the progress of several parts of different sizes (disks of a VM) into one overall
 * figure, each part weighted by its bytes — the way a user reads "how much of the work is done".
 */
export class WeightedProgress {
  private readonly doneByPart = new Map<string, number>();
  constructor(private readonly sizes: ReadonlyMap<string, number>) {}

  get total(): number {
    let sum = 0;
    for (const size of this.sizes.values()) sum += size;
    return sum;
  }

  set(part: string, bytesDone: number): number {
    const size = this.sizes.get(part) ?? 0;
    this.doneByPart.set(part, Math.min(Math.max(bytesDone, 0), size));
    let sum = 0;
    for (const done of this.doneByPart.values()) sum += done;
    return sum;
  }
}

/** Limits how often a callback fires; the last value is always delivered by `flush`. */
export function throttle<T>(fn: (value: T) => void, intervalMs: number, now: () => number = () => Date.now()): { push(value: T): void; flush(): void } {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  return {
    push(value) {
      const t = now();
      if (t - last >= intervalMs) {
        last = t;
        pending = null;
        fn(value);
      } else {
        pending = { value };
      }
    },
    flush() {
      if (pending) fn(pending.value);
      pending = null;
    },
  };
}
