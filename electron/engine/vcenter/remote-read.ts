import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { cancelledError, EngineFailure, fail, isAbortError } from '../core/errors';
import { datastoreFileUrl, parseContentRange } from '../vsphere/datastore-download';
import type { DatastoreLocation, FileAccess } from '../vsphere/datastore-download';
import { isRetryableNetworkError, networkErrorToError } from '../vsphere/network-errors';
import type { TokenBucket } from '../vsphere/token-bucket';
import './error-codes';

/**
 * Byte ranges of datastore files read straight from vCenter, through the same pinned connection
 * and session as the downloads: the heads of VMDKs (to learn each disk's chain before copying)
 * and whatever the converter needs long before the sequential download gets there (a
 * streamOptimized disk's grain directory sits at the very end of the file).
 */

export interface RangeAnswer {
  /** The body, for reads into memory. */
  bytes: Buffer;
  /** The file's full size, from Content-Range. */
  total: number;
}

export interface RangeOptions {
  signal?: AbortSignal;
  bucket?: TokenBucket;
  /** Attempts for network failures (a session refusal is retried once, after logging in again). */
  attempts?: number;
}

function describe(location: DatastoreLocation): string {
  return `[${location.datastore}] ${location.path}`;
}

/**
 * Opens `bytes=start-end` of a file and hands the streaming response to `consume`; retries
 * network failures and a refused session. `end` is inclusive and clamped by the server.
 */
export async function withRange<T>(
  access: FileAccess,
  location: DatastoreLocation,
  start: number,
  end: number,
  consume: (body: Dispatcher.ResponseData['body'], range: { start: number; end: number; total: number }) => Promise<T>,
  options: RangeOptions = {},
): Promise<T> {
  const { signal } = options;
  const attempts = options.attempts ?? 4;
  const description = describe(location);
  let reloggedIn = false;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new EngineFailure(cancelledError());
    let response: Dispatcher.ResponseData;
    try {
      response = await request(datastoreFileUrl(access.origin, location), {
        method: 'GET',
        dispatcher: access.dispatcher,
        signal,
        headers: { ...access.headers(), range: `bytes=${start}-${end}` },
      });
    } catch (error) {
      if (error instanceof EngineFailure) throw error;
      if (signal?.aborted || isAbortError(error)) throw new EngineFailure(cancelledError());
      if (!isRetryableNetworkError(error) || attempt >= attempts) throw new EngineFailure(networkErrorToError(error, { server: access.server, operation: `read of ${description}` }));
      await pause(attempt, signal);
      continue;
    }
    const status = response.statusCode;
    if ((status === 401 || status === 403) && access.relogin && !reloggedIn) {
      await response.body.dump().catch(() => undefined);
      reloggedIn = true;
      await access.relogin(signal);
      continue;
    }
    if (status === 416) {
      // A range beyond the end: fine for an empty file (its size is all we learn).
      const total = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(headerText(response.headers['content-range']) ?? '')?.[1];
      if (total !== undefined && start >= Number(total)) return consume(response.body, { start, end: start - 1, total: Number(total) });
    }
    if (status === 404) {
      await response.body.dump().catch(() => undefined);
      fail('VSPHERE_FILE_NOT_FOUND', `${description} does not exist on ${access.server}.`, 'Refresh the VM details. On vSAN, disk files cannot be read over /folder at all.', { details: { server: access.server, file: description } });
    }
    if (status >= 500 && attempt < attempts) {
      await response.body.dump().catch(() => undefined);
      await pause(attempt, signal);
      continue;
    }
    const range = status === 206 ? parseContentRange(headerText(response.headers['content-range'])) : undefined;
    if (status !== 206 || !range || range.start !== start || range.total === undefined) {
      await response.body.dump().catch(() => undefined);
      fail('VSPHERE_DOWNLOAD_FAILED', `${access.server} did not answer a range request for ${description} as expected (HTTP ${status}).`, 'The server must support byte ranges on /folder (vCenter and ESXi do). Try again.', {
        details: { server: access.server, file: description, httpStatus: status, contentRange: headerText(response.headers['content-range']) ?? null },
      });
    }
    try {
      return await consume(response.body, { start: range.start, end: range.end, total: range.total });
    } catch (error) {
      if (error instanceof EngineFailure) throw error;
      if (signal?.aborted || isAbortError(error)) throw new EngineFailure(cancelledError());
      if (!isRetryableNetworkError(error) || attempt >= attempts) throw new EngineFailure(networkErrorToError(error, { server: access.server, operation: `read of ${description}` }));
      await pause(attempt, signal);
    }
  }
}

/** The first `length` bytes of a file (fewer when it is shorter) and its size. */
export async function readHead(access: FileAccess, location: DatastoreLocation, length: number, options: RangeOptions = {}): Promise<RangeAnswer> {
  return withRange(access, location, 0, length - 1, async (body, range) => {
    const expected = range.end - range.start + 1;
    if (expected <= 0) {
      // An empty file: the server answered "range not satisfiable", and its body is its own note
      // about that ("invalid range: failed to overlap"), not bytes of the file.
      await body.dump().catch(() => undefined);
      return { bytes: Buffer.alloc(0), total: range.total };
    }
    const bytes = Buffer.from(await body.arrayBuffer());
    if (bytes.length !== expected) {
      const file = describe(location);
      const details = { file, server: access.server, fileBytes: range.total, asked: `bytes ${range.start}-${range.end}`, expected, got: bytes.length };
      if (bytes.length > expected) {
        fail('VSPHERE_DOWNLOAD_FAILED', `${access.server} sent ${bytes.length} bytes for the first ${expected} bytes of ${file}: more than it announced.`, 'The server or a proxy in between does not answer byte ranges correctly. Try again; if it repeats, migrate from the ESXi host directly or without the proxy.', { details });
      }
      fail('VSPHERE_DOWNLOAD_FAILED', `Only ${bytes.length} of the first ${expected} bytes of ${file} arrived: the connection ended early.`, 'Try again; if it repeats, check the network between this machine and the server.', { details });
    }
    return { bytes, total: range.total };
  }, options);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function pause(attempt: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(Math.min(8_000, 250 * 2 ** (attempt - 1)), undefined, { signal });
  } catch {
    throw new EngineFailure(cancelledError());
  }
}
