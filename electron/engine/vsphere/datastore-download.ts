import { open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { cancelledError, EngineFailure, fail, fromErrno, isAbortError } from '../core/errors';
import './error-codes';
import { classifyNetworkError, isRetryableNetworkError, networkErrorToError } from './network-errors';
import type { VsphereSession } from './session';
import { sinkClosed, sparseFileSink } from './sparse-file-sink';
import { TokenBucket, throttle } from './token-bucket';

/**
 * Datastore files over HTTPS: `GET /folder/<path>?dcPath=<dc>&dsName=<ds>` with the session
 * cookie, streamed to `<name>.part` (never held in memory), resumed with a Range request after
 * a break, retried with exponential backoff, optionally rate-limited, and renamed to its final
 * name only when the size is right. A sidecar `<name>.part.json` says what the .part belongs to,
 * so a restarted app can pick up where it stopped.
 */

export interface DatastoreLocation {
  /** Inventory path of the datacenter: "DC0", "Europe/DC1". */
  datacenterPath: string;
  datastore: string;
  /** Path inside the datastore: "web01/web01-flat.vmdk". */
  path: string;
}

/** How to reach /folder: normally derived from a session with sessionFileAccess. */
export interface FileAccess {
  /** https://host:port */
  origin: string;
  /** host:port, for messages. */
  server: string;
  dispatcher: Dispatcher;
  /** Authentication headers (the session cookie); read for every request. */
  headers: () => Record<string, string>;
  /** Logs in again after a 401/403; absent when the endpoint needs no session. */
  relogin?: (signal?: AbortSignal) => Promise<void>;
}

export function sessionFileAccess(session: VsphereSession): FileAccess {
  return {
    origin: session.origin,
    server: session.server,
    dispatcher: session.dispatcher,
    headers: () => session.authHeaders(),
    relogin: (signal) => session.relogin(signal),
  };
}

export function datastoreFileUrl(origin: string, location: DatastoreLocation): string {
  const encodedPath = location.path
    .split('/')
    .filter((part) => part !== '')
    .map(encodeURIComponent)
    .join('/');
  return `${origin}/folder/${encodedPath}?dcPath=${encodeURIComponent(location.datacenterPath)}&dsName=${encodeURIComponent(location.datastore)}`;
}

// ---------------------------------------------------------------------------------------------
// Decisions (pure)

export interface ContentRange {
  start: number;
  end: number;
  /** Undefined when the server sent `*`. */
  total?: number;
}

export function parseContentRange(header: string | undefined): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return undefined;
  return match[3] === '*' ? { start, end } : { start, end, total: Number(match[3]) };
}

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
  /** A server-side hiccup: wait and try again. */
  | { action: 'retry'; reason: string }
  | { action: 'unauthorized' }
  | { action: 'not-found' }
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
 * Whether a response can continue the .part. A 206 only counts when its range starts exactly
 * where the .part ends and its total is the size we expect; anything else could splice two
 * different versions of a file together, so it means starting over.
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
  if (status === 401 || status === 403) return { action: 'unauthorized' };
  if (status === 404) return { action: 'not-found' };
  if (status >= 500 || status === 408 || status === 429) return { action: 'retry', reason: `HTTP ${status}` };
  return { action: 'fail', reason: `HTTP ${status}` };
}

/** `bytes * /1234` → 1234 */
function parseUnsatisfiedTotal(header: string | undefined): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(header ?? '');
  return match ? Number(match[1]) : undefined;
}

