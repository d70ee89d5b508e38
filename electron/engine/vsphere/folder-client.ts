import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { cancelledError, EngineFailure, fail, fromErrno, isAbortError } from '../core/errors';
import './error-codes';
import { isRetryableNetworkError, networkErrorToError } from './network-errors';
import type { VsphereSession } from './session';

/**
 * The one client of vSphere's `/folder` HTTP interface: `GET /folder/<path>?dcPath=<dc>&dsName=<ds>`
 * with the session cookie. Both the sequential download (datastore-download.ts) and the range
 * reads of the migration (vcenter/remote-read.ts) go through it, so they share one answer to
 * every failure:
 *
 * - a network failure worth retrying (connection lost, timeout, unreachable) and a transient
 *   status (5xx, 408, 429) wait on RETRY_SCHEDULE and ask again;
 * - a refused session (401/403) logs in again once per file, then means "no permission";
 * - 404 is VSPHERE_FILE_NOT_FOUND (with the vSAN caveat);
 * - any other network failure (TLS, not HTTPS) is mapped by network-errors.ts at once;
 * - too many failures in a row is VSPHERE_DOWNLOAD_FAILED, naming the last reason;
 * - an aborted signal is CANCELLED, whether it strikes in a request, a body or a wait.
 *
 * What the body means (a range to append, a whole file, "range not satisfiable") stays with the
 * caller: the client hands back every other status with its body unread.
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
  /** Authentication headers (the session cookie); read for every request, so a re-login shows. */
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

// ---------------------------------------------------------------------------------------------
// Pure parts

/** "[LocalDS_0] web01/web01-flat.vmdk": how vSphere itself names a datastore file. */
export function describeLocation(location: DatastoreLocation): string {
  return `[${location.datastore}] ${location.path}`;
}

export function datastoreFileUrl(origin: string, location: DatastoreLocation): string {
  const encodedPath = location.path
    .split('/')
    .filter((part) => part !== '')
    .map(encodeURIComponent)
    .join('/');
  return `${origin}/folder/${encodedPath}?dcPath=${encodeURIComponent(location.datacenterPath)}&dsName=${encodeURIComponent(location.datastore)}`;
}

/** Bytes `from` to `to` (inclusive); without `to`, to the end of the file. */
export interface ByteRange {
  from: number;
  to?: number;
}

/**
 * The Range header for a request: none for the whole file (a plain GET is what proves an empty
 * file exists: `bytes=0-` of a 0-byte file is answered 416), `bytes=a-` or `bytes=a-b` otherwise.
 */
export function rangeHeader(range: ByteRange | undefined): Record<string, string> {
  if (!range || (range.from === 0 && range.to === undefined)) return {};
  return { range: range.to === undefined ? `bytes=${range.from}-` : `bytes=${range.from}-${range.to}` };
}

export interface ContentRange {
  start: number;
  end: number;
  /** Undefined when the server sent `*`. */
  total?: number;
}

/** `bytes 100-999/1000` → { start: 100, end: 999, total: 1000 } */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return undefined;
  return match[3] === '*' ? { start, end } : { start, end, total: Number(match[3]) };
}

