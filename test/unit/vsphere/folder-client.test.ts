import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { engineError } from '../../../shared/contract/errors';
import {
  classifyStatus,
  datastoreFileUrl,
  FolderFile,
  parseContentRange,
  parseUnsatisfiedTotal,
  rangeHeader,
  RETRY_SCHEDULE,
  retryDecision,
} from '../../../electron/engine/vsphere/folder-client';
import type { DatastoreLocation, FileAccess, FolderFileOptions } from '../../../electron/engine/vsphere/folder-client';
import { failureOf } from '../../support/failures';
import { inTurn, serveDatastoreFile } from '../../support/mock-datastore';
import type { DatastoreReply, SeenRequest } from '../../support/mock-datastore';

/**
 * The one /folder client. Headers and bodies below are the simulator's own answers, captured with
 * curl against `vcsim -listen 127.0.0.1:18989` (govmomi's vcsim, the build the integration tests
 * use) after a PUT of a 1000-byte probe.bin into DC0_H0_VM0:
 *   curl -D - -H 'Range: bytes=400-'    …/folder/DC0_H0_VM0/probe.bin?dcPath=DC0&dsName=LocalDS_0
 *   curl -D - -H 'Range: bytes=0-65535' …   (the head read of a short file)
 *   curl -D - -H 'Range: bytes=1000-'   …   (a .part that is already whole)
 *   curl -D - …/folder/DC0_H0_VM0/nope.vmdk?dcPath=DC0&dsName=LocalDS_0
 */
const VCSIM = {
  resumed: { statusCode: 206, headers: { 'content-range': 'bytes 400-999/1000', 'content-length': '600', 'accept-ranges': 'bytes' } },
  headOfShortFile: { statusCode: 206, headers: { 'content-range': 'bytes 0-999/1000', 'content-length': '1000', 'accept-ranges': 'bytes' } },
  beyondTheEnd: { statusCode: 416, data: 'invalid range: failed to overlap\n', headers: { 'content-range': 'bytes */1000', 'content-length': '33' } },
  notFound: { statusCode: 404, data: '404 page not found\n', headers: { 'content-length': '19' } },
} as const;

const ORIGIN = 'https://vc.example.test';
const LOCATION: DatastoreLocation = { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: 'DC0_H0_VM0/probe.bin' };
const URL_PATH = '/folder/DC0_H0_VM0/probe.bin?dcPath=DC0&dsName=LocalDS_0';

