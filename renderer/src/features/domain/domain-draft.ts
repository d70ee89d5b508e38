import type { DefineRequest, VerifyBootCall } from '../../../../shared/contract/api/libvirt';
import type { DefineResult, DiskPlacement, DomainOptions, DomainPlan, DomainPlanRequest, LibvirtConnection, NetworkChoice, PlannedDisk } from '../../../../shared/contract/models/libvirt';
import { DomainName } from '../../../../shared/contract/models/libvirt';
import type { VmMetadata } from '../../../../shared/contract/models/vm';
import { plannerFacts } from './guest-evidence';
import type { GuestEvidence } from './guest-evidence';

/**
 * The Create VM form as the user fills it in, and what it becomes for the engine. Empty
 * name, memory and vCPU fields mean "as the source VM had it" (the plan shows those values as
 * placeholders); `auto` choices are left to the planner, which says why it chose what it did.
 */

/** The disks a VM is created for, and what is known about the VM they came from. */
export interface VmTarget {
  origin: 'conversion' | 'disk';
  /** The conversion job they came from; null for a disk chosen directly. */
  convertJobId: string | null;
  vm: VmMetadata;
  disks: PlannedDisk[];
  /** What the inspection of these disks found, or why there is none. */
  guest: GuestEvidence;
}

export interface DomainDraft {
  name: string;
  memoryMiB: string;
  vcpus: string;
  firmware: 'bios' | 'uefi';
  secureBoot: boolean;
  machine: 'auto' | 'q35' | 'i440fx';
  diskBus: 'auto' | 'virtio' | 'sata' | 'scsi';
  nicModel: 'auto' | 'virtio' | 'e1000e';
  networkKind: 'network' | 'bridge' | 'none';
  networkName: string;
  bridgeName: string;
  keepMac: boolean;
  connection: LibvirtConnection;
  placement: 'default' | DiskPlacement;
  /** A taken name becomes NAME-2 instead of being refused. */
  renameIfTaken: boolean;
}

export type DraftField = keyof DomainDraft;
export type DraftProblems = Partial<Record<DraftField, string>>;

export function initialDomainDraft(vm: VmMetadata): DomainDraft {
  return {
    name: '',
    memoryMiB: '',
    vcpus: '',
    firmware: vm.firmware ?? 'bios',
    secureBoot: vm.secureBoot ?? false,
    machine: 'auto',
    diskBus: 'auto',
    nicModel: 'auto',
    networkKind: 'network',
    networkName: 'default',
    bridgeName: '',
    keepMac: true,
    connection: 'qemu:///session',
    placement: 'default',
    renameIfTaken: false,
  };
}

function wholeNumberProblem(text: string, min: number, max: number, what: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!/^\d+$/.test(trimmed)) return `${what} is a whole number.`;
  const value = Number(trimmed);
  if (value < min || value > max) return `${what} must be between ${min} and ${max}.`;
  return undefined;
}

/** What keeps the form from being planned or defined, by field; empty when it is fine. */
export function draftProblems(draft: DomainDraft): DraftProblems {
  const problems: DraftProblems = {};
  const name = draft.name.trim();
  if (name !== '' && !DomainName.safeParse(name).success) {
    problems.name = name.length > 64 ? 'At most 64 characters.' : 'Letters, digits, dot, dash, underscore and plus, starting with a letter or digit.';
  }
  const memory = wholeNumberProblem(draft.memoryMiB, 64, 4 * 1024 * 1024, 'Memory');
  if (memory) problems.memoryMiB = memory;
  const vcpus = wholeNumberProblem(draft.vcpus, 1, 512, 'The number of vCPUs');
  if (vcpus) problems.vcpus = vcpus;
  if (draft.networkKind === 'network' && (draft.networkName.trim() === '' || draft.networkName.trim().length > 64)) problems.networkName = 'Name a libvirt network (e.g. default).';
  if (draft.networkKind === 'bridge' && (draft.bridgeName.trim() === '' || draft.bridgeName.trim().length > 15)) problems.bridgeName = 'Name a host bridge (e.g. br0; at most 15 characters).';
  return problems;
}

function networkChoice(draft: DomainDraft): NetworkChoice {
  if (draft.networkKind === 'none') return { type: 'none' };
  if (draft.networkKind === 'bridge') return { type: 'bridge', name: draft.bridgeName.trim() };
  return { type: 'network', name: draft.networkName.trim() };
}

