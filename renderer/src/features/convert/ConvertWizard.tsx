import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Button, PageSection, ProgressStep, ProgressStepper } from '@patternfly/react-core';
import { ConvertContinuation } from '../domain';
import { OptionsStep } from './OptionsStep';
import { ResultStep } from './ResultStep';
import { RunStep } from './RunStep';
import { SourceStep } from './SourceStep';
import { STEPS, reachableSteps } from './steps';
import { goTo, useConvertStore, wizardFacts } from './store';

/** Source → Options → Run → Result, with a step bar that only offers the steps that make sense now. */
export function ConvertWizard(): ReactNode {
  const step = useConvertStore((s) => s.step);
  const facts = useConvertStore(useShallow(wizardFacts));
  const outcome = useConvertStore((s) => s.run?.outcome);
  const reachable = reachableSteps(facts);
  const currentIndex = STEPS.findIndex((s) => s.id === step);

  return (
    <>
      <PageSection>
        <ProgressStepper isCenterAligned aria-label="Conversion steps" data-testid="steps">
          {STEPS.map((s, i) => (
            <ProgressStep
              key={s.id}
              id={`step-${s.id}`}
              titleId={`step-${s.id}-title`}
              isCurrent={s.id === step}
              variant={i < currentIndex ? 'success' : s.id === step ? 'info' : 'pending'}
              data-testid={`step-${s.id}`}
              data-current={s.id === step}
            >
              {reachable.has(s.id) && s.id !== step ? (
                <Button variant="link" isInline onClick={() => goTo(s.id)}>
                  {s.label}
                </Button>
              ) : (
                s.label
              )}
            </ProgressStep>
          ))}
        </ProgressStepper>
      </PageSection>
      <PageSection isFilled>
        {step === 'source' ? <SourceStep /> : null}
        {step === 'options' ? <OptionsStep /> : null}
        {step === 'run' ? <RunStep /> : null}
        {step === 'result' ? <ResultStep /> : null}
        {(step === 'vm' || step === 'verify') && outcome?.type === 'done' ? <ConvertContinuation step={step} result={outcome.result} goTo={goTo} /> : null}
      </PageSection>
    </>
  );
}
