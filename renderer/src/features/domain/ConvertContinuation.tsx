import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { adoptConversion } from './flows';
import type { ConvertedVm } from './flows';
import type { VmFlow } from './vm-flow';
import { VerifyStep } from './VerifyStep';
import { VmStep } from './VmStep';

/**
 * A wizard's last two steps, Create VM and Verify boot, for the disks its job produced (a local
 * conversion or a vCenter migration, each with its own flow). A new job starts them over.
 */
export function ConvertContinuation({ flow, step, result, onVmStep, onVerifyStep, onResult }: { flow: VmFlow; step: 'vm' | 'verify'; result: ConvertedVm; onVmStep: () => void; onVerifyStep: () => void; onResult: () => void }): ReactNode {
  useEffect(() => adoptConversion(flow, result), [flow, result]);
  const adopted = flow.useStore((s) => s.target?.convertJobId === result.jobId);
  if (!adopted) return null;
  return step === 'vm' ? <VmStep flow={flow} onVerify={onVerifyStep} onBack={onResult} backLabel="Back to the result" /> : <VerifyStep flow={flow} onBack={onVmStep} backLabel="Back to Create VM" />;
}