/** The planner's options for a valid draft; null while the draft has problems. */
export function toDomainOptions(draft: DomainDraft): DomainOptions | null {
  if (Object.keys(draftProblems(draft)).length > 0) return null;
  const name = draft.name.trim();
  return {
    ...(name ? { name } : {}),
    ...(draft.memoryMiB.trim() ? { memoryMiB: Number(draft.memoryMiB.trim()) } : {}),
    ...(draft.vcpus.trim() ? { vcpus: Number(draft.vcpus.trim()) } : {}),
    firmware: draft.firmware,
    // Secure boot only exists with UEFI; the box is kept but not sent with BIOS.
    secureBoot: draft.firmware === 'uefi' && draft.secureBoot,
    ...(draft.machine !== 'auto' ? { machine: draft.machine } : {}),
    ...(draft.diskBus !== 'auto' ? { diskBus: draft.diskBus } : {}),
    ...(draft.nicModel !== 'auto' ? { nicModel: draft.nicModel } : {}),
    network: networkChoice(draft),
    keepMac: draft.keepMac,
    connection: draft.connection,
  };
}

export function planRequest(target: VmTarget, draft: DomainDraft): DomainPlanRequest | null {
  const options = toDomainOptions(draft);
  return options ? { vm: target.vm, disks: target.disks, guest: plannerFacts(target.guest), options } : null;
}

export function defineRequest(target: VmTarget, draft: DomainDraft): DefineRequest | null {
  const plan = planRequest(target, draft);
  if (!plan) return null;
  return { plan, onCollision: draft.renameIfTaken ? 'rename' : 'refuse', ...(draft.placement !== 'default' ? { placement: draft.placement } : {}) };
}

/** Where the disks end up, in words, before the user defines. */
export function placementText(draft: DomainDraft): string {
  const placement = draft.placement === 'default' ? (draft.connection === 'qemu:///system' ? 'move' : 'in-place') : draft.placement;
  switch (placement) {
    case 'in-place':
      return 'The disks stay where they are.';
    case 'move':
      return 'The disks are moved to /var/lib/libvirt/images, where the system connection’s qemu can read them.';
    case 'copy':
      return 'The disks are copied to /var/lib/libvirt/images; the converted files stay as they are.';
  }
}

/** The taken name's free alternative the engine offered (LIBVIRT_NAME_TAKEN's details). */
export function suggestedName(details: Record<string, unknown> | undefined): string | null {
  const suggestion = details?.suggestion;
  return typeof suggestion === 'string' && DomainName.safeParse(suggestion).success ? suggestion : null;
}

/** The Verify boot step's own choices. */
export interface VerifyChoice {
  firmware: 'bios' | 'uefi';
  /** Seconds; empty for the engine's default (longer without KVM). */
  timeoutSeconds: string;
}

export function timeoutProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < 10 || value > 3600) return 'A whole number of seconds from 10 to 3600, or empty for the default.';
  return undefined;
}

/**
 * What to verify: the defined domain's boot disk once there is one (it may have been moved),
 * else the converted disk itself; booted the way the planned domain would boot it (firmware,
 * disk bus), on the same connection.
 */
export function verifyRequest(target: VmTarget, draft: DomainDraft | null, plan: DomainPlan | null, defined: DefineResult | null, choice: VerifyChoice): VerifyBootCall | null {
  const boot = target.disks[0];
  if (!boot || timeoutProblem(choice.timeoutSeconds)) return null;
  const bus = plan?.spec.disks[0]?.bus;
  return {
    disk: defined?.disks[0]?.path ?? boot.path,
    format: boot.format,
    firmware: choice.firmware,
    secureBoot: choice.firmware === 'uefi' && (draft?.secureBoot ?? false),
    ...(bus ? { diskBus: bus } : {}),
    connection: defined?.connection ?? draft?.connection ?? 'qemu:///session',
    ...(choice.timeoutSeconds.trim() ? { timeoutSeconds: Number(choice.timeoutSeconds.trim()) } : {}),
    // The verdict goes into the report of the inspection that looked at these disks.
    ...(target.guest.kind === 'inspected' && target.guest.jobId ? { inspectionJobId: target.guest.jobId } : {}),
  };
}
