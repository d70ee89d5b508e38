import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrateResult } from '../../../shared/contract/api/vcenter';
import type { JobEvent } from '../../../shared/contract/events';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { runTask } from '../../../electron/engine/vsphere/tasks';
import { el, typed } from '../../../electron/engine/vsphere/xml';
import { processesMatching } from '../../support/processes';
import { filesUnder, migrate, putSample, sameImage, startVcenterEnv, vmIdByName } from './vcenter-env';
import type { SampleName, VcenterEnv } from './vcenter-env';

// A VM of the simulator per VMDK kind users have on their datastores, each disk a real VMDK
// (every subformat, and a snapshot chain) put into the VM's folder over /folder: migrated through
// the engine's contract, converted while downloading, and compared byte for byte.

const KINDS: Array<[SampleName, string]> = [
  ['monolithicSparse', 'DC0_H0_VM0'],
  ['monolithicFlat', 'DC0_H0_VM1'],
  ['twoGbMaxExtentSparse', 'DC0_H0_VM2'],
  ['twoGbMaxExtentFlat', 'DC0_C0_RP0_VM0'],
  ['streamOptimized', 'DC0_C0_RP0_VM1'],
  ['snapshotChain', 'DC0_C0_RP0_VM2'],
];

describe('migrating VMs from the real simulator', () => {
  let env: VcenterEnv;
  let samples: VmdkSamples;
  let connectionId: string;
  const expected = new Map<string, string>();

  beforeAll(async () => {
    samples = await vmdkSamples();
    env = await startVcenterEnv({ vmsPerPool: 4 });
    connectionId = (await env.login()).connectionId;
    mkdirSync(join(env.work, 'out'));
    for (const [kind, vm] of KINDS) {
      expected.set(vm, (await putSample(env.access, samples, kind, vm, join(env.work, 'upload'))).expectedRaw);
      await env.client.call('vcenter.powerOff', { connectionId, vmId: await vmIdByName(env.client, connectionId, vm), confirmed: true });
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('a VM with two disks: both copied and converted in parallel, each identical', async () => {
    const vmName = 'DC0_H0_VM3';
    const vmId = await vmIdByName(env.client, connectionId, vmName);
    // A second disk on the VM's SCSI controller (vcsim's is key 202), then real bytes for both.
    const spec = typed('spec', 'VirtualMachineConfigSpec', el('deviceChange', el('operation', 'add'), el('fileOperation', 'create'), typed('device', 'VirtualDisk', el('key', '-1'), typed('backing', 'VirtualDiskFlatVer2BackingInfo', el('fileName', `[LocalDS_0] ${vmName}/disk2.vmdk`), el('diskMode', 'persistent'), el('thinProvisioned', 'true')), el('controllerKey', '202'), el('unitNumber', '1'), el('capacityInKB', '1024'))));
    await runTask(env.admin, 'ReconfigVM_Task', { type: 'VirtualMachine', value: vmId }, [spec]);
    await putSample(env.access, samples, 'streamOptimized', vmName, join(env.work, 'upload'), 'disk1');
    await putSample(env.access, samples, 'twoGbMaxExtentSparse', vmName, join(env.work, 'upload'), 'disk2');
    await env.client.call('vcenter.powerOff', { connectionId, vmId, confirmed: true });

    const outDir = join(env.work, 'out', 'two-disks');
    const { end, events, result } = await migrate(env, connectionId, vmId, { outDir, parallelDisks: 2 });
    if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
    expect(result!.outputs.map((o) => o.path)).toEqual([join(outDir, `${vmName}-disk1.qcow2`), join(outDir, `${vmName}-disk2.qcow2`)]);
    for (const output of result!.outputs) expect(await sameImage(output.path, samples.raw)).toBe(true);
    expect(result!.vm.disks.map((d) => d.slot)).toEqual(['scsi0:0', 'scsi0:1']);
    expect(result!.transfer.disks.map((d) => d.diskId)).toEqual(['disk1', 'disk2']);
    const last = events.filter((e): e is Extract<JobEvent, { type: 'progress' }> => e.type === 'progress' && e.stage === 'convert').at(-1);
    expect(last?.progress.parts?.map((p) => [p.id, p.state])).toEqual([
      ['disk1', 'done'],
      ['disk2', 'done'],
    ]);
    expect(filesUnder(outDir)).toEqual([`${vmName}-disk1.qcow2`, `${vmName}-disk2.qcow2`]);
  });

  it('a flat disk converted compressed: read through the loopback server instead (no compressed windows), identical', async () => {
    const vmName = 'DC0_H0_VM1';
    const outDir = join(env.work, 'out', 'flat-compressed');
    const { end, events, result } = await migrate(env, connectionId, await vmIdByName(env.client, connectionId, vmName), { outDir, compress: true });
    if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
    expect(events.some((e) => e.type === 'log' && e.message.includes('through the loopback server'))).toBe(true);
    expect(await sameImage(result!.outputs[0]!.path, expected.get(vmName)!)).toBe(true);
    const info = await runCommand('/usr/bin/qemu-img', ['check', '--output=json', result!.outputs[0]!.path], { okExitCodes: [0] });
    expect((JSON.parse(info.stdout) as { 'compressed-clusters'?: number })['compressed-clusters']).toBeGreaterThan(0);
    expect(filesUnder(outDir)).toEqual([`${vmName}.qcow2`]);
  });

  it('a flat disk to raw output: converted from the staging folder into a raw image, identical', async () => {
    const vmName = 'DC0_H0_VM1';
    const outDir = join(env.work, 'out', 'flat-raw');
    const { end, events, result } = await migrate(env, connectionId, await vmIdByName(env.client, connectionId, vmName), { outDir, format: 'raw' });
    if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
    expect(events.some((e) => e.type === 'log' && e.message.includes('window by window from the staging folder'))).toBe(true);
    const output = result!.outputs[0]!;
    expect(output.format).toBe('raw');
    const info = await runCommand('/usr/bin/qemu-img', ['info', '--output=json', output.path], { okExitCodes: [0] });
    expect((JSON.parse(info.stdout) as { format: string }).format).toBe('raw');
    expect(await sameImage(output.path, expected.get(vmName)!)).toBe(true);
    expect(filesUnder(outDir)).toEqual([basename(output.path)]);
  });

  it.each(KINDS)('%s: identical after conversion, metadata along, nothing left behind', async (kind, vmName) => {
    const outDir = join(env.work, 'out', kind);
    const vmId = await vmIdByName(env.client, connectionId, vmName);
    const { end, events, result } = await migrate(env, connectionId, vmId, { outDir, parallelDisks: 2 });
    if (end.type === 'failed') throw new Error(JSON.stringify(end.error));
    expect(end.type).toBe('done');
    expect(() => MigrateResult.parse(result)).not.toThrow();
    const output = result!.outputs[0]!;
    expect(output.path).toBe(join(outDir, `${vmName}.qcow2`));
    expect(output.checked).toBe(true);
    expect(await sameImage(output.path, expected.get(vmName)!)).toBe(true);

    // The VM's metadata travels with the result for the libvirt stage.
    expect(result!.vm).toMatchObject({ origin: 'vcenter', name: vmName, vcpus: 1, memoryMiB: 32, firmware: 'bios', guestOs: 'otherGuest' });
    expect(result!.vm.nics[0]?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(result!.vm.nics[0]?.network).toBe('DC0_DVPG0');
    expect(result!.source).toMatchObject({ vmId, vmName });
    expect(result!.transfer.bytes).toBeGreaterThan(0);
    expect(result!.stagingDir).toBeNull();

    // Flat disks convert straight from the staging folder; the others are read through the loopback server.
    const route = events.some((e) => e.type === 'log' && e.message.includes('window by window from the staging folder')) ? 'staging' : 'loopback';
    expect(route).toBe(kind === 'monolithicFlat' || kind === 'twoGbMaxExtentFlat' ? 'staging' : 'loopback');

    // Transfer and conversion ran as overlapping stages, each with per-disk progress.
    const started = events.filter((e): e is Extract<JobEvent, { type: 'stage-started' }> => e.type === 'stage-started').map((e) => e.stage);
    expect(started).toEqual(['preflight', 'plan', 'transfer', 'convert', 'check', 'finalize']);
    const convertStart = events.findIndex((e) => e.type === 'stage-started' && e.stage === 'convert');
    const transferDone = events.findIndex((e) => e.type === 'stage-done' && e.stage === 'transfer');
    expect(convertStart).toBeLessThan(transferDone);
    const transferProgress = events.filter((e): e is Extract<JobEvent, { type: 'progress' }> => e.type === 'progress' && e.stage === 'transfer');
    expect(transferProgress.at(-1)?.progress).toMatchObject({ fraction: 1, parts: [{ id: 'disk1', state: 'done' }] });

    // Only the output remains: downloads removed, no partial file, no converter running.
    expect(filesUnder(outDir)).toEqual([`${vmName}.qcow2`]);
    expect(processesMatching(outDir)).toEqual([]);

    // The job record names the request and the replayable command, never the password.
    const record = readFileSync(result!.recordPath, 'utf8');
    expect(record).not.toContain(env.vcsim.password);
    const parsed = JSON.parse(record) as { kind: string; state: string; cli: string[] };
    expect(parsed).toMatchObject({ kind: 'migrate', state: 'succeeded' });
    expect(parsed.cli.slice(0, 2)).toEqual(['hyper2kvm', 'migrate']);
    expect(parsed.cli[parsed.cli.indexOf('--password-file') + 1]).toBe('PASSWORD_FILE');
  });
});
