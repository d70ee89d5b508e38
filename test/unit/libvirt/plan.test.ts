import { describe, expect, it } from 'vitest';
import type { DomainPlanRequest } from '../../../shared/contract/models/libvirt';
import type { EngineFailure } from '../../../electron/engine/core/errors';
import { chooseOvmf } from '../../../electron/engine/libvirt/firmware';
import { cpuTopology, domainNameFrom, isLegacyGuest, normalizeUuid, planDomain } from '../../../electron/engine/libvirt/plan';
import type { PlanHost } from '../../../electron/engine/libvirt/plan';

// The OVMF files Debian's ovmf package installs.
const DEBIAN_OVMF = new Set([
  '/usr/share/OVMF/OVMF_CODE_4M.fd',
  '/usr/share/OVMF/OVMF_VARS_4M.fd',
  '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
  '/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
  '/usr/share/OVMF/OVMF_CODE.fd',
  '/usr/share/OVMF/OVMF_VARS.fd',
]);
const kvmHost: PlanHost = { domainType: 'kvm', ovmf: (secure) => chooseOvmf(secure, (p) => DEBIAN_OVMF.has(p)) };
const tcgHost: PlanHost = { ...kvmHost, domainType: 'qemu' };

/** What a VMX parser produces for a Debian VM with two NICs, one of them disconnected. */
const debianVmx: DomainPlanRequest = {
  vm: {
    name: 'web01',
    guestOs: 'debian12-64',
    guestOsFullName: 'Debian GNU/Linux 12 (64-bit)',
    vcpus: 4,
    coresPerSocket: 2,
    memoryMiB: 4096,
    firmware: 'bios',
    origin: 'vmx',
    uuid: '56 4d 9c 2e 1f 00 4b 5a-8c 11 22 aa 33 bb 44 cc',
    nics: [
      { label: 'ethernet0', adapterType: 'vmxnet3', mac: '00:50:56:8A:2F:11', macSource: 'static', network: 'VM Network', connected: true },
      { label: 'ethernet1', adapterType: 'e1000', mac: '00:0c:29:aa:bb:cc', macSource: 'generated', connected: false },
    ],
    disks: [
      { slot: 'scsi0:0', controller: 'scsi', fileName: '/vm/web01.vmdk' },
      { slot: 'sata0:1', controller: 'sata', fileName: '/iso/debian.iso', isCdrom: true },
    ],
  },
  disks: [
    { path: '/out/web01.qcow2', format: 'qcow2', slot: 'scsi0:0' },
    { path: '/out/web01-disk2.qcow2', format: 'qcow2', slot: 'scsi0:1' },
  ],
  guest: { os: 'linux', virtioDrivers: true },
};

/** An OVF from vCenter: Windows Server with UEFI secure boot, before its virtio drivers are installed. */
const windowsOvf: DomainPlanRequest = {
  vm: { name: 'Win Server 2019 (prod)', guestOs: 'windows2019srv_64Guest', vcpus: 2, memoryMiB: 8192, firmware: 'uefi', secureBoot: true, origin: 'ovf', nics: [{ label: 'Network adapter 1', mac: '00:50:56:01:02:03' }], disks: [] },
  disks: [{ path: '/out/win.qcow2', format: 'qcow2' }],
  guest: { os: 'windows', virtioDrivers: false },
  options: { network: { type: 'bridge', name: 'br0' } },
};

