import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DomainSpecInput } from '../../../shared/contract/models/libvirt';
import { createDomainXml, diskTargets, driveLetters } from '../../../electron/engine/libvirt/domain-xml-create';
import { parseXml } from '../../../electron/engine/core/xml-read';
import { machineFamily, parseDomainXml, toMiB } from '../../../electron/engine/libvirt/domain-xml-parse';
import { EngineFailure } from '../../../electron/engine/core/errors';

const samples = join(import.meta.dirname, 'samples');
const sample = (name: string): string => readFileSync(join(samples, name), 'utf8');

const linux: DomainSpecInput = {
  name: 'web01',
  type: 'kvm',
  memoryMiB: 4096,
  vcpus: { sockets: 2, cores: 2 },
  firmware: { type: 'bios' },
  disks: [
    { path: '/var/lib/libvirt/images/web01.qcow2', format: 'qcow2', bus: 'virtio', bootOrder: 1 },
    { path: '/var/lib/libvirt/images/web01-disk2.raw', format: 'raw', bus: 'virtio' },
  ],
  nics: [{ source: { type: 'network', network: 'default' }, mac: '00:50:56:8a:2f:11', model: 'virtio' }],
};

const windows: DomainSpecInput = {
  name: 'win2019',
  uuid: '564d9c2e-1f00-4b5a-8c11-22aa33bb44cc',
  title: 'Win Server 2019 <prod> & "test"',
  type: 'qemu',
  memoryMiB: 8192,
  vcpus: { sockets: 1, cores: 4 },
  cpuMode: 'maximum',
  firmware: { type: 'uefi', secureBoot: true, loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
  clock: 'localtime',
  disks: [{ path: '/srv/vms/win2019.qcow2', format: 'qcow2', bus: 'sata', bootOrder: 1 }],
  nics: [{ source: { type: 'bridge', bridge: 'br0' }, model: 'e1000e', linkUp: false }],
};

describe('createDomainXml', () => {
  it('writes the whole Linux BIOS document as virt-v2v would shape it', () => {
    expect(createDomainXml(linux)).toBe(`<domain type='kvm'>
  <name>web01</name>
  <memory unit='MiB'>4096</memory>
  <currentMemory unit='MiB'>4096</currentMemory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='host-model'>
    <topology sockets='2' dies='1' cores='2' threads='1'/>
  </cpu>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='/var/lib/libvirt/images/web01.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' discard='unmap'/>
      <source file='/var/lib/libvirt/images/web01-disk2.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='00:50:56:8a:2f:11'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='vga'/>
    </video>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <memballoon model='virtio'/>
  </devices>
</domain>
`);
  });

  const cases: Array<{ name: string; spec: DomainSpecInput; has: string[]; lacks?: string[] }> = [
    {
      name: 'UEFI with secure boot: secboot loader, MS-keys VARS template, SMM',
      spec: windows,
      has: [
        "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>",
        "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'/>",
        "<smm state='on'/>",
        "<clock offset='localtime'>",
        "<cpu mode='maximum'>",
        "<target dev='sda' bus='sata'/>",
        "<model type='e1000e'/>",
        "<link state='down'/>",
        "<source bridge='br0'/>",
        '<title>Win Server 2019 &lt;prod&gt; &amp; "test"</title>',
        '<uuid>564d9c2e-1f00-4b5a-8c11-22aa33bb44cc</uuid>',
        "<domain type='qemu'>",
      ],
      lacks: ['<mac ', 'useserial'],
    },
    {
      name: 'UEFI without secure boot and with a per-VM NVRAM path',
      spec: { ...linux, firmware: { type: 'uefi', loader: '/usr/share/OVMF/OVMF_CODE_4M.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd', nvram: '/jobs/1/VARS.fd' } },
      has: ["<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>", "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/jobs/1/VARS.fd</nvram>"],
      lacks: ['smm', "secure='yes'"],
    },
    {
      name: 'boot verification shape: serial to a file, SeaBIOS on serial, no NIC, no balloon',
      spec: { ...linux, nics: [], serial: { type: 'file', path: '/jobs/1/boot/serial.log' }, firmware: { type: 'bios', useSerial: true }, memballoon: false },
      has: [
        "<bios useserial='yes'/>",
        "<serial type='file'>\n      <source path='/jobs/1/boot/serial.log'/>",
        "<console type='file'>\n      <source path='/jobs/1/boot/serial.log'/>",
        "<memballoon model='none'/>",
      ],
      lacks: ['<interface'],
    },
    {
      name: 'i440fx becomes machine pc; SCSI disks get a virtio-scsi controller',
      spec: { ...linux, machine: 'i440fx', disks: [{ path: '/d/a.qcow2', format: 'qcow2', bus: 'scsi', bootOrder: 1 }, { path: '/d/b.qcow2', format: 'qcow2', bus: 'sata', readonly: true }] },
      has: ["machine='pc'", "<target dev='sda' bus='scsi'/>", "<target dev='sdb' bus='sata'/>", "<controller type='scsi' index='0' model='virtio-scsi'/>", '<readonly/>'],
    },
    {
      name: 'no VNC, no agent, no rng, no serial; default CPU model',
      spec: { ...linux, vnc: false, guestAgent: false, rng: false, serial: { type: 'none' }, cpuMode: 'hypervisor-default' },
      has: ["<cpu>\n    <topology sockets='2'"],
      lacks: ['<graphics', '<video', '<channel', '<rng', '<serial', '<console'],
    },
  ];
  it.each(cases)('$name', ({ spec, has, lacks }) => {
    const xml = createDomainXml(spec);
    for (const fragment of has) expect(xml).toContain(fragment);
    for (const fragment of lacks ?? []) expect(xml).not.toContain(fragment);
  });

  it('refuses names that could turn into virsh options or paths', () => {
    for (const name of ['-rf', 'a/b', 'with space', '']) {
      expect(() => createDomainXml({ ...linux, name })).toThrow();
    }
  });
});

describe('disk target names', () => {
  it.each([
    [0, 'a'],
    [25, 'z'],
    [26, 'aa'],
    [27, 'ab'],
    [701, 'zz'],
    [702, 'aaa'],
  ])('drive %i is %s', (index, letters) => expect(driveLetters(index)).toBe(letters));

  it('numbers virtio apart from SATA and SCSI, which share sdX', () => {
    expect(diskTargets(['virtio', 'sata', 'virtio', 'scsi'])).toEqual(['vda', 'sda', 'vdb', 'sdb']);
  });
});

describe('parseDomainXml', () => {
  it('reads back what createDomainXml wrote', () => {
    const parsed = parseDomainXml(createDomainXml(windows));
    expect(parsed).toMatchObject({
      name: 'win2019',
      uuid: '564d9c2e-1f00-4b5a-8c11-22aa33bb44cc',
      title: 'Win Server 2019 <prod> & "test"',
      type: 'qemu',
      machineFamily: 'q35',
      memoryMiB: 8192,
      vcpus: { count: 4, sockets: 1, cores: 4, threads: 1 },
      cpuMode: 'maximum',
      firmware: { type: 'uefi', secureBoot: true, useSerial: false, loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' },
      clock: 'localtime',
      disks: [{ device: 'disk', path: '/srv/vms/win2019.qcow2', format: 'qcow2', bus: 'sata', target: 'sda', bootOrder: 1, readonly: false }],
      nics: [{ sourceType: 'bridge', source: 'br0', model: 'e1000e', linkUp: false }],
      serial: [{ type: 'pty' }],
      graphics: [{ type: 'vnc', listen: '127.0.0.1' }],
      guestAgent: true,
      rng: true,
      memballoon: true,
    });
  });

  it("reads libvirt's own dumpxml of a Linux BIOS domain (machine expanded, memory in KiB)", () => {
    const parsed = parseDomainXml(sample('dumpxml-linux-bios.xml'));
    expect(parsed).toMatchObject({
      name: 'web01',
      type: 'kvm',
      machine: 'pc-q35-7.2',
      machineFamily: 'q35',
      memoryMiB: 4096,
      vcpus: { count: 4, sockets: 2, cores: 2, threads: 1 },
      firmware: { type: 'bios', secureBoot: false },
      onPoweroff: 'destroy',
      onReboot: 'restart',
      onCrash: 'destroy',
      guestAgent: true,
      rng: true,
    });
    expect(parsed.uuid).toMatch(/^[0-9a-f-]{36}$/);
    // libvirt adds controllers, addresses, aliases: the disks and NICs are still exactly ours.
    expect(parsed.disks.map((d) => [d.path, d.target, d.bootOrder])).toEqual([
      ['/tmp/h4/disks/lin1.qcow2', 'vda', 1],
      ['/tmp/h4/disks/lin2.qcow2', 'vdb', undefined],
    ]);
    expect(parsed.nics).toEqual([
      { sourceType: 'network', source: 'default', mac: '00:50:56:8a:2f:11', model: 'virtio', linkUp: true },
      { sourceType: 'network', source: 'default', mac: '00:0c:29:aa:bb:cc', model: 'virtio', linkUp: false },
    ]);
  });

  it("reads libvirt's dumpxml of a secure-boot Windows domain with its per-VM NVRAM path", () => {
    const parsed = parseDomainXml(sample('dumpxml-windows-uefi-secboot.xml'));
    expect(parsed.firmware).toEqual({
      type: 'uefi',
      secureBoot: true,
      useSerial: false,
      loader: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
      nvram: '/var/lib/libvirt/qemu/nvram/Win-Server-2019-prod_VARS.fd',
      nvramTemplate: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
    });
    expect(parsed.title).toBe('Win Server 2019 (prod)');
    expect(parsed.clock).toBe('localtime');
    expect(parsed.disks[0]).toMatchObject({ bus: 'sata', target: 'sda' });
  });

  it('reads firmware autoselection (<os firmware="efi">) as UEFI', () => {
    const parsed = parseDomainXml(
      "<domain type='kvm'><name>x</name><memory>1048576</memory><vcpu>1</vcpu><os firmware='efi'><type arch='x86_64' machine='pc'>hvm</type><firmware><feature enabled='yes' name='secure-boot'/></firmware></os><devices/></domain>",
    );
    expect(parsed).toMatchObject({ memoryMiB: 1024, machineFamily: 'i440fx', firmware: { type: 'uefi', secureBoot: true } });
  });

  it.each(['', 'not xml at all', '<network><name>default</name></network>', '<domain type="kvm"><memory>1</memory></domain>'])('refuses %j with LIBVIRT_XML_INVALID', (xml) => {
    try {
      parseDomainXml(xml);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineFailure);
      expect((error as EngineFailure).value.code).toBe('LIBVIRT_XML_INVALID');
    }
  });

  it.each([
    ['pc-q35-7.2', 'q35'],
    ['q35', 'q35'],
    ['pc-i440fx-7.2', 'i440fx'],
    ['pc', 'i440fx'],
    ['microvm', 'other'],
    [undefined, 'other'],
  ] as const)('machine %s is in the %s family', (machine, family) => expect(machineFamily(machine)).toBe(family));

  it.each([
    ['<memory>4194304</memory>', 4096],
    ["<memory unit='KiB'>4194304</memory>", 4096],
    ["<memory unit='GiB'>2</memory>", 2048],
    ["<memory unit='M'>512</memory>", 512],
    ["<memory unit='bytes'>1073741824</memory>", 1024],
  ])('memory %s is %i MiB', (xml, mib) => expect(toMiB(parseXml(xml))).toBe(mib));
});
