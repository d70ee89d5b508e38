import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Button, PageSection, ProgressStep, ProgressStepper } from '@patternfly/react-core';
import { ConnectStep } from './ConnectStep';
import { InventoryStep } from './InventoryStep';
import { ResultStep } from './ResultStep';
import { RunStep } from './RunStep';
import { STEPS, reachableSteps } from './steps';
import { goTo, useVcenterStore, vcenterFacts } from './store';
import { VmStep } from './VmStep';
import './vcenter.css';

/** Connect → Inventory → VM & pre-flight → Migrate → Result, offering only the steps that make sense now. */
export function VcenterPage(): ReactNode {
  const step = useVcenterStore((s) => s.step);
  const facts = useVcenterStore(useShallow(vcenterFacts));
  const reachable = reachableSteps(facts);
  const currentIndex = STEPS.findIndex((s) => s.id === step);

  return (
    <>
      <PageSection>
        <ProgressStepper isCenterAligned aria-label="vCenter migration steps" data-testid="vc-steps">
          {STEPS.map((s, i) => (
            <ProgressStep
              key={s.id}
              id={`vc-step-${s.id}`}
              titleId={`vc-step-${s.id}-title`}
              isCurrent={s.id === step}
              variant={i < currentIndex ? 'success' : s.id === step ? 'info' : 'pending'}
              data-testid={`vc-step-${s.id}`}
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
        {step === 'connect' ? <ConnectStep /> : null}
        {step === 'inventory' ? <InventoryStep /> : null}
        {step === 'vm' ? <VmStep /> : null}
        {step === 'run' ? <RunStep /> : null}
        {step === 'result' ? <ResultStep /> : null}
      </PageSection>
    </>
  );
}
