import { describe, expect, it } from 'vitest';
import { reachableSteps } from '../../../renderer/src/features/convert/steps';
import type { WizardFacts } from '../../../renderer/src/features/convert/steps';

describe('reachableSteps', () => {
  it.each<[string, WizardFacts, string[]]>([
    ['nothing chosen yet', { hasPlan: false, running: false, hasJob: false, succeeded: false }, ['source']],
    ['a source was planned', { hasPlan: true, running: false, hasJob: false, succeeded: false }, ['source', 'options']],
    ['a job is running: only its progress', { hasPlan: true, running: true, hasJob: true, succeeded: false }, ['run']],
    ['the job failed or was cancelled', { hasPlan: true, running: false, hasJob: true, succeeded: false }, ['source', 'options', 'run']],
    ['the job succeeded: its result, and a VM for its disks', { hasPlan: true, running: false, hasJob: true, succeeded: true }, ['source', 'options', 'run', 'result', 'vm', 'verify']],
  ])('%s', (_name, facts, expected) => {
    expect([...reachableSteps(facts)]).toEqual(expected);
  });
});
