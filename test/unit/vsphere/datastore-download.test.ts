import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadDatastoreFile, judgeResponse, partPath, planRange, sidecarMatches, sidecarPath } from '../../../electron/engine/vsphere/datastore-download';
import type { DownloadSidecar } from '../../../electron/engine/vsphere/datastore-download';
import type { DatastoreLocation, FileAccess } from '../../../electron/engine/vsphere/folder-client';
import { failureOf } from '../../support/failures';
import { serveDatastoreFile } from '../../support/mock-datastore';
import type { DatastoreReply, SeenRequest } from '../../support/mock-datastore';

const SOURCE: DatastoreLocation = { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: 'web01/web01-flat.vmdk' };
const SERVER = 'vc.example.test:443';
const ORIGIN = 'https://vc.example.test';
const URL_PATH = '/folder/web01/web01-flat.vmdk?dcPath=DC0&dsName=LocalDS_0';

describe('resume decisions', () => {
  it.each([
    [0, undefined, { kind: 'full' }],
    [0, 0, { kind: 'full' }],
    [0, 1000, { kind: 'full' }],
    [400, 1000, { kind: 'resume', from: 400 }],
    [400, undefined, { kind: 'resume', from: 400 }],
    [1000, 1000, { kind: 'complete' }],
    [1200, 1000, { kind: 'restart' }],
  ])('planRange(on disk %d, expected %j)', (onDisk, total, expected) => {
    expect(planRange(onDisk, total)).toEqual(expected);
  });

  it.each([
    ['206 continuing exactly where the .part ends', { requestedFrom: 400, status: 206, contentRange: 'bytes 400-999/1000', expectedTotal: 1000 }, { action: 'append', total: 1000 }],
    ['206 learning the total', { requestedFrom: 400, status: 206, contentRange: 'bytes 400-999/1000' }, { action: 'append', total: 1000 }],
    ['206 from another offset', { requestedFrom: 400, status: 206, contentRange: 'bytes 0-999/1000', expectedTotal: 1000 }, { action: 'restart' }],
    ['206 of a file that changed size', { requestedFrom: 400, status: 206, contentRange: 'bytes 400-1199/1200', expectedTotal: 1000 }, { action: 'restart' }],
    ['206 without Content-Range', { requestedFrom: 400, status: 206, expectedTotal: 1000 }, { action: 'restart' }],
    ['206 with an unknown total and nothing to check it against', { requestedFrom: 400, status: 206, contentRange: 'bytes 400-999/*' }, { action: 'restart' }],
    ['200 (the server ignored Range)', { requestedFrom: 400, status: 200, contentLength: 1000, expectedTotal: 1000 }, { action: 'replace', total: 1000 }],
    ['200 of a plain GET', { requestedFrom: 0, status: 200, contentLength: 1000 }, { action: 'replace', total: 1000 }],
    ['200 without a length', { requestedFrom: 0, status: 200 }, { action: 'replace' }],
    ['200 of the wrong size', { requestedFrom: 0, status: 200, contentLength: 999, expectedTotal: 1000 }, { action: 'fail' }],
    ['416 when the .part is already whole', { requestedFrom: 1000, status: 416, contentRange: 'bytes */1000' }, { action: 'complete' }],
    ['416 otherwise', { requestedFrom: 1200, status: 416, contentRange: 'bytes */1000' }, { action: 'restart' }],
    // Session refusals, 404 and transient statuses are the /folder client's (folder-client.test.ts).
    ['400', { requestedFrom: 0, status: 400 }, { action: 'fail' }],
    ['302 (a redirect /folder never sends)', { requestedFrom: 0, status: 302 }, { action: 'fail' }],
  ])('%s', (_label, facts, expected) => {
    expect(judgeResponse(facts)).toMatchObject(expected);
  });

  const sidecar: DownloadSidecar = { version: 1, server: SERVER, source: SOURCE, total: 1000, startedAt: '2026-01-01T00:00:00Z' };
  it.each([
    ['the same file', sidecar, 1000, true],
    ['the same file, size not given this time', sidecar, undefined, true],
    ['another file on the datastore', { ...sidecar, source: { ...SOURCE, path: 'web01/other.vmdk' } }, 1000, false],
    ['another datastore', { ...sidecar, source: { ...SOURCE, datastore: 'ds2' } }, 1000, false],
    ['another server', { ...sidecar, server: 'vc2:443' }, 1000, false],
    ['a file that changed size', sidecar, 2000, false],
    ['no sidecar', undefined, 1000, false],
  ])('a sidecar of %s lets us resume: %s', (_label, candidate, expected, matches) => {
    expect(sidecarMatches(candidate, SERVER, SOURCE, expected)).toBe(matches);
  });
});