/** attempt 1 → base, 2 → 2·base, 3 → 4·base … capped; jitter (0..1) spreads retries of many clients. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, jitter = 0): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(delay * (1 + jitter * 0.25));
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
  /** Failed attempts in a row (no byte gained) before giving up. */
  maxAttempts?: number;
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
  const description = `[${source.datastore}] ${source.path}`;
  const operation = `download of ${description}`;
  const maxAttempts = options.maxAttempts ?? 5;
  const bucket = options.bucket ?? (options.bytesPerSecond ? new TokenBucket(options.bytesPerSecond) : undefined);
  const written = options.onWritten ?? (() => undefined);
  const log = options.onLog ?? (() => undefined);
  const cancelled = (): never => {
    throw new EngineFailure(cancelledError());
  };

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
    let requests = 0;
    let restarts = 0;
    let failuresInARow = 0;
    let reloggedIn = false;

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
    const pause = async (reason: string): Promise<void> => {
      failuresInARow++;
      if (failuresInARow >= maxAttempts) {
        fail('VSPHERE_DOWNLOAD_FAILED', `The download of ${description} failed ${maxAttempts} times in a row: ${reason}.`, 'Check the network and the server. Start the job again to resume from the bytes already saved.', {
          details: { server: access.server, file: description, reason, attempts: failuresInARow, bytesSaved: (await sizeOf(part)) ?? 0 },
        });
      }
      const delay = backoffDelay(failuresInARow, options.retryBaseMs ?? 1_000, options.retryMaxMs ?? 30_000, Math.random());
      log(`${description}: ${reason}; retrying in ${delay} ms (attempt ${failuresInARow + 1} of ${maxAttempts})`);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        cancelled();
      }
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

      let response: Dispatcher.ResponseData;
      requests++;
      try {
        response = await request(datastoreFileUrl(access.origin, source), {
          method: 'GET',
          dispatcher: access.dispatcher,
          signal,
          headers: { ...access.headers(), ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
        });
      } catch (error) {
        if (error instanceof EngineFailure) throw error;
        if (signal?.aborted || isAbortError(error)) cancelled();
        if (!isRetryableNetworkError(error)) throw new EngineFailure(networkErrorToError(error, { server: access.server, operation }));
        await pause(networkErrorToError(error, { server: access.server, operation }).message);
        continue;
      }

      const lengthHeader = response.headers['content-length'];
      const contentLength = lengthHeader === undefined ? undefined : Number(lengthHeader);
      const decision = judgeResponse({
        requestedFrom: from,
        status: response.statusCode,
        contentRange: headerText(response.headers['content-range']),
        ...(contentLength !== undefined && Number.isFinite(contentLength) ? { contentLength } : {}),
        ...(total !== undefined ? { expectedTotal: total } : {}),
      });

      if (decision.action !== 'append' && decision.action !== 'replace') {
        await response.body.dump().catch(() => undefined);
        switch (decision.action) {
          case 'complete':
            total = onDisk;
            continue;
          case 'restart':
            await restart(decision.reason);
            continue;
          case 'retry':
            await pause(decision.reason);
            continue;
          case 'unauthorized':
            if (access.relogin && !reloggedIn) {
              reloggedIn = true;
              log(`${description}: the server refused the session; logging in again`);
              await access.relogin(signal);
              continue;
            }
            return fail('VSPHERE_NO_PERMISSION', `${access.server} refused to let this account read ${description} (HTTP ${response.statusCode}).`, 'The account needs the Datastore.Browse and Datastore.FileManagement privileges on this datastore.', {
              details: { server: access.server, file: description, httpStatus: response.statusCode },
            });
          case 'not-found':
            return fail('VSPHERE_FILE_NOT_FOUND', `${description} does not exist on ${access.server}.`, 'Refresh the VM details (the file may have been renamed or consolidated). On vSAN, disk extents cannot be read over /folder at all: copy such a VM with an export instead.', {
              details: { server: access.server, file: description, datacenterPath: source.datacenterPath },
            });
          case 'fail':
            return fail('VSPHERE_DOWNLOAD_FAILED', `The download of ${description} failed: ${decision.reason}.`, 'Refresh the VM details and try again; if the VM is running, power it off or snapshot it first.', {
              details: { server: access.server, file: description, httpStatus: response.statusCode, reason: decision.reason },
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
        await (bucket ? pipeline(response.body, throttle(bucket, signal), count, sink, { signal }) : pipeline(response.body, count, sink, { signal }));
      } catch (error) {
        // The sink writes what it holds before it closes, and the pipeline may settle first: wait,
        // or the next attempt would measure the .part (and resume) while a write is still going.
        await sinkClosed(sink);
        if (signal?.aborted || isAbortError(error)) cancelled();
        if (error instanceof EngineFailure) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if ((error as NodeJS.ErrnoException).syscall && code && !isRetryableNetworkError(error)) throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, part));
        const saved = (await sizeOf(part)) ?? 0;
        if (saved > startAt) failuresInARow = 0;
        const why = classifyNetworkError(error) === 'other' ? `: ${(error as Error).message}` : '';
        await pause(`the transfer broke off after ${saved} bytes${why}`);
        continue;
      }
      const size = (await sizeOf(part)) ?? 0;
      if (total === undefined) {
        total = size;
        break;
      }
      if (size === total) break;
      if (size > onDisk) failuresInARow = 0;
      // Shorter than announced (the server closed early) or longer (the file grew): the loop's
      // plan resumes the former and restarts the latter.
      if (size < total) await pause(`the server ended the transfer at ${size} of ${total} bytes`);
    }

    const finalSize = (await sizeOf(part)) ?? 0;
    if (total !== undefined && finalSize !== total) {
      return fail('VSPHERE_DOWNLOAD_FAILED', `${description} arrived with ${finalSize} bytes instead of ${total}.`, 'Try again; the .part is kept so the download can resume.', { details: { server: access.server, file: description, bytes: finalSize, expected: total } });
    }
    if (options.flushOnComplete !== false) await flushFile(part);
    await rename(part, destination);
    await rm(sidecarFile, { force: true });
    progress(finalSize, finalSize, true);
    return { path: destination, bytes: finalSize, resumedFrom, requests, restarts };
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    if (isAbortError(error)) cancelled();
    if (typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).syscall) throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException));
    throw error;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
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
