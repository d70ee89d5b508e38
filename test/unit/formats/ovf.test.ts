import { describe, expect, it } from 'vitest';
import { VmMetadata } from '../../../shared/contract/models/vm';
import { parseOvf } from '../../../electron/engine/formats/ovf';
import type { OvfDescriptor } from '../../../electron/engine/formats/ovf';
import { failureOf, sampleText } from './helpers';

const STREAM = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';
const GiB = 2 ** 30;

describe('parseOvf on real OVF shapes', () => {
  const cases: Array<{ sample: string; expected: OvfDescriptor }> = [
    {
      sample: 'ovf/ovftool-vsphere6-efi.ovf',
      expected: {
        files: [{ id: 'file1', href: 'disk1.vmdk', size: 32768, chunkSize: 10240 }],
        disks: [{ diskId: 'vmdisk1', fileRef: 'file1', capacityBytes: 50 * GiB, format: STREAM, populatedSize: 18975752192 }],
        vm: {
          name: '2K8R2EESP1_2_Medium',
          guestOs: 'windows7Server64Guest',
          guestOsFullName: 'Microsoft Windows Server 2008 R2 (64-bit)',
          vcpus: 1,
          memoryMiB: 1024,
          firmware: 'uefi',
          secureBoot: false,
          origin: 'ovf',
          // The IDE CD-ROM has no backing file in the package: left out.
          disks: [{ slot: 'scsi0:0', controller: 'scsi', fileName: 'disk1.vmdk', capacityBytes: 50 * GiB }],
          nics: [{ label: 'Network adapter 1', adapterType: 'e1000', macSource: 'unknown', network: 'PG-VLAN60', connected: true }],
        },
      },
    },
    {
      sample: 'ovf/vsphere7-secureboot-nvme.ovf',
      expected: {
        files: [
          { id: 'file1', href: 'db01-disk1.vmdk', size: 1363148800 },
          { id: 'file2', href: 'db01-disk2.vmdk', size: 68608 },
          { id: 'file3', href: 'db01-file1.iso', size: 378535936 },
          { id: 'file4', href: 'db01-disk3.vmdk.gz', size: 4096, compression: 'gzip' },
          { id: 'file5', href: 'db01-file2.nvram', size: 270840 },
        ],
        disks: [
          { diskId: 'vmdisk1', fileRef: 'file1', capacityBytes: 32 * GiB, format: STREAM, populatedSize: 3707764736 },
          { diskId: 'vmdisk2', fileRef: 'file2', capacityBytes: 100 * GiB, format: STREAM, populatedSize: 0 },
          { diskId: 'vmdisk3', fileRef: 'file4', capacityBytes: 512 * 2 ** 20, format: STREAM },
          { diskId: 'vmdisk4', fileRef: null, capacityBytes: 10 * GiB, format: STREAM },
        ],
        vm: {
          name: 'db01',
          guestOs: 'rhel8_64Guest',
          guestOsFullName: 'Red Hat Enterprise Linux 8 (64-bit)',
          vcpus: 8,
          coresPerSocket: 4,
          memoryMiB: 16384,
          firmware: 'uefi',
          secureBoot: true,
          origin: 'ovf',
          disks: [
            { slot: 'nvme0:0', controller: 'nvme', fileName: 'db01-disk1.vmdk', capacityBytes: 32 * GiB },
            { slot: 'nvme0:1', controller: 'nvme', fileName: 'db01-disk2.vmdk', capacityBytes: 100 * GiB, mode: 'independent-persistent' },
            { slot: 'sata0:2', controller: 'sata', fileName: 'db01-disk3.vmdk.gz', capacityBytes: 512 * 2 ** 20 },
            // vmdisk4 is a blank disk without a file: in `disks`, not here.
            { slot: 'sata0:1', controller: 'sata', fileName: 'db01-file1.iso', isCdrom: true },
          ],
          nics: [
            { label: 'Network adapter 1', adapterType: 'vmxnet3', mac: '00:50:56:9a:1b:2c', macSource: 'unknown', network: 'DB-Net', connected: true },
            { label: 'Network adapter 2', adapterType: 'e1000e', macSource: 'unknown', network: 'DB-Net', connected: false },
          ],
        },
      },
    },
    {
      sample: 'ovf/virtualbox7.ovf',
      expected: {
        files: [{ id: 'file1', href: 'debian12-disk001.vmdk' }],
        disks: [{ diskId: 'vmdisk1', fileRef: 'file1', capacityBytes: 20 * GiB, format: STREAM }],
        vm: {
          name: 'debian12',
          guestOsFullName: 'Debian_64',
          vcpus: 2,
          memoryMiB: 2048,
          firmware: 'bios',
          secureBoot: false,
          origin: 'ovf',
          disks: [{ slot: 'sata0:0', controller: 'sata', fileName: 'debian12-disk001.vmdk', capacityBytes: 20 * GiB }],
          nics: [{ label: "Ethernet adapter on 'NAT'", adapterType: 'e1000', macSource: 'unknown', network: 'NAT', connected: true }],
        },
      },
    },
    {
      sample: 'ovf/default-namespace.ovf',
      expected: {
        files: [{ id: 'file1', href: 'appliance-disk1.vmdk', size: 734003200 }],
        disks: [{ diskId: 'vmdisk1', fileRef: 'file1', capacityBytes: 16 * GiB, format: STREAM }],
        vm: {
          name: 'appliance',
          guestOs: 'debian11_64Guest',
          guestOsFullName: 'Debian GNU/Linux 11 (64-bit)',
          vcpus: 2,
          memoryMiB: 4096,
          firmware: 'bios',
          secureBoot: false,
          origin: 'ovf',
          disks: [{ slot: 'scsi0:0', controller: 'scsi', fileName: 'appliance-disk1.vmdk', capacityBytes: 16 * GiB }],
          nics: [{ label: 'Network adapter 1', adapterType: 'vmxnet3', macSource: 'unknown', network: 'VM Network', connected: true }],
        },
      },
    },
    {
      sample: 'ovf/xenserver-prefixed.ovf',
      expected: {
        files: [{ id: 'file_1', href: 'ws2016.vhd.vmdk', size: 8 * GiB }],
        disks: [{ diskId: 'disk_1', fileRef: 'file_1', capacityBytes: 8 * GiB, format: 'http://www.vmware.com/specifications/vmdk.html#sparse' }],
        vm: {
          name: 'ws2016',
          guestOsFullName: 'Windows Server 2016',
          vcpus: 2,
          memoryMiB: 4096,
          firmware: 'bios',
          secureBoot: false,
          origin: 'ovf',
          disks: [{ slot: 'ide0:1', controller: 'ide', fileName: 'ws2016.vhd.vmdk', capacityBytes: 8 * GiB }],
          nics: [{ label: 'item 5', mac: '2a:f1:09:3e:55:07', macSource: 'unknown', network: 'Pool-wide network associated with eth0' }],
        },
      },
    },
  ];

  it.each(cases)('$sample', ({ sample, expected }) => {
    const descriptor = parseOvf(sampleText(sample), sample);
    expect(descriptor).toEqual(expected);
    expect(VmMetadata.parse(descriptor.vm)).toEqual(descriptor.vm);
  });

  it('does not depend on the prefixes a producer chose', () => {
    const original = sampleText('ovf/vsphere7-secureboot-nvme.ovf');
    const renamed = original
      .replace(/(<\/?|\s)rasd:/g, '$1r:')
      .replace(/(<\/?|\s)vmw:/g, '$1v:')
      .replace(/(<\/?|\s)vssd:/g, '$1s:')
      .replace(/(\s)ovf:/g, '$1o:')
      .replace(/xmlns:(rasd|vmw|vssd|ovf)=/g, (_, prefix: 'rasd' | 'vmw' | 'vssd' | 'ovf') => `xmlns:${{ rasd: 'r', vmw: 'v', vssd: 's', ovf: 'o' }[prefix]}=`);
    expect(renamed).toContain('<r:ResourceType>');
    expect(renamed).toContain('xmlns:o="http://schemas.dmtf.org/ovf/envelope/1"');
    expect(parseOvf(renamed)).toEqual(parseOvf(original));
  });

  it('decodes predefined entities and character references, and ignores comments and CDATA markup', () => {
    const ovf = minimalOvf({ name: 'R&amp;D &#x2013; &quot;lab&quot; &#65;<!-- note --><![CDATA[ <raw> ]]>' });
    expect(parseOvf(ovf).vm.name).toBe('R&D – "lab" A <raw>');
  });
});