describe('downloading (undici MockAgent as the datastore)', () => {
  let dir: string;
  let agent: MockAgent;
  const content = randomBytes(1000);
  let seen: SeenRequest[] = [];
  let reloginCalls = 0;

  const access = (): FileAccess => ({
    origin: ORIGIN,
    server: SERVER,
    dispatcher: agent,
    headers: () => ({ cookie: `vmware_soap_session="s${reloginCalls}"` }),
    relogin: () => {
      reloginCalls++;
      return Promise.resolve();
    },
  });

  type Responder = (range: string | undefined, n: number) => DatastoreReply;

  /** Serves the datastore file through `responder`, recording each request's Range and cookie. */
  function serve(responder: Responder): void {
    seen = serveDatastoreFile(agent, ORIGIN, URL_PATH, responder);
  }

  const whole: Responder = (range): ReturnType<Responder> => {
    const from = range ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
    if (!range) return { statusCode: 200, data: content, headers: { 'content-length': String(content.length) } };
    return { statusCode: 206, data: content.subarray(from), headers: { 'content-range': `bytes ${from}-${content.length - 1}/${content.length}`, 'content-length': String(content.length - from) } };
  };

  const destination = (): string => join(dir, 'web01-flat.vmdk');
  const leavePart = (bytes: number, sidecar: Partial<DownloadSidecar> = {}): void => {
    writeFileSync(partPath(destination()), content.subarray(0, bytes));
    writeFileSync(sidecarPath(destination()), JSON.stringify({ version: 1, server: SERVER, source: SOURCE, total: content.length, startedAt: '2026-01-01T00:00:00Z', ...sidecar }));
  };
  const download = (extra: Partial<Parameters<typeof downloadDatastoreFile>[0]> = {}): ReturnType<typeof downloadDatastoreFile> =>
    downloadDatastoreFile({ access: access(), source: SOURCE, destination: destination(), expectedSize: content.length, retryBaseMs: 1, retryMaxMs: 2, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'h2k-dl-unit-'));
    agent = new MockAgent();
    agent.disableNetConnect();
    seen = [];
    reloginCalls = 0;
  });
  afterEach(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const finishedCleanly = (): void => {
    expect(readFileSync(destination()).equals(content)).toBe(true);
    expect(existsSync(partPath(destination()))).toBe(false);
    expect(existsSync(sidecarPath(destination()))).toBe(false);
  };

  it('downloads with the session cookie and reports progress to the end', async () => {
    serve(whole);
    const progress: [number, number | undefined][] = [];
    const result = await download({ onProgress: (done, total) => progress.push([done, total]) });
    expect(result).toEqual({ path: destination(), bytes: 1000, resumedFrom: 0, requests: 1, restarts: 0 });
    expect(seen).toEqual([{ range: undefined, cookie: 'vmware_soap_session="s0"' }]);
    expect(progress.at(-1)).toEqual([1000, 1000]);
    finishedCleanly();
  });

  it('resumes a .part of the same file with a Range request', async () => {
    serve(whole);
    leavePart(400);
    const result = await download();
    expect(seen.map((r) => r.range)).toEqual(['bytes=400-']);
    expect(result).toMatchObject({ resumedFrom: 400, requests: 1, restarts: 0 });
    finishedCleanly();
  });

  it('finishes without a request when the .part is already whole', async () => {
    serve(whole);
    leavePart(1000);
    await download();
    expect(seen).toEqual([]);
    finishedCleanly();
  });

  it('starts over when the server ignores the Range and sends everything (200)', async () => {
    serve((_range) => ({ statusCode: 200, data: content, headers: { 'content-length': '1000' } }));
    leavePart(400);
    const log: string[] = [];
    await download({ onLog: (line) => log.push(line) });
    expect(seen.map((r) => r.range)).toEqual(['bytes=400-']);
    expect(log.join()).toContain('whole file');
    finishedCleanly();
  });

  it('starts over from zero when a 206 does not continue the .part', async () => {
    serve((range, n) => (n === 1 ? { statusCode: 206, data: content.subarray(0, 10), headers: { 'content-range': 'bytes 0-9/1000' } } : whole(range, n)));
    leavePart(400);
    const result = await download();
    expect(seen.map((r) => r.range)).toEqual(['bytes=400-', undefined]);
    expect(result.restarts).toBe(1);
    finishedCleanly();
  });

  it('ignores a .part whose sidecar names another file', async () => {
    serve(whole);
    writeFileSync(partPath(destination()), Buffer.alloc(400, 1));
    writeFileSync(sidecarPath(destination()), JSON.stringify({ version: 1, server: SERVER, source: { ...SOURCE, path: 'other.vmdk' }, total: 1000, startedAt: 'x' }));
    const result = await download();
    expect(seen.map((r) => r.range)).toEqual([undefined]);
    expect(result.resumedFrom).toBe(0);
    finishedCleanly();
  });

  it('retries server errors with backoff, then succeeds', async () => {
    serve((range, n) => (n <= 2 ? { statusCode: 503, data: 'busy' } : whole(range, n)));
    const log: string[] = [];
    const result = await download({ onLog: (line) => log.push(line) });
    expect(result.requests).toBe(3);
    expect(log.filter((line) => line.includes('retrying'))).toHaveLength(2);
    finishedCleanly();
  });

  it('gives up after the bounded number of attempts, keeping what it has', async () => {
    serve(() => ({ statusCode: 500, data: 'broken' }));
    const error = await failureOf(download({ maxAttempts: 3 }));
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(error.evidence?.details).toMatchObject({ attempts: 3, file: '[LocalDS_0] web01/web01-flat.vmdk' });
    expect(seen).toHaveLength(3);
    expect(existsSync(destination())).toBe(false);
    expect(existsSync(sidecarPath(destination()))).toBe(true);
  });

  it('retries a connection error', async () => {
    agent.get(ORIGIN).intercept({ path: URL_PATH, method: 'GET' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    serve(whole);
    const result = await download();
    expect(result.requests).toBe(2);
    finishedCleanly();
  });

  it('logs in again once when /folder refuses the session', async () => {
    serve((range, n) => (n === 1 ? { statusCode: 401 } : whole(range, n)));
    await download();
    expect(reloginCalls).toBe(1);
    expect(seen.map((r) => r.cookie)).toEqual(['vmware_soap_session="s0"', 'vmware_soap_session="s1"']);
    finishedCleanly();
  });

  it('reports a lasting refusal as a permission problem', async () => {
    serve(() => ({ statusCode: 403 }));
    const error = await failureOf(download());
    expect(error.code).toBe('VSPHERE_NO_PERMISSION');
    expect(reloginCalls).toBe(1);
  });

  it('names a missing file (with the vSAN caveat in the hint)', async () => {
    serve(() => ({ statusCode: 404 }));
    const error = await failureOf(download());
    expect(error.code).toBe('VSPHERE_FILE_NOT_FOUND');
    expect(error.hint).toContain('vSAN');
  });

  it('refuses a file whose size is not the one the VM layout announced', async () => {
    serve(() => ({ statusCode: 200, data: content.subarray(0, 999), headers: { 'content-length': '999' } }));
    const error = await failureOf(download());
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(existsSync(destination())).toBe(false);
  });

  it('fetches an empty file (vcsim disks are empty until something is put there)', async () => {
    serve(() => ({ statusCode: 200, data: '', headers: { 'content-length': '0' } }));
    const result = await download({ expectedSize: 0 });
    expect(result).toMatchObject({ bytes: 0, requests: 1 });
    expect(readFileSync(destination()).length).toBe(0);
    expect(existsSync(sidecarPath(destination()))).toBe(false);
  });

  it('stops at once when already cancelled', async () => {
    serve(whole);
    const controller = new AbortController();
    controller.abort();
    const error = await failureOf(download({ signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
    expect(seen).toEqual([]);
  });
});
