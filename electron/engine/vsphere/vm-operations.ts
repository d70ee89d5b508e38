import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledError, EngineFailure, fail } from '../core/errors';
import './error-codes';
import { retrieveOne } from './property-collector';
import type { VsphereSession } from './session';
import { runTask } from './tasks';
import type { WaitOptions } from './tasks';
import { el, moRefOf } from './xml';
import type { MoRef } from './xml';

/**
 * The few VM operations a migration needs before copying disks: stop the VM (hard or through
 * VMware Tools), or take a snapshot so the base disks stop changing, and remove it afterwards.
 */

export function vmRef(id: string): MoRef {
  return { type: 'VirtualMachine', value: id };
}

export async function powerOffVm(session: VsphereSession, vm: MoRef, options: WaitOptions = {}): Promise<void> {
  await runTask(session, 'PowerOffVM_Task', vm, [], options);
}

export async function powerState(session: VsphereSession, vm: MoRef, signal?: AbortSignal): Promise<string> {
  const content = await session.withRelogin((raw) => retrieveOne(raw, session.serviceContent.propertyCollector, vm, ['runtime.powerState'], signal), signal);
  if (!content) return fail('VSPHERE_NOT_FOUND', `The VM ${vm.value} does not exist any more.`, 'Refresh the list of VMs.', { details: { vm: vm.value } });
  return content.props.get('runtime.powerState')?.text.trim() ?? 'unknown';
}

/**
 * Asks the guest to shut down (needs VMware Tools running) and waits until the VM is off, up to
 * timeoutMs. ShutdownGuest returns at once; the guest takes its time.
 */
export async function shutdownGuest(session: VsphereSession, vm: MoRef, options: { signal?: AbortSignal; timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
  await session.call('ShutdownGuest', vm, [], options.signal);
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  for (;;) {
    if ((await powerState(session, vm, options.signal)) === 'poweredOff') return;
    if (Date.now() > deadline) {
      return fail('VSPHERE_TASK_FAILED', `The guest in ${vm.value} did not shut down in time.`, 'Shut it down from inside the guest, or power it off (the guest file systems will then need a check).', {
        details: { vm: vm.value, timeoutMs: options.timeoutMs ?? 300_000 },
      });
    }
    try {
      await sleep(options.pollMs ?? 2_000, undefined, { signal: options.signal });
    } catch {
      throw new EngineFailure(cancelledError());
    }
  }
}

export interface SnapshotOptions extends WaitOptions {
  name: string;
  description?: string;
  /** Include the guest's memory (slow, large; not needed for a disk copy). */
  memory?: boolean;
  /** Ask VMware Tools to quiesce the file systems first. */
  quiesce?: boolean;
}

/** Creates a snapshot and returns its reference. */
export async function createSnapshot(session: VsphereSession, vm: MoRef, options: SnapshotOptions): Promise<MoRef> {
  const result = await runTask(
    session,
    'CreateSnapshot_Task',
    vm,
    [el('name', options.name), el('description', options.description ?? ''), el('memory', String(options.memory ?? false)), el('quiesce', String(options.quiesce ?? false))],
    options,
  );
  const snapshot = moRefOf(result);
  if (!snapshot) return fail('VSPHERE_BAD_RESPONSE', 'CreateSnapshot_Task finished without naming the snapshot.', 'Look for the snapshot in the vSphere Client.');
  return snapshot;
}

export async function removeSnapshot(session: VsphereSession, snapshot: MoRef, options: WaitOptions & { removeChildren?: boolean; consolidate?: boolean } = {}): Promise<void> {
  await runTask(session, 'RemoveSnapshot_Task', snapshot, [el('removeChildren', String(options.removeChildren ?? false)), el('consolidate', String(options.consolidate ?? true))], options);
}
