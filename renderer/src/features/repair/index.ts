/** Guest repair in the wizards: the options, the Repair step and its pure view model. */
export { RepairRecordView, RepairStep } from './RepairStep';
export { RepairOptionsFields } from './RepairOptionsFields';
export { repairOption, DEFAULT_REPAIR_DRAFT } from './repair-options';
export type { RepairDraft } from './repair-options';

interface WizardStore<S> {
  getState: () => S;
  setState: (patch: Partial<S>) => void;
  subscribe: (listener: (state: S, previous: S) => void) => () => void;
}

/**
 * Moves a wizard from its Run step to its Repair step when the job shows a plan to review (the
 * job waits for the user there); a step the user chose meanwhile stays on screen.
 */
export function showRepairWhenAsked<S extends { step: string; run: { repairPlan: { awaitingDecision: boolean } | null } | null }>(store: WizardStore<S>): void {
  store.subscribe((state, previous) => {
    const asking = state.run?.repairPlan?.awaitingDecision ?? false;
    const was = previous.run?.repairPlan?.awaitingDecision ?? false;
    if (asking && !was && state.step === 'run') store.setState({ step: 'repair' } as Partial<S>);
  });
}
