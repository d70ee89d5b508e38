import { useEffect, useState } from 'react';
import type { CallOutput } from '../../../shared/contract/api';
import { engine } from '../app/app-store';

export type InspectionEstimate = CallOutput<'inspect.estimate'>;

/**
 * "about 45 s (measured on this machine)": how long an inspection takes, from the engine's
 * measurements of earlier ones; the typical figure without KVM until there are some.
 */
export function estimateText(estimate: InspectionEstimate | null): string {
  if (!estimate) return 'about 30 s without KVM';
  const total = estimate.launchSeconds + estimate.inspectSeconds;
  return estimate.measured > 0 ? `about ${total} s, as measured on this machine` : `about ${total} s without KVM; not measured on this machine yet`;
}

/** The engine's current estimate (asked once per mount: it changes only after an inspection). */
export function useInspectionEstimate(): InspectionEstimate | null {
  const [estimate, setEstimate] = useState<InspectionEstimate | null>(null);
  useEffect(() => {
    let live = true;
    engine()
      .call('inspect.estimate', {})
      .then(
        (e) => live && setEstimate(e),
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, []);
  return estimate;
}
