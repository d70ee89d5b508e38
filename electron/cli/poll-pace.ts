/**
 * When `batch run` asks the engine for the batch's status next.
 *
 * Why not a plain timer: the CLI polls every POLL_MS (500 ms), and it can only exit on a poll
 * that shows the batch ended. The last VM's job ends at a random point of that interval, so a
 * fixed timer added 0..500 ms (250 ms on average) to every run, measured in `npm run
 * bench:batch` as most of the gap to `xargs -P2`, and most of its run-to-run spread.
 *
 * A job's terminal event (done, failed, cancelled) is the moment something is about to change:
 * the runner then journals the VM's end (one fdatasync), starts the next VM or ends the batch.
 * So on such an event the waiting poll is woken at once, and until the VM's row has left
 * `running` the CLI polls again after QUICK_MS: a few in-process calls of a few rows each
 * (`since` returns only what changed). The quick cadence is bounded (QUICK_FOR_MS after the
 * event) so that a row that never moves cannot turn the loop into a busy one.
 */

export const POLL_MS = 500;
export const QUICK_MS = 10;
export const QUICK_FOR_MS = 2000;

export interface RowView {
  jobId: string | null;
  state: string;
}

export class PollPace {
  /** Jobs whose end was heard, with when, until their VM's row shows it. */
  private readonly ended = new Map<string, number>();
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits: { idleMs: number; quickMs: number; quickForMs: number } = { idleMs: POLL_MS, quickMs: QUICK_MS, quickForMs: QUICK_FOR_MS },
  ) {}

  /** A job of the batch ended: poll now, and quickly until its row says so. */
  jobEnded(jobId: string): void {
    this.ended.set(jobId, this.now());
    this.wakeUp?.();
  }

  /** After a poll: forgets the ends that the rows now show (or that waited too long). */
  seen(rows: Iterable<RowView>): void {
    if (this.ended.size === 0) return;
    const stillRunning = new Set<string>();
    for (const row of rows) if (row.state === 'running' && row.jobId !== null) stillRunning.add(row.jobId);
    const now = this.now();
    for (const [jobId, at] of this.ended) {
      if (!stillRunning.has(jobId) || now - at >= this.limits.quickForMs) this.ended.delete(jobId);
    }
  }

  /** How long to wait before the next poll. */
  nextDelay(): number {
    return this.ended.size > 0 ? this.limits.quickMs : this.limits.idleMs;
  }

  /** Waits nextDelay(), or less if a job ends meanwhile. */
  sleep(): Promise<void> {
    const ms = this.nextDelay();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
