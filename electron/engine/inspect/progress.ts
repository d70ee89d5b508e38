import type { ProgressSnapshot } from '../../../shared/contract/events';
import type { InspectionEstimate } from './launch-times';

/**
 * The inspection's progress bar: first the appliance's start, timed against how long it took on
 * this machine before (the bar moves, the ETA counts down, and it never claims to be done while
 * the appliance still boots), then each step of the inspection. Counted in steps, not bytes: an
 * inspection moves no data worth a rate.
 */
export class InspectionProgress {
  private launchStarted: number | null = null;
  private stepsStarted: number | null = null;
  private done = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly estimate: InspectionEstimate,
    /** Steps after the launch. */
    private readonly steps: number,
    private readonly emit: (snapshot: ProgressSnapshot) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The launch's share of the bar, from the two estimates. */
  private get launchShare(): number {
    const { launchSeconds, inspectSeconds } = this.estimate;
    return launchSeconds + inspectSeconds > 0 ? launchSeconds / (launchSeconds + inspectSeconds) : 0.5;
  }

  /** The appliance is starting: a reading now and every second until `launched`. */
  launching(tickMs = 1000): void {
    this.launchStarted = this.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref?.();
  }

  /** The launch reading at this moment (also what the timer sends). */
  tick(): ProgressSnapshot | null {
    if (this.launchStarted === null || this.stepsStarted !== null) return null;
    const elapsed = (this.now() - this.launchStarted) / 1000;
    const expected = Math.max(this.estimate.launchSeconds, 1);
    // Never full before the appliance answers: beyond the estimate the bar waits at 95 % of its share.
    const fraction = Math.min(elapsed / expected, 0.95) * this.launchShare;
    const left = expected - elapsed;
    const basis = this.estimate.measured > 0 ? `about ${this.estimate.launchSeconds} s here before` : `about ${this.estimate.launchSeconds} s without KVM`;
    const snapshot: ProgressSnapshot = {
      unit: 'steps',
      fraction,
      bytesDone: 0,
      bytesTotal: this.steps + 1,
      bytesPerSecond: null,
      // Past the estimate there is no honest number to give.
      etaSeconds: left > 0 ? left + this.estimate.inspectSeconds : null,
      item: `Starting the inspection appliance: ${Math.round(elapsed)} s (${basis})`,
    };
    this.emit(snapshot);
    return snapshot;
  }

  /** The appliance answered; returns how long it took (ms). */
  launched(): number {
    this.stop();
    this.stepsStarted = this.now();
    return this.launchStarted === null ? 0 : this.stepsStarted - this.launchStarted;
  }

  /** A step of the inspection begins. */
  step(label: string): ProgressSnapshot {
    if (this.stepsStarted === null) this.launched();
    const share = this.launchShare;
    const fraction = share + (1 - share) * Math.min(this.done / this.steps, 1);
    const spent = (this.now() - this.stepsStarted!) / 1000;
    const left = this.estimate.inspectSeconds * (1 - Math.min(this.done / this.steps, 1));
    const snapshot: ProgressSnapshot = {
      unit: 'steps',
      fraction,
      bytesDone: Math.min(this.done + 1, this.steps),
      bytesTotal: this.steps + 1,
      bytesPerSecond: null,
      etaSeconds: spent < this.estimate.inspectSeconds ? Math.max(left, 0) : null,
      item: label,
    };
    this.done++;
    this.emit(snapshot);
    return snapshot;
  }

  /** Everything is done; returns how long the inspection took after the launch (ms). */
  finished(label: string): number {
    this.stop();
    this.emit({ unit: 'steps', fraction: 1, bytesDone: this.steps + 1, bytesTotal: this.steps + 1, bytesPerSecond: null, etaSeconds: 0, item: label });
    return this.stepsStarted === null ? 0 : this.now() - this.stepsStarted;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
