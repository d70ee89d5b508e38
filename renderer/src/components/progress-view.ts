import type { ProgressSnapshot } from '../../../shared/contract/events';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../../../shared/format';

export interface ProgressText {
  /** 0..100 for the bar. */
  value: number;
  percent: string;
  bytes: string;
  rate: string;
  eta: string;
}

/** What the progress panel says about a snapshot; an unknown rate or ETA is said to be unknown. */
export function describeProgress(snapshot: ProgressSnapshot): ProgressText {
  const fraction = Math.min(Math.max(snapshot.fraction, 0), 1);
  return {
    value: Math.floor(fraction * 1000) / 10,
    percent: formatPercent(fraction),
    bytes: `${formatBytes(snapshot.bytesDone)} of ${formatBytes(snapshot.bytesTotal)}`,
    rate: formatRate(snapshot.bytesPerSecond),
    eta: snapshot.etaSeconds === null ? 'ETA unknown' : `ETA ${formatDuration(snapshot.etaSeconds)}`,
  };
}

/** How long something took, in words: below a second "under 1 s" rather than a misleading "0 s". */
export function describeElapsed(ms: number): string {
  return ms < 1000 ? 'under 1 s' : formatDuration(ms / 1000);
}