/** `bytes * /1234` (a 416's Content-Range) → 1234 */
export function parseUnsatisfiedTotal(header: string | undefined): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(header ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * What a status means before anyone looks at the body: `answer` goes to the caller (200, 206,
 * 416 and whatever else it wants to judge), the rest the client handles itself.
 */
export type StatusKind = 'answer' | 'session' | 'not-found' | 'transient';

export function classifyStatus(status: number): StatusKind {
  if (status === 401 || status === 403) return 'session';
  if (status === 404) return 'not-found';
  // 408 and 429 are the server asking us to come back later; 5xx is its own hiccup (vCenter
  // answers 503 while its file service restarts).
  if (status >= 500 || status === 408 || status === 429) return 'transient';
  return 'answer';
}

export interface RetrySchedule {
  /** Failures in a row (no byte gained in between) before giving up. */
  attempts: number;
  /** Wait after the first failure; doubled after each further one. */
  baseMs: number;
  /** The longest wait. */
  maxMs: number;
}

/**
 * The one backoff schedule of /folder: 1 s, 2 s, 4 s, 8 s between five attempts (15 s of waiting
 * in all, enough for a vCenter file service restart or a proxy's reconnect), each stretched by up
 * to 25 % of jitter so that the parallel downloads of a migration do not come back in step; the
 * cap of 30 s matters only when a caller asks for more attempts (the migration's --retries).
 */
export const RETRY_SCHEDULE: RetrySchedule = { attempts: 5, baseMs: 1_000, maxMs: 30_000 };

export type RetryDecision = { action: 'wait'; delayMs: number } | { action: 'give-up' };

/**
 * After the `failuresInARow`-th failure (1 for the first): how long to wait before the next
 * attempt, or to give up. `jitter` (0..1) stretches the wait by up to 25 %.
 */
export function retryDecision(failuresInARow: number, schedule: RetrySchedule = RETRY_SCHEDULE, jitter = 0): RetryDecision {
  if (failuresInARow >= schedule.attempts) return { action: 'give-up' };
  const delay = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.max(0, failuresInARow - 1));
  return { action: 'wait', delayMs: Math.round(delay * (1 + Math.min(1, Math.max(0, jitter)) * 0.25)) };
}

// ---------------------------------------------------------------------------------------------
// The client

export interface FolderFileOptions {
  signal?: AbortSignal;
  /** "download" or "read": names the work in messages ("The download of [ds] a.vmdk failed …"). */
  operation: 'download' | 'read';
  /** Overrides parts of RETRY_SCHEDULE (the migration's --retries; tests' short waits). */
  schedule?: Partial<RetrySchedule>;
  /** Retries, re-logins; never contains credentials. */
  onLog?: (message: string) => void;
  /** The last words of the give-up error's hint (a download says how to resume). */
  giveUpHint?: string;
  /** More evidence for the give-up error (a download adds the bytes it saved). */
  giveUpDetails?: () => Promise<Record<string, unknown>>;
  /** 0..1; Math.random by default. Tests pass 0 to know the waits. */
  jitter?: () => number;
}

/** A response the caller judges: its status is not one the client handles itself. */
export interface FolderAnswer {
  status: number;
  /** Content-Range, when sent. */
  contentRange?: string;
  /** Content-Length, when sent and a number. */
  contentLength?: number;
  body: Dispatcher.ResponseData['body'];
}

/**
 * One datastore file: every request for it, and the failures counted across them. A caller asks
 * with `get`, reads the body, and reports a broken body with `bodyBroke` (which waits or gives up)
 * and progress with `madeProgress` (which resets the count).
 */
export class FolderFile {
  /** Requests sent, including those that failed. */
  requests = 0;
  #failuresInARow = 0;
  #reloggedIn = false;
  readonly #schedule: RetrySchedule;
  readonly #description: string;

  constructor(
    readonly access: FileAccess,
    readonly location: DatastoreLocation,
    private readonly options: FolderFileOptions,
  ) {
    this.#schedule = { ...RETRY_SCHEDULE, ...options.schedule };
    this.#description = describeLocation(location);
  }

  get failuresInARow(): number {
    return this.#failuresInARow;
  }

  /** Bytes arrived since the last failure: the next one counts from one again. */
  madeProgress(): void {
    this.#failuresInARow = 0;
  }

