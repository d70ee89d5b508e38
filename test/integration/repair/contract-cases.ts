import { expect } from 'vitest';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import type { RemoteError, RpcClient } from '../../../shared/rpc/client';
import type { VmdkSamples } from '../../fixtures';

/**
 * The contract cases of the repair calls (contract.test.ts merges them): the calls themselves,
 * cheaply — a VMware disk refused before any appliance starts, a decision for a job that waits
 * for none. Real repairs (plans, diffs, applies, reviews) are in this folder's other files.
 */

interface RepairCtx {
  samples: VmdkSamples;
  events: JobEvent[];
}
type RepairCase = (client: RpcClient, ctx: RepairCtx) => Promise<void>;
type RepairMethod = Extract<MethodName, `repair.${string}`>;

async function endOf(events: JobEvent[], jobId: string): Promise<JobEvent> {
  for (let i = 0; i < 2000; i++) {
    const end = events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

export const repairCases: Record<RepairMethod, RepairCase> = {
  'repair.start': async (client, { samples, events }) => {
    const { jobId } = await client.call('repair.start', { disks: [{ path: samples.monolithicSparse }], dryRun: true });
    const end = await endOf(events, jobId);
    expect(end).toMatchObject({ type: 'failed', error: { code: 'REPAIR_DISK_REFUSED', kind: 'bad-input' } });
    expect(end.type === 'failed' && end.error.hint).toContain('convert');
    const bad = await client.call('repair.start', { disks: [], dryRun: true }).catch((e: unknown) => e);
    expect((bad as RemoteError).value.code).toBe('INVALID_REQUEST');
  },
  'repair.decide': async (client, { samples, events }) => {
    const { jobId } = await client.call('repair.start', { disks: [{ path: samples.streamOptimized }] });
    await endOf(events, jobId);
    const late = await client.call('repair.decide', { jobId, decision: { action: 'skip' } }).catch((e: unknown) => e);
    expect((late as RemoteError).value).toMatchObject({ code: 'REPAIR_NOT_WAITING', kind: 'bad-input' });
    const unknownFix = await client.call('repair.decide', { jobId, decision: { action: 'apply', fixes: ['make-it-work' as never] } }).catch((e: unknown) => e);
    expect((unknownFix as RemoteError).value.code).toBe('INVALID_REQUEST');
  },
};
