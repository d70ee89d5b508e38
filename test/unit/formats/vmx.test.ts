import { describe, expect, it } from 'vitest';
import { VmMetadata } from '../../../shared/contract/models/vm';
import { decodeVmxBytes, parseVmx, unescapeVmx, vmxToMetadata } from '../../../electron/engine/formats/vmx';
import { failureOf, sampleText } from './helpers';

describe('vmxToMetadata on real VMX shapes', () => {
  const cases: Array<{ sample: string; expected: VmMetadata }> = [
    {
      sample: 'vmx/esxi7-efi-secureboot.vmx',
      expected: {
        name: 'win2019',
        guestOs: 'windows2019srv-64',
        vcpus: 4,
        coresPerSocket: 2,
        memoryMiB: 8192,
        firmware: 'uefi',
        secureBoot: true,
        uuid: '564d6c27-96ea-1207-6f0b-b11d81469b0b',
        origin: 'vmx',
        disks: [
          { slot: 'scsi0:0', controller: 'scsi', fileName: 'win2019.vmdk' },
          { slot: 'scsi0:1', controller: 'scsi', fileName: '/vmfs/volumes/624d796f-52b87554-ccba-a4ae111c9b1b/shared/win2019-data.vmdk', mode: 'independent-persistent' },
          { slot: 'sata0:0', controller: 'sata', fileName: '/vmfs/volumes/624d796f-52b87554-ccba-a4ae111c9b1b/iso/en-us_windows_server_2019_x64_dvd.iso', isCdrom: true },
          // sata0:1 is a host CD drive (cdrom-raw): left out.
          { slot: 'sata0:3', controller: 'sata', fileName: 'win2019_1.vmdk' },
        ],
        nics: [
          { label: 'ethernet0', adapterType: 'vmxnet3', mac: '00:0c:29:46:9b:0b', macSource: 'generated', network: 'VM Network', connected: true },
          { label: 'ethernet1', adapterType: 'e1000e', mac: '00:50:56:3f:12:ab', macSource: 'static', network: 'Backup "DMZ" | VLAN 20', connected: false },
          // ethernet2 is not present.
        ],
      },
    },
    {
      sample: 'vmx/esxi67-nvme-vpx.vmx',
      expected: {
        name: 'esx6.7-rhel8.6-nvme-disk',
        guestOs: 'rhel8-64',
        vcpus: 1,
        memoryMiB: 2048,
        firmware: 'bios',
        secureBoot: false,
        uuid: '422c176d-0b31-4e16-8297-f0b4990b8609',
        origin: 'vmx',
        disks: [{ slot: 'nvme0:0', controller: 'nvme', fileName: 'nvme-disk.vmdk' }],
        nics: [{ label: 'ethernet0', adapterType: 'vmxnet3', mac: '00:50:56:ac:cf:51', macSource: 'generated', network: 'VM Network', connected: true }],
      },
    },
    {
      sample: 'vmx/workstation17-nvme-e1000e.vmx',
      expected: {
        name: 'Ubuntu 64-bit',
        guestOs: 'ubuntu-64',
        vcpus: 2,
        coresPerSocket: 2,
        memoryMiB: 4096,
        firmware: 'uefi',
        secureBoot: false,
        uuid: '564d2b9e-1c0a-33f1-8e47-0d5a6b7c8d9e',
        origin: 'vmx',
        disks: [
          { slot: 'nvme0:0', controller: 'nvme', fileName: 'Ubuntu 64-bit.vmdk' },
          { slot: 'sata0:1', controller: 'sata', fileName: 'Ubuntu 64-bit-0.vmdk', mode: 'independent-nonpersistent' },
          { slot: 'sata0:2', controller: 'sata', fileName: 'C:\\Users\\lab\\Downloads\\ubuntu-24.04-live-server-amd64.iso', isCdrom: true },
          // ide1:0 is the host's CD drive (atapi-cdrom), ide0:0 is not present.
        ],
        nics: [
          { label: 'ethernet0', adapterType: 'e1000e', mac: '00:0c:29:7c:8d:9e', macSource: 'generated', network: 'nat', connected: true },
          { label: 'ethernet1', adapterType: 'vmxnet3', mac: '00:50:56:2a:0b:1c', macSource: 'static', network: 'VMnet2', connected: true },
        ],
      },
    },
    {
      sample: 'vmx/esxi55-bios-legacy.vmx',
      expected: {
        name: 'legacy-app',
        guestOs: 'other26xlinux',
        vcpus: 1,
        memoryMiB: 768,
        firmware: 'bios',
        secureBoot: false,
        uuid: '564da1b2-c3d4-e5f6-0718-293a4b5c6d7e',
        origin: 'vmx',
        disks: [
          { slot: 'ide0:0', controller: 'ide', fileName: 'legacy-app.vmdk' },
          { slot: 'ide1:0', controller: 'ide', fileName: 'legacy-app_1.vmdk' },
          // scsi0:0 is present but its controller scsi0 is not.
        ],
        nics: [{ label: 'ethernet0', adapterType: 'vlance', mac: '00:0c:29:a1:b2:c3', macSource: 'generated', network: 'VM Network', connected: true }],
      },
    },
  ];

  it.each(cases)('$sample', ({ sample, expected }) => {
    const metadata = vmxToMetadata(parseVmx(sampleText(sample), sample));
    expect(metadata).toEqual(expected);
    // What the engine hands on must satisfy the shared contract.
    expect(VmMetadata.parse(metadata)).toEqual(metadata);
  });
});