  /**
   * GET with the session cookie and `range`; returns the first answer that is not a retryable
   * failure, a session refusal or a 404 (those are retried, re-logged, or thrown as error values).
   */
  async get(range?: ByteRange): Promise<FolderAnswer> {
    const { access } = this;
    const { signal } = this.options;
    for (;;) {
      this.#throwIfCancelled();
      this.requests++;
      let response: Dispatcher.ResponseData;
      try {
        response = await request(datastoreFileUrl(access.origin, this.location), {
          method: 'GET',
          dispatcher: access.dispatcher,
          signal,
          headers: { ...access.headers(), ...rangeHeader(range) },
        });
      } catch (error) {
        if (error instanceof EngineFailure) throw error;
        if (signal?.aborted || isAbortError(error)) this.#cancelled();
        const value = networkErrorToError(error, { server: access.server, operation: this.#operation() });
        if (!isRetryableNetworkError(error)) throw new EngineFailure(value);
        await this.retryLater(value.message, { errorCode: value.code });
        continue;
      }
      const status = response.statusCode;
      const kind = classifyStatus(status);
      if (kind === 'answer') {
        const contentRange = headerText(response.headers['content-range']);
        const length = Number(headerText(response.headers['content-length']) ?? Number.NaN);
        return { status, body: response.body, ...(contentRange !== undefined ? { contentRange } : {}), ...(Number.isFinite(length) ? { contentLength: length } : {}) };
      }
      await response.body.dump().catch(() => undefined);
      switch (kind) {
        case 'session':
          if (access.relogin && !this.#reloggedIn) {
            this.#reloggedIn = true;
            this.#log(`${this.#description}: the server refused the session (HTTP ${status}); logging in again`);
            await access.relogin(signal);
            continue;
          }
          return fail('VSPHERE_NO_PERMISSION', `${access.server} refused to let this account read ${this.#description} (HTTP ${status}).`, 'The account needs the Datastore.Browse and Datastore.FileManagement privileges on this datastore.', {
            details: { server: access.server, file: this.#description, httpStatus: status, reloggedIn: this.#reloggedIn },
          });
        case 'not-found':
          return fail('VSPHERE_FILE_NOT_FOUND', `${this.#description} does not exist on ${access.server}.`, 'Refresh the VM details (the file may have been renamed or consolidated). On vSAN, disk extents cannot be read over /folder at all: copy such a VM with an export instead.', {
            details: { server: access.server, file: this.#description, datacenterPath: this.location.datacenterPath },
          });
        case 'transient':
          await this.retryLater(`HTTP ${status}`, { httpStatus: status });
          continue;
      }
    }
  }

  /**
   * A body broke off (or its consumer threw): cancelled stays cancelled, error values and the
   * local disk's errors are final (named with `localPath`, the file being written), anything
   * else is a failure to wait for and retry.
   */
  async bodyBroke(error: unknown, reason: string, localPath?: string): Promise<void> {
    if (this.options.signal?.aborted || isAbortError(error)) this.#cancelled();
    if (error instanceof EngineFailure) throw error;
    const errno = error as NodeJS.ErrnoException;
    // ENOSPC, EACCES … come from writing the file here, not from the server: no retry helps.
    if (errno.syscall && typeof errno.code === 'string' && !isRetryableNetworkError(error)) throw new EngineFailure(fromErrno(errno, localPath ?? errno.path));
    await this.retryLater(reason);
  }

  /** Counts a failure, then waits on the schedule, or gives up with VSPHERE_DOWNLOAD_FAILED. */
  async retryLater(reason: string, details: Record<string, unknown> = {}): Promise<void> {
    this.#failuresInARow++;
    const decision = retryDecision(this.#failuresInARow, this.#schedule, (this.options.jitter ?? Math.random)());
    const { server } = this.access;
    if (decision.action === 'give-up') {
      const extra = (await this.options.giveUpDetails?.().catch(() => ({}))) ?? {};
      return fail('VSPHERE_DOWNLOAD_FAILED', `The ${this.#operation()} failed${this.#failuresInARow > 1 ? ` ${this.#failuresInARow} times in a row` : ''}: ${reason}.`, `Check the network and the server. ${this.options.giveUpHint ?? 'Then try again.'}`, {
        details: { server, file: this.#description, reason, attempts: this.#failuresInARow, ...details, ...extra },
      });
    }
    this.#log(`${this.#description}: ${reason}; retrying in ${decision.delayMs} ms (attempt ${this.#failuresInARow + 1} of ${this.#schedule.attempts})`);
    try {
      await sleep(decision.delayMs, undefined, { signal: this.options.signal });
    } catch {
      this.#cancelled();
    }
  }

  #operation(): string {
    return `${this.options.operation} of ${this.#description}`;
  }

  #log(message: string): void {
    this.options.onLog?.(message);
  }

  #throwIfCancelled(): void {
    if (this.options.signal?.aborted) this.#cancelled();
  }

  #cancelled(): never {
    throw new EngineFailure(cancelledError());
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
