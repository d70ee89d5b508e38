import { useEffect } from 'react';
import type { ReactNode } from 'react';
import type { ConvertResult } from '../../../../shared/contract/models/convert';
import { adoptConversion, convertVmFlow } from './flows';
import { VerifyStep } from './VerifyStep';
import { VmStep } from './VmStep';

/**
 * The Convert wizard's last two steps, Create VM and Verify boot, for the disks the conversion
 * produced. A new conversion starts them over.
 */
export function ConvertContinuation({ step, result, goTo }: { step: 'vm' | 'verify'; result: ConvertResult; goTo: (step: 'result' | 'vm' | 'verify') => void }): ReactNode {
  useEffect(() => adoptConversion(result), [result]);
  const adopted = convertVmFlow.useStore((s) => s.target?.convertJobId === result.jobId);
  if (!adopted) return null;
  return step === 'vm' ? (
    <VmStep flow={convertVmFlow} onVerify={() => goTo('verify')} onBack={() => goTo('result')} backLabel="Back to the result" />
  ) : (
    <VerifyStep flow={convertVmFlow} onBack={() => goTo('vm')} backLabel="Back to Create VM" />
  );
}
