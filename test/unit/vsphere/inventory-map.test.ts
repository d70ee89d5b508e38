import { describe, expect, it } from 'vitest';
import { VmMetadata } from '../../../shared/contract/models/vm';
import { VmSummary } from '../../../shared/contract/models/vsphere';
import {
  adapterTypeOf,
  buildIndex,
  buildTree,
  diskDownloadPlans,
  entityPath,
  firmwareOf,
  hostOf,
  mapVm,
  parseDatastorePath,
  powerStateOf,
  readDevices,
  readLayoutDisks,
  readLayoutFiles,
  readSnapshotTree,
  toVmMetadata,
} from '../../../electron/engine/vsphere/inventory-map';
import type { InventoryIndex } from '../../../electron/engine/vsphere/inventory-map';
import { readRetrieveResult } from '../../../electron/engine/vsphere/property-collector';
import type { ObjectContent } from '../../../electron/engine/vsphere/property-collector';
import { arrayItems, child, children, parseXml, path } from '../../../electron/engine/vsphere/xml';
import type { XmlNode } from '../../../electron/engine/vsphere/xml';
import { sample, withXsiPrefix } from './fake-vcenter';

const ROOT = { type: 'Folder', value: 'group-d1' };

function objectsOf(xml: string): ObjectContent[] {
  return readRetrieveResult(child(path(parseXml(xml), 'Body', 'RetrievePropertiesExResponse'), 'returnval')).objects;
}

function recordedIndex(prefix: 'vcsim' | 'xsi' = 'vcsim'): InventoryIndex {
  const read = (name: string): string => (prefix === 'xsi' ? withXsiPrefix(sample(name)) : sample(name));
  return buildIndex(ROOT, [...objectsOf(read('root-folder.xml')), ...objectsOf(read('inventory-entities.xml'))]);
}

/** A device list in the shape vcsim sends for `config.hardware.device`. */
function devices(items: string): XmlNode[] {
  return arrayItems(parseXml(`<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfVirtualDevice">${items}</val>`));
}

const names = { portgroupsByKey: new Map([['dvportgroup-13', 'VM Network (DVS)']]), entities: new Map([['network-7', { ref: { type: 'Network', value: 'network-7' }, name: 'Production' }]]) };

const controllers = `
  <VirtualDevice xsi:type="ParaVirtualSCSIController"><key>1000</key><busNumber>0</busNumber></VirtualDevice>
  <VirtualDevice xsi:type="VirtualLsiLogicSASController"><key>1001</key><busNumber>1</busNumber></VirtualDevice>
  <VirtualDevice xsi:type="VirtualAHCIController"><key>15000</key><busNumber>0</busNumber></VirtualDevice>
  <VirtualDevice xsi:type="VirtualNVMEController"><key>31000</key><busNumber>0</busNumber></VirtualDevice>
  <VirtualDevice xsi:type="VirtualIDEController"><key>201</key><busNumber>1</busNumber></VirtualDevice>`;

function disk(key: number, controllerKey: number, unit: number, backing: string, capacity = '<capacityInBytes>17179869184</capacityInBytes>'): string {
  return `<VirtualDevice xsi:type="VirtualDisk"><key>${key}</key><deviceInfo xsi:type="Description"><label>Hard disk ${key}</label></deviceInfo>${backing}<controllerKey>${controllerKey}</controllerKey><unitNumber>${unit}</unitNumber>${capacity}</VirtualDevice>`;
}

