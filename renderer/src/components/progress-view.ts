import type { ProgressSnapshot } from '../../../shared/contract/events';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../../../shared/format';

export interface ProgressText {
  /** 0..100 for the bar. */
  value: number;
  percent: string;
  bytes: string;
  /** Empty when the work is not measured in bytes (nothing to show then). */
  rate: string;
  eta: string;
}

/**
 * What the progress panel says about a snapshot; an unknown rate or ETA is said to be unknown.
 * The rate is the rate of bytes actually moved: when the bytes counted are a virtual disk's
 * (holes included), the snapshot's `moved` reading is shown instead, and says "written".
 */
export function describeProgress(snapshot: ProgressSnapshot): ProgressText {
  const fraction = Math.min(Math.max(snapshot.fraction, 0), 1);
  const eta = snapshot.etaSeconds === null ? 'ETA unknown' : `ETA ${formatDuration(snapshot.etaSeconds)}`;
  const value = Math.floor(fraction * 1000) / 10;
  if (snapshot.unit === 'steps') {
    return { value, percent: formatPercent(fraction), bytes: `step ${Math.min(snapshot.bytesDone + 1, snapshot.bytesTotal)} of ${snapshot.bytesTotal}`, rate: '', eta };
  }
  const moved = snapshot.moved;
  return {
    value,
    percent: formatPercent(fraction),
    bytes: moved ? `${formatBytes(snapshot.bytesDone)} of ${formatBytes(snapshot.bytesTotal)} (virtual); ${formatBytes(moved.bytesDone)} written` : `${formatBytes(snapshot.bytesDone)} of ${formatBytes(snapshot.bytesTotal)}`,
    rate: moved ? `${formatRate(moved.bytesPerSecond)} written` : formatRate(snapshot.bytesPerSecond),
    eta,
  };
}

/** How long something took, in words: below a second "under 1 s" rather than a misleading "0 s". */
export function describeElapsed(ms: number): string {
  return ms < 1000 ? 'under 1 s' : formatDuration(ms / 1000);
}

/** "1 line", "3 lines": a count with its noun, singular when it is one. */
export function countText(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
