import type { ProgressPart, ProgressSnapshot } from '../../../shared/contract/events';
import { ProgressMeter } from '../../../shared/progress';

/**
 * Progress of several parts worked on at once (the disks of a VM), each with its own bytes, rate
 * and ETA, plus the overall figure. Bytes that were already there when the work started (an
 * earlier, interrupted download) count as done but not as speed: rates and ETAs measure only
 * what moves now. Pure apart from the clock.
 */

interface Part {
  id: string;
  label: string;
  total: number;
  baseline: number;
  done: number;
  state: ProgressPart['state'];
  meter: ProgressMeter;
}

export class PartsProgress {
  readonly #parts = new Map<string, Part>();
  #overall: ProgressMeter;
  #overallBaseline = 0;

  constructor(
    parts: ReadonlyArray<{ id: string; label: string; total: number }>,
    private readonly now: () => number = () => Date.now(),
  ) {
    for (const p of parts) this.#parts.set(p.id, { ...p, baseline: 0, done: 0, state: 'waiting', meter: new ProgressMeter(p.total, now) });
    this.#overall = new ProgressMeter(this.total, now);
  }

  get total(): number {
    let sum = 0;
    for (const p of this.#parts.values()) sum += p.total;
    return sum;
  }

  get done(): number {
    let sum = 0;
    for (const p of this.#parts.values()) sum += p.done;
    return sum;
  }

  /** Bytes a part already had before this run; call before its first update. */
  setBaseline(id: string, bytes: number): void {
    const part = this.#parts.get(id);
    if (!part) return;
    const baseline = Math.min(Math.max(bytes, 0), part.total);
    this.#overallBaseline += baseline - part.baseline;
    part.baseline = baseline;
    part.done = Math.max(part.done, baseline);
    part.meter = new ProgressMeter(part.total - baseline, this.now);
    this.#overall = new ProgressMeter(this.total - this.#overallBaseline, this.now);
    this.#overall.update(this.done - this.#overallBaseline);
  }

  update(id: string, bytesDone: number): void {
    const part = this.#parts.get(id);
    if (!part) return;
    part.done = Math.min(Math.max(bytesDone, part.done), part.total);
    if (part.state === 'waiting') part.state = 'running';
    part.meter.update(part.done - part.baseline);
    this.#overall.update(this.done - this.#overallBaseline);
  }

  finish(id: string): void {
    const part = this.#parts.get(id);
    if (!part) return;
    this.update(id, part.total);
    part.state = 'done';
  }

  start(id: string): void {
    const part = this.#parts.get(id);
    if (part && part.state === 'waiting') part.state = 'running';
  }

  /** Bytes per second over the recent window, overall (0 while unknown). */
  rate(): number {
    return this.#overall.snapshot().bytesPerSecond ?? 0;
  }

  snapshot(item?: string): ProgressSnapshot {
    const overall = shifted(this.#overall.snapshot(), this.#overallBaseline, this.total);
    const parts: ProgressPart[] = [...this.#parts.values()].map((p) => {
      const s = shifted(p.meter.snapshot(), p.baseline, p.total);
      return { id: p.id, label: p.label, state: p.state, fraction: s.fraction, bytesDone: s.bytesDone, bytesTotal: s.bytesTotal, bytesPerSecond: p.state === 'done' ? null : s.bytesPerSecond, etaSeconds: p.state === 'done' ? 0 : s.etaSeconds };
    });
    return { ...overall, ...(item !== undefined ? { item } : {}), parts };
  }
}

/** A meter's snapshot counted from a baseline, put back on the full scale. */
function shifted(snapshot: ProgressSnapshot, baseline: number, total: number): ProgressSnapshot {
  const bytesDone = Math.min(snapshot.bytesDone + baseline, total);
  return {
    fraction: total > 0 ? bytesDone / total : 0,
    bytesDone,
    bytesTotal: total,
    bytesPerSecond: snapshot.bytesPerSecond,
    etaSeconds: total > 0 && bytesDone >= total ? 0 : snapshot.etaSeconds,
  };
}
