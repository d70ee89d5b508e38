import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageSection } from '@patternfly/react-core';
import { WizardSteps } from '../../components/WizardSteps';
import { ConvertContinuation, convertVmFlow } from '../domain';
import { OptionsStep } from './OptionsStep';
import { ResultStep } from './ResultStep';
import { ConvertRepairStep, RunStep } from './RunStep';
import { SourceStep } from './SourceStep';
import { STEPS, reachableSteps } from './steps';
import { goTo, useConvertStore, wizardFacts } from './store';

/** Source → Options → Run → Result, with a step bar that only offers the steps that make sense now. */
export function ConvertWizard(): ReactNode {
  const step = useConvertStore((s) => s.step);
  const facts = useConvertStore(useShallow(wizardFacts));
  const outcome = useConvertStore((s) => s.run?.outcome);
  const reachable = reachableSteps(facts);

  return (
    <>
      <WizardSteps steps={STEPS} current={step} canGoTo={(id) => reachable.has(id)} onGoTo={goTo} ariaLabel="Conversion steps" testId="steps" idPrefix="step-" />
      <PageSection isFilled>
        {step === 'source' ? <SourceStep /> : null}
        {step === 'options' ? <OptionsStep /> : null}
        {step === 'run' ? <RunStep /> : null}
        {step === 'repair' ? <ConvertRepairStep /> : null}
        {step === 'result' ? <ResultStep /> : null}
        {(step === 'vm' || step === 'verify') && outcome?.type === 'done' ? (
          <ConvertContinuation flow={convertVmFlow} step={step} result={outcome.result} onVmStep={() => goTo('vm')} onVerifyStep={() => goTo('verify')} onResult={() => goTo('result')} />
        ) : null}
      </PageSection>
    </>
  );
}