describe('parseOvf refuses hostile and garbled descriptors', () => {
  const cut = sampleText('ovf/ovftool-vsphere6-efi.ovf');
  it.each([
    {
      name: 'an external entity (XXE)',
      xml: '<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">&x;</Envelope>',
      line: 2,
      says: /DOCTYPE/,
    },
    {
      name: 'entity expansion (billion laughs)',
      xml: `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><Envelope>&j;</Envelope>`,
      line: 1,
      says: /DOCTYPE/,
    },
    { name: 'a descriptor cut in half', xml: cut.slice(0, Math.floor(cut.length / 2)), line: undefined, says: /not well-formed/ },
    { name: 'binary junk', xml: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x12, 0x34]).toString('latin1'), line: 1, says: /not well-formed/ },
    { name: 'another XML document (a libvirt domain)', xml: "<domain type='kvm'><name>x</name></domain>", line: undefined, says: /root element is <domain>/ },
    { name: 'no VirtualSystem', xml: '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References/></Envelope>', line: undefined, says: /no VirtualSystem/ },
    { name: 'an undeclared prefix', xml: '<Envelope><rasd:Item/></Envelope>', line: undefined, says: /prefix "rasd"/ },
    { name: 'a disk item pointing at a disk that is not listed', xml: minimalOvf({ hostResource: 'ovf:/disk/nosuchdisk' }), line: undefined, says: /nosuchdisk/ },
    { name: 'a disk pointing at a file that is not listed', xml: minimalOvf({ fileRef: 'file9' }), line: undefined, says: /"file9"/ },
    { name: 'a capacity set by an OVF property', xml: minimalOvf({ capacity: '${disk.size}' }), line: undefined, says: /capacity/ },
    { name: 'capacity units that are not bytes', xml: minimalOvf({ units: 'furlongs' }), line: undefined, says: /"furlongs"/ },
    { name: 'a memory item without a quantity', xml: minimalOvf({ memoryQuantity: '' }), line: undefined, says: /memory size is missing/ },
    // Found by the fuzzer (test/unit/fuzz): the validator passed these, the parser threw.
    { name: 'fuzz: a processing instruction named with a quote', xml: `<?'xml version="1.0"?><Envelope/>`, line: undefined, says: /not well-formed XML \(a processing instruction without a valid name/ },
    { name: 'fuzz: a quoted processing instruction after the root', xml: `<Envelope/><?'?>`, line: undefined, says: /not well-formed XML/ },
  ])('$name', ({ xml, line, says }) => {
    const error = failureOf(() => parseOvf(xml, 'vm.ovf'));
    expect(error.code).toBe('OVF_GARBLED');
    expect(error.message).toMatch(says);
    expect(error.evidence?.path).toBe('vm.ovf');
    if (line !== undefined) expect(error.evidence?.line).toBe(line);
  });

  it('the cut-in-half descriptor is reported with a line number', () => {
    expect(failureOf(() => parseOvf(cut.slice(0, Math.floor(cut.length / 2)))).evidence?.line).toBeGreaterThan(1);
  });

  it.each(['../../etc/shadow', '/etc/passwd', 'http://evil.example/disk.vmdk', 'C:\\disk.vmdk', 'sub\\..\\x.vmdk', 'a//b.vmdk'])('a file reference outside the package: %s', (href) => {
    const error = failureOf(() => parseOvf(minimalOvf({ href: href.replace(/&/g, '&amp;') })));
    expect(error.code).toBe('OVF_GARBLED');
    expect(error.evidence?.details?.href).toBe(href);
  });

  it('accepts a file in a sub-folder of the package', () => {
    expect(parseOvf(minimalOvf({ href: 'disks/disk1.vmdk' })).vm.disks[0]?.fileName).toBe('disks/disk1.vmdk');
  });

  it('a vApp with two virtual machines is unsupported, not garbled', () => {
    const one = sampleText('ovf/ovftool-vsphere6-efi.ovf');
    const system = one.slice(one.indexOf('<VirtualSystem '), one.indexOf('</VirtualSystem>') + '</VirtualSystem>'.length);
    const vapp = one.replace(system, `<VirtualSystemCollection ovf:id="vapp"><Info>vApp</Info>${system}${system.replace('ovf:id="2K8R2EESP1_2_Medium"', 'ovf:id="second"')}</VirtualSystemCollection>`);
    const error = failureOf(() => parseOvf(vapp));
    expect(error.code).toBe('SOURCE_UNSUPPORTED');
    expect(error.message).toMatch(/2 virtual machines/);
  });
});

/** A small well-formed OVF with one disk, for varying one thing at a time. */
function minimalOvf(options: { name?: string; href?: string; fileRef?: string; hostResource?: string; capacity?: string; units?: string; memoryQuantity?: string }): string {
  const memory = options.memoryQuantity ?? '1024';
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References><File ovf:href="${options.href ?? 'disk1.vmdk'}" ovf:id="file1"/></References>
  <DiskSection><Info>Disks</Info><Disk ovf:capacity="${options.capacity ?? '1'}" ovf:capacityAllocationUnits="${options.units ?? 'byte * 2^30'}" ovf:diskId="vmdisk1" ovf:fileRef="${options.fileRef ?? 'file1'}" ovf:format="${STREAM}"/></DiskSection>
  <VirtualSystem ovf:id="vm">
    <Info>A virtual machine</Info>
    <Name>${options.name ?? 'vm'}</Name>
    <VirtualHardwareSection>
      <Info>Hardware</Info>
      <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>${memory}</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:HostResource>${options.hostResource ?? 'ovf:/disk/vmdisk1'}</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>`;
}