describe('small readers', () => {
  it.each([
    ['[datastore1] web01/web01.vmdk', { datastore: 'datastore1', path: 'web01/web01.vmdk' }],
    ['[LocalDS_0] DC0_H0_VM0/disk1-flat.vmdk', { datastore: 'LocalDS_0', path: 'DC0_H0_VM0/disk1-flat.vmdk' }],
    ['[my ds (2)] a b/c.vmdk', { datastore: 'my ds (2)', path: 'a b/c.vmdk' }],
    ['[vsanDatastore] 5c1a2b3c-0d4e-5f60/disk.vmdk', { datastore: 'vsanDatastore', path: '5c1a2b3c-0d4e-5f60/disk.vmdk' }],
    ['[LocalDS_0]', { datastore: 'LocalDS_0', path: '' }],
    ['/vmfs/volumes/x/disk.vmdk', undefined],
  ])('parseDatastorePath(%j)', (input, expected) => {
    expect(parseDatastorePath(input)).toEqual(expected);
  });

  it.each([
    ['VirtualVmxnet3', 'vmxnet3'],
    ['VirtualE1000', 'e1000'],
    ['VirtualE1000e', 'e1000e'],
    ['VirtualVmxnet2', 'vmxnet2'],
    ['VirtualPCNet32', 'pcnet32'],
    ['VirtualSriovEthernetCard', 'sriov'],
    ['VirtualVmxnet3Vrdma', 'vmxnet3-vrdma'],
    ['VirtualSomethingNew', 'somethingnew'],
  ])('adapterTypeOf(%s) = %s', (type, expected) => {
    expect(adapterTypeOf(type)).toBe(expected);
  });

  it.each([
    ['efi', 'uefi'],
    ['bios', 'bios'],
    [undefined, undefined],
    ['', undefined],
  ])('firmwareOf(%j) = %j', (value, expected) => {
    expect(firmwareOf(value)).toBe(expected);
  });

  it.each([
    ['poweredOn', 'poweredOn'],
    ['poweredOff', 'poweredOff'],
    ['suspended', 'suspended'],
    ['', 'unknown'],
    [undefined, 'unknown'],
  ])('powerStateOf(%j) = %s', (value, expected) => {
    expect(powerStateOf(value)).toBe(expected);
  });
});

