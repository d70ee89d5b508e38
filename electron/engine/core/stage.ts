import type { ProgressSnapshot } from '../../../shared/contract/events';
import type { ToolRunner } from './tool-runner';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string) => void;

/** Work to undo if the job does not succeed (partial outputs, temporary files...). */
export interface CleanupRegistry {
  /** Runs if the job fails or is cancelled, newest first. Returns a function to drop it again. */
  onFailure(label: string, action: () => Promise<void> | void): () => void;
  /** Runs however the job ends (throwaway overlays, transient domains, temp folders). */
  always(label: string, action: () => Promise<void> | void): () => void;
}

export interface ProgressReport {
  bytesDone: number;
  bytesTotal: number;
  item?: string;
}

/** Everything a stage may use. Stages get nothing else: no globals, no singletons. */
export interface StageContext {
  readonly jobId: string;
  /** The job's own folder: logs, records, temporary files. */
  readonly jobDir: string;
  readonly signal: AbortSignal;
  readonly tools: ToolRunner;
  readonly log: LogSink;
  readonly cleanup: CleanupRegistry;
  /** Reports progress of the current stage; the job turns it into rate and ETA. */
  progress(report: ProgressReport): void;
  /** For stages that compute their own snapshot (e.g. several parallel parts). */
  progressSnapshot(snapshot: ProgressSnapshot): void;
}

/** One step of a pipeline: typed input, typed output, a context. */
export interface Stage<I, O> {
  readonly id: string;
  readonly label: string;
  run(input: I, ctx: StageContext): Promise<O>;
}
