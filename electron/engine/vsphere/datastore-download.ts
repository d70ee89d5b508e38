import { open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelledError, EngineFailure, fail, fromErrno, isAbortError } from '../core/errors';
import './error-codes';
import { describeLocation, FolderFile, parseContentRange, parseUnsatisfiedTotal } from './folder-client';
import type { DatastoreLocation, FileAccess } from './folder-client';
import { classifyNetworkError } from './network-errors';
import { sinkClosed, sparseFileSink } from './sparse-file-sink';
import { TokenBucket, throttle } from './token-bucket';

/**
 * Datastore files over HTTPS, through the /folder client (folder-client.ts: the request, its
 * retries on one backoff schedule, the re-login), streamed to `<name>.part` (never held in
 * memory), resumed with a Range request after a break, optionally rate-limited, and renamed to
 * its final name only when the size is right. A sidecar `<name>.part.json` says what the .part
 * belongs to, so a restarted app can pick up where it stopped.
 */

// Where a file is and how to reach it belong to the /folder client; they are named here too
// because every caller of a download needs them alongside it.
export { datastoreFileUrl, sessionFileAccess } from './folder-client';
export type { DatastoreLocation, FileAccess } from './folder-client';

// ---------------------------------------------------------------------------------------------
// Decisions (pure)

export type RangePlan = { kind: 'complete' } | { kind: 'full' } | { kind: 'resume'; from: number } | { kind: 'restart' };

/** What to ask for, given what is on disk and the size we expect (when known). */
export function planRange(partSize: number, expectedTotal: number | undefined): RangePlan {
  // An empty file is still fetched once: that is what proves it exists.
  if (expectedTotal !== undefined && partSize === expectedTotal && partSize > 0) return { kind: 'complete' };
  if (expectedTotal !== undefined && partSize > expectedTotal) return { kind: 'restart' };
  return partSize > 0 ? { kind: 'resume', from: partSize } : { kind: 'full' };
}

export type ResponseDecision =
  /** Append the body to the .part; `total` is the full size when the server told it. */
  | { action: 'append'; total?: number }
  /** The server sent the whole file: truncate the .part and write the body from zero. */
  | { action: 'replace'; total?: number }
  /** Nothing usable in this body: drop it, delete the .part, ask again for everything. */
  | { action: 'restart'; reason: string }
  /** The .part already holds the whole file. */
  | { action: 'complete' }
  | { action: 'fail'; reason: string };

export interface ResponseFacts {
  /** The offset we asked to start at (0 for a plain GET). */
  requestedFrom: number;
  status: number;
  contentRange?: string;
  contentLength?: number;
  /** The full size we expect: from the VM's file layout, or from an earlier response. */
  expectedTotal?: number;
}

/**
 * Whether an answer can continue the .part. A 206 only counts when its range starts exactly
 * where the .part ends and its total is the size we expect; anything else could splice two
 * different versions of a file together, so it means starting over. Session refusals, 404 and
 * transient statuses never get here: the /folder client deals with them (classifyStatus).
 */
export function judgeResponse(facts: ResponseFacts): ResponseDecision {
  const { status, requestedFrom, expectedTotal } = facts;
  if (status === 206) {
    const range = parseContentRange(facts.contentRange);
    if (!range) return { action: 'restart', reason: 'a partial answer without a usable Content-Range' };
    if (range.start !== requestedFrom) return { action: 'restart', reason: `the server resumed at byte ${range.start}, not ${requestedFrom}` };
    if (expectedTotal !== undefined && range.total !== undefined && range.total !== expectedTotal) {
      return { action: 'restart', reason: `the file is now ${range.total} bytes, not ${expectedTotal}` };
    }
    if (expectedTotal === undefined && range.total === undefined) return { action: 'restart', reason: 'the total size is unknown, so the pieces cannot be checked' };
    return { action: 'append', total: range.total ?? expectedTotal };
  }
  if (status === 200) {
    if (expectedTotal !== undefined && facts.contentLength !== undefined && facts.contentLength !== expectedTotal) {
      return { action: 'fail', reason: `the file on the datastore is ${facts.contentLength} bytes, but ${expectedTotal} were expected` };
    }
    const total = facts.contentLength ?? expectedTotal;
    return total === undefined ? { action: 'replace' } : { action: 'replace', total };
  }
  if (status === 416) {
    const total = parseUnsatisfiedTotal(facts.contentRange);
    if (total !== undefined && total === requestedFrom && (expectedTotal === undefined || expectedTotal === total)) return { action: 'complete' };
    return { action: 'restart', reason: 'the server cannot resume from where the .part ends' };
  }
  return { action: 'fail', reason: `HTTP ${status}` };
}

// ---------------------------------------------------------------------------------------------
// The sidecar

export interface DownloadSidecar {
  version: 1;
  server: string;
  source: DatastoreLocation;
  /** Full size of the file, once known. */
  total?: number;
  startedAt: string;
}

