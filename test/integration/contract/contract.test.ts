import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { api } from '../../../shared/contract/api';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import type { RemoteError} from '../../../shared/rpc/client';
import { RpcClient } from '../../../shared/rpc/client';
import { websocketChannel } from '../../../shared/rpc/websocket';
import { startBridge } from '../../../electron/bridge/server';
import type { Bridge } from '../../../electron/bridge/server';
import { connectInProcess } from '../../../electron/engine/connect';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { vmdkSamples } from '../../fixtures';
import { batchCases } from '../batch/contract-cases';
import { libvirtCases, setUpLibvirt, tearDownLibvirt } from './libvirt-cases';
import { inspectCases } from '../inspect/contract-cases';
import { repairCases } from '../repair/contract-cases';
import { setUpVcenter, tearDownVcenter, vcenterCases } from '../vcenter/contract-cases';
import type { VmdkSamples } from '../../fixtures';

// Every call of the contract, run over the in-memory transport and over the WebSocket bridge
// against the real engine. A call added to the contract without a case here fails the suite.

type Case = (client: RpcClient, ctx: Ctx) => Promise<void>;
interface Ctx {
  samples: VmdkSamples;
  work: string;
  events: JobEvent[];
}

async function waitForEnd(events: JobEvent[], jobId: string): Promise<JobEvent> {
  for (let i = 0; i < 600; i++) {
    const end = events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

const cases: Record<MethodName, Case> = {
  'app.info': async (client) => {
    const info = await client.call('app.info', {});
    expect(info.tools.find((t) => t.name === 'qemu-img')?.path).toBe('/usr/bin/qemu-img');
    expect(typeof info.kvmAvailable).toBe('boolean');
  },
  'fs.list': async (client, { work }) => {
    mkdirSync(join(work, 'browse', 'sub'), { recursive: true });
    writeFileSync(join(work, 'browse', 'disk.vmdk'), 'x');
    writeFileSync(join(work, 'browse', '.hidden'), 'x');
    const listing = await client.call('fs.list', { path: join(work, 'browse') });
    expect(listing.entries.map((e) => [e.name, e.kind])).toEqual([
      ['sub', 'dir'],
      ['disk.vmdk', 'file'],
    ]);
    const missing = await client.call('fs.list', { path: join(work, 'nope') }).catch((e: unknown) => e);
    expect((missing as RemoteError).value.code).toBe('SOURCE_NOT_FOUND');
  },
  'source.plan': async (client, { samples }) => {
    const plan = await client.call('source.plan', { path: samples.twoGbMaxExtentSparse });
    expect(plan.disks[0]).toMatchObject({ subformat: 'twoGbMaxExtentSparse', virtualSize: samples.virtualSize });
    expect(plan.disks[0]!.chain[0]!.files.length).toBeGreaterThan(2);
  },
  'convert.preview': async (client, { samples, work }) => {
    const preview = await client.call('convert.preview', { source: samples.monolithicSparse, options: { outDir: join(work, 'preview-out') } });
    expect(preview.outputs).toHaveLength(1);
    expect(preview.estimatedBytes).toBeGreaterThan(0);
    expect(preview.destinationFreeBytes).toBeGreaterThan(preview.estimatedBytes);
    expect(preview.blockers).toEqual([]);
  },
  'convert.start': async (client, { samples, work, events }) => {
    const { jobId } = await client.call('convert.start', { source: samples.streamOptimized, options: { outDir: join(work, `start-${Date.now()}`) } });
    const end = await waitForEnd(events, jobId);
    expect(end.type).toBe('done');
  },
  'jobs.list': async (client, { samples, work, events }) => {
    const { jobId } = await client.call('convert.start', { source: samples.monolithicSparse, options: { outDir: join(work, `list-${Date.now()}`) } });
    await waitForEnd(events, jobId);
    const jobs = await client.call('jobs.list', {});
    expect(jobs.find((j) => j.jobId === jobId)?.state).toBe('succeeded');
  },
  'jobs.get': async (client, { samples, work, events }) => {
    const { jobId } = await client.call('convert.start', { source: samples.monolithicSparse, options: { outDir: join(work, `get-${Date.now()}`) } });
    await waitForEnd(events, jobId);
    const { job, events: history } = await client.call('jobs.get', { jobId });
    expect(job.state).toBe('succeeded');
    expect(history[0]?.type).toBe('job-started');
    expect(history.at(-1)?.type).toBe('done');
  },
  'jobs.cancel': async (client, { samples, work, events }) => {
    const { jobId } = await client.call('convert.start', { source: samples.monolithicSparse, options: { outDir: join(work, `cancel-${Date.now()}`) } });
    const answer = await client.call('jobs.cancel', { jobId });
    expect(answer.cancelled).toBe(true);
    expect((await waitForEnd(events, jobId)).type).toBe('cancelled');
    const unknown = await client.call('jobs.cancel', { jobId: 'not-a-job-1' }).catch((e: unknown) => e);
    expect((unknown as RemoteError).value.code).toBe('JOB_NOT_FOUND');
  },
  ...inspectCases,
  ...repairCases,
  ...libvirtCases,
  ...vcenterCases,
  ...batchCases,
};

let samples: VmdkSamples;
let engine: Engine;
let bridge: Bridge;
let work: string;

beforeAll(async () => {
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'h2k-contract-'));
  engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home') });
  bridge = await startBridge({ engine, staticDir: join(work, 'static'), uploadsDir: join(work, 'uploads') });
  await setUpLibvirt();
  await setUpVcenter();
});