describe('devices', () => {
  it.each([
    [
      'thin on pvscsi',
      disk(2000, 1000, 0, '<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] web/web.vmdk</fileName><diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing>'),
      { fileName: '[ds1] web/web.vmdk', datastore: 'ds1', provisioning: 'thin', slot: 'scsi0:0', controller: { kind: 'scsi', model: 'pvscsi', bus: 0 }, independent: false, capacityBytes: 17179869184, parents: [] },
    ],
    [
      'eager-zeroed thick on LSI SAS bus 1',
      disk(2001, 1001, 3, '<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] db/db_1.vmdk</fileName><diskMode>persistent</diskMode><thinProvisioned>false</thinProvisioned><eagerlyScrub>true</eagerlyScrub></backing>'),
      { provisioning: 'thick-eager', slot: 'scsi1:3', controller: { kind: 'scsi', model: 'lsilogic-sas', bus: 1 } },
    ],
    [
      'lazy thick, independent, size only in KB, on SATA',
      disk(16000, 15000, 1, '<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] db/logs.vmdk</fileName><diskMode>independent_persistent</diskMode><thinProvisioned>false</thinProvisioned></backing>', '<capacityInKB>2048</capacityInKB>'),
      { provisioning: 'thick-lazy', diskMode: 'independent_persistent', independent: true, slot: 'sata0:1', capacityBytes: 2097152 },
    ],
    [
      'a snapshot chain (delta on top of delta on top of the base) on NVMe',
      disk(
        31001,
        31000,
        0,
        '<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] app/app-000002.vmdk</fileName><diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned>' +
          '<parent xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] app/app-000001.vmdk</fileName><diskMode>persistent</diskMode>' +
          '<parent xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] app/app.vmdk</fileName><diskMode>persistent</diskMode></parent></parent></backing>',
      ),
      { fileName: '[ds1] app/app-000002.vmdk', parents: ['[ds1] app/app-000001.vmdk', '[ds1] app/app.vmdk'], slot: 'nvme0:0' },
    ],
    [
      'a physical-mode RDM',
      disk(2002, 1000, 1, '<backing xsi:type="VirtualDiskRawDiskMappingVer1BackingInfo"><fileName>[ds1] db/db_2.vmdk</fileName><compatibilityMode>physicalMode</compatibilityMode><diskMode>independent_persistent</diskMode><lunUuid>0200</lunUuid></backing>'),
      { rdm: 'physical', backingType: 'RawDiskMappingVer1BackingInfo', provisioning: 'unknown', independent: true },
    ],
    [
      'a virtual-mode RDM',
      disk(2003, 1000, 2, '<backing xsi:type="VirtualDiskRawDiskMappingVer1BackingInfo"><fileName>[ds1] db/db_3.vmdk</fileName><compatibilityMode>virtualMode</compatibilityMode><diskMode>persistent</diskMode></backing>'),
      { rdm: 'virtual' },
    ],
    [
      'a seSparse snapshot disk',
      disk(2004, 1000, 4, '<backing xsi:type="VirtualDiskSeSparseBackingInfo"><fileName>[ds1] big/big-000001.vmdk</fileName><diskMode>persistent</diskMode></backing>'),
      { provisioning: 'thin', backingType: 'SeSparseBackingInfo' },
    ],
  ])('reads %s', (_label, xml, expected) => {
    const { disks, nics } = readDevices(devices(controllers + xml), names);
    expect(nics).toEqual([]);
    expect(disks).toHaveLength(1);
    expect(disks[0]).toMatchObject(expected);
  });

  it.each([
    [
      'vmxnet3 on a standard port group',
      '<VirtualDevice xsi:type="VirtualVmxnet3"><key>4000</key><deviceInfo xsi:type="Description"><label>Network adapter 1</label></deviceInfo><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>Production</deviceName><network type="Network">network-7</network></backing><connectable><startConnected>true</startConnected><connected>true</connected></connectable><addressType>assigned</addressType><macAddress>00:50:56:AB:CD:EF</macAddress></VirtualDevice>',
      { adapterType: 'vmxnet3', mac: '00:50:56:ab:cd:ef', network: 'Production', addressType: 'assigned', connected: true, startConnected: true },
    ],
    [
      'e1000e on a distributed port group, manual MAC',
      '<VirtualDevice xsi:type="VirtualE1000e"><key>4001</key><deviceInfo xsi:type="Description"><label>Network adapter 2</label></deviceInfo><backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo"><port><switchUuid>50 1a</switchUuid><portgroupKey>dvportgroup-13</portgroupKey></port></backing><addressType>manual</addressType><macAddress>00:50:56:00:00:01</macAddress></VirtualDevice>',
      { adapterType: 'e1000e', network: 'VM Network (DVS)', addressType: 'manual' },
    ],
    [
      'an NSX opaque network',
      '<VirtualDevice xsi:type="VirtualVmxnet3"><key>4002</key><deviceInfo xsi:type="Description"><label>Network adapter 3</label></deviceInfo><backing xsi:type="VirtualEthernetCardOpaqueNetworkBackingInfo"><opaqueNetworkId>ls-123</opaqueNetworkId><opaqueNetworkType>nsx.LogicalSwitch</opaqueNetworkType></backing><macAddress>00:50:56:00:00:02</macAddress></VirtualDevice>',
      { network: 'ls-123' },
    ],
  ])('reads a NIC: %s', (_label, xml, expected) => {
    const { disks, nics } = readDevices(devices(xml), names);
    expect(disks).toEqual([]);
    expect(nics).toHaveLength(1);
    expect(nics[0]).toMatchObject(expected);
  });

  it('reads the same devices from an ArrayOfVirtualDevice path value and from repeated <device> elements', () => {
    const fromPath = arrayItems(objectsOf(sample('vm-properties.xml'))[0]!.props.get('config.hardware.device'));
    const config = objectsOf(sample('vms-full-config.xml')).find((o) => o.obj.value === 'vm-60')!.props.get('config');
    const fromObject = children(child(config, 'hardware'), 'device');
    const a = readDevices(fromPath, names);
    const b = readDevices(fromObject, names);
    expect(a.disks.map((d) => d.fileName)).toEqual(['[LocalDS_0] DC0_H0_VM1/disk1.vmdk']);
    expect(b.disks.map((d) => d.fileName)).toEqual(a.disks.map((d) => d.fileName));
    expect(b.nics.map((n) => n.mac)).toEqual(a.nics.map((n) => n.mac));
  });
});

