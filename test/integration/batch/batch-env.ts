import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { JournalRecord } from '../../../electron/engine/batch/journal';
import type { BatchStatus } from '../../../shared/contract/models/batch';
import type { RpcClient } from '../../../shared/rpc/client';
import type { VmdkSamples } from '../../fixtures';

/** What the batch tests share: plans written from real fixture samples, and waiting for a batch. */

/** A VMDK that is not one: its probe fails (an injected failure). */
export function brokenVmdk(dir: string, name = 'broken.vmdk'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '# Disk DescriptorFile\nversion=1\ncreateType="monolithicSparse"\nRW 4096 SPARSE "missing-extent.vmdk"\n');
  return path;
}

/** The local samples as a list of sources with a name each (the snapshot chain's top included). */
export function sampleSources(samples: VmdkSamples): Array<{ name: string; source: string }> {
  return [
    { name: 'sparse', source: samples.monolithicSparse },
    { name: 'flat', source: samples.monolithicFlat },
    { name: 'two-gb-sparse', source: samples.twoGbMaxExtentSparse },
    { name: 'two-gb-flat', source: samples.twoGbMaxExtentFlat },
    { name: 'stream', source: samples.streamOptimized },
    { name: 'chain', source: samples.snapshotChain.top },
  ];
}

export function writePlan(dir: string, plan: Record<string, unknown>, file = 'plan.yaml'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, stringify(plan));
  return path;
}

/** Polls a running batch until its run has ended. */
export async function waitForBatch(client: RpcClient, batchId: string, until: (s: BatchStatus) => boolean = (s) => s.state === 'ended', timeoutMs = 300_000): Promise<BatchStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.call('batch.status', { batchId });
    if (until(status)) return status;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} did not get there in time: ${JSON.stringify(status.totals)} ${status.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The records of a journal file, in order. */
export function journalRecords(path: string): JournalRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord);
}
