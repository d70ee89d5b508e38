import { describe, expect, it } from 'vitest';
import { AGENT_EARLIEST_MS, WatchSchedule } from '../../../electron/engine/boot/watch-schedule';
import type { WatchAction, WatchTimings } from '../../../electron/engine/boot/watch-schedule';

const TIMINGS: WatchTimings = { stateEveryMs: 2000, agentEveryMs: 5000, serialSilenceMs: 20_000, screenshotEveryMs: 5000, timeoutMs: 300_000, ocr: true };

/** Polls every 200 ms from 0 to `untilMs` and records which actions fell due when. */
function run(schedule: WatchSchedule, untilMs: number, userspaceFrom = Infinity): Array<[number, WatchAction]> {
  const seen: Array<[number, WatchAction]> = [];
  for (let now = 0; now <= untilMs; now += 200) for (const a of schedule.due(now, now >= userspaceFrom)) seen.push([now, a]);
  return seen;
}

describe('the boot watcher schedule', () => {
  it('checks the domain every stateEveryMs and takes the first screenshot after 2 s, then every interval', () => {
    const seen = run(new WatchSchedule(TIMINGS), 12_000);
    expect(seen.filter(([, a]) => a === 'check-state').map(([t]) => t)).toEqual([2000, 4000, 6000, 8000, 10_000, 12_000]);
    expect(seen.filter(([, a]) => a === 'screenshot').map(([t]) => t)).toEqual([2000, 7000, 12_000]);
  });

  it('pings the guest agent only once userspace runs, or after AGENT_EARLIEST_MS without a sign of it', () => {
    expect(run(new WatchSchedule(TIMINGS), 29_800).some(([, a]) => a === 'ping-agent')).toBe(false);
    expect(run(new WatchSchedule(TIMINGS), 40_000).filter(([, a]) => a === 'ping-agent').map(([t]) => t)).toEqual([AGENT_EARLIEST_MS, 35_000, 40_000]);
    expect(run(new WatchSchedule(TIMINGS), 12_000, 9000).filter(([, a]) => a === 'ping-agent').map(([t]) => t)).toEqual([9000]);
  });

  it('keeps the order: state first (a stopped guest needs no screenshot), then the screen, then the agent', () => {
    const s = new WatchSchedule({ ...TIMINGS, stateEveryMs: 1000, screenshotEveryMs: 1000, agentEveryMs: 1000 });
    expect(s.due(2000, true)).toEqual(['check-state', 'screenshot', 'ping-agent']);
    expect(s.due(2500, true)).toEqual([]);
  });

  it('drops a screenshot identical to the previous one', () => {
    const s = new WatchSchedule(TIMINGS);
    expect(s.screenshotTaken('a')).toBe(true);
    expect(s.screenshotTaken('a')).toBe(false);
    expect(s.screenshotTaken('b')).toBe(true);
  });

  it.each([
    { name: 'a new screen after serial silence', serialAt: 0, now: 25_000, ocr: true, expected: true },
    { name: 'the serial console spoke recently', serialAt: 10_000, now: 25_000, ocr: true, expected: false },
    { name: 'OCR is off', serialAt: 0, now: 25_000, ocr: false, expected: false },
  ])('reads the screen when $name: $expected', ({ serialAt, now, ocr, expected }) => {
    const s = new WatchSchedule({ ...TIMINGS, ocr });
    s.serialText('Booting from Hard Disk...', serialAt);
    s.screenshotTaken('screen-1');
    expect(s.startReading(now)).toBe(expected);
  });

  it('reads each screen once, one read at a time, and blank console output is not the guest talking', () => {
    const s = new WatchSchedule(TIMINGS);
    expect(s.startReading(25_000)).toBe(false); // no screenshot yet
    s.screenshotTaken('screen-1');
    s.serialText('\r\n  \r\n', 24_000);
    expect(s.startReading(25_000)).toBe(true);
    s.screenshotTaken('screen-2');
    expect(s.startReading(26_000)).toBe(false); // still reading screen-1
    s.readingDone();
    expect(s.startReading(26_000)).toBe(true);
    s.readingDone();
    expect(s.startReading(27_000)).toBe(false); // screen-2 was read
  });

  it('times out at the limit, not before', () => {
    const s = new WatchSchedule(TIMINGS);
    expect(s.timedOut(299_999)).toBe(false);
    expect(s.timedOut(300_000)).toBe(true);
  });
});
