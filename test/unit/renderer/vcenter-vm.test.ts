import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableSteps } from '../../../renderer/src/features/vcenter/steps';
import type { VcenterFacts } from '../../../renderer/src/features/vcenter/steps';
import { cpuText, diskRows, fileSummary, firmwareText, memoryText, snapshotLines, toolsText } from '../../../renderer/src/features/vcenter/vm-view';
import { VmDetailsResult } from '../../../shared/contract/api/vcenter';
import type { SnapshotNode, VsphereDisk } from '../../../shared/contract/models/vsphere';

const recorded = VmDetailsResult.parse(JSON.parse(readFileSync(join(import.meta.dirname, 'samples', 'vcenter', 'vm.json'), 'utf8'))).vm;

describe('the VM details in words', () => {
  it('the recorded simulator VM', () => {
    expect(cpuText(recorded)).toBe('1 vCPU (1 socket × 1 core)');
    expect(memoryText(recorded.memoryMiB)).toBe('32.0 MiB');
    expect(firmwareText(recorded)).toBe('BIOS');
    expect(toolsText(recorded.toolsRunningStatus)).toBe('Not running');
    expect(diskRows(recorded.disks)).toEqual([
      { key: recorded.disks[0]!.key, label: 'disk-202-0', fileName: '[LocalDS_0] DC0_H0_VM0/disk1.vmdk', capacity: '1.0 MiB', provisioning: 'Thin', mode: 'persistent', flags: [], slot: 'scsi0:0 · pvscsi', chain: '1 file' },
    ]);
  });

  it.each([
    [{ cpus: 8, coresPerSocket: 4 }, '8 vCPUs (2 sockets × 4 cores)'],
    [{ cpus: 4 }, '4 vCPUs (4 sockets × 1 core)'],
    [{ cpus: 2, coresPerSocket: 2 }, '2 vCPUs (1 socket × 2 cores)'],
    [{}, null],
  ])('cpu %j', (vm, text) => {
    expect(cpuText(vm)).toBe(text);
  });

  it.each([
    [{ firmware: 'uefi' as const, secureBoot: true }, 'UEFI, Secure Boot on'],
    [{ firmware: 'uefi' as const }, 'UEFI, Secure Boot off'],
    [{}, 'Not reported'],
  ])('firmware %j', (vm, text) => {
    expect(firmwareText(vm)).toBe(text);
  });

  it('flags raw device mappings and independent disks, and counts snapshot chains', () => {
    const base = recorded.disks[0]!;
    const disks: VsphereDisk[] = [
      { ...base, key: 1, label: 'Hard disk 1', provisioning: 'thick-eager', parents: ['[ds] a/disk-000001.vmdk', '[ds] a/disk.vmdk'] },
      { ...base, key: 2, label: 'Hard disk 2', diskMode: 'independent_persistent', independent: true, provisioning: 'thick-lazy', parents: [] },
      { ...base, key: 3, label: 'Hard disk 3', rdm: 'physical', backingType: 'RawDiskMappingVer1BackingInfo', diskMode: 'independent_persistent', independent: true, parents: [] },
    ];
    expect(diskRows(disks).map((d) => [d.label, d.provisioning, d.mode, d.flags, d.chain])).toEqual([
      ['Hard disk 1', 'Thick (eager zeroed)', 'persistent', [], '3 files (2 snapshots)'],
      ['Hard disk 2', 'Thick (lazy zeroed)', 'independent persistent', ['Independent'], '1 file'],
      ['Hard disk 3', 'Raw device', 'independent persistent', ['RDM (physical)', 'Independent'], '1 file'],
    ]);
  });

  it('draws the snapshot tree parents first, marking where the VM is now', () => {
    const tree: SnapshotNode[] = [
      {
        id: 'snapshot-1',
        name: 'before upgrade',
        createdAt: '2026-01-01T10:00:00Z',
        children: [
          { id: 'snapshot-2', name: 'after upgrade', description: '  kernel 6.1 ', children: [] },
          { id: 'snapshot-3', name: 'test branch', children: [{ id: 'snapshot-4', name: 'deep', children: [] }] },
        ],
      },
    ];
    expect(snapshotLines(tree, 'snapshot-4').map((l) => `${l.depth}:${l.name}${l.current ? '*' : ''}${l.description ? ` (${l.description})` : ''}`)).toEqual(['0:before upgrade', '1:after upgrade (kernel 6.1)', '1:test branch', '2:deep*']);
    expect(snapshotLines(recorded.snapshots, recorded.currentSnapshot)).toEqual([]);
  });

  it('sums the files, and the disks\' files separately (what is downloaded)', () => {
    const summary = fileSummary([
      { name: '[ds] a/a.vmx', type: 'config', sizeBytes: 3000 },
      { name: '[ds] a/a.vmdk', type: 'diskDescriptor', sizeBytes: 500 },
      { name: '[ds] a/a-flat.vmdk', type: 'diskExtent', sizeBytes: 10 * 2 ** 30 },
      { name: '[ds] a/a.vswp', type: 'swap', sizeBytes: 2 ** 30 },
    ]);
    expect(summary.totalBytes).toBe(3000 + 500 + 11 * 2 ** 30);
    expect(summary.diskBytes).toBe(500 + 10 * 2 ** 30);
    expect(summary.files.map((f) => `${f.typeText}: ${f.size}`)).toEqual(['Disk descriptor: 500 B', 'Disk data: 10.0 GiB', 'Configuration (.vmx): 2.9 KiB', 'Swap: 1.0 GiB']);
    expect(fileSummary(recorded.files).files.find((f) => f.type === 'log')?.typeText).toBe('Log');
  });

  it('tells the disk files the disks use from stale ones vCenter still lists (the simulator lists disk1.vmdk twice)', () => {
    // layoutEx.file of the simulator's default VM: the disk's files in the VM's folder, and the same names at the datastore's root.
    const files = [
      { name: '[LocalDS_0] DC0_H0_VM0.vmx', type: 'config', sizeBytes: 0 },
      { name: '[LocalDS_0] disk1-flat.vmdk', type: 'diskExtent', sizeBytes: 0 },
      { name: '[LocalDS_0] disk1.vmdk', type: 'diskDescriptor', sizeBytes: 0 },
      { name: '[LocalDS_0] DC0_H0_VM0/disk1-flat.vmdk', type: 'diskExtent', sizeBytes: 2048 },
      { name: '[LocalDS_0] DC0_H0_VM0/disk1.vmdk', type: 'diskDescriptor', sizeBytes: 500 },
    ];
    const downloads = [{ chain: [{ descriptor: '[LocalDS_0] DC0_H0_VM0/disk1.vmdk', files: files.slice(3) }] }];
    const summary = fileSummary(files, downloads);
    expect(summary.files.map((f) => `${f.name}: ${f.use}`)).toEqual([
      '[LocalDS_0] DC0_H0_VM0/disk1-flat.vmdk: downloaded',
      '[LocalDS_0] DC0_H0_VM0/disk1.vmdk: downloaded',
      '[LocalDS_0] DC0_H0_VM0.vmx: not-needed',
      '[LocalDS_0] disk1-flat.vmdk: unused-disk-file',
      '[LocalDS_0] disk1.vmdk: unused-disk-file',
    ]);
    expect(summary.diskBytes).toBe(2548);
    expect(summary.unusedDiskFiles).toBe(2);
  });
});

