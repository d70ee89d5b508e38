import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { readHead } from '../../../electron/engine/vcenter/remote-read';
import type { DatastoreLocation, FileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { failureOf } from '../../support/failures';

/**
 * Reading the head of a datastore file (the chain planner's first look at each VMDK) against
 * answers recorded from the vCenter simulator and from servers that misbehave.
 */

const ORIGIN = 'https://vc.example.test';
const LOCATION: DatastoreLocation = { datacenterPath: 'DC0', datastore: 'LocalDS_0', path: 'DC0_H0_VM0/disk1.vmdk' };
const PATH = '/folder/DC0_H0_VM0/disk1.vmdk?dcPath=DC0&dsName=LocalDS_0';

let agent: MockAgent;

function access(reply: { statusCode: number; data: string; headers: Record<string, string> }): FileAccess {
  agent = new MockAgent();
  agent.disableNetConnect();
  agent.get(ORIGIN).intercept({ path: PATH, method: 'GET' }).reply(reply.statusCode, reply.data, { headers: reply.headers });
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
});
