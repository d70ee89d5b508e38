import type { Dispatcher } from 'undici';
import { fail } from '../core/errors';
import { describeLocation, FolderFile, parseContentRange, parseUnsatisfiedTotal } from '../vsphere/folder-client';
import type { DatastoreLocation, FileAccess } from '../vsphere/folder-client';
import './error-codes';

/**
 * Byte ranges of datastore files read straight from vCenter, through the same pinned connection
 * and session as the downloads and the same /folder client (vsphere/folder-client.ts: retries,
 * re-login, error values): the heads of VMDKs (to learn each disk's chain before copying) and
 * whatever the converter needs long before the sequential download gets there (a
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
  /** Failures in a row before giving up; RETRY_SCHEDULE's by default (a session refusal is retried once, after logging in again). */
  attempts?: number;
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
  const description = describeLocation(location);
  const file = new FolderFile(access, location, {
    operation: 'read',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.attempts !== undefined ? { schedule: { attempts: options.attempts } } : {}),
  });
  for (;;) {
    const answer = await file.get({ from: start, to: end });
    if (answer.status === 416) {
      // A range beyond the end: fine for an empty file (its size is all we learn).
      const total = parseUnsatisfiedTotal(answer.contentRange);
      if (total !== undefined && start >= total) return consume(answer.body, { start, end: start - 1, total });
    }
    const range = answer.status === 206 ? parseContentRange(answer.contentRange) : undefined;
    if (!range || range.start !== start || range.total === undefined) {
      await answer.body.dump().catch(() => undefined);
      return fail('VSPHERE_DOWNLOAD_FAILED', `${access.server} did not answer a range request for ${description} as expected (HTTP ${answer.status}).`, 'The server must support byte ranges on /folder (vCenter and ESXi do). Try again.', {
        details: { server: access.server, file: description, httpStatus: answer.status, contentRange: answer.contentRange ?? null },
      });
    }
    try {
      return await consume(answer.body, { start: range.start, end: range.end, total: range.total });
    } catch (error) {
      await file.bodyBroke(error, `the read broke off: ${error instanceof Error ? error.message : String(error)}`);
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
      const file = describeLocation(location);
      const details = { file, server: access.server, fileBytes: range.total, asked: `bytes ${range.start}-${range.end}`, expected, got: bytes.length };
      if (bytes.length > expected) {
        fail('VSPHERE_DOWNLOAD_FAILED', `${access.server} sent ${bytes.length} bytes for the first ${expected} bytes of ${file}: more than it announced.`, 'The server or a proxy in between does not answer byte ranges correctly. Try again; if it repeats, migrate from the ESXi host directly or without the proxy.', { details });
      }
      fail('VSPHERE_DOWNLOAD_FAILED', `Only ${bytes.length} of the first ${expected} bytes of ${file} arrived: the connection ended early.`, 'Try again; if it repeats, check the network between this machine and the server.', { details });
    }
    return { bytes, total: range.total };
  }, options);
}
