import { cancelledError, EngineFailure, toEngineError } from '../../core/errors';
import type { ChainLinkPlan } from '../chain-plan';
import type { FlatPiece } from '../flat-convert';
import type { PartsProgress } from '../parts-progress';
import type { StagedFile } from '../staged-file';

/**
 * A lane is one disk's path through the migration: planned by plan.ts, downloaded file by file
 * by transfer.ts and, at the same time, converted by convert.ts, which may read only what the
 * download has already written. The two stages run in parallel and meet here: the convert side
 * waits for its lane's download to start, readers of a file wait for its bytes (StagedFile), and
 * a failure on either side stops both (`Lanes.stop`).
 */
export interface Lane {
  diskId: string;
  label: string;
  links: ChainLinkPlan[];
  /** In download order. */
  files: StagedFile[];
  /** qemu's json: source spec for the chain, over the loopback server's URLs. */
  spec: Record<string, unknown>;
  /** Set when the disk is flat and converts straight from the staging file (flat-convert.ts). */
  flat: FlatPiece[] | undefined;
  virtualSize: number;
  final: string;
  partial: string;
  /** Index of the file the download is on (files.length once done). */
  cursor: number;
  started: Deferred;
  startedAt: number;
  endedAt: number;
  /** Bytes already in the staging folder when the job began (complete files and partial ones). */
  resumedBytes: number;
  /** Bytes the converter needed before the download reached them (read from vCenter directly). */
  aheadBytes: number;
  /** One per file this job downloaded (files complete from an earlier job have none). */
  results: Array<{ name: string; bytes: number; resumedFrom: number }>;
}

/** What plan.ts decides for a disk; the rest of a lane is the state transfer and convert share. */
export type LanePlan = Pick<Lane, 'diskId' | 'label' | 'links' | 'files' | 'spec' | 'flat' | 'virtualSize' | 'final' | 'partial' | 'resumedBytes'>;

export function newLane(plan: LanePlan): Lane {
  return { ...plan, cursor: 0, started: deferred(), startedAt: 0, endedAt: 0, aheadBytes: 0, results: [] };
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Bytes the sequential download still has to fetch before it reaches `offset` of `file`:
 * the loopback server waits for the download when that is little, and reads from vCenter
 * directly when it is far (Infinity: the lane has not started, or went past the file).
 */
export function bytesAhead(lanes: readonly Lane[], file: StagedFile, offset: number): number {
  if (file.available >= offset) return 0;
  const lane = lanes.find((l) => l.files.includes(file));
  if (!lane || lane.startedAt === 0) return Infinity;
  const index = lane.files.indexOf(file);
  if (index < lane.cursor) return Infinity; // passed over: it failed or was skipped
  let ahead = offset - file.available;
  for (let i = lane.cursor; i < index; i++) ahead += lane.files[i]!.size - lane.files[i]!.available;
  return ahead;
}

/**
 * The lanes of one job and what stops them: the loopback server (created before the lanes are
 * planned, and asking about them while they run), the transfer and the convert stage all hold
 * this one object instead of closures over a shared list.
 */
export class Lanes {
  #list: readonly Lane[] = [];
  #transfer: PartsProgress | undefined;
  readonly #stop = new AbortController();
  /** The job's signal, or a failure in either stage: whatever ends one lane's work ends all. */
  readonly signal: AbortSignal;

  constructor(jobSignal: AbortSignal) {
    this.signal = AbortSignal.any([jobSignal, this.#stop.signal]);
  }

  get list(): readonly Lane[] {
    return this.#list;
  }

  /** The planned lanes; until then the server has no lane to wait for and reads ahead. */
  adopt(lanes: readonly Lane[]): void {
    this.#list = lanes;
  }

  /** The transfer's progress, whose rate tells the server how far ahead is worth waiting. */
  measure(transfer: PartsProgress): void {
    this.#transfer = transfer;
  }

  rate(): number {
    return this.#transfer?.rate() ?? 0;
  }

  bytesAhead(file: StagedFile, offset: number): number {
    return bytesAhead(this.#list, file, offset);
  }

  /** Counts bytes the server fetched ahead of the download for a file's lane. */
  noteAhead(file: StagedFile, bytes: number): void {
    const lane = this.#list.find((l) => l.diskId === file.diskId);
    if (lane) lane.aheadBytes += bytes;
  }

  /** A lane's download failed: readers of its files hear why, and every lane stops. */
  fail(lane: Lane, error: unknown): void {
    const value = toEngineError(error);
    for (const file of lane.files) file.fail(value);
    this.stop();
  }

  stop(): void {
    this.#stop.abort();
  }

  /** Resolves when the lane's download has begun; rejects as cancelled when the lanes stop first. */
  async waitStarted(lane: Lane): Promise<void> {
    const signal = this.signal;
    await Promise.race([lane.started.promise, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new EngineFailure(cancelledError())), { once: true }))]);
  }
}

/**
 * Runs `work` for every item, at most `limit` at once, in order; the first failure stops new
 * starts (the parallel-disks option bounds both stages the same way).
 */
export async function eachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      if (signal.aborted) throw new EngineFailure(cancelledError());
      const item = items[next++]!;
      await work(item);
    }
  });
  const settled = await Promise.allSettled(runners);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The error that explains how transfer ∥ convert ended: one side failing stops the other, whose
 * own "cancelled" is only a consequence; a cancelled job is cancelled whatever else failed.
 */
export function firstRealError(results: PromiseSettledResult<unknown>[], jobSignal: AbortSignal): unknown {
  const errors: unknown[] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r): unknown => r.reason);
  if (errors.length === 0) return undefined;
  if (jobSignal.aborted) return new EngineFailure(cancelledError());
  return errors.find((e) => toEngineError(e).code !== 'CANCELLED') ?? errors[0];
}