describe('the steps of the vCenter page', () => {
  const facts = (patch: Partial<VcenterFacts>): VcenterFacts => ({ connected: false, hasVm: false, running: false, hasJob: false, succeeded: false, hasRepairPlan: false, ...patch });
  it.each<[string, Partial<VcenterFacts>, string[]]>([
    ['not logged in', {}, ['connect']],
    ['logged in', { connected: true }, ['connect', 'inventory']],
    ['a VM open', { connected: true, hasVm: true }, ['connect', 'inventory', 'vm']],
    ['migrating', { connected: true, hasVm: true, running: true, hasJob: true }, ['run']],
    ['migrating, a repair plan to review', { connected: true, hasVm: true, running: true, hasJob: true, hasRepairPlan: true }, ['run', 'repair']],
    ['migrated: the result, a VM for its disks and its boot', { connected: true, hasVm: true, hasJob: true, succeeded: true }, ['connect', 'inventory', 'vm', 'run', 'result', 'define', 'verify']],
    ['migrated and repaired', { connected: true, hasVm: true, hasJob: true, succeeded: true, hasRepairPlan: true }, ['connect', 'inventory', 'vm', 'run', 'repair', 'result', 'define', 'verify']],
    ['a migration found after a reload, not logged in', { hasJob: true, succeeded: true }, ['connect', 'run', 'result', 'define', 'verify']],
  ])('%s', (_name, patch, steps) => {
    expect([...reachableSteps(facts(patch))]).toEqual(steps);
  });
});
