import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import type { RemoteError, RpcClient } from '../../../shared/rpc/client';
import type { VmdkSamples } from '../../fixtures';
import { brokenVmdk, waitForBatch, writePlan } from './batch-env';

/**
 * The contract cases of the batch.* calls, merged into test/integration/contract/contract.test.ts
 * (every call over the in-memory channel and over the WebSocket bridge, against the real engine
 * and real qemu-img). Each case writes its plans into a folder of its own, so the second
 * transport's run starts clean.
 */

interface BatchCtx {
  samples: VmdkSamples;
  work: string;
  events: JobEvent[];
}
type BatchCase = (client: RpcClient, ctx: BatchCtx) => Promise<void>;
type BatchMethod = Extract<MethodName, `batch.${string}`>;

let serial = 0;
const folder = (work: string, name: string): string => join(work, 'batch', `${name}-${++serial}`);
const code = (error: unknown): string => (error as RemoteError).value.code;

function simplePlan(dir: string, samples: VmdkSamples, extra: Record<string, unknown> = {}, vms?: unknown[]): string {
  return writePlan(dir, {
    defaults: { destination: 'out', concurrency: 1, ...extra },
    vms: vms ?? [
      { name: 'sparse', source: samples.monolithicSparse },
      { name: 'stream', source: samples.streamOptimized, format: 'raw' },
    ],
  });
}

