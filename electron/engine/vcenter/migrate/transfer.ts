import type { DiskTransfer, MigrateResult } from '../../../../shared/contract/api/vcenter';
import { formatBytes, formatDuration, formatRate } from '../../../../shared/format';
import { EngineFailure } from '../../core/errors';
import type { Stage } from '../../core/stage';
import { downloadDatastoreFile } from '../../vsphere/datastore-download';
import type { FileAccess } from '../../vsphere/datastore-download';
import type { VsphereSession } from '../../vsphere/session';
import type { TokenBucket } from '../../vsphere/token-bucket';
import { powerState, vmRef } from '../../vsphere/vm-operations';
import { localNameFor } from '../chain-plan';
import { PartsProgress } from '../parts-progress';
import type { Staging } from '../staging';
import { eachLimited } from './lane';
import type { Lane, Lanes } from './lane';

/**
 * Stage 3 of a vCenter migration, running beside stage 4 (convert.ts): every lane's files
 * downloaded in order into the staging folder, at most `parallel` disks at once, each byte
 * count handed to the file's readers as it lands. A finished file is recorded in the staging
 * manifest, so that an interrupted job's next attempt skips it; a failed lane stops every lane.
 */

export const TRANSFER = { id: 'transfer', label: 'Download disks' } as const;

export interface TransferDeps {
  access: FileAccess;
  bucket?: TokenBucket | undefined;
  staging: Staging;
  session: VsphereSession;
  lanes: Lanes;
  /** The server's identity, recorded beside each partial download (a resume checks it). */
  serverId: string;
}

export interface TransferInput {
  vm: { id: string; name: string };
  parallelDisks: number;
  retries: number;
  /** When transfer ∥ convert began: the rate in the log is over the whole copy. */
  startedAt: number;
}

export function transferStage(deps: TransferDeps): Stage<TransferInput, void> {
  const { access, bucket, staging, session, lanes } = deps;
  return {
    ...TRANSFER,
    async run(input, ctx) {
      const progress = new PartsProgress(lanes.list.map((l) => ({ id: l.diskId, label: l.label, total: laneBytes(l) })));
      lanes.measure(progress);
      for (const lane of lanes.list) progress.setBaseline(lane.diskId, lane.resumedBytes);
      const report = (): void => ctx.progressSnapshot(progress.snapshot());
      let lastReport = 0;
      await eachLimited(lanes.list, input.parallelDisks, lanes.signal, async (lane) => {
        lane.startedAt = Date.now();
        lane.started.resolve();
        progress.start(lane.diskId);
        try {
          for (const [index, file] of lane.files.entries()) {
            lane.cursor = index;
            if (file.complete) continue;
            const localName = localNameFor(file.dsPath);
            const done = lane.files.slice(0, index).reduce((s, f) => s + f.size, 0);
            const result = await downloadDatastoreFile({
              access,
              source: file.location,
              destination: file.path,
              expectedSize: file.size,
              signal: lanes.signal,
              ...(bucket ? { bucket } : {}),
              maxAttempts: input.retries,
              serverId: deps.serverId,
              // The file is converted as it arrives and deleted after a success: waiting for the
              // disk to write it all would only delay the job. What a failed job keeps reaches
              // the disk with the kernel's writeback (within ~30 s), like any other file; a
              // flush there would make Cancel wait for it. A resume trusts a file only when its
              // size matches, and file systems grow the on-disk size only with written data.
              flushOnComplete: false,
              onWritten: (bytes) => {
                file.setAvailable(bytes);
                // Waiters need every byte count; the progress meter does not.
                const now = Date.now();
                if (now - lastReport < 100) return;
                lastReport = now;
                progress.update(lane.diskId, done + bytes);
                report();
              },
              onLog: (message) => ctx.log('warn', message),
            });
            if (file.failure) throw new EngineFailure(file.failure);
            file.markComplete();
            progress.update(lane.diskId, done + file.size);
            await staging.markComplete(localName, file.dsPath, file.size);
            lane.results.push({ name: file.dsPath, bytes: result.bytes, resumedFrom: result.resumedFrom });
          }
          lane.cursor = lane.files.length;
          lane.endedAt = Date.now();
          progress.finish(lane.diskId);
          report();
        } catch (error) {
          lanes.fail(lane, error);
          throw error;
        }
      });
      // A VM powered on during the copy makes the copy suspect. (This is also a SOAP call after
      // a long transfer: the session is renewed here if the server dropped it.)
      const state = await powerState(session, vmRef(input.vm.id), ctx.signal);
      if (state === 'poweredOn') ctx.log('warn', `${input.vm.name} was powered on while its disks were copied: the copy may be inconsistent. Power it off and migrate again to be sure.`);
      ctx.log('info', downloadedLine(lanes.list.reduce((s, l) => s + laneBytes(l), 0), Date.now() - input.startedAt));
    },
  };
}

/** Bytes of a lane's files, as the server sized them. */
export function laneBytes(lane: Pick<Lane, 'files'>): number {
  return lane.files.reduce((s, f) => s + f.size, 0);
}

/** The transfer's closing line: bytes of every file (resumed ones included) over the whole copy. */
export function downloadedLine(bytes: number, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  return `Downloaded ${formatBytes(bytes)} in ${formatDuration(seconds)} (${formatRate(seconds > 0 ? bytes / seconds : null)})`;
}

/** What one disk's download did, for the job's result. */
export function diskTransfer(lane: Pick<Lane, 'diskId' | 'label' | 'files' | 'results' | 'resumedBytes' | 'aheadBytes' | 'startedAt' | 'endedAt'>): DiskTransfer {
  return {
    diskId: lane.diskId,
    label: lane.label,
    // A file complete from an earlier job was resumed from its end; one this job did not reach, from nothing.
    files: lane.files.map((f) => ({ name: f.dsPath, bytes: f.size, resumedFrom: lane.results.find((r) => r.name === f.dsPath)?.resumedFrom ?? (f.complete ? f.size : 0) })),
    bytes: laneBytes(lane),
    resumedBytes: lane.resumedBytes + lane.results.reduce((s, r) => s + r.resumedFrom, 0),
    aheadBytes: lane.aheadBytes,
    durationMs: Math.max(0, lane.endedAt - lane.startedAt),
  };
}

/** The transfer part of the job's result: per disk, and overall from its start to the last lane's end. */
export function transferRecord(lanes: ReadonlyArray<Parameters<typeof diskTransfer>[0]>, startedAt: number): MigrateResult['transfer'] {
  const disks = lanes.map(diskTransfer);
  const bytes = disks.reduce((s, d) => s + d.bytes, 0);
  const elapsedMs = Math.max(...lanes.map((l) => l.endedAt)) - startedAt;
  return {
    disks,
    bytes,
    resumedBytes: disks.reduce((s, d) => s + d.resumedBytes, 0),
    aheadBytes: disks.reduce((s, d) => s + d.aheadBytes, 0),
    durationMs: Math.max(0, elapsedMs),
    bytesPerSecond: elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0,
  };
}
