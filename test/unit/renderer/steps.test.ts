import { describe, expect, it } from 'vitest';
import { reachableSteps } from '../../../renderer/src/features/convert/steps';
import type { WizardFacts } from '../../../renderer/src/features/convert/steps';

describe('reachableSteps', () => {
  it.each<[string, WizardFacts, string[]]>([
    ['nothing chosen yet', { hasPlan: false, running: false, hasJob: false, succeeded: false, hasRepairPlan: false }, ['source']],
    ['a source was planned', { hasPlan: true, running: false, hasJob: false, succeeded: false, hasRepairPlan: false }, ['source', 'options']],
    ['a job is running: only its progress', { hasPlan: true, running: true, hasJob: true, succeeded: false, hasRepairPlan: false }, ['run']],
    ['the job failed or was cancelled', { hasPlan: true, running: false, hasJob: true, succeeded: false, hasRepairPlan: false }, ['source', 'options', 'run']],
    ['a job is running with a repair plan to review', { hasPlan: true, running: true, hasJob: true, succeeded: false, hasRepairPlan: true }, ['run', 'repair']],
    ['the job succeeded after a repair', { hasPlan: true, running: false, hasJob: true, succeeded: true, hasRepairPlan: true }, ['source', 'options', 'run', 'repair', 'result', 'vm', 'verify']],
    ['the job succeeded: its result, and a VM for its disks', { hasPlan: true, running: false, hasJob: true, succeeded: true, hasRepairPlan: false }, ['source', 'options', 'run', 'result', 'vm', 'verify']],
  ])('%s', (_name, facts, expected) => {
    expect([...reachableSteps(facts)]).toEqual(expected);
  });
});
