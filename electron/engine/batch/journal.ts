import { open, readFile, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { BatchOutput } from '../../../shared/contract/models/batch';
import { fail, fromErrno, EngineFailure } from '../core/errors';
import './error-codes';

/**
 * The batch journal: an append-only log of JSON lines, each written with fdatasync before the
 * runner acts on it (the stage records, which it never acts on, are written before the stage and
 * synced with the next record: see AppendOptions).
 *
 * Why not a database: records are few (a handful per VM), written in order by one process and
 * read whole at start; a log gives that with no native module to build for every Electron and
 * Node ABI (better-sqlite3 needs one), stays readable with `cat` and `jq` in an incident, and its
 * crash behaviour is simple to reason about. A crash can only cut the record being written, which
 * the runner had not acted on yet: on open, a last line without its newline is dropped (and cut
 * from the file, so that the next record does not glue onto it). Records before it were synced.
 */

export type VmEndState = 'done' | 'failed' | 'cancelled' | 'interrupted';

export type JournalRecord =
  | { t: 'batch'; v: 1; batchId: string; plan: string; at: string }
  | { t: 'run'; pid: number; mode: 'run' | 'resume'; planSha256: string; at: string }
  | { t: 'vm-start'; vm: string; attempt: number; jobId: string; jobDir: string; at: string }
  | { t: 'vm-stage'; vm: string; jobId: string; stage: string; at: string }
  /** The final paths of a VM's outputs, written before they exist (before finalize renames them). */
  | { t: 'vm-outputs'; vm: string; jobId: string; finals: string[]; at: string }
  | { t: 'vm-end'; vm: string; jobId: string | null; state: VmEndState; at: string; error?: EngineError; outputs?: BatchOutput[]; durationMs?: number; bytes?: number; warnings?: number }
  | { t: 'vm-retry'; vm: string; at: string }
  /** What a resume cleared of an interrupted attempt: its processes and files. */
  | { t: 'vm-cleared'; vm: string; jobId: string; killed: number[]; removed: string[]; domains?: string[]; at: string }
  | { t: 'control'; action: 'pause' | 'resume' | 'stop' | 'stop-cancel'; at: string }
  | { t: 'run-end'; reason: string; at: string };

interface Pending {
  /** Position in the file's order of records, from 1. */
  seq: number;
  line: string;
  written: () => void;
  failed: (error: unknown) => void;
}

interface SyncWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface AppendOptions {
  /**
   * true (the default): resolve once the record is on disk (fdatasync), safe from a power cut.
   * false: resolve once it is written to the file: safe from `kill -9` (the kernel has it), and
   * on disk with the next durable record, which every later sync covers (records are written in
   * order, and an fdatasync covers everything written before it started).
   */
  durable?: boolean;
}

export class Journal {
  private closed = false;
  /** Records given to append() and not yet handed to write(). */
  private queued: Pending[] = [];
  private writing: Promise<void> | null = null;
  private lastSeq = 0;
  /** Every record up to this one is written to the file. */
  private writtenSeq = 0;
  /** Every record up to this one is on disk. */
  private syncedSeq = 0;
  private syncing: Promise<void> | null = null;
  private waiters: SyncWaiter[] = [];
  /** fdatasync calls made, for the tests and the benchmark's accounting. */
  syncs = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly records: JournalRecord[],
  ) {}

  /** Opens (creating it when `create`) for appending; what is already there is read first. */
  static async open(path: string, options: { create: boolean }): Promise<Journal> {
    const { records, validBytes, torn } = await readJournalFile(path, { allowMissing: options.create });
    if (torn) await truncate(path, validBytes);
    let handle: FileHandle;
    try {
      handle = await open(path, 'a', 0o644);
    } catch (error) {
      throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
    }
    if (records.length === 0) await syncFolder(dirname(path));
    return new Journal(path, handle, records);
  }

  /**
   * Appends one record; records reach the file in call order. Resolves once it is durable (see
   * AppendOptions). Group commit: records appended while a write or an fdatasync is under way
   * share the next write and the next fdatasync, so two VMs journaling at the same moment pay
   * for one sync, and every caller still hears back only when its own record is on disk.
   */
  append(record: JournalRecord, options: AppendOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The journal is closed.'));
    const line = JSON.stringify(record) + '\n';
    this.records.push(record);
    const seq = ++this.lastSeq;
    const written = new Promise<void>((resolve, reject) => {
      this.queued.push({ seq, line, written: resolve, failed: reject });
    });
    this.writeQueued();
    if (options.durable === false) return written;
    return written.then(() => this.durableUpTo(seq));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    // Records appended without waiting for their sync are made durable before the file closes.
    if (this.syncedSeq < this.writtenSeq) await this.durableUpTo(this.writtenSeq).catch(() => undefined);
    while (this.syncing) await this.syncing;
    await this.handle.close();
  }

  /** One write() at a time, each taking every record queued meanwhile. */
  private writeQueued(): void {
    if (this.writing || this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.writing = writeFully(this.handle, Buffer.from(batch.map((p) => p.line).join('')))
      .then(
        () => {
          this.writtenSeq = batch[batch.length - 1]!.seq;
          for (const p of batch) p.written();
        },
        (error: unknown) => {
          // Those records fail their callers; later ones still try.
          for (const p of batch) p.failed(error);
        },
      )
      .finally(() => {
        this.writing = null;
        this.writeQueued();
      });
  }

  private durableUpTo(seq: number): Promise<void> {
    if (this.syncedSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.syncWaiting();
    });
  }

  /** One fdatasync at a time; it covers what was written when it started. */
  private syncWaiting(): void {
    if (this.syncing || this.waiters.length === 0) return;
    const target = this.writtenSeq;
    this.syncs++;
    this.syncing = this.handle
      .datasync()
      .then(
        () => {
          this.syncedSeq = Math.max(this.syncedSeq, target);
          this.settleWaiters(target, null);
        },
        (error: unknown) => this.settleWaiters(target, error ?? new Error('fdatasync failed')),
      )
      .finally(() => {
        this.syncing = null;
        this.syncWaiting();
      });
  }

  private settleWaiters(target: number, error: unknown): void {
    const covered = this.waiters.filter((w) => w.seq <= target);
    this.waiters = this.waiters.filter((w) => w.seq > target);
    for (const w of covered) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
  }
}

