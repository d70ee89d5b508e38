/** The vCenter page's steps and which of them the user may go to from where they are. */

export const STEPS = [
  { id: 'connect', label: 'Connect' },
  { id: 'inventory', label: 'Inventory' },
  { id: 'vm', label: 'VM & pre-flight' },
  { id: 'run', label: 'Migrate' },
  { id: 'result', label: 'Result' },
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
}

/**
 * While a migration runs only its page is reachable (what it migrates is fixed); afterwards
 * everything the connection allows. A job found after a reload is reachable without a login.
 */
export function reachableSteps(facts: VcenterFacts): Set<StepId> {
  if (facts.running) return new Set<StepId>(['run']);
  const steps = new Set<StepId>(['connect']);
  if (facts.connected) steps.add('inventory');
  if (facts.connected && facts.hasVm) steps.add('vm');
  if (facts.hasJob) steps.add('run');
  if (facts.succeeded) steps.add('result');
  return steps;
}
