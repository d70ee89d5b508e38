import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConvertOptions, ConvertResult } from '../../../shared/contract/models/convert';
import { fail } from '../core/errors';
import type { JobSpec } from '../core/jobs';
import type { ToolRunner } from '../core/tool-runner';
import type { DiskOps } from '../privilege/disk-ops';
import { directDiskOps } from '../privilege/disk-ops';
import { convertStage } from '../stages/convert';
import { preflightStage } from '../stages/preflight';
import { probeStage } from '../stages/probe';
import { verifyManifestStage } from '../stages/verify-manifest';
import { runTail, tailStages } from '../pipeline/tail';
import { tailCli } from '../pipeline/cli';
import { resolveOptions } from './preview';

export interface ConvertJobDeps {
  tools: ToolRunner;
  /** Opens the privileged helper (one password prompt per app session); absent in the CLI. */
  elevate?: () => Promise<DiskOps>;
  isRoot: boolean;
  /** App version, recorded in the inspection report. */
  version?: string;
}

/** The stages before the shared tail (pipeline/tail.ts: check → inspect → repair → finalize → define → verify-boot). */
export const CONVERT_STAGES = [
  { id: 'probe', label: 'Probe source' },
  { id: 'verify', label: 'Verify manifest' },
  { id: 'preflight', label: 'Check destination' },
  { id: 'convert', label: 'Convert disks' },
] as const;

/** The equivalent command line, stored in the job record so that any run can be replayed. */
export function convertCli(source: string, options: ConvertOptions): string[] {
  const o = resolveOptions(options);
  return ['hyper2kvm', 'convert', source, '--out', o.outDir, '--format', o.format, ...(o.compress ? ['--compress'] : []), ...(o.name ? ['--name', o.name] : []), ...(o.overwrite ? ['--overwrite'] : []), ...tailCli(o)];
}

/** probe → verify → preflight → convert, then the shared tail. */
export function convertJob(source: string, rawOptions: ConvertOptions, deps: ConvertJobDeps): JobSpec<ConvertResult> {
  const options = resolveOptions(rawOptions);
  return {
    kind: 'convert',
    title: `Convert ${source}`,
    stages: [...CONVERT_STAGES, ...tailStages(options)],
    request: { source, options },
    cli: convertCli(source, rawOptions),
    async run(job) {
      const started = Date.now();
      const plan = await job.runStage(probeStage, { source });
      await job.runStage(verifyManifestStage, plan);
      const ops = await diskOpsFor(options.outDir, deps);
      if (ops.privileged && !existsSync(options.outDir)) {
        // The helper creates files, never folders: it must not build paths the user chose.
        fail('DEST_NOT_FOUND', `${options.outDir} does not exist, and only an administrator may create it.`, 'Create the folder first (as root), or choose an existing one.', { path: options.outDir });
      }
      const preview = await job.runStage(preflightStage(ops.privileged || deps.elevate !== undefined), { plan, options });
      const converted = await job.runStage(convertStage(ops), {
        plan,
        outputs: preview.outputs.map(({ diskId, path }) => ({ diskId, path })),
        format: options.format,
        compress: options.compress,
      });
      const tail = await runTail(job, { converted, vm: plan.vm, options, ops, tools: deps.tools, version: deps.version ?? '0.0.0' });
      return {
        jobId: job.id,
        ...tail,
        vm: plan.vm,
        durationMs: Date.now() - started,
        recordPath: join(job.dir, 'job.json'),
      };
    },
  };
}

/** Direct when we can write the destination (or are root); through the helper otherwise. */
async function diskOpsFor(outDir: string, deps: ConvertJobDeps): Promise<DiskOps> {
  if (deps.isRoot || !deps.elevate) return directDiskOps(deps.tools);
  const writable = await access(outDir, constants.W_OK).then(
    () => true,
    () => access(join(outDir, '..'), constants.W_OK).then(
      () => true,
      () => false,
    ),
  );
  return writable ? directDiskOps(deps.tools) : deps.elevate();
}
