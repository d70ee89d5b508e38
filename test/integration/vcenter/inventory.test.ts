import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VcenterInventory } from '../../../shared/contract/api/vcenter';
import type { InventoryNode } from '../../../shared/contract/models/vsphere';
import { startVcenterEnv } from './vcenter-env';
import type { VcenterEnv } from './vcenter-env';

function count(node: InventoryNode, type: InventoryNode['type']): number {
  return (node.type === type ? 1 : 0) + node.children.reduce((sum, c) => sum + count(c, type), 0);
}

// Several thousand VMs listed through the engine's contract (paged by the simulator like vCenter
// pages them), with the light property set the inventory table needs.
describe('the inventory of a big vCenter through the contract', () => {
  let env: VcenterEnv;
  let inventory: VcenterInventory;
  let seconds = 0;

  beforeAll(async () => {
    // 2 datacenters × (1 cluster + 1 standalone host) × 1,500 VMs per pool = 6,000 VMs.
    env = await startVcenterEnv({ datacenters: 2, clusters: 1, hostsPerCluster: 2, standaloneHosts: 1, vmsPerPool: 1500 });
    const { connectionId } = await env.login();
    const start = performance.now();
    inventory = await env.client.call('vcenter.inventory', { connectionId, pageSize: 500 });
    seconds = (performance.now() - start) / 1000;
    process.stderr.write(`[vcenter] listed ${inventory.vms.length} VMs through the contract in ${seconds.toFixed(2)} s (engine: ${inventory.durationMs} ms)\n`);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('lists every VM once, with the fields the table searches and filters on', () => {
    expect(env.vcsim.inventory.vms).toBe(6000);
    expect(inventory.vms).toHaveLength(6000);
    expect(new Set(inventory.vms.map((vm) => vm.id)).size).toBe(6000);
    expect(() => VcenterInventory.parse(inventory)).not.toThrow();
    for (const vm of inventory.vms) {
      expect(vm.name).toMatch(/^DC\d_(C0_RP0|H0)_VM\d+$/);
      expect(vm).toMatchObject({ powerState: 'poweredOn', cpus: 1, memoryMiB: 32, firmware: 'bios', guestId: 'otherGuest', datastores: ['LocalDS_0'], diskCount: 1, nicCount: 1 });
      expect(vm.folderPath).toMatch(/^\/DC\d\/vm$/);
      expect(vm.host).toMatch(/^DC\d_(C0_)?H\d$/);
    }
  });

  it('builds the tree and the filter values', () => {
    expect(count(inventory.tree, 'datacenter')).toBe(2);
    expect(count(inventory.tree, 'cluster')).toBe(2);
    expect(count(inventory.tree, 'host')).toBe(env.vcsim.inventory.hosts);
    expect(count(inventory.tree, 'vm')).toBe(6000);
    expect(inventory.facets.powerStates).toEqual([{ value: 'poweredOn', count: 6000 }]);
    expect(inventory.facets.folders).toEqual([
      { value: '/DC0/vm', count: 3000 },
      { value: '/DC1/vm', count: 3000 },
    ]);
    expect(inventory.facets.hosts.reduce((s, h) => s + h.count, 0)).toBe(6000);
  });

  it('finds one VM by name among thousands, and refuses a name that does not exist', async () => {
    const { connectionId } = await env.login();
    const { vm } = await env.client.call('vcenter.vm', { connectionId, name: 'DC1_C0_RP0_VM1234' });
    expect(vm).toMatchObject({ name: 'DC1_C0_RP0_VM1234', datacenterPath: 'DC1', cluster: 'DC1_C0' });
    const missing = await env.client.call('vcenter.vm', { connectionId, name: 'no-such-vm' }).catch((e: { value: { code: string } }) => e.value);
    expect(missing).toMatchObject({ code: 'VCENTER_VM_NOT_FOUND' });
  });
});
