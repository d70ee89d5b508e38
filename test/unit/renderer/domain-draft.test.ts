import { describe, expect, it } from 'vitest';
import { defineRequest, draftProblems, initialDomainDraft, placementText, suggestedName, toDomainOptions } from '../../../renderer/src/features/domain/domain-draft';
import type { DomainDraft, VmTarget } from '../../../renderer/src/features/domain/domain-draft';
import { DefineRequest } from '../../../shared/contract/api/libvirt';
import { DomainPlanRequest } from '../../../shared/contract/models/libvirt';

/** What a conversion of the VMX of a small web server hands to the Create VM step. */
const fromVmx: VmTarget = {
  origin: 'conversion',
  convertJobId: '20261125-193000-a1b2c3',
  vm: { name: 'web01', guestOs: 'debian12-64', memoryMiB: 2048, vcpus: 2, firmware: 'uefi', secureBoot: true, nics: [{ label: 'ethernet0', mac: '00:50:56:8a:2f:11' }], disks: [], origin: 'vmx' },
  disks: [{ path: '/srv/out/web01.qcow2', format: 'qcow2' }],
  guest: { kind: 'not-inspected', why: 'the conversion ran without inspection' },
};
const draft = (patch: Partial<DomainDraft> = {}): DomainDraft => ({ ...initialDomainDraft(fromVmx.vm), ...patch });

describe('initialDomainDraft', () => {
  it('starts from the source VM: its firmware and secure boot; name, memory and vCPUs left to the plan', () => {
    expect(initialDomainDraft(fromVmx.vm)).toMatchObject({ name: '', memoryMiB: '', vcpus: '', firmware: 'uefi', secureBoot: true, networkKind: 'network', networkName: 'default', keepMac: true, connection: 'qemu:///session', placement: 'default', renameIfTaken: false });
    expect(initialDomainDraft({ nics: [], disks: [], origin: 'none' })).toMatchObject({ firmware: 'bios', secureBoot: false });
  });
});

describe('draftProblems', () => {
  it.each<[string, Partial<DomainDraft>, Record<string, RegExp>]>([
    ['the defaults are fine', {}, {}],
    ['a name libvirt (and virsh) would misread', { name: '-rf' }, { name: /starting with a letter or digit/ }],
    ['a name with a slash', { name: 'web/01' }, { name: /Letters, digits/ }],
    ['a name that is too long', { name: 'a'.repeat(65) }, { name: /At most 64/ }],
    ['memory that is not a number', { memoryMiB: '2 GiB' }, { memoryMiB: /whole number/ }],
    ['too little memory', { memoryMiB: '32' }, { memoryMiB: /between 64 and/ }],
    ['no vCPU', { vcpus: '0' }, { vcpus: /between 1 and 512/ }],
    ['a network without a name', { networkKind: 'network', networkName: ' ' }, { networkName: /libvirt network/ }],
    ['a bridge name longer than Linux allows', { networkKind: 'bridge', bridgeName: 'a-very-long-bridge' }, { bridgeName: /15 characters/ }],
    ['no network needs no name', { networkKind: 'none', networkName: '' }, {}],
  ])('%s', (_name, patch, expected) => {
    const problems = draftProblems(draft(patch));
    expect(Object.keys(problems).sort()).toEqual(Object.keys(expected).sort());
    for (const [field, pattern] of Object.entries(expected)) expect(problems[field as keyof DomainDraft]).toMatch(pattern);
  });
});

describe('toDomainOptions', () => {
  it.each<[string, Partial<DomainDraft>, Record<string, unknown>]>([
    ['defaults: only the choices the user can see', {}, { firmware: 'uefi', secureBoot: true, network: { type: 'network', name: 'default' }, keepMac: true, connection: 'qemu:///session' }],
    ['typed values, trimmed', { name: ' web01-kvm ', memoryMiB: '4096', vcpus: '4' }, { name: 'web01-kvm', memoryMiB: 4096, vcpus: 4 }],
    ['secure boot is not sent with BIOS', { firmware: 'bios', secureBoot: true }, { firmware: 'bios', secureBoot: false }],
    ['explicit hardware choices', { machine: 'i440fx', diskBus: 'sata', nicModel: 'e1000e' }, { machine: 'i440fx', diskBus: 'sata', nicModel: 'e1000e' }],
    ['a bridge', { networkKind: 'bridge', bridgeName: 'br0' }, { network: { type: 'bridge', name: 'br0' } }],
    ['no network, new MACs, the system connection', { networkKind: 'none', keepMac: false, connection: 'qemu:///system' }, { network: { type: 'none' }, keepMac: false, connection: 'qemu:///system' }],
  ])('%s', (_name, patch, expected) => {
    const options = toDomainOptions(draft(patch));
    expect(options).toMatchObject(expected);
    // What the form sends is what the contract accepts.
    expect(DomainPlanRequest.safeParse({ vm: fromVmx.vm, disks: fromVmx.disks, options }).success).toBe(true);
  });

  it('leaves out what the planner decides ("auto", empty fields)', () => {
    const options = toDomainOptions(draft())!;
    for (const key of ['name', 'memoryMiB', 'vcpus', 'machine', 'diskBus', 'nicModel']) expect(options).not.toHaveProperty(key);
  });

  it('is null while the draft has a problem', () => {
    expect(toDomainOptions(draft({ vcpus: 'two' }))).toBeNull();
    expect(defineRequest(fromVmx, draft({ vcpus: 'two' }))).toBeNull();
  });
});

describe('defineRequest', () => {
  it.each<[string, Partial<DomainDraft>, Record<string, unknown>]>([
    ['a taken name is refused unless asked', {}, { onCollision: 'refuse' }],
    ['or renamed', { renameIfTaken: true }, { onCollision: 'rename' }],
    ['an explicit placement is sent', { placement: 'copy' }, { placement: 'copy' }],
  ])('%s', (_name, patch, expected) => {
    const request = defineRequest(fromVmx, draft(patch))!;
    expect(request).toMatchObject(expected);
    expect(request.plan.disks).toEqual(fromVmx.disks);
    expect(DefineRequest.safeParse(request).success).toBe(true);
  });
});

describe('defineRequest placement', () => {
  it('leaves the default placement to the engine (in place for the session, moved for the system connection)', () => {
    expect(defineRequest(fromVmx, draft())).not.toHaveProperty('placement');
    expect(defineRequest(fromVmx, draft({ connection: 'qemu:///system' }))).not.toHaveProperty('placement');
  });
});

describe('placementText', () => {
  it.each<[Partial<DomainDraft>, RegExp]>([
    [{}, /stay where they are/],
    [{ connection: 'qemu:///system' }, /moved to \/var\/lib\/libvirt\/images/],
    [{ connection: 'qemu:///system', placement: 'in-place' }, /stay where they are/],
    [{ placement: 'copy' }, /copied/],
  ])('%o', (patch, expected) => expect(placementText(draft(patch))).toMatch(expected));
});

describe('suggestedName', () => {
  it.each<[Record<string, unknown> | undefined, string | null]>([
    [{ name: 'web01', connection: 'qemu:///session', suggestion: 'web01-2' }, 'web01-2'],
    [{ suggestion: '../evil' }, null],
    [{ suggestion: 42 }, null],
    [undefined, null],
  ])('%o → %s', (details, expected) => expect(suggestedName(details)).toBe(expected));
});