export const batchCases: Record<BatchMethod, BatchCase> = {
  'batch.validate': async (client, { samples, work }) => {
    const dir = folder(work, 'validate');
    const path = simplePlan(dir, samples);
    const ok = await client.call('batch.validate', { path });
    expect(ok.ok).toBe(true);
    expect(ok.plan?.vms.map((v) => [v.name, v.settings.format, v.settings.destination])).toEqual([
      ['sparse', 'qcow2', join(dir, 'out')],
      ['stream', 'raw', join(dir, 'out')],
    ]);
    expect(ok.journal).toMatchObject({ exists: false, path: join(dir, 'plan.journal.jsonl') });
    // Edited text, not saved: problems come back with line and column, nothing thrown.
    const bad = await client.call('batch.validate', { path, text: 'defaults:\n  destination: out\n  format: qcow3\nvms:\n  - source: /nope/x.vmdk\n', checks: 'full' });
    expect(bad.ok).toBe(false);
    expect(bad.plan).toBeNull();
    expect(bad.problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [3, 11, 'defaults.format'],
    ]);
  },
  'batch.save': async (client, { work }) => {
    const path = join(folder(work, 'save'), 'sub', 'plan.yaml');
    const saved = await client.call('batch.save', { path, text: 'vms: []\n' });
    expect(saved).toEqual({ path, bytes: 8 });
    expect(readFileSync(path, 'utf8')).toBe('vms: []\n');
  },
  'batch.start': async (client, { samples, work }) => {
    const dir = folder(work, 'start');
    const path = simplePlan(dir, samples);
    const started = await client.call('batch.start', { path });
    expect(started).toMatchObject({ journal: join(dir, 'plan.journal.jsonl'), resumed: false });
    const end = await waitForBatch(client, started.batchId);
    expect(end.vms.map((v) => [v.name, v.state, v.outputs.map((o) => o.path)])).toEqual([
      ['sparse', 'done', [join(dir, 'out', 'sparse.qcow2')]],
      ['stream', 'done', [join(dir, 'out', 'stream.raw')]],
    ]);
    const again = await client.call('batch.start', { path }).catch((e: unknown) => e);
    expect(code(again)).toBe('BATCH_JOURNAL_EXISTS');
    const invalid = await client.call('batch.start', { path: writePlan(dir, { vms: [{ source: 12 }] }, 'bad.yaml') }).catch((e: unknown) => e);
    expect(code(invalid)).toBe('BATCH_PLAN_INVALID');
    expect((invalid as RemoteError).value.evidence?.details?.problems).toEqual([expect.objectContaining({ line: 2, column: 13, path: 'vms[0].source' })]);
  },
  'batch.status': async (client, { samples, work }) => {
    const dir = folder(work, 'status');
    const path = simplePlan(dir, samples);
    const { batchId } = await client.call('batch.start', { path });
    const end = await waitForBatch(client, batchId);
    expect(end.totals).toMatchObject({ vms: 2, done: 2, failed: 0, queued: 0, running: 0 });
    expect(end.endReason).toBe('complete');
    expect((await client.call('batch.status', { batchId, since: end.rev })).vms).toEqual([]);
    const fromDisk = await client.call('batch.status', { path });
    expect(fromDisk.vms.map((v) => v.state)).toEqual(['done', 'done']);
    const never = await client.call('batch.status', { path: simplePlan(folder(work, 'status-never'), samples) }).catch((e: unknown) => e);
    expect(code(never)).toBe('BATCH_JOURNAL_MISSING');
  },
  'batch.list': async (client, { samples, work }) => {
    const { batchId } = await client.call('batch.start', { path: simplePlan(folder(work, 'list'), samples) });
    await waitForBatch(client, batchId);
    expect((await client.call('batch.list', {})).find((b) => b.batchId === batchId)).toMatchObject({ state: 'ended', totals: { done: 2 } });
  },
  'batch.pause': async (client, { samples, work }) => {
    const { batchId } = await client.call('batch.start', { path: simplePlan(folder(work, 'pause'), samples) });
    expect(['pausing', 'paused']).toContain((await client.call('batch.pause', { batchId })).state);
    const paused = await waitForBatch(client, batchId, (s) => s.state === 'paused');
    // The running VM finished; the queued one did not start.
    expect(paused.totals).toMatchObject({ done: 1, queued: 1, running: 0 });
    await client.call('batch.resume', { batchId });
    expect((await waitForBatch(client, batchId)).totals.done).toBe(2);
  },
  'batch.resume': async (client, { samples, work }) => {
    const { batchId } = await client.call('batch.start', { path: simplePlan(folder(work, 'resume'), samples) });
    await client.call('batch.pause', { batchId });
    await waitForBatch(client, batchId, (s) => s.state === 'paused');
    expect((await client.call('batch.resume', { batchId })).state).toBe('running');
    expect((await waitForBatch(client, batchId)).endReason).toBe('complete');
  },
  'batch.stop': async (client, { samples, work }) => {
    const dir = folder(work, 'stop');
    const path = simplePlan(dir, samples);
    const { batchId } = await client.call('batch.start', { path });
    await client.call('batch.stop', { batchId, cancelRunning: true });
    const end = await waitForBatch(client, batchId);
    expect(end.endReason).toBe('stopped');
    expect(end.vms.every((v) => v.state === 'queued')).toBe(true);
    // Interrupted: no partial file left behind, and a resume runs both.
    expect(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []).toEqual([]);
    const resumed = await client.call('batch.start', { path, mode: 'resume' });
    expect((await waitForBatch(client, resumed.batchId)).totals.done).toBe(2);
  },
  'batch.cancelVm': async (client, { samples, work }) => {
    const { batchId } = await client.call('batch.start', { path: simplePlan(folder(work, 'cancel'), samples) });
    expect(await client.call('batch.cancelVm', { batchId, vm: 'stream' })).toEqual({ cancelled: true });
    const end = await waitForBatch(client, batchId);
    expect(end.vms.map((v) => [v.name, v.state])).toEqual([
      ['sparse', 'done'],
      ['stream', 'cancelled'],
    ]);
    const unknown = await client.call('batch.cancelVm', { batchId, vm: 'nope' }).catch((e: unknown) => e);
    expect(code(unknown)).toBe('BATCH_VM_NOT_FOUND');
  },
  'batch.retry': async (client, { samples, work }) => {
    const dir = folder(work, 'retry');
    const path = simplePlan(dir, samples, {}, [{ name: 'broken', source: brokenVmdk(dir) }]);
    const { batchId } = await client.call('batch.start', { path });
    const failed = await waitForBatch(client, batchId);
    expect(failed.vms[0]).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'VMDK_EXTENT_MISSING' } });
    expect(await client.call('batch.retry', { batchId })).toEqual({ queued: ['broken'] });
    const again = await waitForBatch(client, batchId, (s) => s.state === 'ended' && s.vms[0]!.attempts === 2);
    expect(again.vms[0]).toMatchObject({ state: 'failed', attempts: 2 });
  },
  'batch.jobRecord': async (client, { samples, work }) => {
    const { batchId } = await client.call('batch.start', { path: simplePlan(folder(work, 'record'), samples) });
    const end = await waitForBatch(client, batchId);
    const { jobId, record, events } = await client.call('batch.jobRecord', { batchId, vm: 'stream' });
    expect(jobId).toBe(end.vms[1]!.jobId);
    expect(record).toMatchObject({ schema: 'hyper2kvm.job/1', state: 'succeeded', kind: 'convert' });
    expect(events[0]?.type).toBe('job-started');
    expect(events.at(-1)?.type).toBe('done');
  },
  'batch.exportForklift': async (client, { work }) => {
    const dir = folder(work, 'forklift');
    const path = writePlan(dir, {
      defaults: { destination: 'out', vcenter: { server: 'vc.example.com', user: 'migrator@vsphere.local', passwordFile: 'vc.pass' }, networks: { 'VM Network': { network: 'default' } }, storage: { datastore1: 'out' } },
      forklift: { namespace: 'mtv', targetNamespace: 'vms', storageClass: 'standard' },
      vms: [{ vm: 'web-01' }, { name: 'db', vm: { id: 'vm-42' } }],
    });
    const result = await client.call('batch.exportForklift', { path, outDir: join(dir, 'k8s') });
    expect(result.vms).toBe(2);
    expect(result.files.map((f) => f.kind)).toEqual(['Provider', 'NetworkMap', 'StorageMap', 'Plan', 'Migration', 'script', 'readme']);
    expect(readFileSync(join(dir, 'k8s', 'apply.sh'), 'utf8')).toContain(`--from-file=password='${join(dir, 'vc.pass')}'`);
  },
};