describe('planDomain', () => {
  it('keeps what the Debian VM had: memory, vCPU topology, BIOS, MACs, disk order', () => {
    const { spec, warnings, decisions } = planDomain(debianVmx, kvmHost);
    expect(spec).toMatchObject({
      name: 'web01',
      type: 'kvm',
      machine: 'q35',
      memoryMiB: 4096,
      vcpus: { sockets: 2, cores: 2, threads: 1 },
      cpuMode: 'host-model',
      firmware: { type: 'bios' },
      clock: 'utc',
      serial: { type: 'pty' },
      vnc: true,
      guestAgent: true,
      rng: true,
    });
    expect(spec.disks).toEqual([
      { path: '/out/web01.qcow2', format: 'qcow2', bus: 'virtio', bootOrder: 1, readonly: false },
      { path: '/out/web01-disk2.qcow2', format: 'qcow2', bus: 'virtio', readonly: false },
    ]);
    expect(spec.nics).toEqual([
      { source: { type: 'network', network: 'default' }, mac: '00:50:56:8a:2f:11', model: 'virtio', linkUp: true },
      { source: { type: 'network', network: 'default' }, mac: '00:0c:29:aa:bb:cc', model: 'virtio', linkUp: false },
    ]);
    expect(spec.uuid).toBeUndefined();
    expect(warnings).toEqual(['1 CD/DVD drive is not carried over.', 'A NIC that was disconnected in VMware is added with its link down.']);
    expect(decisions.find((d) => d.field === 'vcpus')?.because).toContain('cores per socket kept');
  });

  it('gives Windows without virtio drivers SATA, e1000e, local time, secure boot OVMF', () => {
    const plan = planDomain(windowsOvf, kvmHost);
    expect(plan.spec).toMatchObject({
      name: 'Win-Server-2019-prod',
      title: 'Win Server 2019 (prod)',
      clock: 'localtime',
      machine: 'q35',
      firmware: { type: 'uefi', secureBoot: true, loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
      vcpus: { sockets: 1, cores: 2 },
    });
    expect(plan.spec.disks[0]?.bus).toBe('sata');
    expect(plan.spec.nics).toEqual([{ source: { type: 'bridge', bridge: 'br0' }, mac: '00:50:56:01:02:03', model: 'e1000e', linkUp: true }]);
    expect(plan.xml).toContain("<smm state='on'/>");
    expect(plan.decisions.find((d) => d.field === 'disk bus')?.because).toMatch(/no virtio drivers/);
  });

  it('treats a VMware Windows guest id as Windows when inspection did not run', () => {
    const { spec } = planDomain({ ...windowsOvf, guest: { os: 'unknown' } }, kvmHost);
    expect(spec.disks[0]?.bus).toBe('sata');
    expect(spec.clock).toBe('localtime');
  });

  it('uses virtio for Windows once its drivers are installed', () => {
    const { spec } = planDomain({ ...windowsOvf, guest: { os: 'windows', virtioDrivers: true } }, kvmHost);
    expect(spec.disks[0]?.bus).toBe('virtio');
    expect(spec.nics[0]?.model).toBe('virtio');
    expect(spec.clock).toBe('localtime');
  });

  it('keeps an e1000e NIC on a virtio disk when the Windows repair had no netkvm for the guest', () => {
    const { spec } = planDomain({ ...windowsOvf, guest: { os: 'windows', virtioDrivers: true, virtioNet: false } }, kvmHost);
    expect(spec.disks[0]?.bus).toBe('virtio');
    expect(spec.nics[0]?.model).toBe('e1000e');
  });

  it('plans a bare disk with defaults: BIOS, 2 GiB, 2 vCPUs, one NIC on the default network, named after the disk', () => {
    const { spec, decisions } = planDomain({ vm: {}, disks: [{ path: '/out/legacy-app.disk1.raw', format: 'raw' }] }, tcgHost);
    expect(spec).toMatchObject({ name: 'legacy-app', type: 'qemu', cpuMode: 'maximum', memoryMiB: 2048, vcpus: { sockets: 1, cores: 2 }, firmware: { type: 'bios' } });
    expect(spec.nics).toEqual([{ source: { type: 'network', network: 'default' }, model: 'virtio', linkUp: true }]);
    expect(decisions.find((d) => d.field === 'acceleration')).toEqual({ field: 'acceleration', value: 'qemu', because: 'no usable /dev/kvm: software emulation (slow)' });
  });

  it('lets the options override the metadata', () => {
    const { spec } = planDomain(
      {
        ...debianVmx,
        options: { name: 'web01-kvm', memoryMiB: 1024, vcpus: 3, firmware: 'uefi', machine: 'i440fx', diskBus: 'scsi', nicModel: 'e1000e', network: { type: 'none' }, keepMac: false, keepUuid: true },
      },
      kvmHost,
    );
    expect(spec).toMatchObject({ name: 'web01-kvm', memoryMiB: 1024, machine: 'i440fx', firmware: { type: 'uefi', secureBoot: false, loader: '/usr/share/OVMF/OVMF_CODE_4M.fd' } });
    // 3 is not a multiple of the source's 2 cores per socket: one socket with all three.
    expect(spec.vcpus).toEqual({ sockets: 1, cores: 3, threads: 1 });
    expect(spec.disks.map((d) => d.bus)).toEqual(['scsi', 'scsi']);
    expect(spec.nics).toEqual([]);
    expect(spec.uuid).toBe('564d9c2e-1f00-4b5a-8c11-22aa33bb44cc');
  });

  it('drops the MACs when asked to', () => {
    const { spec } = planDomain({ ...debianVmx, options: { keepMac: false } }, kvmHost);
    expect(spec.nics.every((n) => n.mac === undefined)).toBe(true);
  });

  it('turns secure boot off with BIOS, and forces q35 for secure boot', () => {
    expect(planDomain({ ...windowsOvf, options: { firmware: 'bios' } }, kvmHost).warnings).toContain('Secure boot needs UEFI firmware; it is left off with BIOS.');
    const forced = planDomain({ ...windowsOvf, options: { machine: 'i440fx' } }, kvmHost);
    expect(forced.spec.machine).toBe('q35');
    expect(forced.warnings).toContain('Secure boot needs the q35 machine type; q35 is used instead of i440fx.');
  });

  it('puts pre-PCIe guests on i440fx', () => {
    const { spec } = planDomain({ vm: { guestOs: 'winNetStandardGuest', nics: [], disks: [] }, disks: [{ path: '/out/w2003.raw', format: 'raw' }] }, kvmHost);
    expect(spec.machine).toBe('i440fx');
  });

  it('fails with LIBVIRT_FIRMWARE_MISSING when OVMF is not installed', () => {
    const noOvmf: PlanHost = { domainType: 'kvm', ovmf: () => null };
    try {
      planDomain(windowsOvf, noOvmf);
      expect.unreachable();
    } catch (error) {
      expect((error as EngineFailure).value).toMatchObject({ code: 'LIBVIRT_FIRMWARE_MISSING', kind: 'failure', hint: 'Install it: sudo apt-get install ovmf' });
    }
  });

  it('writes XML that matches the spec', () => {
    const plan = planDomain(debianVmx, kvmHost);
    expect(plan.xml).toContain("<mac address='00:50:56:8a:2f:11'/>");
    expect(plan.xml).toContain('<description>Migrated from VMware (VMX) by hyper2kvm. Guest: Debian GNU/Linux 12 (64-bit).</description>');
  });
});

describe('planner helpers', () => {
  it.each([
    ['web01', 'web01'],
    ['Web Server (prod)', 'Web-Server-prod'],
    ['  --weird//name..  ', 'weird-name'],
    ['Ünïcode VM', 'Unicode-VM'],
    ['数据库', null],
    ['___', null],
    ['', null],
    ['x'.repeat(80), 'x'.repeat(64)],
  ])('domain name from %j is %j', (raw, name) => expect(domainNameFrom(raw)).toBe(name));

  it.each([
    [4, 2, { sockets: 2, cores: 2 }],
    [4, undefined, { sockets: 1, cores: 4 }],
    [6, 4, { sockets: 1, cores: 6 }],
    [8, 8, { sockets: 1, cores: 8 }],
    [1, 1, { sockets: 1, cores: 1 }],
  ])('%i vCPUs with %s cores per socket', (vcpus, cps, topology) => expect(cpuTopology(vcpus, cps)).toEqual(topology));

  it.each([
    ['winXPProGuest', true],
    ['winxppro', true],
    ['winNetEnterprise-64', true],
    ['rhel5-64', true],
    ['rhel5Guest', true],
    ['sles10-64', true],
    ['rhel9_64Guest', false],
    ['rhel8-64', false],
    ['windows2019srv_64Guest', false],
    ['debian12-64', false],
    ['sles15-64', false],
    [undefined, false],
  ])('%s is a legacy guest: %s', (guestOs, legacy) => expect(isLegacyGuest(guestOs)).toBe(legacy));

  it.each([
    ['56 4d 9c 2e 1f 00 4b 5a-8c 11 22 aa 33 bb 44 cc', '564d9c2e-1f00-4b5a-8c11-22aa33bb44cc'],
    ['421A3C4D-5E6F-7081-92A3-B4C5D6E7F809', '421a3c4d-5e6f-7081-92a3-b4c5d6e7f809'],
    ['00000000-0000-0000-0000-000000000000', undefined],
    ['not a uuid', undefined],
    [undefined, undefined],
  ])('uuid %j normalises to %j', (raw, uuid) => expect(normalizeUuid(raw)).toBe(uuid));
});

describe('chooseOvmf', () => {
  it('prefers the 4 MiB images and the MS-keys template for secure boot', () => {
    expect(chooseOvmf(false, (p) => DEBIAN_OVMF.has(p))).toEqual({ loader: '/usr/share/OVMF/OVMF_CODE_4M.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd' });
    expect(chooseOvmf(true, (p) => DEBIAN_OVMF.has(p))).toEqual({ loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' });
  });

  it("finds Fedora's layout and needs both files of a pair", () => {
    const fedora = new Set(['/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd', '/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd', '/usr/share/edk2/ovmf/OVMF_CODE.fd']);
    expect(chooseOvmf(true, (p) => fedora.has(p))?.loader).toBe('/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd');
    expect(chooseOvmf(false, (p) => fedora.has(p))).toBeNull();
  });
});

describe('reasons come from evidence, or say what was not checked', () => {
  const because = (request: DomainPlanRequest, field: string): string | undefined => planDomain(request, kvmHost).decisions.find((d) => d.field === field)?.because;
  const notInspected: DomainPlanRequest = { ...debianVmx, guest: { os: 'unknown' } };

  it.each<[string, DomainPlanRequest, string]>([
    ['inspection found virtio in the initramfs', debianVmx, 'inspection found virtio drivers in the guest\u2019s initramfs; virtio is the fastest'],
    ['never inspected (a disk chosen directly, inspection off)', notInspected, 'virtio drivers not checked (the disks were not inspected); virtio is the fastest'],
    ['inspected, no operating system found', { ...debianVmx, guest: { os: 'unknown', inspected: true } }, 'virtio drivers not checked (inspection found no operating system); virtio is the fastest'],
    ['Windows by its VMware guest id, not inspected', { ...windowsOvf, guest: { os: 'unknown' } }, 'virtio drivers not checked (not inspected); the source VM runs Windows (its OVF), which has no virtio drivers before its repair; SATA lets Windows find its disk'],
    ['Windows inspected without virtio', windowsOvf, 'inspection found no virtio drivers in Windows yet; SATA lets Windows find its disk'],
  ])('disk bus: %s', (_what, request, reason) => {
    expect(because(request, 'disk bus')).toBe(reason);
  });

  it('never claims the guest has virtio drivers unless inspection found them', () => {
    for (const guest of [{ os: 'unknown' as const }, { os: 'unknown' as const, inspected: true }, { os: 'linux' as const, inspected: true }]) {
      expect(because({ ...debianVmx, guest }, 'disk bus')).not.toMatch(/^the guest has virtio/);
      expect(because({ ...debianVmx, guest }, 'NIC model')).toMatch(/not checked/);
    }
  });

  it('warns that a disk without an operating system has nothing to boot', () => {
    expect(planDomain({ ...debianVmx, guest: { os: 'unknown', inspected: true } }, kvmHost).warnings).toContain('The inspection found no operating system on these disks: a VM made from them has nothing to boot.');
    expect(planDomain(notInspected, kvmHost).warnings.join(' ')).not.toContain('no operating system');
  });

  it('says the firmware came from the .vmx when the form sends the source\u2019s own value back', () => {
    const uefiVmx: DomainPlanRequest = { ...debianVmx, vm: { ...debianVmx.vm, firmware: 'uefi', secureBoot: false } };
    expect(because({ ...uefiVmx, options: { firmware: 'uefi', secureBoot: false } }, 'firmware')).toBe('the source VM booted with UEFI (its .vmx)');
    expect(because({ ...uefiVmx, options: { firmware: 'uefi', secureBoot: false } }, 'secure boot')).toBe('the source VM did not have it (its .vmx)');
    expect(because({ ...uefiVmx, options: { firmware: 'bios' } }, 'firmware')).toBe('chosen (the source VM booted with UEFI)');
    expect(because({ vm: {}, disks: [{ path: '/out/x.raw', format: 'raw' }], options: { firmware: 'bios' } }, 'firmware')).toBe('default: the source did not say (VMware defaults to BIOS)');
  });
});
