import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateResult } from '../../../shared/contract/api/vcenter';
import { runCliProcess } from '../../support/cli';
import { processesMatching, waitUntil } from '../../support/processes';
import { makeFlatVmdk, putVmdk } from '../../support/vcsim/vmdk';
import type { LocalVmdk } from '../../support/vcsim/vmdk';
import { sameImage, startVcenterEnv, vmIdByName } from '../vcenter/vcenter-env';
import type { VcenterEnv } from '../vcenter/vcenter-env';
import { journalRecords, writePlan } from './batch-env';

// A batch of vCenter VMs against the simulator: VMs by name, id and inventory path, at most one
// at a time per ESXi host, each through the migrate job; then a runner killed in the middle of a
// download, whose resume continues the download instead of starting it over.

let env: VcenterEnv;
let home: string;
let passwordFile: string;
const disks: Record<string, LocalVmdk> = {};
const VMS = { h0a: 'DC0_H0_VM0', h0b: 'DC0_H0_VM1', c0: 'DC0_C0_RP0_VM0', big: 'DC0_C0_RP0_VM1' };

const run = (args: string[], options: Parameters<typeof runCliProcess>[1] = {}) => runCliProcess(args, { ...options, env: { HYPER2KVM_HOME: home, ...options.env } });


function vcenterDefaults(): Record<string, unknown> {
  return { server: env.vcsim.url, user: env.vcsim.user, passwordFile, thumbprint: env.vcsim.sha256 };
}

beforeAll(async () => {
  env = await startVcenterEnv({ vmsPerPool: 2 });
  home = join(env.work, 'cli-home');
  passwordFile = join(env.work, 'vc.pass');
  writeFileSync(passwordFile, `${env.vcsim.password}\n`, { mode: 0o600 });
  const { connectionId } = await env.login();
  for (const [key, vm] of Object.entries(VMS)) {
    const folder = join(env.work, 'disks', vm);
    mkdirSync(folder, { recursive: true });
    disks[key] = await makeFlatVmdk(folder, 'disk1', key === 'big' ? 96 : 12);
    await putVmdk(env.access, disks[key], { datacenterPath: 'DC0', datastore: 'LocalDS_0', vmFolder: vm });
    await env.client.call('vcenter.powerOff', { connectionId, vmId: await vmIdByName(env.client, connectionId, vm), confirmed: true });
  }
  await env.client.call('vcenter.logout', { connectionId });
});

afterAll(async () => {
  await env?.stop();
});

describe('a batch of vCenter VMs', () => {
  it('migrates VMs named by name, id and inventory path, one at a time per ESXi host', async () => {
    const { connectionId } = await env.login();
    const byId = await vmIdByName(env.client, connectionId, VMS.h0b);
    await env.client.call('vcenter.logout', { connectionId });
    const dir = join(env.work, 'wave');
    const plan = writePlan(dir, {
      defaults: { destination: 'out', vcenter: vcenterDefaults(), concurrency: { total: 3, perHost: 1 }, networks: { DC0_DVPG0: { network: 'default' } } },
      vms: [{ vm: VMS.h0a }, { name: 'by-id', vm: { id: byId } }, { name: 'by-path', vm: { path: `/DC0/vm/${VMS.c0}` }, format: 'raw' }],
    });
    const planned = await run(['batch', 'plan', plan, '--json']);
    expect(planned.code, planned.stdout).toBe(0);

    const out = await run(['batch', 'run', plan, '--json']);
    expect(out.code, out.stdout.split('\n').filter(Boolean).at(-1)).toBe(0);
    const vms = (out.result as { vms: Array<{ name: string; state: string; outputs: Array<{ path: string; format: string }>; jobId: string }> }).vms;
    expect(vms.map((v) => [v.name, v.state, v.outputs.map((o) => [o.path, o.format])])).toEqual([
      [VMS.h0a, 'done', [[join(dir, 'out', `${VMS.h0a}.qcow2`), 'qcow2']]],
      ['by-id', 'done', [[join(dir, 'out', 'by-id.qcow2'), 'qcow2']]],
      ['by-path', 'done', [[join(dir, 'out', 'by-path.raw'), 'raw']]],
    ]);
    expect(await sameImage(vms[0]!.outputs[0]!.path, disks.h0a!.raw)).toBe(true);
    expect(await sameImage(vms[1]!.outputs[0]!.path, disks.h0b!.raw)).toBe(true);
    expect(await sameImage(vms[2]!.outputs[0]!.path, disks.c0!.raw)).toBe(true);
    for (const vm of vms) expect(JSON.parse(readFileSync(join(home, 'jobs', vm.jobId, 'job.json'), 'utf8'))).toMatchObject({ kind: 'migrate', state: 'succeeded' });

    // The two VMs of host DC0_H0 never ran at the same time; the cluster's VM ran alongside.
    const status = await run(['batch', 'status', plan, '--json']);
    expect(status.code).toBe(0);
    const records = journalRecords(join(dir, 'plan.journal.jsonl'));
    const span = (vm: string): [number, number] => [Date.parse(records.find((r) => r.t === 'vm-start' && r.vm === vm)!.at), Date.parse(records.find((r) => r.t === 'vm-end' && r.vm === vm)!.at)];
    const [a, b, c] = [span(VMS.h0a), span('by-id'), span('by-path')];
    expect(a[1] <= b[0] || b[1] <= a[0], JSON.stringify({ a, b })).toBe(true);
    expect(c[0] < Math.max(a[1], b[1]) && c[1] > Math.min(a[0], b[0]), JSON.stringify({ a, b, c })).toBe(true);
  });

  it('resumes an interrupted download after kill -9 of the runner, instead of starting it over', async () => {
    const dir = join(env.work, 'resume');
    const plan = writePlan(dir, {
      defaults: { destination: 'out', vcenter: vcenterDefaults(), transfer: { limitMBps: 16 } },
      vms: [{ name: 'big', vm: VMS.big }],
    });
    let killedAt = 0;
    const crashed = await run(['batch', 'run', plan, '--json'], {
      onLine: (line, child) => {
        const progress = line.progress as { fraction?: number } | undefined;
        if (killedAt === 0 && line.type === 'progress' && line.stage === 'transfer' && (progress?.fraction ?? 0) > 0.3) {
          killedAt = progress!.fraction!;
          child.kill('SIGKILL');
        }
      },
    });
    expect(killedAt).toBeGreaterThan(0.3);
    expect(crashed.code).not.toBe(0);

    const resumed = await run(['batch', 'resume', plan, '--json']);
    expect(resumed.code, resumed.stdout.split('\n').filter(Boolean).at(-1)).toBe(0);
    const vm = (resumed.result as { vms: Array<{ state: string; attempts: number; jobId: string; outputs: Array<{ path: string }> }> }).vms[0]!;
    expect(vm).toMatchObject({ state: 'done', attempts: 2 });
    const result = (JSON.parse(readFileSync(join(home, 'jobs', vm.jobId, 'job.json'), 'utf8')) as { result: MigrateResult }).result;
    expect(result.transfer.resumedBytes).toBeGreaterThan(0.2 * result.transfer.bytes);
    expect(result.transfer.resumedBytes).toBeLessThan(result.transfer.bytes);
    expect(await sameImage(vm.outputs[0]!.path, disks.big!.raw)).toBe(true);
    expect(await waitUntil(() => processesMatching(dir).length === 0, 10_000)).toBe(true);
  });
});
