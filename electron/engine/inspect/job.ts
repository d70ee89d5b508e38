import { basename, resolve } from 'node:path';
import type { EngineError } from '../../../shared/contract/errors';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import { toEngineError } from '../core/errors';
import type { JobSpec } from '../core/jobs';
import type { Stage, StageContext } from '../core/stage';
import { inspectStage } from './stage';
import type { InspectDisk } from './stage';

/**
 * Inspection as a job of its own (kind 'inspect', `inspect.start` and `hyper2kvm inspect`), and
 * as the optional last stage of a conversion. Either way one read-only appliance sees every disk
 * of the VM, and the report is stored with the job as inspection.json; only the report is the
 * job's result (the stage's live session is closed by then).
 */

export const INSPECT_STAGES = [{ id: inspectStage.id, label: inspectStage.label }] as const;

/** The equivalent command line, stored in the job record so that any run can be replayed. */
export function inspectCli(disks: readonly InspectDisk[]): string[] {
  return ['hyper2kvm', 'inspect', ...disks.map((d) => d.path)];
}

export function inspectJob(disks: readonly InspectDisk[], deps: { version: string }): JobSpec<InspectionReport> {
  const absolute = disks.map((d) => ({ ...d, path: resolve(d.path) }));
  const names = absolute.map((d) => basename(d.path));
  return {
    kind: 'inspect',
    title: `Inspect ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}`,
    stages: INSPECT_STAGES,
    request: { disks: absolute },
    cli: inspectCli(absolute),
    async run(job) {
      const { report } = await job.runStage(inspectStage, { disks: absolute, producerVersion: deps.version });
      return report;
    },
  };
}

export type InspectionOutcome = { report: InspectionReport; error?: undefined } | { report?: undefined; error: EngineError };

/**
 * The conversion's inspect stage: the converted disks are already in place and checked, so a
 * failed inspection is reported next to them instead of failing (and undoing) the conversion.
 * Cancelling still cancels the job.
 */
export function inspectAfterConversion(version: string): Stage<readonly InspectDisk[], InspectionOutcome> {
  return {
    id: inspectStage.id,
    label: inspectStage.label,
    async run(disks, ctx) {
      try {
        // A conversion's progress is in bytes (the wizard's bar, rate and ETA); the inspection
        // counts steps, so its stage state and log lines tell how it goes instead.
        const quiet: StageContext = { ...ctx, progressSnapshot: () => undefined };
        const { report } = await inspectStage.run({ disks, producerVersion: version }, quiet);
        return { report };
      } catch (error) {
        const value = toEngineError(error);
        if (value.code === 'CANCELLED' || ctx.signal.aborted) throw error;
        ctx.log('warn', `The inspection failed; the converted disks are fine. ${value.message}`);
        return { error: value };
      }
    },
  };
}