export function sidecarPath(destination: string): string {
  return `${destination}.part.json`;
}

export function partPath(destination: string): string {
  return `${destination}.part`;
}

/** A sidecar only lets us resume a .part of the very same file. */
export function sidecarMatches(sidecar: DownloadSidecar | undefined, server: string, source: DatastoreLocation, expectedTotal: number | undefined): boolean {
  if (!sidecar || sidecar.version !== 1) return false;
  const same = sidecar.server === server && sidecar.source.datacenterPath === source.datacenterPath && sidecar.source.datastore === source.datastore && sidecar.source.path === source.path;
  const sizeAgrees = expectedTotal === undefined || sidecar.total === undefined || sidecar.total === expectedTotal;
  return same && sizeAgrees;
}

async function readSidecar(file: string): Promise<DownloadSidecar | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DownloadSidecar;
  } catch {
    return undefined;
  }
}

async function writeSidecar(file: string, sidecar: DownloadSidecar): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, `${JSON.stringify(sidecar, null, 2)}\n`);
  await rename(temp, file);
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Downloading

export interface DownloadOptions {
  access: FileAccess;
  source: DatastoreLocation;
  destination: string;
  /** Size from the VM's file layout; when given, the result must have exactly this size. */
  expectedSize?: number;
  signal?: AbortSignal;
  /** Bytes on disk so far and the total (when known); at most every 100 ms, and once at the end. */
  onProgress?: (bytesDone: number, bytesTotal: number | undefined) => void;
  /**
   * Every change of the valid bytes in the .part, unthrottled: once after the .part is judged
   * (what is kept of an earlier attempt), after every write, and 0 when it is thrown away. Lets a
   * reader serve the file while it arrives.
   */
  onWritten?: (bytesOnDisk: number) => void;
  /** A bandwidth limit shared with other downloads (overrides bytesPerSecond). */
  bucket?: TokenBucket;
  /**
   * Names the server in the sidecar (default host:port). A vCenter's instance uuid keeps a .part
   * resumable when the same server is reached under another name or through another port.
   */
  serverId?: string;
  /** Log lines for the job record (retries, restarts); never contain credentials. */
  onLog?: (message: string) => void;
  /** Bandwidth limit in bytes per second. */
  bytesPerSecond?: number;
  /** Failed attempts in a row (no byte gained) before giving up; default RETRY_SCHEDULE's (folder-client.ts). */
  maxAttempts?: number;
  /** The first wait and the longest; RETRY_SCHEDULE's by default (tests shorten them). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Flush the complete file to the disk before renaming it (default true). A caller that
   * consumes the file at once and deletes it afterwards passes false: a flush of a multi-GiB
   * file waits for the disk to write all of it.
   */
  flushOnComplete?: boolean;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes that were already on disk when this call started. */
  resumedFrom: number;
  /** Requests made (1 when nothing went wrong). */
  requests: number;
  /** Times the .part was thrown away and the download began again from zero. */
  restarts: number;
}

const MAX_RESTARTS = 3;

