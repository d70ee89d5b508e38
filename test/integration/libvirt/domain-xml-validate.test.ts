import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainPlanRequest } from '../../../shared/contract/models/libvirt';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { createDomainXml } from '../../../electron/engine/libvirt/domain-xml-create';
import { chooseOvmf } from '../../../electron/engine/libvirt/firmware';
import { planDomain } from '../../../electron/engine/libvirt/plan';
import type { PlanHost } from '../../../electron/engine/libvirt/plan';

/** libvirt's own RelaxNG schema (virt-xml-validate) is the judge of our XML. */
const tools = new LocalToolRunner();
const host = (domainType: 'kvm' | 'qemu'): PlanHost => ({ domainType, ovmf: (secure) => chooseOvmf(secure, existsSync) });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h2k-xml-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(name: string, xml: string): Promise<string> {
  const file = join(dir, `${name}.xml`);
  await writeFile(file, xml);
  const { stdout, stderr } = await tools.run('virt-xml-validate', [file, 'domain']);
  return stdout + stderr;
}

const linuxVm: DomainPlanRequest['vm'] = {
  name: 'web01',
  guestOs: 'debian12-64',
  vcpus: 4,
  coresPerSocket: 2,
  memoryMiB: 2048,
  origin: 'vmx',
  nics: [{ label: 'ethernet0', mac: '00:50:56:8a:2f:11', connected: true }, { label: 'ethernet1', mac: '00:0c:29:aa:bb:cc', connected: false }],
  disks: [],
};
const windowsVm: DomainPlanRequest['vm'] = {
  name: 'Win Server 2019',
  guestOs: 'windows2019srv_64Guest',
  vcpus: 2,
  memoryMiB: 4096,
  origin: 'vcenter',
  uuid: '421a3c4d-5e6f-7081-92a3-b4c5d6e7f809',
  nics: [{ label: 'Network adapter 1', mac: '00:50:56:01:02:03' }],
  disks: [],
};

const SHAPES: Array<{ name: string; request: DomainPlanRequest; type: 'kvm' | 'qemu'; expect: RegExp[] }> = [
  { name: 'linux-bios', request: { vm: { ...linuxVm, firmware: 'bios' }, disks: [{ path: '/var/lib/libvirt/images/web01.qcow2', format: 'qcow2' }, { path: '/var/lib/libvirt/images/web01-disk2.raw', format: 'raw' }], guest: { os: 'linux' } }, type: 'kvm', expect: [/bus='virtio'/, /<link state='down'\/>/] },
  { name: 'linux-uefi', request: { vm: { ...linuxVm, firmware: 'uefi' }, disks: [{ path: '/var/lib/libvirt/images/web01.qcow2', format: 'qcow2' }], guest: { os: 'linux' } }, type: 'qemu', expect: [/OVMF_CODE_4M\.fd/, /mode='maximum'/] },
  {
    name: 'windows-bios',
    request: { vm: { ...windowsVm, firmware: 'bios' }, disks: [{ path: '/var/lib/libvirt/images/win.qcow2', format: 'qcow2' }], guest: { os: 'windows', virtioDrivers: false }, options: { keepUuid: true, network: { type: 'bridge', name: 'br0' } } },
    type: 'kvm',
    expect: [/bus='sata'/, /e1000e/, /localtime/, /<uuid>421a3c4d/],
  },
  {
    name: 'windows-uefi-secure-boot',
    request: { vm: { ...windowsVm, firmware: 'uefi', secureBoot: true }, disks: [{ path: '/var/lib/libvirt/images/win.qcow2', format: 'qcow2' }], guest: { os: 'windows', virtioDrivers: false } },
    type: 'kvm',
    expect: [/secboot/, /<smm state='on'\/>/, /OVMF_VARS_4M\.ms\.fd/],
  },
  { name: 'legacy-i440fx-scsi', request: { vm: { guestOs: 'rhel5-64', nics: [], disks: [] }, disks: [{ path: '/srv/old.raw', format: 'raw' }], options: { diskBus: 'scsi', network: { type: 'none' } } }, type: 'qemu', expect: [/machine='pc'/, /virtio-scsi/] },
];

describe('domain XML against libvirt’s schema', () => {
  it.each(SHAPES)('$name validates', async ({ name, request, type, expect: fragments }) => {
    const { xml } = planDomain(request, host(type));
    for (const fragment of fragments) expect(xml).toMatch(fragment);
    expect(await validate(name, xml)).toContain('validates');
  });

  it('the boot verification shape validates (serial to a file, SeaBIOS on serial, no NIC, UEFI NVRAM in the job folder)', async () => {
    const ovmf = chooseOvmf(false, existsSync)!;
    for (const firmware of [{ type: 'bios' as const, useSerial: true }, { type: 'uefi' as const, ...ovmf, nvram: '/tmp/job/boot/work/VARS-1.fd' }]) {
      const xml = createDomainXml({
        name: 'h2k-verify-20261125-193825-c8acd9',
        type: 'qemu',
        memoryMiB: 1024,
        vcpus: { sockets: 1, cores: 1 },
        cpuMode: 'maximum',
        firmware,
        disks: [{ path: '/tmp/job/boot/work/overlay-1.qcow2', format: 'qcow2', bus: 'virtio', bootOrder: 1 }],
        serial: { type: 'file', path: '/tmp/job/boot/serial.log' },
        memballoon: false,
      });
      expect(await validate(`verify-${firmware.type}`, xml)).toContain('validates');
    }
  });

  it('virt-xml-validate does reject a broken domain (the check can fail)', async () => {
    const xml = createDomainXml({ name: 'x', type: 'kvm', memoryMiB: 512, vcpus: { sockets: 1, cores: 1 }, firmware: { type: 'bios' }, disks: [{ path: '/x.qcow2', format: 'qcow2', bus: 'virtio' }] });
    await expect(validate('broken', xml.replace("<on_reboot>restart</on_reboot>", '<on_reboot>explode</on_reboot>'))).rejects.toMatchObject({ value: { code: 'TOOL_FAILED' } });
  });
});
