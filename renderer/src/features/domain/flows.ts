import { create } from 'zustand';
import type { EngineError } from '../../../../shared/contract/errors';
import { registerErrorCodes } from '../../../../shared/contract/errors';
import type { ConvertResult } from '../../../../shared/contract/models/convert';
import { engine } from '../../app/app-store';
import { toErrorValue, uiError } from '../../app/errors';
import type { VmTarget } from './domain-draft';
import { createVmFlow } from './vm-flow';

registerErrorCodes({ VM_DISK_UNSUITABLE: 'bad-input' });

/** The Convert wizard's continuation after its Result step. */
export const convertVmFlow = createVmFlow();
/** The Create VM page, for a disk chosen directly. */
export const diskVmFlow = createVmFlow();

export function connectVmFlows(): void {
  convertVmFlow.connect();
  diskVmFlow.connect();
}

/** The disks a conversion produced, in the VM's order (the first one boots). */
export function targetFromConversion(result: ConvertResult): VmTarget {
  return { origin: 'conversion', convertJobId: result.jobId, vm: result.vm, disks: result.outputs.map((o) => ({ path: o.path, format: o.format })) };
}

/** Continues with a conversion's outputs, unless the flow already works on that conversion. */
export function adoptConversion(result: ConvertResult): void {
  if (convertVmFlow.useStore.getState().target?.convertJobId === result.jobId) return;
  convertVmFlow.setTarget(targetFromConversion(result));
}

// ---- The Create VM page: Disk → Create VM → Verify boot ------------------------------------

export type DiskWizardStep = 'disk' | 'vm' | 'verify';

export interface DiskWizardState {
  step: DiskWizardStep;
  planning: string | null;
  error: EngineError | null;
}

export const useDiskWizard = create<DiskWizardState>()(() => ({ step: 'disk', planning: null, error: null }));

export function goToDiskStep(step: DiskWizardStep): void {
  if (step !== 'disk' && !diskVmFlow.useStore.getState().target) return;
  useDiskWizard.setState({ step });
}

/** A disk already converted (qcow2 or raw), read by the engine's intake: its format is never guessed from the name. */
export async function chooseDisk(path: string): Promise<void> {
  useDiskWizard.setState({ planning: path, error: null });
  try {
    const plan = await engine().call('source.plan', { path });
    const disk = plan.kind === 'image' && plan.disks.length === 1 ? plan.disks[0] : undefined;
    if (!disk || (disk.format !== 'qcow2' && disk.format !== 'raw')) {
      const what = disk ? `a ${disk.format} image` : `a ${plan.kind === 'folder' ? 'folder' : plan.kind.toUpperCase()} source`;
      useDiskWizard.setState({ planning: null, error: uiError('VM_DISK_UNSUITABLE', `${plan.primary} is ${what}, not a converted qcow2 or raw disk.`, 'Convert it first (the Convert page), or choose a .qcow2 or .raw disk.', { path: plan.primary }) });
      return;
    }
    diskVmFlow.setTarget({ origin: 'disk', convertJobId: null, vm: plan.vm, disks: [{ path: plan.primary, format: disk.format }] });
    useDiskWizard.setState({ planning: null, step: 'vm' });
  } catch (error) {
    useDiskWizard.setState({ planning: null, error: toErrorValue(error) });
  }
}
