import type { NetworkRepairMode } from '../../../../shared/contract/models/repair';

/** The repair choices both wizards offer next to their other options. */
export interface RepairDraft {
  /** Repair the guest, reviewing the plan before anything is written (on unless turned off). */
  repair: boolean;
  networkRepair: NetworkRepairMode;
  serialConsole: boolean;
  /** Windows: the virtio-win ISO or folder on this machine ('' = none: Windows is repaired for SATA). */
  virtioWin: string;
}

export const DEFAULT_REPAIR_DRAFT: RepairDraft = { repair: true, networkRepair: 'pin-name', serialConsole: false, virtioWin: '' };

/** The contract's repair option for a draft: reviewed in the wizard, absent when off. */
export function repairOption(draft: RepairDraft): { repair?: { review: true; network: NetworkRepairMode; serialConsole: boolean; virtioWin?: string } } {
  const virtioWin = draft.virtioWin.trim();
  return draft.repair ? { repair: { review: true, network: draft.networkRepair, serialConsole: draft.serialConsole, ...(virtioWin ? { virtioWin } : {}) } } : {};
}

