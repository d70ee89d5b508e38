import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageSection } from '@patternfly/react-core';
import { WizardSteps } from '../../components/WizardSteps';
import { ConnectStep } from './ConnectStep';
import { InventoryStep } from './InventoryStep';
import { ResultStep } from './ResultStep';
import { MigrateRepairStep, RunStep } from './RunStep';
import { ConvertContinuation, migrateVmFlow } from '../domain';
import { STEPS, reachableSteps } from './steps';
import { enterVcenterPage, goTo, leaveVcenterPage, useVcenterStore, vcenterFacts } from './store';
import { VmStep } from './VmStep';
import './vcenter.css';

/** Connect → Inventory → VM & pre-flight → Migrate → Repair → Result → Create VM → Verify boot, offering only the steps that make sense now. */
export function VcenterPage(): ReactNode {
  const step = useVcenterStore((s) => s.step);
  const facts = useVcenterStore(useShallow(vcenterFacts));
  const outcome = useVcenterStore((s) => s.run?.outcome);
  const reachable = reachableSteps(facts);
  // Leaving the page cancels its reads in the engine; coming back asks again for what was cut short.
  useEffect(() => {
    enterVcenterPage();
    return leaveVcenterPage;
  }, []);

  return (
    <>
      <WizardSteps steps={STEPS} current={step} canGoTo={(id) => reachable.has(id)} onGoTo={goTo} ariaLabel="vCenter migration steps" testId="vc-steps" idPrefix="vc-step-" />
      <PageSection isFilled>
        {step === 'connect' ? <ConnectStep /> : null}
        {step === 'inventory' ? <InventoryStep /> : null}
        {step === 'vm' ? <VmStep /> : null}
        {step === 'run' ? <RunStep /> : null}
        {step === 'repair' ? <MigrateRepairStep /> : null}
        {step === 'result' ? <ResultStep /> : null}
        {(step === 'define' || step === 'verify') && outcome?.type === 'done' ? (
          <ConvertContinuation flow={migrateVmFlow} step={step === 'define' ? 'vm' : 'verify'} result={outcome.result} onVmStep={() => goTo('define')} onVerifyStep={() => goTo('verify')} onResult={() => goTo('result')} />
        ) : null}
      </PageSection>
    </>
  );
}