describe('a recorded VM (vcsim vm-60 with two snapshots)', () => {
  it.each([['vcsim' as const], ['xsi' as const]])('maps every property the product shows (%s prefix)', (prefix) => {
    const xml = prefix === 'xsi' ? withXsiPrefix(sample('vm-properties.xml')) : sample('vm-properties.xml');
    const content = objectsOf(xml)[0]!;
    const vm = mapVm(content, recordedIndex(prefix));
    expect(() => VmSummary.parse(vm)).not.toThrow();
    expect(vm).toMatchObject({
      id: 'vm-60',
      name: 'DC0_H0_VM1',
      uuid: '39365506-5a0a-5fd0-be10-9586ad53aaad',
      instanceUuid: '12f8928d-f144-5c57-89db-dd2d0902c9fa',
      template: false,
      guestId: 'otherGuest',
      firmware: 'bios',
      cpus: 1,
      coresPerSocket: 1,
      memoryMiB: 32,
      powerState: 'poweredOn',
      host: 'DC0_H0',
      datacenter: 'DC0',
      folderPath: '/DC0/vm',
      vmPathName: '[LocalDS_0] DC0_H0_VM1/DC0_H0_VM1.vmx',
      toolsRunningStatus: 'guestToolsNotRunning',
      currentSnapshot: 'snapshot-71',
      ipAddresses: [],
    });
    expect(vm.secureBoot).toBeUndefined();
    expect(vm.cluster).toBeUndefined();
    expect(vm.disks).toEqual([
      {
        key: 203,
        label: 'disk-202-0',
        fileName: '[LocalDS_0] DC0_H0_VM1/disk1.vmdk',
        datastore: 'LocalDS_0',
        capacityBytes: 1048576,
        provisioning: 'thin',
        diskMode: 'persistent',
        independent: false,
        backingType: 'FlatVer2BackingInfo',
        controller: { kind: 'scsi', model: 'pvscsi', bus: 0 },
        slot: 'scsi0:0',
        parents: [],
      },
    ]);
    expect(vm.nics).toEqual([{ key: 4000, label: 'ethernet-0', adapterType: 'e1000', mac: '00:0c:29:36:63:62', addressType: 'generated', network: 'DC0_DVPG0', connected: false, startConnected: true }]);
    expect(vm.datastores.map((d) => [d.name, d.type])).toEqual([['LocalDS_0', 'OTHER']]);
    expect(vm.datastores[0]?.freeBytes).toBeGreaterThan(0);
    expect(vm.snapshots).toEqual([
      expect.objectContaining({ id: 'snapshot-69', name: 'before <migration>', description: 'first', state: 'poweredOn', quiesced: false, children: [expect.objectContaining({ id: 'snapshot-71', name: 'child', children: [] })] }),
    ]);
    expect(vm.files).toContainEqual({ name: '[LocalDS_0] DC0_H0_VM1/disk1-flat.vmdk', type: 'diskExtent', sizeBytes: 0 });
    expect(vm.files).toContainEqual({ name: '[LocalDS_0] vmware.log', type: 'log', sizeBytes: 32 });
  });

  it('plans the download of each disk from layoutEx (descriptor first)', () => {
    const content = objectsOf(sample('vm-properties.xml'))[0]!;
    const vm = mapVm(content, recordedIndex());
    const plans = diskDownloadPlans(vm.disks, readLayoutFiles(content.props.get('layoutEx.file')), readLayoutDisks(content.props.get('layoutEx.disk')));
    expect(plans).toEqual([
      {
        diskKey: 203,
        label: 'disk-202-0',
        chain: [{ descriptor: '[LocalDS_0] DC0_H0_VM1/disk1.vmdk', files: [{ name: '[LocalDS_0] DC0_H0_VM1/disk1.vmdk', type: 'diskDescriptor', sizeBytes: 0 }, { name: '[LocalDS_0] DC0_H0_VM1/disk1-flat.vmdk', type: 'diskExtent', sizeBytes: 0 }] }],
        totalBytes: 0,
      },
    ]);
  });

  it('maps to the product VM metadata (origin vcenter)', () => {
    const vm = mapVm(objectsOf(sample('vm-properties.xml'))[0]!, recordedIndex());
    const metadata = VmMetadata.parse(toVmMetadata(vm));
    expect(metadata).toEqual({
      name: 'DC0_H0_VM1',
      guestOs: 'otherGuest',
      guestOsFullName: 'otherGuest',
      vcpus: 1,
      coresPerSocket: 1,
      memoryMiB: 32,
      firmware: 'bios',
      nics: [{ label: 'ethernet-0', adapterType: 'e1000', mac: '00:0c:29:36:63:62', macSource: 'generated', network: 'DC0_DVPG0', connected: false }],
      disks: [{ slot: 'scsi0:0', controller: 'scsi', fileName: '[LocalDS_0] DC0_H0_VM1/disk1.vmdk', capacityBytes: 1048576, mode: 'persistent' }],
      origin: 'vcenter',
      uuid: '39365506-5a0a-5fd0-be10-9586ad53aaad',
    });
  });
});

