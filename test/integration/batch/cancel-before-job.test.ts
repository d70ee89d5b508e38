import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../../shared/rpc/client';
import { connectInProcess } from '../../../electron/engine/connect';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { processesMatching, waitUntil } from '../../support/processes';
import { qemuImg } from '../../support/sources';
import { waitForBatch, writePlan } from './batch-env';

/**
 * A batch VM cancelled (or the batch stopped) while the runner still reads the local VM's NICs,
 * before its job exists. The read is real and stalls for ever: a qcow2 whose backing file is a
 * named pipe nobody writes holds every qemu-img that opens it. Before the runner passed a signal
 * to that read, cancelling such a VM changed nothing: it stayed "running" and its qemu-img
 * processes with it.
 */

let work: string;
let engine: Engine;
let client: RpcClient;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'h2k-batch-cancel-'));
  engine = createEngine({ transport: 'memory', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home') });
  client = connectInProcess(engine);
});

afterAll(async () => {
  client?.close();
  await engine?.shutdown();
  // A failed run leaves its qemu-img blocked on the pipe: end exactly those.
  for (const p of processesMatching(work)) if (p.cmdline.includes('qemu-img')) process.kill(p.pid, 'SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

function stalledDisk(name: string): string {
  const pipe = join(work, `${name}-base.raw`);
  execFileSync('/usr/bin/mkfifo', [pipe]);
  const disk = join(work, `${name}.qcow2`);
  // -u: without opening the backing file (that would block this very command).
  qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', pipe, '-u', disk, '64M']);
  return disk;
}

const stalledReaders = (disk: string): number[] => processesMatching(disk).filter((p) => p.cmdline.includes('qemu-img')).map((p) => p.pid);

describe('a batch VM cancelled before its job starts', () => {
  it.each([
    { how: 'batch.cancelVm', state: 'cancelled' },
    // Interrupted: queued again, to run on resume; the batch itself ends.
    { how: 'batch.stop with cancelRunning', state: 'queued' },
  ])('$how ends it at once and leaves no qemu-img behind', async ({ how, state }) => {
    const name = how === 'batch.cancelVm' ? 'cancelled' : 'stopped';
    const disk = stalledDisk(name);
    // A network mapping and a domain to define: the runner reads the VM's NICs before its job.
    const plan = writePlan(join(work, name), { defaults: { destination: 'out', define: true, networks: { 'VM Network': { network: 'default' } } }, vms: [{ name: 'stalled', source: disk }] });
    const { batchId } = await client.call('batch.start', { path: plan });
    expect(await waitUntil(() => stalledReaders(disk).length > 0, 30_000), 'the NIC read starts qemu-img on the stalled disk').toBe(true);
    const status = await client.call('batch.status', { batchId });
    expect(status.vms[0]).toMatchObject({ name: 'stalled', state: 'running', jobId: null });

    if (how === 'batch.cancelVm') expect(await client.call('batch.cancelVm', { batchId, vm: 'stalled' })).toEqual({ cancelled: true });
    else await client.call('batch.stop', { batchId, cancelRunning: true });
    const ended = await waitForBatch(client, batchId, (s) => (how === 'batch.cancelVm' ? s.vms[0]!.state !== 'running' : s.state === 'ended'), 30_000);
    expect(ended.vms[0]!.state).toBe(state);
    expect(await waitUntil(() => stalledReaders(disk).length === 0, 10_000), 'every qemu-img on the stalled disk has ended').toBe(true);
  });
});
