import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MigrateResult, ResolvedMigrateOptions } from '../../../shared/contract/api/vcenter';
import type { VmDetails } from '../../../shared/contract/models/vsphere';
import { formatBytes } from '../../../shared/format';
import { toEngineError } from '../core/errors';
import type { JobHandle, JobSpec } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import { directDiskOps } from '../privilege/disk-ops';
import type { ConvertedPartial } from '../stages/convert';
import { runTail, tailStages } from '../pipeline/tail';
import { sessionFileAccess } from '../vsphere/datastore-download';
import { toVmMetadata } from '../vsphere/inventory-map';
import { TokenBucket } from '../vsphere/token-bucket';
import type { Connection } from './connections';
import './error-codes';
import { LoopbackServer } from './loopback-server';
import { serverIdentity, stagedBytes, Staging, stagingDirFor } from './staging';
import { migrateCli } from './migrate/cli';
import { PREFLIGHT, preflightStage } from './migrate/preflight';
import { PLAN, planStage } from './migrate/plan';
import { TRANSFER, transferRecord, transferStage } from './migrate/transfer';
import { CONVERT, convertStage } from './migrate/convert';
import { firstRealError, Lanes } from './migrate/lane';

export { migrateCli };

/**
 * Migrating a VM from vCenter: one job that downloads every file of each disk chain into a
 * staging folder and converts the disk WHILE it downloads. qemu-img reads the disk through a
 * loopback HTTP server that answers from the bytes already on disk and waits (briefly) for the
 * rest, so transfer and conversion overlap instead of running one after the other. Disks run in
 * parallel (bounded); a dropped connection resumes with a Range request; an interrupted job
 * leaves its downloads for the next one to resume.
 *
 *   migrate/preflight.ts → migrate/plan.ts → (migrate/transfer.ts ∥ migrate/convert.ts),
 *   then the tail every migration shares (pipeline/tail.ts: check → inspect → repair →
 *   finalize → define → verify-boot)
 *
 * Each stage is its own module; a lane (migrate/lane.ts) is one disk's path through transfer
 * and convert, the state those two share. This file only wires them in order, with what lives
 * across stages: the staging folder, the loopback server and the cleanups.
 */

export const MIGRATE_STAGES = [PREFLIGHT, PLAN, TRANSFER, CONVERT] as const;

export interface MigrateJobDeps {
  tools: ToolRunner;
  connection: Connection;
  /** App version, recorded in the inspection report. */
  version: string;
}

export function migrateJob(vm: Pick<VmDetails, 'id' | 'name' | 'instanceUuid'>, options: ResolvedMigrateOptions, deps: MigrateJobDeps): JobSpec<MigrateResult> {
  const { connection, tools } = deps;
  const session = connection.session;
  const outDir = resolve(options.outDir);
  const choices = { outDir, format: options.format, overwrite: options.overwrite, libvirt: options.libvirt, name: options.name };
  return {
    kind: 'migrate',
    title: `Migrate ${vm.name} from ${connection.endpoint.display}`,
    stages: [...MIGRATE_STAGES, ...tailStages(options)],
    // What the user asked for, never the password (the session holds it).
    request: { server: connection.endpoint.display, user: connection.user, vmId: vm.id, vmName: vm.name, options },
    cli: migrateCli(connection, vm.name, options),
    async run(job) {
      const started = Date.now();
      const access = sessionFileAccess(session);
      const bucket = options.maxBytesPerSecond ? new TokenBucket(options.maxBytesPerSecond) : undefined;
      const lanes = new Lanes(job.signal);

      const { details, notes } = await job.runStage(preflightStage({ session, tools }), { vmId: vm.id, options: choices });

      // The staging folder (a resume finds it by the VM's identity) and the loopback server
      // outlive the stages: the failure cleanup keeps the downloads, the server always stops.
      const identity = { server: serverIdentity(session.serviceContent.about, session.server), vmId: details.id, vmName: details.name, ...(details.instanceUuid ? { instanceUuid: details.instanceUuid } : {}) };
      const staging = await Staging.open(stagingDirFor(outDir, identity), identity);
      job.cleanup.onFailure('keep the downloads for a resume', () => keepForResume(job, staging.dir));
      const server = new LoopbackServer({
        access,
        ...(bucket ? { bucket } : {}),
        signal: lanes.signal,
        bytesAhead: (file, offset) => lanes.bytesAhead(file, offset),
        rate: () => lanes.rate(),
        onAhead: (file, bytes) => lanes.noteAhead(file, bytes),
        onLog: (message) => job.log('debug', message),
      });
      await server.start();
      job.cleanup.always('stop the loopback server', () => server.close());

      const plan = await job.runStage(planStage({ access, tools, server, staging }), { details, options: { ...options, ...choices } });
      lanes.adopt(plan.lanes);

      const transferStarted = Date.now();
      const transfer = job.runStage(transferStage({ access, bucket, staging, session, lanes, serverId: identity.server }), {
        vm: { id: details.id, name: details.name },
        parallelDisks: options.parallelDisks,
        retries: options.retries,
        startedAt: transferStarted,
      });
      const convert = job.runStage(convertStage({ tools, lanes }), { format: options.format, compress: options.compress, parallelDisks: options.parallelDisks });
      const settled = await Promise.allSettled([transfer, convert]);
      const problem = firstRealError(settled, job.signal);
      if (problem) throw problem;
      const converted = (settled[1] as PromiseFulfilledResult<ConvertedPartial[]>).value;

      // The shared tail; the downloads go as soon as the outputs are final.
      const tail = await runTail(job, {
        converted,
        vm: toVmMetadata(details),
        options,
        ops: directDiskOps(tools),
        tools,
        version: deps.version,
        afterFinalize: async () => {
          if (options.keepDownloads) {
            job.log('info', `The downloaded VMware files are kept in ${staging.dir}.`);
          } else {
            await rm(staging.dir, { recursive: true, force: true }).catch((error: unknown) => job.log('warn', `Could not remove the downloads in ${staging.dir}: ${toEngineError(error).message}`));
          }
        },
      });

      return {
        jobId: job.id,
        source: { server: connection.endpoint.display, vmId: details.id, vmName: details.name, ...(details.instanceUuid ? { instanceUuid: details.instanceUuid } : {}) },
        vm: toVmMetadata(details),
        ...tail,
        transfer: transferRecord(lanes.list, transferStarted),
        preflight: notes,
        stagingDir: options.keepDownloads ? staging.dir : null,
        durationMs: Date.now() - started,
        recordPath: join(job.dir, 'job.json'),
      };
    },
  };
}

/** After a failed or cancelled job: keep what was downloaded for the next attempt, and say where. */
async function keepForResume(job: JobHandle, dir: string): Promise<void> {
  const bytes = await stagedBytes(dir);
  if (bytes === 0) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  job.log('info', `Kept ${formatBytes(bytes)} already downloaded in ${dir}: migrate this VM into the same folder again to resume, or discard them (migrate.discardDownloads).`);
}
