/** The wizard's steps and which of them the user may go to from where they are. */

export const STEPS = [
  { id: 'source', label: 'Source' },
  { id: 'options', label: 'Options' },
  { id: 'run', label: 'Run' },
  // With the repair option: the plan to review, then what the repair did.
  { id: 'repair', label: 'Repair' },
  { id: 'result', label: 'Result' },
  // After a conversion: a libvirt VM for its disks, and the proof that it boots.
  { id: 'vm', label: 'Create VM' },
  { id: 'verify', label: 'Verify boot' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export interface WizardFacts {
  hasPlan: boolean;
  /** A job was started and has not ended yet. */
  running: boolean;
  hasJob: boolean;
  succeeded: boolean;
  /** The job planned a repair (it may wait for the user's decision on the Repair step). */
  hasRepairPlan: boolean;
}

/**
 * While a job runs only its Run step is reachable (its source and options are what is being
 * converted); after it ends the user may look back, change options and run again.
 */
export function reachableSteps(facts: WizardFacts): Set<StepId> {
  if (facts.running) return new Set<StepId>(facts.hasRepairPlan ? ['run', 'repair'] : ['run']);
  const steps = new Set<StepId>(['source']);
  if (facts.hasPlan) steps.add('options');
  if (facts.hasJob) steps.add('run');
  if (facts.hasRepairPlan) steps.add('repair');
  if (facts.succeeded) for (const id of ['result', 'vm', 'verify'] as const) steps.add(id);
  return steps;
}