afterAll(async () => {
  await engine.shutdown();
  await bridge.close();
  await tearDownVcenter();
  await tearDownLibvirt();
});

function openSocket(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { origin } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const transports: Record<string, () => Promise<{ client: RpcClient; close: () => void }>> = {
  memory: () => {
    const client = connectInProcess(engine);
    return Promise.resolve({ client, close: () => client.close() });
  },
  websocket: async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, bridge.url);
    const client = new RpcClient(websocketChannel(ws));
    return { client, close: () => ws.close() };
  },
};

describe.each(Object.keys(transports))('contract over %s', (transport) => {
  it('covers every call of the API', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(api).sort());
  });

  it.each(Object.keys(api) as MethodName[])('%s', async (method) => {
    const { client, close } = await transports[transport]!();
    const events: JobEvent[] = [];
    client.onJobEvent((e) => events.push(e));
    try {
      await cases[method](client, { samples, work, events });
    } finally {
      close();
    }
  });
});

describe('the WebSocket bridge refuses strangers', () => {
  it('without the token', async () => {
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=wrong`, bridge.url)).rejects.toThrow(/403/);
  });
  it('from another origin, even with the token', async () => {
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, 'http://evil.example')).rejects.toThrow(/403/);
  });
  it('uploads without the token or from another origin', async () => {
    const put = (headers: Record<string, string>): Promise<Response> => fetch(`${bridge.url}/upload?batch=abcdef1234&name=disk.vmdk`, { method: 'PUT', headers, body: 'data' });
    expect((await put({ origin: bridge.url })).status).toBe(403);
    expect((await put({ origin: 'http://evil.example', 'x-hyper2kvm-token': bridge.token })).status).toBe(403);
    const ok = await put({ origin: bridge.url, 'x-hyper2kvm-token': bridge.token });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { path: string }).path).toBe(join(work, 'uploads', 'abcdef1234', 'disk.vmdk'));
  });
  it('removes the files dropped during its run when it closes', async () => {
    const own = await startBridge({ engine, staticDir: join(work, 'static'), uploadsDir: join(work, 'uploads-own') });
    const res = await fetch(`${own.url}/upload?batch=batch-0001&name=disk.vmdk`, { method: 'PUT', headers: { origin: own.url, 'x-hyper2kvm-token': own.token }, body: 'data' });
    const { path } = (await res.json()) as { path: string };
    expect(existsSync(path)).toBe(true);
    await own.close();
    expect(existsSync(join(work, 'uploads-own', 'batch-0001'))).toBe(false);
  });

  it('upload names that try to leave the uploads folder', async () => {
    for (const name of ['../x', '.hidden', 'a/b', '']) {
      const res = await fetch(`${bridge.url}/upload?batch=abcdef1234&name=${encodeURIComponent(name)}`, { method: 'PUT', headers: { origin: bridge.url, 'x-hyper2kvm-token': bridge.token }, body: 'x' });
      expect(res.status, name).toBe(400);
    }
  });
});
