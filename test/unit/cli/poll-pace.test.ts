import { describe, expect, it } from 'vitest';
import { POLL_MS, PollPace, QUICK_FOR_MS, QUICK_MS } from '../../../electron/cli/poll-pace';
import type { RowView } from '../../../electron/cli/poll-pace';

describe('how often `batch run` polls its batch', () => {
  // Each case: jobs whose end was heard (with when), the rows the next poll showed, when it
  // showed them, and the delay before the poll after that.
  const cases: Array<{ name: string; ended: Array<[string, number]>; rows: RowView[]; at: number; delay: number }> = [
    { name: 'nothing ended: the usual twice a second', ended: [], rows: [{ jobId: 'j1', state: 'running' }], at: 0, delay: POLL_MS },
    { name: 'a job ended but its row still runs (the runner is journaling its end): poll again soon', ended: [['j1', 0]], rows: [{ jobId: 'j1', state: 'running' }, { jobId: 'j2', state: 'running' }], at: 5, delay: QUICK_MS },
    { name: 'the row shows the end: back to the usual pace', ended: [['j1', 0]], rows: [{ jobId: 'j1', state: 'done' }, { jobId: 'j2', state: 'running' }], at: 12, delay: POLL_MS },
    { name: 'an interrupted VM goes back to the queue: that is its end too', ended: [['j1', 0]], rows: [{ jobId: 'j1', state: 'queued' }], at: 12, delay: POLL_MS },
    { name: 'the VM started again with a new job: the old job is over', ended: [['j1', 0]], rows: [{ jobId: 'j9', state: 'running' }], at: 12, delay: POLL_MS },
    { name: 'a row that never moves does not keep the loop busy', ended: [['j1', 0]], rows: [{ jobId: 'j1', state: 'running' }], at: QUICK_FOR_MS, delay: POLL_MS },
    { name: 'one of two ended jobs still shows running', ended: [['j1', 0], ['j2', 3]], rows: [{ jobId: 'j1', state: 'done' }, { jobId: 'j2', state: 'running' }], at: 12, delay: QUICK_MS },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let now = 0;
      const pace = new PollPace(() => now);
      for (const [jobId, at] of c.ended) {
        now = at;
        pace.jobEnded(jobId);
      }
      now = c.at;
      pace.seen(c.rows);
      expect(pace.nextDelay()).toBe(c.delay);
    });
  }

  it('a job that ends while the CLI waits wakes it at once, not after the usual interval', async () => {
    const pace = new PollPace(Date.now, { idleMs: 5_000, quickMs: 10, quickForMs: 2_000 });
    const started = Date.now();
    const waiting = pace.sleep();
    setTimeout(() => pace.jobEnded('j1'), 20);
    await waiting;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(15);
    expect(waited).toBeLessThan(1_000);
    expect(pace.nextDelay()).toBe(10);
  });
});
