import { describe, expect, it } from 'vitest';
import { VERIFY_ATTEMPTS_MAX, acceleratorPlan, verificationDomainName } from '../../../electron/engine/boot/verify-stage';

describe('the boot verifier tries accelerators in order', () => {
  it.each([
    { requested: 'auto', kvm: true, failedHere: false, plan: ['kvm', 'tcg'] },
    { requested: 'auto', kvm: true, failedHere: true, plan: ['tcg'] },
    { requested: 'auto', kvm: false, failedHere: false, plan: ['tcg'] },
    { requested: 'kvm', kvm: true, failedHere: true, plan: ['kvm'] },
    { requested: 'tcg', kvm: true, failedHere: false, plan: ['tcg'] },
  ] as const)('$requested with KVM present=$kvm, failed earlier=$failedHere: $plan', ({ requested, kvm, failedHere, plan }) => {
    expect(acceleratorPlan(requested, kvm, failedHere)).toEqual(plan);
  });

  it('a resume looks for as many domain names as the longest plan has attempts', () => {
    const longest = Math.max(...(['auto', 'kvm', 'tcg'] as const).flatMap((r) => [true, false].map((k) => acceleratorPlan(r, k, false).length)));
    expect(VERIFY_ATTEMPTS_MAX).toBe(longest);
    expect(new Set(Array.from({ length: VERIFY_ATTEMPTS_MAX }, (_, i) => verificationDomainName('20261207-000000-abcdef', i + 1))).size).toBe(VERIFY_ATTEMPTS_MAX);
  });
});
