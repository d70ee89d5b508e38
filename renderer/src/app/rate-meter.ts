import type { ProgressSnapshot } from '../../../shared/contract/events';

/**
 * Throughput and ETA for work the page itself measures (uploads through the bridge), with the
 * same honesty rules as the engine's meter: the fraction never goes back, the rate is measured
 * over a recent window rather than since the start, and there is no ETA until there is a rate.
 */
export class RateMeter {
  private readonly samples: Array<{ t: number; bytes: number }> = [];
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly now: () => number = () => Date.now(),
    private readonly windowMs = 5000,
    /** Least span of data a rate is based on; before that the rate is unknown. */
    private readonly minSpanMs = 500,
  ) {
    this.samples.push({ t: this.now(), bytes: 0 });
  }

  update(bytesDone: number, item?: string): ProgressSnapshot {
    const ceiling = this.total > 0 ? this.total : bytesDone;
    this.done = Math.min(Math.max(bytesDone, this.done), ceiling);
    const t = this.now();
    this.samples.push({ t, bytes: this.done });
    // One sample older than the window stays as the baseline of the rate.
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = t - first.t;
    const rate = span >= this.minSpanMs ? ((this.done - first.bytes) * 1000) / span : null;
    const remaining = Math.max(this.total - this.done, 0);
    const eta = remaining === 0 && this.total > 0 ? 0 : rate !== null && rate > 0 ? remaining / rate : null;
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
