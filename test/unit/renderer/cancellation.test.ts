import { describe, expect, it } from 'vitest';
import { Superseding, SupersedingByKey } from '../../../renderer/src/app/cancellation';

/** The page-side halves of cancellation per call: a newer call cancels the older one of its kind. */
describe('Superseding', () => {
  it('cancels the previous call when a new one starts, and the last one on cancel()', () => {
    const calls = new Superseding();
    const first = calls.next();
    const second = calls.next();
    expect([first.aborted, second.aborted]).toEqual([true, false]);
    calls.cancel();
    expect(second.aborted).toBe(true);
    // After a cancel, a new call starts clean.
    expect(calls.next().aborted).toBe(false);
  });

  it('by key: a newer call cancels the older of its own key only; cancelAll cancels the rest', () => {
    const calls = new SupersedingByKey<string>();
    const vm1 = calls.next('vm-1');
    const vm2 = calls.next('vm-2');
    const vm1Again = calls.next('vm-1');
    expect([vm1.aborted, vm2.aborted, vm1Again.aborted]).toEqual([true, false, false]);
    calls.cancelAll();
    expect([vm2.aborted, vm1Again.aborted]).toEqual([true, true]);
  });
});
