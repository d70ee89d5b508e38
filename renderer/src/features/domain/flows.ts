import { create } from 'zustand';
import type { EngineError } from '../../../../shared/contract/errors';
import { registerErrorCodes } from '../../../../shared/contract/errors';
import { MigrateResult } from '../../../../shared/contract/api/vcenter';
import { ConvertResult } from '../../../../shared/contract/models/convert';
import { engine } from '../../app/app-store';
import { toErrorValue, uiError } from '../../app/errors';
import type { VmTarget } from './domain-draft';
import { evidenceFromConversion } from './guest-evidence';
import { createVmFlow } from './vm-flow';
import type { VmFlow } from './vm-flow';

registerErrorCodes({ VM_DISK_UNSUITABLE: 'bad-input' });

/** The Convert wizard's continuation after its Result step. */
export const convertVmFlow = createVmFlow();
/** The vCenter wizard's continuation after its Result step. */
export const migrateVmFlow = createVmFlow();
/** The Create VM page, for a disk chosen directly. */
export const diskVmFlow = createVmFlow();

export function connectVmFlows(): void {
  convertVmFlow.connect();
  migrateVmFlow.connect();
  diskVmFlow.connect();
}

/**
 * What a wizard's job produced that a VM is made of (a conversion's or a migration's result):
 * the disks, the VM's metadata, and what the job's inspection found on them (both inspect by
 * default in the wizards).
 */
export type ConvertedVm = Pick<ConvertResult, 'jobId' | 'vm' | 'outputs' | 'inspection' | 'inspectionError'>;

/** The disks a conversion produced, in the VM's order (the first one boots). */
export function targetFromConversion(result: ConvertedVm): VmTarget {
  return { origin: 'conversion', convertJobId: result.jobId, vm: result.vm, disks: result.outputs.map((o) => ({ path: o.path, format: o.format })), guest: evidenceFromConversion(result) };
}

/** Continues with a job's outputs, unless the flow already works on that job. */
export function adoptConversion(flow: VmFlow, result: ConvertedVm): void {
  if (flow.useStore.getState().target?.convertJobId === result.jobId) return;
  flow.setTarget(targetFromConversion(result));
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
    diskVmFlow.setTarget({ origin: 'disk', convertJobId: null, vm: plan.vm, disks: [{ path: plan.primary, format: disk.format }], guest: { kind: 'not-inspected', why: 'a disk chosen here is not inspected' } });
    useDiskWizard.setState({ planning: null, step: 'vm' });
  } catch (error) {
    useDiskWizard.setState({ planning: null, error: toErrorValue(error) });
  }
}

/** A finished conversion or migration whose disks the Create VM page offers with one click. */
export interface RecentConversion {
  jobId: string;
  kind: 'convert' | 'migrate';
  title: string;
  endedAt: string | null;
  target: VmTarget;
}

/**
 * The conversions and migrations of this engine session that succeeded, newest first, each as a
 * ready target (with the VM's metadata and what its inspection found), so that the disk just
 * converted is one click away instead of a path to type.
 */
export async function recentConversions(): Promise<RecentConversion[]> {
  const jobs = await engine().call('jobs.list', {});
  const recent: RecentConversion[] = [];
  for (const job of jobs) {
    if (job.state !== 'succeeded') continue;
    if (job.kind === 'convert') {
      const parsed = ConvertResult.safeParse(job.result);
      if (parsed.success && parsed.data.outputs.length > 0) recent.push({ jobId: job.jobId, kind: 'convert', title: job.title, endedAt: job.endedAt, target: targetFromConversion(parsed.data) });
    } else if (job.kind === 'migrate') {
      const parsed = MigrateResult.safeParse(job.result);
      if (parsed.success && parsed.data.outputs.length > 0) recent.push({ jobId: job.jobId, kind: 'migrate', title: job.title, endedAt: job.endedAt, target: targetFromConversion(parsed.data) });
    }
  }
  return recent;
}

/** Continues on the Create VM page with a recent conversion's disks. */
export function chooseConversion(recent: RecentConversion): void {
  diskVmFlow.setTarget(recent.target);
  useDiskWizard.setState({ step: 'vm', error: null });
}
