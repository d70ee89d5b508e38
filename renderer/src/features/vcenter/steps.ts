/** The vCenter page's steps and which of them the user may go to from where they are. */

export const STEPS = [
  { id: 'connect', label: 'Connect' },
  { id: 'inventory', label: 'Inventory' },
  { id: 'vm', label: 'VM & pre-flight' },
  { id: 'run', label: 'Migrate' },
  // With the repair option: the plan to review, then what the repair did.
  { id: 'repair', label: 'Repair' },
  { id: 'result', label: 'Result' },
  // After the migration, as after a local conversion: a libvirt VM, and the proof that it boots.
  { id: 'define', label: 'Create VM' },
  { id: 'verify', label: 'Verify boot' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export interface VcenterFacts {
  connected: boolean;
  /** One VM is open, or several are selected for pre-flight. */
  hasVm: boolean;
  /** A migration was started and has not ended yet. */
  running: boolean;
  hasJob: boolean;
  succeeded: boolean;
  /** The migration planned a repair (it may wait for the user's decision on the Repair step). */
  hasRepairPlan: boolean;
}

/**
 * While a migration runs only its page is reachable (what it migrates is fixed); afterwards
 * everything the connection allows. A job found after a reload is reachable without a login.
 */
export function reachableSteps(facts: VcenterFacts): Set<StepId> {
  if (facts.running) return new Set<StepId>(facts.hasRepairPlan ? ['run', 'repair'] : ['run']);
  const steps = new Set<StepId>(['connect']);
  if (facts.connected) steps.add('inventory');
  if (facts.connected && facts.hasVm) steps.add('vm');
  if (facts.hasJob) steps.add('run');
  if (facts.hasRepairPlan) steps.add('repair');
  if (facts.succeeded) for (const id of ['result', 'define', 'verify'] as const) steps.add(id);
  return steps;
}
