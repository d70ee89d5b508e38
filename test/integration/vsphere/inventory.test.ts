import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VmMetadata } from '../../../shared/contract/models/vm';
import { VmDetails, VsphereInventory } from '../../../shared/contract/models/vsphere';
import type { InventoryNode } from '../../../shared/contract/models/vsphere';
import { connectVsphere } from '../../../electron/engine/vsphere/connect';
import { getVmDetails, listInventory } from '../../../electron/engine/vsphere/inventory';
import { toVmMetadata } from '../../../electron/engine/vsphere/inventory-map';
import type { VsphereSession } from '../../../electron/engine/vsphere/session';
import { startVcsim } from '../../support/vcsim/harness';
import type { Vcsim } from '../../support/vcsim/harness';

function countNodes(node: InventoryNode, type: InventoryNode['type']): number {
  return (node.type === type ? 1 : 0) + node.children.reduce((sum, c) => sum + countNodes(c, type), 0);
}

describe('inventory of a vCenter with thousands of VMs (real simulator, paged)', () => {
  let vcsim: Vcsim;
  let session: VsphereSession;
  let inventory: VsphereInventory;
  const pages: number[] = [];

  // Listing once serves both tests: on a busy 2-core machine it takes tens of seconds.
  beforeAll(async () => {
    let start = performance.now();
    // 2 datacenters × (2 clusters + 1 standalone host) × 850 VMs per pool = 5,100 VMs.
    vcsim = await startVcsim({ datacenters: 2, clusters: 2, hostsPerCluster: 2, standaloneHosts: 1, vmsPerPool: 850 });
    const startupSeconds = (performance.now() - start) / 1000;
    ({ session } = await connectVsphere({ host: vcsim.host, port: vcsim.port, user: vcsim.user, password: vcsim.password, acceptSha256: vcsim.sha256 }));
    start = performance.now();
    inventory = await listInventory(session, { pageSize: 500, onProgress: (read) => pages.push(read) });
    const seconds = (performance.now() - start) / 1000;
    const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
    process.stderr.write(`[vsphere] simulator start ${startupSeconds.toFixed(1)} s; listed ${inventory.vms.length} VMs in ${pages.length} pages in ${seconds.toFixed(2)} s (heap after: ${heapMiB.toFixed(0)} MiB)\n`);
  });

  afterAll(async () => {
    await session?.close();
    await vcsim?.stop();
  });

  it('lists every VM through RetrievePropertiesEx / ContinueRetrievePropertiesEx pages', () => {
    expect(vcsim.inventory.vms).toBe(5100);
    expect(inventory.vms.length).toBe(vcsim.inventory.vms);
    expect(new Set(inventory.vms.map((vm) => vm.id)).size).toBe(vcsim.inventory.vms);
    // 5,100 VMs at 500 per page: ten full pages and a last one of 100.
    expect(pages.length).toBe(11);
    expect(pages.at(-1)).toBe(5100);

    expect(() => VsphereInventory.parse(inventory)).not.toThrow();
    expect(countNodes(inventory.tree, 'datacenter')).toBe(vcsim.inventory.datacenters);
    expect(countNodes(inventory.tree, 'cluster')).toBe(vcsim.inventory.clusters);
    expect(countNodes(inventory.tree, 'host')).toBe(vcsim.inventory.hosts);
    expect(countNodes(inventory.tree, 'vm')).toBe(vcsim.inventory.vms);

    // What the CLI prints for each VM.
    for (const vm of inventory.vms) {
      expect(vm.name).toMatch(/_VM\d+$/);
      expect(vm.powerState).toBe('poweredOn');
      expect(vm.cpus).toBe(1);
      expect(vm.memoryMiB).toBe(32);
      expect(vm.firmware).toBe('bios');
      expect(vm.guestId).toBe('otherGuest');
      expect(vm.disks).toHaveLength(1);
      expect(vm.disks[0]?.fileName).toBe(`[LocalDS_0] ${vm.name}/disk1.vmdk`);
      expect(vm.disks[0]?.capacityBytes).toBe(1024 * 1024);
      expect(vm.nics).toHaveLength(1);
      expect(vm.nics[0]?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(vm.nics[0]?.network).toMatch(/^DC\d_DVPG0$/);
    }
  });

  it('returns one VM in detail, ready to plan its download, and maps it to the VM metadata', async () => {
    const picked = inventory.vms.find((vm) => vm.name === 'DC1_C1_RP0_VM7');
    expect(picked).toBeDefined();
    const details = await getVmDetails(session, picked!.id);
    expect(() => VmDetails.parse(details)).not.toThrow();
    expect(details.datacenter).toBe('DC1');
    expect(details.datacenterPath).toBe('DC1');
    expect(details.cluster).toBe('DC1_C1');
    expect(details.host).toMatch(/^DC1_C1_H\d$/);
    expect(details.folderPath).toBe('/DC1/vm');
    expect(details.vmPathName).toBe('[LocalDS_0] DC1_C1_RP0_VM7/DC1_C1_RP0_VM7.vmx');
    expect(details.disks[0]).toMatchObject({ slot: 'scsi0:0', controller: { kind: 'scsi', model: 'pvscsi', bus: 0 }, provisioning: 'thin', independent: false, diskMode: 'persistent' });
    expect(details.datastores.map((d) => d.name)).toEqual(['LocalDS_0']);
    expect(details.downloads).toHaveLength(1);
    expect(details.downloads[0]?.chain[0]?.files.map((f) => f.name)).toEqual(['[LocalDS_0] DC1_C1_RP0_VM7/disk1.vmdk', '[LocalDS_0] DC1_C1_RP0_VM7/disk1-flat.vmdk']);

    const metadata = VmMetadata.parse(toVmMetadata(details));
    expect(metadata).toMatchObject({ origin: 'vcenter', name: 'DC1_C1_RP0_VM7', vcpus: 1, memoryMiB: 32, firmware: 'bios', guestOs: 'otherGuest', uuid: details.uuid });
    expect(metadata.disks[0]).toMatchObject({ slot: 'scsi0:0', controller: 'scsi', fileName: '[LocalDS_0] DC1_C1_RP0_VM7/disk1.vmdk', capacityBytes: 1048576 });
    expect(metadata.nics[0]?.mac).toBe(details.nics[0]?.mac);
  });
});