describe('URLs and ranges', () => {
  it.each([
    [LOCATION, `${ORIGIN}${URL_PATH}`],
    [{ datacenterPath: 'Europe/DC 1', datastore: 'ds #1', path: 'my vm/disk?.vmdk' }, `${ORIGIN}/folder/my%20vm/disk%3F.vmdk?dcPath=Europe%2FDC%201&dsName=ds%20%231`],
    [{ datacenterPath: 'DC0', datastore: 'ds', path: '/lead/slash//x.vmdk' }, `${ORIGIN}/folder/lead/slash/x.vmdk?dcPath=DC0&dsName=ds`],
  ])('datastoreFileUrl(%j)', (location, expected) => {
    expect(datastoreFileUrl(ORIGIN, location)).toBe(expected);
  });

  it.each([
    ['no range: the whole file', undefined, {}],
    ['from 0 to the end is the whole file too (a plain GET proves an empty file exists)', { from: 0 }, {}],
    ['a resume', { from: 400 }, { range: 'bytes=400-' }],
    ['a head read', { from: 0, to: 65535 }, { range: 'bytes=0-65535' }],
    ['one byte', { from: 0, to: 0 }, { range: 'bytes=0-0' }],
    ['a window far into the file', { from: 8_589_934_592, to: 8_589_935_103 }, { range: 'bytes=8589934592-8589935103' }],
  ])('rangeHeader: %s', (_label, range, expected) => {
    expect(rangeHeader(range)).toEqual(expected);
  });

  it.each([
    [VCSIM.resumed.headers['content-range'], { start: 400, end: 999, total: 1000 }],
    [VCSIM.headOfShortFile.headers['content-range'], { start: 0, end: 999, total: 1000 }],
    ['bytes 0-0/1', { start: 0, end: 0, total: 1 }],
    ['bytes 5-9/*', { start: 5, end: 9 }],
    ['BYTES 1-2/3', { start: 1, end: 2, total: 3 }],
    ['bytes 9-5/10', undefined],
    [VCSIM.beyondTheEnd.headers['content-range'], undefined],
    ['items 1-2/3', undefined],
    [undefined, undefined],
  ])('parseContentRange(%j)', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each([
    [VCSIM.beyondTheEnd.headers['content-range'], 1000],
    ['bytes */0', 0],
    ['bytes 0-9/10', undefined],
    [undefined, undefined],
  ])('parseUnsatisfiedTotal(%j) = %j', (header, expected) => {
    expect(parseUnsatisfiedTotal(header)).toBe(expected);
  });
});

describe('decisions', () => {
  it.each([
    [200, 'answer'],
    [206, 'answer'],
    [416, 'answer'],
    [400, 'answer'],
    [401, 'session'],
    [403, 'session'],
    [404, 'not-found'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
  ])('HTTP %d is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });

  it('the schedule is the documented one: 1 s, 2 s, 4 s, 8 s between five attempts', () => {
    expect(RETRY_SCHEDULE).toEqual({ attempts: 5, baseMs: 1_000, maxMs: 30_000 });
    const waits = [1, 2, 3, 4, 5].map((failures) => retryDecision(failures));
    expect(waits).toEqual([
      { action: 'wait', delayMs: 1_000 },
      { action: 'wait', delayMs: 2_000 },
      { action: 'wait', delayMs: 4_000 },
      { action: 'wait', delayMs: 8_000 },
      { action: 'give-up' },
    ]);
  });

  it.each([
    ['doubling', 3, { attempts: 10, baseMs: 1_000, maxMs: 30_000 }, 0, { action: 'wait', delayMs: 4_000 }],
    ['capped (the migration asked for many retries)', 9, { attempts: 10, baseMs: 1_000, maxMs: 30_000 }, 0, { action: 'wait', delayMs: 30_000 }],
    ['full jitter stretches by a quarter', 2, RETRY_SCHEDULE, 1, { action: 'wait', delayMs: 2_500 }],
    ['jitter out of range is clamped', 1, RETRY_SCHEDULE, 7, { action: 'wait', delayMs: 1_250 }],
    ['one attempt only: the first failure is final', 1, { attempts: 1, baseMs: 1_000, maxMs: 30_000 }, 0, { action: 'give-up' }],
    ['past the attempts', 6, RETRY_SCHEDULE, 0, { action: 'give-up' }],
  ])('retryDecision: %s', (_label, failures, schedule, jitter, expected) => {
    expect(retryDecision(failures, schedule, jitter)).toEqual(expected);
  });
});

describe('FolderFile against a recorded datastore (undici MockAgent)', () => {
  let agent: MockAgent;
  let reloginCalls: number;
  let seen: SeenRequest[];
  const logs: string[] = [];

  const serve = (...replies: (DatastoreReply | Error)[]): void => {
    seen = serveDatastoreFile(agent, ORIGIN, URL_PATH, inTurn(...replies));
  };

  const access = (withRelogin = true): FileAccess => ({
    origin: ORIGIN,
    server: 'vc.example.test:443',
    dispatcher: agent,
    headers: () => ({ cookie: `vmware_soap_session="s${reloginCalls}"` }),
    ...(withRelogin
      ? {
          relogin: () => {
            reloginCalls++;
            return Promise.resolve();
          },
        }
      : {}),
  });
  const file = (options: Partial<FolderFileOptions> = {}, withRelogin = true): FolderFile =>
    new FolderFile(access(withRelogin), LOCATION, { operation: 'read', schedule: { baseMs: 1, maxMs: 2 }, jitter: () => 0, onLog: (line) => logs.push(line), ...options });

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    reloginCalls = 0;
    seen = [];
    logs.length = 0;
  });
  afterEach(async () => {
    await agent.close();
  });

  it('sends the session cookie and the Range, and hands a 206 back with its headers', async () => {
    serve({ ...VCSIM.resumed, data: 'x'.repeat(600) });
    const f = file();
    const answer = await f.get({ from: 400 });
    expect(answer).toMatchObject({ status: 206, contentRange: 'bytes 400-999/1000', contentLength: 600 });
    expect((await answer.body.text()).length).toBe(600);
    expect(seen).toEqual([{ range: 'bytes=400-', cookie: 'vmware_soap_session="s0"' }]);
    expect(f.requests).toBe(1);
  });

  it('hands a 416 back to the caller, who knows what it means', async () => {
    serve(VCSIM.beyondTheEnd);
    const answer = await file().get({ from: 1000 });
    expect(answer).toMatchObject({ status: 416, contentRange: 'bytes */1000' });
    expect(await answer.body.text()).toBe('invalid range: failed to overlap\n');
  });

  it('retries transient statuses on the schedule, logging each wait, then answers', async () => {
    serve({ statusCode: 503, data: 'busy' }, { statusCode: 500 }, { ...VCSIM.headOfShortFile, data: 'x'.repeat(1000) });
    const f = file();
    const answer = await f.get({ from: 0, to: 65535 });
    expect(answer.status).toBe(206);
    expect(f.requests).toBe(3);
    expect(logs).toEqual([
      '[LocalDS_0] DC0_H0_VM0/probe.bin: HTTP 503; retrying in 1 ms (attempt 2 of 5)',
      '[LocalDS_0] DC0_H0_VM0/probe.bin: HTTP 500; retrying in 2 ms (attempt 3 of 5)',
    ]);
    expect(seen.map((s) => s.range)).toEqual(['bytes=0-65535', 'bytes=0-65535', 'bytes=0-65535']);
  });

  it('gives up after the attempts with the last reason and the caller\u2019s evidence', async () => {
    serve({ statusCode: 500, data: 'broken' });
    const error = await failureOf(file({ operation: 'download', schedule: { attempts: 3, baseMs: 1, maxMs: 2 }, giveUpHint: 'Start again to resume.', giveUpDetails: () => Promise.resolve({ bytesSaved: 42 }) }).get());
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(error.message).toBe('The download of [LocalDS_0] DC0_H0_VM0/probe.bin failed 3 times in a row: HTTP 500.');
    expect(error.hint).toContain('Start again to resume.');
    expect(error.evidence?.details).toMatchObject({ attempts: 3, httpStatus: 500, bytesSaved: 42, file: '[LocalDS_0] DC0_H0_VM0/probe.bin' });
    expect(seen).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    serve(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), { ...VCSIM.resumed, data: 'x'.repeat(600) });
    const f = file();
    expect((await f.get({ from: 400 })).status).toBe(206);
    expect(f.requests).toBe(2);
    expect(logs[0]).toContain('The connection to vc.example.test:443 was lost during read of [LocalDS_0] DC0_H0_VM0/probe.bin');
  });

  it('does not retry what cannot heal by itself (a certificate refused)', async () => {
    serve(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    const f = file();
    const error = await failureOf(f.get());
    expect(error.code).toBe('VSPHERE_TLS_FAILED');
    expect(f.requests).toBe(1);
  });

  it('logs in again once when the session is refused, and asks with the new cookie', async () => {
    serve({ statusCode: 401 }, { ...VCSIM.resumed, data: 'x'.repeat(600) });
    expect((await file().get({ from: 400 })).status).toBe(206);
    expect(reloginCalls).toBe(1);
    expect(seen.map((s) => s.cookie)).toEqual(['vmware_soap_session="s0"', 'vmware_soap_session="s1"']);
    expect(logs).toEqual(['[LocalDS_0] DC0_H0_VM0/probe.bin: the server refused the session (HTTP 401); logging in again']);
  });

  it('reports a refusal that outlives the re-login as a permission problem', async () => {
    serve({ statusCode: 403 });
    const error = await failureOf(file().get());
    expect(error.code).toBe('VSPHERE_NO_PERMISSION');
    expect(error.evidence?.details).toMatchObject({ httpStatus: 403, reloggedIn: true });
    expect(reloginCalls).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it('does not try to log in where there is no session', async () => {
    serve({ statusCode: 401 });
    const error = await failureOf(file({}, false).get());
    expect(error.code).toBe('VSPHERE_NO_PERMISSION');
    expect(seen).toHaveLength(1);
  });

  it('names a missing file, with the vSAN caveat', async () => {
    serve(VCSIM.notFound);
    const error = await failureOf(file().get());
    expect(error.code).toBe('VSPHERE_FILE_NOT_FOUND');
    expect(error.message).toBe('[LocalDS_0] DC0_H0_VM0/probe.bin does not exist on vc.example.test:443.');
    expect(error.hint).toContain('vSAN');
    expect(seen).toHaveLength(1);
  });

  it('stops at once when already cancelled, without a request', async () => {
    serve(VCSIM.resumed);
    const controller = new AbortController();
    controller.abort();
    expect((await failureOf(file({ signal: controller.signal }).get())).code).toBe('CANCELLED');
    expect(seen).toEqual([]);
  });

  it('a cancel during a backoff wait ends the wait at once', async () => {
    serve({ statusCode: 503 });
    const controller = new AbortController();
    const f = file({ signal: controller.signal, schedule: { baseMs: 60_000, maxMs: 60_000 } });
    const started = performance.now();
    const pending = failureOf(f.get());
    setTimeout(() => controller.abort(), 50);
    expect((await pending).code).toBe('CANCELLED');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(seen).toHaveLength(1);
  });

  describe('a broken body', () => {
    it.each([
      ['a reset is retried (and counted)', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'retried'],
      ['an unexplained error is retried too: a download resumes, a read asks again', new Error('the server answered bytes 0-9/10, not 0-99/100'), 'retried'],
      ['a full disk here is final, named after the file being written', Object.assign(new Error('no space'), { code: 'ENOSPC', syscall: 'write' }), 'DEST_NO_SPACE'],
      ['an error value is final', new EngineFailure(engineError('VSPHERE_DOWNLOAD_FAILED', 'short', 'again')), 'VSPHERE_DOWNLOAD_FAILED'],
      ['an abort is a cancel', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'CANCELLED'],
    ])('%s', async (_label, error, outcome) => {
      const f = file();
      if (outcome === 'retried') {
        await f.bodyBroke(error, 'the read broke off');
        expect(f.failuresInARow).toBe(1);
        expect(logs).toEqual(['[LocalDS_0] DC0_H0_VM0/probe.bin: the read broke off; retrying in 1 ms (attempt 2 of 5)']);
      } else {
        const value = await failureOf(f.bodyBroke(error, 'the read broke off', '/staging/probe.bin.part'));
        expect(value.code).toBe(outcome);
        if (outcome === 'DEST_NO_SPACE') expect(value.evidence?.path).toBe('/staging/probe.bin.part');
      }
    });

    it('progress resets the count: only failures in a row give up', async () => {
      const f = file({ schedule: { attempts: 2, baseMs: 1, maxMs: 1 } });
      const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      await f.bodyBroke(reset, 'broke off');
      f.madeProgress();
      await f.bodyBroke(reset, 'broke off');
      const error = await failureOf(f.bodyBroke(reset, 'broke off again'));
      expect(error.message).toContain('failed 2 times in a row: broke off again');
    });
  });
});