/** write() until every byte is in the file (a short write is rare on a local file, not impossible). */
async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten <= 0) throw new Error('The journal could not be written (no bytes taken).');
    offset += bytesWritten;
  }
}

/** Reads a journal without opening it for writing (status from another process). */
export async function readJournal(path: string): Promise<JournalRecord[] | null> {
  try {
    return (await readJournalFile(path, { allowMissing: false })).records;
  } catch (error) {
    if (error instanceof EngineFailure && error.value.code === 'BATCH_JOURNAL_MISSING') return null;
    throw error;
  }
}

async function readJournalFile(path: string, options: { allowMissing: boolean }): Promise<{ records: JournalRecord[]; validBytes: number; torn: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') {
      if (options.allowMissing) return { records: [], validBytes: 0, torn: false };
      fail('BATCH_JOURNAL_MISSING', `There is no journal at ${path}.`, 'Run the plan first (hyper2kvm batch run), or give the journal with --journal.', { path });
    }
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, path));
  }
  const end = text.lastIndexOf('\n') + 1;
  const torn = end < text.length;
  const records: JournalRecord[] = [];
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      fail('BATCH_JOURNAL_CORRUPT', `Line ${i + 1} of the journal ${path} is not a record.`, 'The journal was edited or damaged. Restore it, or move it away to start the batch over (finished outputs stay where they are).', { path, line: i + 1 });
    }
  }
  return { records, validBytes: Buffer.byteLength(text.slice(0, end)), torn };
}

async function syncFolder(folder: string): Promise<void> {
  // The new file's name must survive a crash too. Some file systems refuse to fsync a folder.
  const handle = await open(folder, 'r').catch(() => null);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

// ---------------------------------------------------------------------------------------------

/** A VM as the journal tells it. `running` means a start without an end: in flight, or interrupted. */
export interface VmRecordState {
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  attempts: number;
  jobId: string | null;
  jobDir: string | null;
  stage: string | null;
  error: EngineError | null;
  outputs: BatchOutput[];
  /** Final output paths of the last attempt, known before they were written. */
  finals: string[];
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  bytes: number | null;
  warnings: number;
}

export function emptyVmState(): VmRecordState {
  return { state: 'queued', attempts: 0, jobId: null, jobDir: null, stage: null, error: null, outputs: [], finals: [], startedAt: null, endedAt: null, durationMs: null, bytes: null, warnings: 0 };
}

/** Folds the records into each VM's state. */
export function replay(records: readonly JournalRecord[]): Map<string, VmRecordState> {
  const vms = new Map<string, VmRecordState>();
  const get = (name: string): VmRecordState => {
    let s = vms.get(name);
    if (!s) vms.set(name, (s = emptyVmState()));
    return s;
  };
  for (const r of records) {
    switch (r.t) {
      case 'vm-start': {
        const s = get(r.vm);
        Object.assign(s, { state: 'running', attempts: Math.max(s.attempts, r.attempt), jobId: r.jobId, jobDir: r.jobDir, stage: null, error: null, outputs: [], finals: [], startedAt: r.at, endedAt: null, durationMs: null, warnings: 0 });
        break;
      }
      case 'vm-stage':
        if (get(r.vm).jobId === r.jobId) get(r.vm).stage = r.stage;
        break;
      case 'vm-outputs':
        if (get(r.vm).jobId === r.jobId) get(r.vm).finals = r.finals;
        break;
      case 'vm-end': {
        const s = get(r.vm);
        s.state = r.state === 'interrupted' ? 'queued' : r.state;
        s.endedAt = r.at;
        s.error = r.error ?? null;
        s.outputs = r.outputs ?? [];
        s.durationMs = r.durationMs ?? null;
        s.bytes = r.bytes ?? s.bytes;
        s.warnings = r.warnings ?? 0;
        break;
      }
      case 'vm-retry': {
        const s = get(r.vm);
        if (s.state === 'failed' || s.state === 'cancelled') Object.assign(s, { state: 'queued', error: null });
        break;
      }
      default:
        break;
    }
  }
  return vms;
}

/** When VMs failed (for the error rate), oldest first. */
export function failureTimes(records: readonly JournalRecord[]): number[] {
  return records.filter((r): r is Extract<JournalRecord, { t: 'vm-end' }> => r.t === 'vm-end' && r.state === 'failed').map((r) => Date.parse(r.at));
}