describe('download plans when layoutEx does not name the disk', () => {
  const files = [
    { name: '[ds1] app/app.vmdk', type: 'diskDescriptor', sizeBytes: 500 },
    { name: '[ds1] app/app-flat.vmdk', type: 'diskExtent', sizeBytes: 10_737_418_240 },
    { name: '[ds1] app/app-000001.vmdk', type: 'diskDescriptor', sizeBytes: 400 },
    { name: '[ds1] app/app-000001-delta.vmdk', type: 'diskExtent', sizeBytes: 16_777_216 },
    { name: '[ds1] app/app-000001-ctk.vmdk', type: 'diskExtent', sizeBytes: 65_536 },
    { name: '[ds1] app/app.vmx', type: 'config', sizeBytes: 3000 },
  ];
  const base = readDevices(
    devices(controllers + disk(2000, 1000, 0, '<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] app/app-000001.vmdk</fileName><diskMode>persistent</diskMode><parent xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds1] app/app.vmdk</fileName></parent></backing>')),
    names,
  ).disks;

  it('matches descriptors and their extents by name, top of the chain first, leaving change-tracking files out', () => {
    const [plan] = diskDownloadPlans(base, files, []);
    expect(plan?.chain.map((link) => link.files.map((f) => f.name))).toEqual([
      ['[ds1] app/app-000001.vmdk', '[ds1] app/app-000001-delta.vmdk'],
      ['[ds1] app/app.vmdk', '[ds1] app/app-flat.vmdk'],
    ]);
    expect(plan?.totalBytes).toBe(400 + 16_777_216 + 500 + 10_737_418_240);
  });

  it('uses layoutEx.disk when it names the disk key: units base first become top first', () => {
    const keyed = files.map((f, key) => ({ ...f, key }));
    const [plan] = diskDownloadPlans(base, keyed, [{ key: 2000, chain: [[0, 1], [2, 3]] }]);
    expect(plan?.chain.map((link) => link.descriptor)).toEqual(['[ds1] app/app-000001.vmdk', '[ds1] app/app.vmdk']);
  });
});

describe('the inventory tree', () => {
  it('builds datacenters → clusters / hosts → VMs from the recorded entities', () => {
    const index = recordedIndex();
    expect(entityPath(index, { type: 'Folder', value: 'folder-3' })).toEqual(['DC0', 'vm']);
    const vms = [
      { id: 'vm-57', name: 'DC0_H0_VM0', powerState: 'poweredOn' as const, host: 'host-21' },
      { id: 'vm-63', name: 'DC0_C0_RP0_VM0', powerState: 'poweredOff' as const, host: 'host-34' },
      { id: 'vm-99', name: 'orphan', powerState: 'unknown' as const, host: undefined },
    ];
    const tree = buildTree(index, vms, new Map(vms.filter((v) => v.host).map((v) => [v.id, v.host!])));
    const shape = (node: typeof tree): unknown => [node.type, node.name, ...(node.children.length ? [node.children.map(shape)] : [])];
    expect(shape(tree)).toEqual([
      'root',
      'Datacenters',
      [
        [
          'datacenter',
          'DC0',
          [
            ['cluster', 'DC0_C0', [['host', 'DC0_C0_H0', [['vm', 'DC0_C0_RP0_VM0']]], ['host', 'DC0_C0_H1'], ['host', 'DC0_C0_H2']]],
            ['host', 'DC0_H0', [['vm', 'DC0_H0_VM0']]],
          ],
        ],
        ['folder', 'VMs without a host', [['vm', 'orphan']]],
      ],
    ]);
  });

  it('reads the host of a VM for the tree', () => {
    expect(hostOf(objectsOf(sample('vm-properties.xml'))[0]!)).toBe('host-21');
  });

  it('reads snapshot trees and no snapshots alike', () => {
    expect(readSnapshotTree(undefined)).toEqual({ tree: [] });
  });
});