describe('parseVmx', () => {
  it('reads keys case-insensitively, lets the last duplicate win and remembers its line', () => {
    const vmx = parseVmx('memsize = "512"\r\n# a comment\r\n\r\nMemSize = "1024"\r\n');
    expect(vmx.get('MEMSIZE')).toBe('1024');
    expect(vmx.entries.get('memsize')).toBe('1024');
    expect(vmx.lineOf('memSize')).toBe(4);
    expect([...vmx.entries.keys()]).toEqual(['memsize']);
  });

  it('reads .encoding, bare values and comments after a quoted value', () => {
    const vmx = parseVmx('.encoding = "windows-1252"\nmemsize = 512\nnumvcpus = "2" # two\n');
    expect(vmx.encoding).toBe('windows-1252');
    expect(vmx.get('memsize')).toBe('512');
    expect(vmx.get('numvcpus')).toBe('2');
  });

  it.each([
    { raw: 'Backup |22DMZ|22', value: 'Backup "DMZ"' },
    { raw: 'a |7C b', value: 'a | b' },
    { raw: 'caf|C3|A9 |E2|82|AC', value: 'café €' },
    { raw: 'no|escape|zz', value: 'no|escape|zz' },
    { raw: 'line|0Abreak', value: 'line\nbreak' },
  ])('unescapes |XX: $raw', ({ raw, value }) => {
    expect(unescapeVmx(raw)).toBe(value);
    expect(parseVmx(`displayName = "${raw}"`).get('displayname')).toBe(value);
  });

  it('decodes the bytes with the encoding the file declares', () => {
    const latin = Buffer.concat([Buffer.from('.encoding = "windows-1252"\ndisplayName = "Caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    expect(parseVmx(decodeVmxBytes(latin)).get('displayName')).toBe('Café');
    const gbk = Buffer.concat([Buffer.from('.encoding = "GBK"\ndisplayName = "'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), Buffer.from('"\n')]);
    expect(parseVmx(decodeVmxBytes(gbk)).get('displayName')).toBe('中文');
    expect(parseVmx(decodeVmxBytes(Buffer.from('displayName = "Zoë"\n'))).get('displayName')).toBe('Zoë');
    expect(parseVmx(decodeVmxBytes(Buffer.from('.encoding = "no-such-charset"\ndisplayName = "Zoë"\n'))).get('displayName')).toBe('Zoë');
  });
});

describe('parseVmx and vmxToMetadata refuse garbled files', () => {
  it.each([
    { name: 'a line that is not key = "value"', text: 'displayName = "a"\nthis is not a setting\n', line: 2, says: /not a key = "value" line/ },
    { name: 'an unterminated quote', text: 'displayName = "a\n', line: 1, says: /no closing double quote/ },
    { name: 'text after the closing quote', text: 'displayName = "a" "b"\n', line: 1, says: /after the quoted value/ },
    { name: 'a bare value with spaces', text: 'displayName = my vm\n', line: 1, says: /needs double quotes/ },
    { name: 'binary junk', text: `.encoding = "UTF-8"\n${Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).toString('latin1')}`, line: 2, says: /binary data/ },
    { name: 'an empty file', text: '\n# nothing here\n', line: undefined, says: /no settings/ },
  ])('$name', ({ text, line, says }) => {
    const error = failureOf(() => parseVmx(text, 'vm.vmx'));
    expect(error.code).toBe('VMX_GARBLED');
    expect(error.message).toMatch(says);
    expect(error.evidence?.line).toBe(line);
    expect(error.evidence?.path).toBe('vm.vmx');
  });

  it.each([
    { setting: 'memsize = "lots"', says: /memsize = "lots" is not a positive whole number/ },
    { setting: 'numvcpus = "0"', says: /numvcpus/ },
    { setting: 'cpuid.coresPerSocket = "1.5"', says: /coresPerSocket/ },
  ])('a setting that must be a number: $setting', ({ setting, says }) => {
    const error = failureOf(() => vmxToMetadata(parseVmx(`displayName = "x"\n${setting}\n`, 'vm.vmx')));
    expect(error.code).toBe('VMX_GARBLED');
    expect(error.message).toMatch(says);
    expect(error.evidence?.line).toBe(2);
  });

  it('leaves out a MAC it cannot read instead of inventing one', () => {
    const metadata = vmxToMetadata(parseVmx('ethernet0.present = "TRUE"\nethernet0.addressType = "static"\nethernet0.address = "00:50:56:zz:00:01"\n'));
    expect(metadata.nics).toEqual([{ label: 'ethernet0', adapterType: 'vlance', macSource: 'unknown', connected: true }]);
  });
});