export async function downloadDatastoreFile(options: DownloadOptions): Promise<DownloadResult> {
  const { access, source, destination, signal } = options;
  const part = partPath(destination);
  const sidecarFile = sidecarPath(destination);
  const description = describeLocation(source);
  const bucket = options.bucket ?? (options.bytesPerSecond ? new TokenBucket(options.bytesPerSecond) : undefined);
  const written = options.onWritten ?? (() => undefined);
  const log = options.onLog ?? (() => undefined);
  const cancelled = (): never => {
    throw new EngineFailure(cancelledError());
  };
  const file = new FolderFile(access, source, {
    operation: 'download',
    ...(signal ? { signal } : {}),
    onLog: log,
    schedule: {
      ...(options.maxAttempts !== undefined ? { attempts: options.maxAttempts } : {}),
      ...(options.retryBaseMs !== undefined ? { baseMs: options.retryBaseMs } : {}),
      ...(options.retryMaxMs !== undefined ? { maxMs: options.retryMaxMs } : {}),
    },
    giveUpHint: 'Start the job again to resume from the bytes already saved.',
    giveUpDetails: async () => ({ bytesSaved: (await sizeOf(part)) ?? 0 }),
  });

  try {
    if (signal?.aborted) cancelled();
    let sidecar = await readSidecar(sidecarFile);
    const serverId = options.serverId ?? access.server;
    if (!sidecarMatches(sidecar, serverId, source, options.expectedSize)) {
      await rm(part, { force: true });
      sidecar = { version: 1, server: serverId, source, ...(options.expectedSize !== undefined ? { total: options.expectedSize } : {}), startedAt: new Date().toISOString() };
      await writeSidecar(sidecarFile, sidecar);
    }
    let total = options.expectedSize ?? sidecar?.total;
    const resumedFrom = (await sizeOf(part)) ?? 0;
    written(resumedFrom);
    let restarts = 0;

    const progress = progressReporter(options.onProgress);
    const restart = async (reason: string): Promise<void> => {
      restarts++;
      if (restarts > MAX_RESTARTS) {
        fail('VSPHERE_DOWNLOAD_FAILED', `The download of ${description} had to start over ${MAX_RESTARTS} times: ${reason}.`, 'The file may be changing on the datastore (is the VM running?). Power the VM off or snapshot it, then try again.', {
          details: { server: access.server, file: description, reason },
        });
      }
      log(`${description}: starting over (${reason})`);
      written(0);
      await truncate(part, 0).catch(() => undefined);
    };

    for (;;) {
      if (signal?.aborted) cancelled();
      const onDisk = (await sizeOf(part)) ?? 0;
      const plan = planRange(onDisk, total);
      if (plan.kind === 'complete') break;
      if (plan.kind === 'restart') {
        await restart(`the .part is larger than the file (${onDisk} > ${total})`);
        continue;
      }
      const from = plan.kind === 'resume' ? plan.from : 0;

      const answer = await file.get({ from });
      const decision = judgeResponse({
        requestedFrom: from,
        status: answer.status,
        ...(answer.contentRange !== undefined ? { contentRange: answer.contentRange } : {}),
        ...(answer.contentLength !== undefined ? { contentLength: answer.contentLength } : {}),
        ...(total !== undefined ? { expectedTotal: total } : {}),
      });

      if (decision.action !== 'append' && decision.action !== 'replace') {
        await answer.body.dump().catch(() => undefined);
        switch (decision.action) {
          case 'complete':
            total = onDisk;
            continue;
          case 'restart':
            await restart(decision.reason);
            continue;
          case 'fail':
            return fail('VSPHERE_DOWNLOAD_FAILED', `The download of ${description} failed: ${decision.reason}.`, 'Refresh the VM details and try again; if the VM is running, power it off or snapshot it first.', {
              details: { server: access.server, file: description, httpStatus: answer.status, reason: decision.reason },
            });
        }
      }

      if (decision.total !== undefined && total !== decision.total) {
        total = decision.total;
        await writeSidecar(sidecarFile, { ...(sidecar as DownloadSidecar), total });
      }
      const startAt = decision.action === 'append' ? from : 0;
      if (decision.action === 'replace' && from > 0) log(`${description}: the server sent the whole file instead of the rest; starting over`);
      const sink = sparseFileSink(part, decision.action === 'append' ? 'resume' : 'new', startAt, written);
      try {
        // Every stage costs per 16 KiB record: the throttle joins only when there is a limit.
        const count = counter(startAt, (done) => progress(done, total));
        await (bucket ? pipeline(answer.body, throttle(bucket, signal), count, sink, { signal }) : pipeline(answer.body, count, sink, { signal }));
      } catch (error) {
        // The sink writes what it holds before it closes, and the pipeline may settle first: wait,
        // or the next attempt would measure the .part (and resume) while a write is still going.
        await sinkClosed(sink);
        const saved = (await sizeOf(part)) ?? 0;
        if (saved > startAt) file.madeProgress();
        const why = classifyNetworkError(error) === 'other' ? `: ${(error as Error).message}` : '';
        await file.bodyBroke(error, `the transfer broke off after ${saved} bytes${why}`, part);
        continue;
      }
      const size = (await sizeOf(part)) ?? 0;
      if (total === undefined) {
        total = size;
        break;
      }
      if (size === total) break;
      if (size > onDisk) file.madeProgress();
      // Shorter than announced (the server closed early) or longer (the file grew): the loop's
      // plan resumes the former and restarts the latter.
      if (size < total) await file.retryLater(`the server ended the transfer at ${size} of ${total} bytes`);
    }

    const finalSize = (await sizeOf(part)) ?? 0;
    if (total !== undefined && finalSize !== total) {
      return fail('VSPHERE_DOWNLOAD_FAILED', `${description} arrived with ${finalSize} bytes instead of ${total}.`, 'Try again; the .part is kept so the download can resume.', { details: { server: access.server, file: description, bytes: finalSize, expected: total } });
    }
    if (options.flushOnComplete !== false) await flushFile(part);
    await rename(part, destination);
    await rm(sidecarFile, { force: true });
    progress(finalSize, finalSize, true);
    return { path: destination, bytes: finalSize, resumedFrom, requests: file.requests, restarts };
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    if (isAbortError(error)) cancelled();
    if (typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).syscall) throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException));
    throw error;
  }
}

function counter(start: number, onBytes: (done: number) => void): Transform {
  let done = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onBytes(done);
      callback(null, chunk);
    },
  });
}

function progressReporter(onProgress: DownloadOptions['onProgress']): (done: number, total: number | undefined, final?: boolean) => void {
  let last = 0;
  return (done, total, final = false) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!final && now - last < 100) return;
    last = now;
    onProgress(done, total);
  };
}

/** Waits until the file's data is on the disk (fdatasync). */
async function flushFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
