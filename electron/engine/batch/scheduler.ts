import type { ResolvedConcurrency } from '../../../shared/contract/models/batch';

/**
 * Which queued VM starts next. A VM starts when the batch is under its total limit, its source
 * host is under the per-host limit and every datastore it reads from is under the per-datastore
 * limit. The queue is taken in plan order, but a VM held back by a busy host does not hold back
 * the VMs behind it (no head-of-line blocking): one flooded ESXi never idles the others.
 */

export interface Schedulable {
  name: string;
  /** The ESXi host the VM's disks are read through; null for local sources (no host limit). */
  host: string | null;
  /** Datastores the VM's disks are on; empty for local sources. */
  datastores: readonly string[];
}

export function canStart(vm: Schedulable, running: readonly Schedulable[], limits: ResolvedConcurrency): boolean {
  if (running.length >= limits.total) return false;
  if (limits.perHost !== null && vm.host !== null && running.filter((r) => r.host === vm.host).length >= limits.perHost) return false;
  if (limits.perDatastore !== null) {
    for (const ds of vm.datastores) if (running.filter((r) => r.datastores.includes(ds)).length >= limits.perDatastore) return false;
  }
  return true;
}

/** The VMs to start now, in order, given what runs. */
export function pickStarts<T extends Schedulable>(queue: readonly T[], running: readonly Schedulable[], limits: ResolvedConcurrency): T[] {
  const busy: Schedulable[] = [...running];
  const starts: T[] = [];
  for (const vm of queue) {
    if (busy.length >= limits.total) break;
    if (!canStart(vm, busy, limits)) continue;
    starts.push(vm);
    busy.push(vm);
  }
  return starts;
}
