import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { readHead, withRange } from '../../../electron/engine/vcenter/remote-read';
import type { DatastoreLocation, FileAccess } from '../../../electron/engine/vsphere/folder-client';
import { failureOf } from '../../support/failures';
import { inTurn, serveDatastoreFile } from '../../support/mock-datastore';
import type { DatastoreReply } from '../../support/mock-datastore';

/**
 * Reading the head of a datastore file (the chain planner's first look at each VMDK) against
 * answers recorded from the vCenter simulator and from servers that misbehave.
 */

const ORIGIN = 'https://vc.example.test';
const LOCATION: DatastoreLocation = { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: 'DC0_H0_VM0/disk1.vmdk' };
const PATH = '/folder/DC0_H0_VM0/disk1.vmdk?dcPath=DC0&dsName=LocalDS_0';

let agent: MockAgent;

/** A datastore that answers the n-th request with the n-th reply, the last one from then on. */
function access(...replies: DatastoreReply[]): FileAccess {
  agent = new MockAgent();
  agent.disableNetConnect();
  serveDatastoreFile(agent, ORIGIN, PATH, inTurn(...replies));
  return { origin: ORIGIN, server: 'vc.example.test:443', dispatcher: agent, headers: () => ({}) };
}

afterEach(async () => {
  await agent?.close();
});

describe('readHead', () => {
  it('reads an empty file as empty: the 416 answer\u2019s body is the server\u2019s note, not file bytes', async () => {
    // What vcsim answers for its default VMs' 0-byte disk1.vmdk.
    const head = await readHead(access({ statusCode: 416, data: 'invalid range: failed to overlap\n', headers: { 'content-range': 'bytes */0' } }), LOCATION, 65536);
    expect(head.total).toBe(0);
    expect(head.bytes.length).toBe(0);
  });

  it('says "more than announced" when the server sends more bytes than the range it confirmed', async () => {
    const error = await failureOf(readHead(access({ statusCode: 206, data: 'x'.repeat(40), headers: { 'content-range': 'bytes 0-9/100' } }), LOCATION, 65536, { attempts: 1 }));
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(error.message).toContain('sent 40 bytes for the first 10 bytes');
    expect(error.message).toContain('more than it announced');
    expect(error.message).not.toContain('incomplete');
    expect(error.evidence?.details).toMatchObject({ expected: 10, got: 40, fileBytes: 100 });
  });

  it('says how much arrived when a body ends early', async () => {
    const error = await failureOf(readHead(access({ statusCode: 206, data: 'x'.repeat(4), headers: { 'content-range': 'bytes 0-9/100' } }), LOCATION, 65536, { attempts: 1 }));
    expect(error.message).toContain('Only 4 of the first 10 bytes');
  });

  it('refuses a server that ignores the Range and sends the whole file (HTTP 200)', async () => {
    const error = await failureOf(readHead(access({ statusCode: 200, data: 'x'.repeat(100), headers: { 'content-length': '100' } }), LOCATION, 10));
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(error.message).toContain('did not answer a range request');
    expect(error.evidence?.details).toMatchObject({ httpStatus: 200 });
  });
});

describe('withRange', () => {
  // vcsim's answer to `curl -H 'Range: bytes=0-9'` on a 100-byte file it was given by PUT.
  const tenOfHundred: DatastoreReply = { statusCode: 206, data: '0123456789', headers: { 'content-range': 'bytes 0-9/100', 'content-length': '10' } };

  it('asks again when the consumer\'s read breaks off, through the client\'s retries', async () => {
    let calls = 0;
    const text = await withRange(access(tenOfHundred), LOCATION, 0, 9, async (body) => {
      calls++;
      const read = await body.text();
      if (calls === 1) throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
      return read;
    }, { attempts: 3 });
    expect(text).toBe('0123456789');
    expect(calls).toBe(2);
  });

  it('gives up after the attempts when every read breaks', async () => {
    let calls = 0;
    const error = await failureOf(withRange(access(tenOfHundred), LOCATION, 0, 9, () => {
      calls++;
      return Promise.reject(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    }, { attempts: 1 }));
    expect(error.code).toBe('VSPHERE_DOWNLOAD_FAILED');
    expect(error.message).toBe('The read of [LocalDS_0] DC0_H0_VM0/disk1.vmdk failed: the read broke off: other side closed.');
    expect(calls).toBe(1);
  });
});
